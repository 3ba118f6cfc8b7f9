"""Sticky refusals (issue 17): one refused change refuses the whole package, and it travels
again until it is fixed on the laptop. So the sender runs the receiver's rules on its own
changes before writing a package and lists each problem with the record as it names it; and
the reasons an office's refusal sends back point to the record on the laptop."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sync_helpers import ADMIN

from spm_desktop.core import clock
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.storage.models import CaseNeed, Person, ServiceEvent, SyncPackage
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import open_refusals, refused_problems
from spm_desktop.core.sync.importer import import_package
from spm_desktop.core.sync.preflight import OutgoingProblems
from spm_desktop.core.sync.validation import PackageInvalid

MAKAN = "1.06.04.2.01.0001"
BARAT, SELATAN = "61.71.03.1001", "61.71.01.1002"
OFFICE, LAPTOP = "Kantor Dinas Sosial", "TKSK Pontianak Barat"
TKSK_USER = Actor(username="tksk1", role="tksk", kecamatan_code="61.71.03")


def test_the_laptop_lists_what_the_office_would_refuse_before_writing_a_package(office, tksk, tmp_path):
    future = clock.today() + timedelta(days=30)
    with tksk.transaction(ADMIN) as s:  # written past the services (an older version, a tool)
        bad = Person(name="Budi Santoso", sex="X", nik="12", kelurahan_code=BARAT)
        away = Person(name="Siti Lain", sex="P", kelurahan_code=SELATAN)
        s.add_all([bad, away])
        s.flush()
        s.add(ServiceEvent(person_id=bad.id, service_code=MAKAN, kelurahan_code=BARAT, event_date=future))
        ok = Person(name="Benar", sex="L", kelurahan_code=BARAT)
        s.add(ok)
    path = tmp_path / "ke-kantor.spmsync"
    with pytest.raises(OutgoingProblems) as found:
        export_package(tksk, TKSK_USER, path, peer_name=OFFICE)
    problems = found.value.problems
    assert sorted((p.table, p.field) for p in problems) == [
        ("person", "kelurahan_code"), ("person", "nik"), ("person", "sex"), ("service_event", "event_date")]
    by_field = {p.field: p for p in problems}
    assert by_field["nik"].label == "Penerima layanan Budi Santoso" and by_field["nik"].person_id == bad.id
    assert by_field["event_date"].label == f"Layanan {future:%d/%m/%Y} — Budi Santoso"
    assert by_field["event_date"].person_id == bad.id
    assert "di luar kecamatan 61.71.03" in by_field["kelurahan_code"].reason
    assert "Budi Santoso, nik:" in found.value.message and "belum dibuat" in found.value.message
    assert not path.exists()
    with tksk.reading() as s:
        assert s.scalars(select(SyncPackage).where(SyncPackage.direction == "out")).all() == []

    # Sent anyway, the office refuses it; its answer names the records on the laptop.
    export_package(tksk, TKSK_USER, path, peer_name=OFFICE, check=False)
    with pytest.raises(PackageInvalid):
        import_package(office, ADMIN, path)
    answer = tmp_path / "jawaban.spmsync"
    export_package(office, ADMIN, answer, peer_name=LAPTOP)
    import_package(tksk, ADMIN, answer)
    refused = open_refusals(tksk)
    assert len(refused) == 1
    named = refused_problems(tksk, refused[0])
    assert {(p.label, p.field, p.person_id) for p in named} >= {
        ("Penerima layanan Budi Santoso", "nik", bad.id), (f"Layanan {future:%d/%m/%Y} — Budi Santoso", "event_date",
                                                           bad.id)}

    # Fixed on the laptop: the pre-flight passes and the office takes the same changes.
    with tksk.transaction(ADMIN) as s:
        p = s.get(Person, bad.id)
        p.sex, p.nik = "L", None
        s.scalars(select(ServiceEvent).where(ServiceEvent.person_id == bad.id)).one().event_date = date(2026, 3, 1)
        s.get(Person, away.id).kelurahan_code = BARAT
    fixed = tmp_path / "lagi.spmsync"
    export_package(tksk, TKSK_USER, fixed, peer_name=OFFICE)
    assert import_package(office, ADMIN, fixed).new == 4


def test_a_tksk_users_package_leaves_out_what_only_the_office_sends(office, tksk, tmp_path):
    """Found in the walkthrough: `init --wilayah` on a laptop writes the office texts there (shared
    settings made on the laptop); the office refuses settings from a TKSK device, so they stayed
    in every package and blocked it. A TKSK user's package leaves out the tables its role may not
    send."""
    from spm_desktop.core.storage.models import Setting

    with tksk.transaction(ADMIN) as s:
        s.scalars(select(Setting).where(Setting.key == "office.name")).one().value = "Dinas Sosial (laptop)"
        s.add(Person(name="Baru", sex="L", kelurahan_code=BARAT))
    path = tmp_path / "ke-kantor.spmsync"
    result = export_package(tksk, TKSK_USER, path, peer_name=OFFICE)
    assert set(result.counts) == {"person"}
    assert import_package(office, ADMIN, path).new == 1


def test_a_package_refused_for_a_clock_ahead_does_not_make_the_receiver_warn(office, tksk, tmp_path):
    """Found in the walkthrough: the office warned that its own clock was behind after it refused
    a laptop's package made a year ahead; only applied packages count."""
    from spm_desktop.core.storage.base import utcnow
    from spm_desktop.core.sync.envelope import PackageRefused
    from spm_desktop.core.sync.identity import clock_warning

    ahead = utcnow() + timedelta(days=365)
    tksk.clock = lambda: ahead
    path = tmp_path / "ahead.spmsync"
    export_package(tksk, TKSK_USER, path, peer_name=OFFICE)
    with pytest.raises(PackageRefused, match="lebih maju"):
        import_package(office, ADMIN, path)
    assert clock_warning(office) == ""
    answer = tmp_path / "answer.spmsync"
    export_package(office, ADMIN, answer, peer_name=LAPTOP)
    import_package(tksk, ADMIN, answer)
    (refused,) = open_refusals(tksk)
    (problem,) = refused_problems(tksk, refused)
    assert problem.line().startswith("Tanggal/jam komputer pengirim")


def _reasons(problems) -> list[tuple[str, str, str, str]]:
    return sorted((p.table, p.record, p.field, p.reason) for p in problems)


def test_the_laptop_checks_under_the_scope_the_office_enrolled_it_with_whoever_is_logged_in(office, tksk, tmp_path):
    """A laptop does not enrol itself: the office enrolled it (tksk, 61.71.03) and says so in each
    package, signed. Its administrator — a wider role — still gets the refusals the office would
    give: the same reasons, record by record."""
    from spm_desktop.core.storage.models import Setting
    from spm_desktop.core.sync.preflight import enrolled_as

    with tksk.reading() as s:
        assert enrolled_as(s, office.device_id) is None  # nothing heard from the office yet
    first = tmp_path / "dari-kantor.spmsync"
    export_package(office, ADMIN, first, peer_name=LAPTOP)
    import_package(tksk, ADMIN, first)
    with tksk.reading() as s:
        said = enrolled_as(s, office.device_id)
    assert (said.role, said.kecamatan, said.unit) == ("tksk", "61.71.03", "")

    with tksk.transaction(ADMIN) as s:  # the laptop's administrator may do all of this here
        away = Person(name="Siti Lain", sex="P", kelurahan_code=SELATAN)
        here = Person(name="Benar", sex="L", kelurahan_code=BARAT)
        s.add_all([away, here])
        s.scalars(select(Setting).where(Setting.key == "office.name")).one().value = "Dinas Sosial (laptop)"
    path = tmp_path / "ke-kantor.spmsync"
    with pytest.raises(OutgoingProblems) as found:
        export_package(tksk, ADMIN, path, peer_name=OFFICE)
    assert [(p.table, p.record, p.field) for p in found.value.problems] == [("person", away.id, "kelurahan_code")]
    assert "di luar kecamatan 61.71.03" in found.value.problems[0].reason
    assert not path.exists()

    # Sent anyway: the office refuses exactly what the pre-flight listed (the setting, which a TKSK
    # device may not send, was left out of the package rather than refusing it).
    result = export_package(tksk, ADMIN, path, peer_name=OFFICE, check=False)
    assert "setting" not in result.counts
    with pytest.raises(PackageInvalid) as refused:
        import_package(office, ADMIN, path)
    assert _reasons(found.value.problems) == sorted(
        (r.table, r.record, r.field, r.reason) for r in refused.value.reasons)


def test_the_scope_follows_the_offices_latest_enrolment(office, tksk, tmp_path):
    """The office enrols the laptop again for another kecamatan: its next package says so, and the
    laptop's pre-flight follows (a person of the old kecamatan is now out of scope)."""
    from sync_helpers import enrol

    enrol(office, tksk, tmp_path / "ids2", "tksk", "61.71.01")
    path = tmp_path / "dari-kantor.spmsync"
    export_package(office, ADMIN, path, peer_name=LAPTOP)
    import_package(tksk, ADMIN, path)
    with tksk.transaction(ADMIN) as s:
        barat = Person(name="Orang Barat", sex="L", kelurahan_code=BARAT)
        s.add_all([barat, Person(name="Orang Selatan", sex="P", kelurahan_code=SELATAN)])
    with pytest.raises(OutgoingProblems) as found:
        export_package(tksk, TKSK_USER, tmp_path / "ke-kantor.spmsync", peer_name=OFFICE)
    assert [(p.record, p.field) for p in found.value.problems] == [(barat.id, "kelurahan_code")]
    assert "di luar kecamatan 61.71.01" in found.value.problems[0].reason


def test_a_manifest_without_the_recipients_enrolment_is_still_read():
    """Packages made before the manifest said how the recipient is enrolled stay readable."""
    from spm_desktop.core.sync import payload

    fields = dict(package_id="p", schema_revision="r", source_device_id="d", source_device_name="n",
                  created_at="2026-12-06T00:00:00+00:00", to_peer="t", full=True, audit_head="1:" + "0" * 64)
    old, plain = payload.build(fields, [])
    assert payload.read_manifest(plain)[0].recipient is None
    new, plain = payload.build(dict(fields, recipient=payload.Enrolment("tksk", "61.71.03")), [])
    assert payload.read_manifest(plain)[0].recipient == payload.Enrolment("tksk", "61.71.03", "")


def test_describe_names_each_kind_of_record_as_held_here(db):
    """Every table ``describe`` knows: the person's name and what names the record; a record
    missing here said so; a reason about the whole package kept as it is."""
    from rollup_builders import MEALS, Rows

    from spm_desktop.core.storage.models import GroupActivity
    from spm_desktop.core.sync.preflight import describe

    with db.transaction(ADMIN) as s:
        rows = Rows(s)
        pid = rows.person("Budi")
        case = rows.case(pid, "lansia", date(2026, 3, 2), needs=[MAKAN])
        need = s.scalars(select(CaseNeed.id).where(CaseNeed.case_id == case)).one()
        event = rows.event(pid, MEALS, date(2026, 3, 24))
        activity = GroupActivity(service_code="1.06.04.2.01.0009", activity_date=date(2026, 4, 1),
                                 kelurahan_code=BARAT)
        s.add(activity)
        s.flush()
        name = s.get(Person, pid).name
        reasons = [("person", pid, "nik", "salah"), ("cases", case, "spm_group", "x"),
                   ("case_need", need, "service_code", "x"), ("service_event", event, "event_date", "x"),
                   ("group_activity", activity.id, "activity_date", "x"),
                   ("service_event", "0123456789abcdef", "event_date", "x"), ("region", "61.71.99", "name", "x"),
                   ("", "", "", "Jam pengirim lebih dari sehari di depan.")]
        problems = describe(s, reasons)
    assert [(p.label, p.person_id) for p in problems] == [
        (f"Penerima layanan {name}", pid), (f"Kasus lansia — {name}", pid),
        (f"Kebutuhan kasus {MAKAN} — {name}", pid), (f"Layanan 24/03/2026 — {name}", pid),
        (f"Kegiatan kelompok 01/04/2026 {activity.id[:8]}", None),
        ("Layanan 01234567 (tidak ada di komputer ini)", None), ("Wilayah 61.71.99", None), ("", None)]
    assert problems[-1].line() == "Jam pengirim lebih dari sehari di depan."
    assert problems[0].line() == f"Penerima layanan {name}, nik: salah"
