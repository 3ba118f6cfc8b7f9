"""Every role against every permission-checked service (table-driven).

Each row names a service call and the permission it needs. For a role holding the
permission the call must succeed (the inputs are valid and inside the role's scope); for any
other role it must raise PermissionDenied and write nothing (no audit entry, no change to the
database's change counter). Add a row for every new public service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sec_helpers import KEC, PASSWORD, ROLE_ACTORS
from sqlalchemy import func, select

from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import DomainError, PermissionDenied
from spm_desktop.core.imports import run_import
from spm_desktop.core.rollup.period import Period
from spm_desktop.core.security import audit_chain, audit_trail, personal_data, users
from spm_desktop.core.security.permissions import PERMISSIONS
from spm_desktop.core.services import (
    activities,
    case_list,
    cases,
    complaints,
    dashboard,
    diagnostics,
    disaster_aid,
    disasters,
    dtsen,
    duplicates,
    events,
    households,
    letters,
    mutu,
    person_export,
    person_search,
    persons,
    recap,
    referrals,
    settings,
    volunteers,
)
from spm_desktop.core.services import backup as backup_svc
from spm_desktop.core.storage import backup
from spm_desktop.core.storage.base import new_id
from spm_desktop.core.storage.models import AuditEntry, LocalDevice
from spm_desktop.core.sync import conflicts, exporter, identity
from spm_desktop.core.sync.envelope import DeviceKeys

KELURAHAN = KEC + ".1002"  # inside the tksk actor's kecamatan


@dataclass
class Env:
    db: Any
    db_file: Path | None  # the SQLite file (None on a server database)
    tmp: Path
    ids: dict[str, str]


@dataclass(frozen=True)
class Row:
    """``call(env, actor)`` must succeed for a permitted role; ``prepare(env, actor)`` builds
    what it needs inside that actor's scope. ``gate_only``: the row only proves the gate
    (a permitted role may still get another refusal, e.g. NotFound for a dummy id)."""

    name: str
    permission: str
    call: Callable[[Env, Actor], Any]
    prepare: Callable[[Env, Actor], None] = lambda env, actor: None
    gate_only: bool = False


def _prep_user(env: Env, actor: Actor | None = None) -> None:
    env.ids["user"] = users.create_first_admin(env.db, "admin", "Admin", PASSWORD).id
    env.ids["other"] = users.create_user(env.db, SYSTEM, "budi", "Budi", "viewer", PASSWORD).id


def _prep_disaster(env: Env, actor: Actor | None = None) -> None:
    d = disasters.register_disaster(env.db, SYSTEM, disasters.DisasterInput(
        kind="kebakaran_permukiman", start_date=date(2026, 3, 2), kelurahan_code=KELURAHAN))
    env.ids["disaster"] = d.id
    h = households.register_household(env.db, SYSTEM, households.HouseholdInput(
        d.id, "6171010203260001", (households.MemberInput("Budi", "kepala", "L", age=40),)))
    env.ids["household"] = h.id


def _export(env: Env, actor: Actor) -> int:
    def write(tmp: Path) -> int:
        tmp.write_text("nama\nBudi\n", encoding="utf-8")
        return 1

    return personal_data.audited_file_export(env.db, actor, "person", env.tmp / "daftar.csv", write)


ROWS = [
    Row("users.create_user", "users.manage",
        lambda e, a: users.create_user(e.db, a, "sari", "Sari", "petugas", PASSWORD, unit="PLAT")),
    Row("users.list_users", "users.manage", lambda e, a: users.list_users(e.db, a)),
    Row("users.update_user", "users.manage",
        lambda e, a: users.update_user(e.db, a, e.ids["other"], role="tksk", kecamatan_code=KEC), _prep_user),
    Row("users.deactivate_user", "users.manage",
        lambda e, a: users.deactivate_user(e.db, a, e.ids["other"]), _prep_user),
    Row("users.reset_password", "users.manage",
        lambda e, a: users.reset_password(e.db, a, e.ids["other"], "baru12345"), _prep_user),
    Row("users.unlock_user", "users.manage", lambda e, a: users.unlock_user(e.db, a, e.ids["other"]), _prep_user),
    Row("audit_trail.query_audit", "audit.view", lambda e, a: audit_trail.query_audit(e.db, a)),
    Row("audit_trail.audit_usernames", "audit.view", lambda e, a: audit_trail.audit_usernames(e.db, a)),
    Row("audit_trail.export_audit", "audit.export",
        lambda e, a: audit_trail.export_audit(e.db, a, e.tmp / "jejak.xlsx")),
    Row("personal_data.audited_file_export", "personal_data.export", _export),
    Row("backup_svc.create_backup", "backup.run", lambda e, a: backup_svc.create_backup(e.db, a)),
    Row("backup_svc.restore_backup", "backup.restore",
        lambda e, a: (e.db.dispose(), backup_svc.restore_backup(e.db_file, a, e.ids["backup"])),
        lambda e, a: e.ids.__setitem__("backup", backup.make_backup(e.db_file, "manual").path)),
    Row("diagnostics.collect", "diagnostics.view", lambda e, a: diagnostics.collect(e.db, a, e.tmp)),
    Row("settings.update_setting", "settings.edit",
        lambda e, a: settings.update_setting(e.db, a, "office.phone", "0561-123456")),
    Row("settings.update_target", "master.edit",
        lambda e, a: settings.update_target(e.db, a, 2026, "ikk1", 95)),
    Row("disasters.register_disaster", "disaster.write",
        lambda e, a: disasters.register_disaster(e.db, a, disasters.DisasterInput(
            kind="banjir", start_date=date(2026, 4, 1), kelurahan_code=KELURAHAN))),
    Row("disasters.close_disaster", "disaster.write",
        lambda e, a: disasters.close_disaster(e.db, a, e.ids["disaster"], date(2026, 3, 9)), _prep_disaster),
    Row("households.register_household", "disaster.write",
        lambda e, a: households.register_household(e.db, a, households.HouseholdInput(
            e.ids["disaster"], "6171010203260002", (households.MemberInput("Sari", "kepala", "P", age=30),))),
        _prep_disaster),
    Row("disaster_aid.record_meals", "event.write",
        lambda e, a: disaster_aid.record_meals(e.db, a, e.ids["disaster"], date(2026, 3, 2), date(2026, 3, 3),
                                               household_ids=[e.ids["household"]]), _prep_disaster),
]


# ----- case work (persons, duplicates, cases, events), imports, sync ---------------------


def _unit(actor: Actor) -> tuple[str, str | None]:
    """A unit/kecamatan inside the actor's scope (what a permitted role would use)."""
    return ("TKSK", KEC) if actor.role == "tksk" else ("UPRS", None)


def _person(env: Env, name: str = "Budi Santoso") -> str:
    return persons.register_person(env.db, SYSTEM, persons.PersonDraft(
        name=name, sex="L", birth_year=1970, kelurahan_code=KELURAHAN), confirm_duplicates_ok=True).id


def _prep_person(env: Env, actor: Actor) -> None:
    env.ids["person"] = _person(env)


def _prep_owned_person(env: Env, actor: Actor) -> None:
    """A person whose only (closed) case is at the actor's unit: one a petugas may delete."""
    _prep_case(env, actor)
    cases.close_case(env.db, SYSTEM, env.ids["case"], date(2026, 3, 5), "pulang")


def _prep_pair(env: Env, actor: Actor) -> None:
    env.ids["person"] = _person(env)
    env.ids["other"] = _person(env, "Budi Santosa")


def _prep_case(env: Env, actor: Actor) -> None:
    _prep_person(env, actor)
    unit, kec = _unit(actor)
    env.ids["case"] = cases.open_case(env.db, SYSTEM, cases.CaseDraft(
        person_id=env.ids["person"], unit=unit, kecamatan_code=kec, spm_group="gepeng",
        intake_date=date(2026, 3, 1), needs=(MAKAN,))).id


def _prep_signatory(env: Env, actor: Actor) -> None:
    settings.update_settings(env.db, SYSTEM, {"signatory.name": "Drs. Budi Santoso, M.Si",
                                               "signatory.nip": "197001011990031001"})


def _prep_event(env: Env, actor: Actor) -> None:
    _prep_case(env, actor)
    env.ids["event"] = events.record_event(env.db, SYSTEM, events.EventDraft(
        person_id=env.ids["person"], service_code=MAKAN, event_date=date(2026, 3, 2),
        case_id=env.ids["case"])).id


def _prep_import(env: Env, actor: Actor) -> None:
    path = env.tmp / "penerima.csv"
    path.write_text("nama,jenis_kelamin,perkiraan_tahun_lahir,kelurahan\n"
                    f"Sari Dewi,P,1960,{KELURAHAN}\n", encoding="utf-8")
    env.ids["csv"] = str(path)


def _prep_identity(env: Env, actor: Actor | None = None) -> None:
    """An identity file of another installation (real keys, self-signed)."""
    path = env.tmp / "mitra.spmid"
    path.write_text(identity.identity_document(new_id(), "Mitra", DeviceKeys.generate()), encoding="utf-8")
    env.ids["identity"] = str(path)


def _prep_sync(env: Env, actor: Actor | None = None) -> None:
    _prep_identity(env)
    identity.enrol_device(env.db, SYSTEM, env.ids["identity"], "Mitra", "office")


MAKAN = "1.06.04.2.01.0001"

ROWS += [
    Row("persons.register_person", "person.write",
        lambda e, a: persons.register_person(e.db, a, persons.PersonDraft(
            name="Ani Lestari", sex="P", birth_year=2015, kelurahan_code=KELURAHAN))),
    Row("persons.update_person", "person.write",
        lambda e, a: persons.update_person(e.db, a, e.ids["person"], persons.PersonDraft(
            name="Budi Santoso", sex="L", birth_year=1971, kelurahan_code=KELURAHAN)), _prep_person),
    Row("persons.delete_person", "person.delete",
        lambda e, a: persons.delete_person(e.db, a, e.ids["person"]), _prep_owned_person),
    Row("person_search.search_persons", "person.view", lambda e, a: person_search.search_persons(e.db, a, "budi"),
        _prep_person),
    Row("person_search.list_persons", "person.view", lambda e, a: person_search.list_persons(e.db, a)),
    Row("persons.get_person", "person.view", lambda e, a: persons.get_person(e.db, a, e.ids["person"]),
        _prep_person),
    Row("duplicates.merge_persons", "person.merge",
        lambda e, a: duplicates.merge_persons(e.db, a, e.ids["person"], e.ids["other"]), _prep_pair),
    Row("duplicates.scan_for_duplicates", "person.write",
        lambda e, a: duplicates.scan_for_duplicates(e.db, a), _prep_pair),
    Row("cases.open_case", "case.write",
        lambda e, a: cases.open_case(e.db, a, cases.CaseDraft(
            person_id=e.ids["person"], unit=_unit(a)[0], kecamatan_code=_unit(a)[1], spm_group="lansia",
            intake_date=date(2026, 3, 1), needs=(MAKAN,))), _prep_person),
    Row("cases.close_case", "case.write",
        lambda e, a: cases.close_case(e.db, a, e.ids["case"], date(2026, 3, 20), "reunifikasi"), _prep_case),
    Row("cases.list_cases", "person.view", lambda e, a: cases.list_cases(e.db, a, e.ids["person"]), _prep_case),
    Row("events.record_event", "event.write",
        lambda e, a: events.record_event(e.db, a, events.EventDraft(
            person_id=e.ids["person"], service_code=MAKAN, event_date=date(2026, 3, 3), case_id=e.ids["case"])),
        _prep_case),
    Row("events.delete_event", "event.write", lambda e, a: events.delete_event(e.db, a, e.ids["event"]),
        _prep_event),
    Row("events.person_history", "person.view",
        lambda e, a: events.person_history(e.db, a, e.ids["person"]), _prep_event),
    Row("imports.run_import", "import.run",
        lambda e, a: run_import(e.db, a, "persons", e.ids["csv"]), _prep_import),
    Row("sync.export_package", "sync.run",
        lambda e, a: exporter.export_package(e.db, a, e.tmp / "paket.spmsync", peer_name="Mitra"), _prep_sync),
    Row("sync.write_identity", "sync.run", lambda e, a: identity.write_identity(e.db, a, e.tmp / "saya.spmid")),
    Row("sync.list_conflicts", "sync.run", lambda e, a: conflicts.list_conflicts(e.db, a)),
    Row("sync.resolve_conflict", "sync.resolve",
        lambda e, a: conflicts.resolve_conflict(e.db, a, "tidak-ada", "keep_local"), gate_only=True),
    Row("sync.enrol_device", "settings.edit",
        lambda e, a: identity.enrol_device(e.db, a, e.ids["identity"], "Mitra", "office"), _prep_identity),
    Row("sync.revoke_device", "settings.edit", lambda e, a: identity.revoke_device(e.db, a, "Mitra"), _prep_sync),
    Row("person_export.export_person_list", "personal_data.export",
        lambda e, a: person_export.export_person_list(e.db, a, e.tmp / "daftar.xlsx"), _prep_person),
    Row("case_list.list_case_rows", "person.view", lambda e, a: case_list.list_case_rows(e.db, a), _prep_case),
    Row("recap.recap", "report.view", lambda e, a: recap.recap(e.db, a, Period.for_month(2026, 3)), _prep_event),
    Row("dashboard.dashboard", "report.view", lambda e, a: dashboard.dashboard(e.db, a, date(2026, 3, 31))),
    Row("recap.export_recap_json", "report.export",
        lambda e, a: recap.export_recap_json(e.db, a, Period.for_month(2026, 3), e.tmp / "rekap.json")),
    Row("recap.export_espm", "report.export",
        lambda e, a: recap.export_espm(e.db, a, 2026, 1, e.tmp / "espm.xlsx"), _prep_signatory),
    Row("recap.export_recap_pdf", "report.export",
        lambda e, a: recap.export_recap_pdf(e.db, a, Period.for_month(2026, 3), e.tmp / "rekap.pdf"),
        _prep_signatory),
    Row("mutu.set_available", "mutu.edit", lambda e, a: mutu.set_available(e.db, a, 2026, "tagana", 62, "ada")),
    Row("mutu.export_file", "report.view", lambda e, a: mutu.export_file(e.db, a, 2026, e.tmp / "mutu.csv")),
    Row("mutu.import_file", "mutu.edit", lambda e, a: mutu.import_file(e.db, a, e.tmp / "mutu.csv"),
        lambda e, a: mutu.export_file(e.db, SYSTEM, 2026, e.tmp / "mutu.csv")),
]

def _prep_activity(env: Env, actor: Actor) -> None:
    _prep_person(env, actor)
    env.ids["volunteer"] = volunteers.register_volunteer(env.db, SYSTEM, volunteers.VolunteerInput(
        name="Rudi Tagana", sex="L")).id
    env.ids["activity"] = activities.record_activity(env.db, SYSTEM, activities.ActivityInput(
        "1.06.04.2.01.0006", date(2026, 3, 4), KELURAHAN, 2, 1, person_ids=(env.ids["person"],))).id


ROWS += [
    Row("activities.record_activity", "activity.write",
        lambda e, a: activities.record_activity(e.db, a, activities.ActivityInput(
            "1.06.06.2.02.0002", date(2026, 3, 5), KELURAHAN, 1, 0, volunteer_ids=(e.ids["volunteer"],))),
        _prep_activity),
    Row("activities.update_activity", "activity.write",
        lambda e, a: activities.update_activity(e.db, a, e.ids["activity"], activities.ActivityInput(
            "1.06.04.2.01.0006", date(2026, 3, 4), KELURAHAN, 3, 1, person_ids=(e.ids["person"],))),
        _prep_activity),
    Row("activities.delete_activity", "activity.write",
        lambda e, a: activities.delete_activity(e.db, a, e.ids["activity"]), _prep_activity),
    Row("activities.list_activities", "person.view", lambda e, a: activities.list_activities(e.db, a),
        _prep_activity),
    Row("volunteers.register_volunteer", "volunteer.write",
        lambda e, a: volunteers.register_volunteer(e.db, a, volunteers.VolunteerInput(name="Sari", sex="P"))),
    Row("volunteers.update_volunteer", "volunteer.write",
        lambda e, a: volunteers.update_volunteer(e.db, a, e.ids["volunteer"], volunteers.VolunteerInput(
            name="Rudi Tagana", sex="L", active=False)), _prep_activity),
    Row("volunteers.list_volunteers", "person.view", lambda e, a: volunteers.list_volunteers(e.db, a),
        _prep_activity),
]


# ----- layanan data, pengaduan dan rujukan (issue 21) ---------------------------------------


def _complaint_input() -> complaints.ComplaintInput:
    from datetime import datetime

    return complaints.ComplaintInput(datetime(2026, 3, 2, 9), "telepon", "ppks_terlantar", "Lansia terlantar",
                                     reporter_name="Pak RT", kelurahan_code=KELURAHAN)


def _prep_complaint(env: Env, actor: Actor) -> None:
    env.ids["complaint"] = complaints.receive_complaint(env.db, SYSTEM, _complaint_input()).id


def _prep_referral(env: Env, actor: Actor) -> None:
    env.ids["person"] = _person(env)
    env.ids["referral"] = referrals.send_referral(env.db, SYSTEM, referrals.OutgoingInput(
        env.ids["person"], date(2026, 3, 2), "RSUD dr. Soedarso", unit=_unit(actor)[0])).id


def _prep_proposal(env: Env, actor: Actor) -> None:
    env.ids["person"] = _person(env)
    env.ids["proposal"] = dtsen.propose(env.db, SYSTEM, dtsen.ProposalInput(
        env.ids["person"], "perubahan", date(2026, 3, 2), batch="B1")).id


def _prep_letter(env: Env, actor: Actor) -> None:
    _prep_referral(env, actor)
    env.ids["letter"] = letters.print_letter(env.db, SYSTEM, env.ids["referral"], env.tmp / "awal.pdf").id


ROWS += [
    Row("complaints.receive_complaint", "complaint.write",
        lambda e, a: complaints.receive_complaint(e.db, a, _complaint_input())),
    Row("complaints.change_status", "complaint.write",
        lambda e, a: complaints.change_status(e.db, a, e.ids["complaint"], "diverifikasi", date(2026, 3, 3)),
        _prep_complaint),
    Row("complaints.add_followup", "complaint.write",
        lambda e, a: complaints.add_followup(e.db, a, e.ids["complaint"], date(2026, 3, 3), "Ditelepon"),
        _prep_complaint),
    Row("complaints.delete_complaint", "complaint.delete",
        lambda e, a: complaints.delete_complaint(e.db, a, e.ids["complaint"]), _prep_complaint),
    Row("complaints.list_complaints", "complaint.view", lambda e, a: complaints.list_complaints(e.db, a),
        _prep_complaint),
    Row("referrals.send_referral", "referral.write",
        lambda e, a: referrals.send_referral(e.db, a, referrals.OutgoingInput(
            e.ids["person"], date(2026, 3, 2), "Puskesmas", unit=_unit(a)[0])), _prep_person),
    Row("referrals.record_feedback", "referral.write",
        lambda e, a: referrals.record_feedback(e.db, a, e.ids["referral"], "diterima", date(2026, 3, 4)),
        _prep_referral),
    Row("dtsen.propose", "dtsen.propose",
        lambda e, a: dtsen.propose(e.db, a, dtsen.ProposalInput(e.ids["person"], "perubahan", date(2026, 3, 2))),
        _prep_person),
    Row("dtsen.decide", "dtsen.decide",
        lambda e, a: dtsen.decide(e.db, a, e.ids["proposal"], "ditetapkan", date(2026, 3, 9)), _prep_proposal),
    Row("dtsen.export_batch", "personal_data.export",
        lambda e, a: dtsen.export_batch(e.db, a, "B1", e.tmp / "b1.xlsx"), _prep_proposal),
    Row("letters.print_letter", "letter.print",
        lambda e, a: letters.print_letter(e.db, a, e.ids["referral"], e.tmp / "surat.pdf"), _prep_referral),
    Row("letters.void_letter", "letter.void",
        lambda e, a: letters.void_letter(e.db, a, e.ids["letter"], "salah ketik"), _prep_letter),
]


# Permission keys enforced by services written by other engineers that have no row yet are
# listed here so the coverage test below shows what is still missing.
NOT_YET_COVERED: set[str] = set()


def _footprint(db) -> tuple[int, int]:
    with db.reading() as s:
        return (s.scalar(select(func.count()).select_from(AuditEntry)),
                s.scalar(select(func.max(LocalDevice.change_seq))) or 0)


def _assert_chained_as(db, actor: Actor, entries_before: int) -> None:
    """What the call wrote is in the audit hash chain (every service, old and new: device
    enrolment, mutu, group activities, volunteers, disasters), and names the actor."""
    with db.reading() as s:
        report = audit_chain.verify_chain(s)
        written = s.execute(select(AuditEntry.username, AuditEntry.action).order_by(AuditEntry.seq)
                            .offset(entries_before)).all()
    assert report.ok, report.message()
    assert report.entries == entries_before + len(written)
    assert {username for username, _ in written} <= {actor.username}, written


@pytest.mark.parametrize("role", sorted(ROLE_ACTORS))
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_role_against_service(db, tmp_path, row, role):
    if row.name.startswith("backup_svc.") and not db.is_sqlite:
        pytest.skip("PostgreSQL run: the application's backups copy the SQLite file (a server uses pg_dump)")
    env = Env(db, Path(db.file_path) if db.file_path else None, tmp_path, {})
    actor = ROLE_ACTORS[role]
    allowed = role in PERMISSIONS[row.permission]
    row.prepare(env, actor)
    before = _footprint(db)
    if allowed and row.gate_only:
        with pytest.raises(DomainError) as refused:
            row.call(env, actor)
        assert not isinstance(refused.value, PermissionDenied)
    elif allowed:
        row.call(env, actor)
        if row.name != "backup_svc.restore_backup":  # (the restored file has its own trail)
            _assert_chained_as(db, actor, before[0])
    else:
        with pytest.raises(PermissionDenied):
            row.call(env, actor)
        assert _footprint(db) == before, "a refused call wrote something"


def test_every_permission_is_enforced_by_some_service_row():
    covered = {r.permission for r in ROWS}
    missing = set(PERMISSIONS) - covered - NOT_YET_COVERED
    assert not missing, f"no service row for: {sorted(missing)}"
    assert not covered & NOT_YET_COVERED, "remove covered keys from NOT_YET_COVERED"
