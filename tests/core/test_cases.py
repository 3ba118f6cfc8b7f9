"""Cases: open with needs, change needs, close, one open case per group, what is missing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from casework_helpers import table_counts
from sqlalchemy import select

from spm_desktop.core import clock
from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from spm_desktop.core.services import cases as C
from spm_desktop.core.services.events import EventDraft, record_event
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.core.storage.models import AuditEntry, CaseNeed

TODAY = clock.today()
START = TODAY - timedelta(days=20)
MEALS, CLOTHES, DOCS = "1.06.04.2.01.0001", "1.06.04.2.01.0002", "1.06.04.2.01.0014"


@pytest.fixture
def person(db):
    return register_person(db, SYSTEM, PersonDraft(name="Budi", sex="L", birth_date=date(1970, 1, 1),
                                                   kelurahan_code="61.71.01.1002"))


def draft(person, **kw):
    values = dict(person_id=person.id, unit="UPRS", spm_group="gepeng", intake_date=START,
                  needs=(MEALS, CLOTHES), referred_by="satpol_pp", found_location="Pasar Flamboyan",
                  in_shelter=True)
    values.update(kw)
    return C.CaseDraft(**values)


def test_open_case_with_needs_and_audit(db, person):
    info = C.open_case(db, SYSTEM, draft(person))
    assert info.status == "open" and info.is_open and info.in_shelter
    assert [n.code for n in info.needs] == [MEALS, CLOTHES]
    assert info.spm_group_label == "Gelandangan dan Pengemis" and info.person_name == "Budi"
    with db.reading() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "case")).one()
        assert entry.action == "create" and entry.after["needs"] == sorted([MEALS, CLOTHES])


@pytest.mark.parametrize("change, field", [
    (dict(unit="DINAS"), "unit"),
    (dict(spm_group="bencana"), "spm_group"),  # disasters come through households, not cases
    (dict(intake_date=TODAY + timedelta(days=1)), "intake_date"),
    (dict(intake_date=date(1969, 12, 31)), "intake_date"),  # before birth
    (dict(referred_by="tetangga"), "referred_by"),
    (dict(needs=("9.99.99",)), "needs"),
    (dict(needs=("1.06.06.2.01.0001",)), "needs"),  # a disaster item is not assessable
    (dict(unit="TKSK", in_shelter=False), "kecamatan_code"),
    (dict(unit="TKSK", kecamatan_code="61.71.01", in_shelter=True), "in_shelter"),
    (dict(person_id="nobody"), "person_id"),
])
def test_open_refusals_write_nothing(db, person, change, field):
    before = table_counts(db)
    with pytest.raises(ValidationError) as exc:
        C.open_case(db, SYSTEM, draft(person, **change))
    assert field in {e.field for e in exc.value.errors}
    assert table_counts(db) == before


def test_no_two_open_cases_of_one_group(db, person):
    C.open_case(db, SYSTEM, draft(person))
    before = table_counts(db)
    with pytest.raises(ConflictError, match="sudah memiliki kasus terbuka"):
        C.open_case(db, SYSTEM, draft(person, unit="PLAT"))
    assert table_counts(db) == before
    other_group = C.open_case(db, SYSTEM, draft(person, spm_group="disabilitas", in_shelter=False))
    assert other_group.is_open


def test_reassess_remove_need_and_need_status(db, person):
    case = C.open_case(db, SYSTEM, draft(person))
    assert all(n.assessed_on == START for n in case.needs)
    record_event(db, SYSTEM, EventDraft(person_id=person.id, service_code=CLOTHES, event_date=START + timedelta(days=2),
                                        case_id=case.id, details={"items": ["Pakaian"]}))
    status = {n.code: n for n in C.need_status(db, SYSTEM, case.id)}
    assert status[CLOTHES].delivered and status[CLOTHES].events == 1
    assert status[CLOTHES].met_on == START + timedelta(days=2)
    assert not status[MEALS].delivered and status[MEALS].state == "belum terpenuhi"
    assert [n.code for n in C.missing_needs(db, SYSTEM, case.id)] == [MEALS]
    # A re-assessment adds new needs, even a code the case already has (the delivery before
    # it does not meet the new one); the earlier need keeps its date.
    later = START + timedelta(days=5)
    changed = C.reassess(db, SYSTEM, case.id, [CLOTHES, DOCS], later)
    assert sorted((n.code, n.assessed_on) for n in changed.needs) == sorted(
        [(MEALS, START), (CLOTHES, START), (CLOTHES, later), (DOCS, later)])
    missing = C.missing_needs(db, SYSTEM, case.id)
    assert sorted((n.code, n.assessed_on) for n in missing) == sorted([(MEALS, START), (CLOTHES, later),
                                                                        (DOCS, later)])
    record_event(db, SYSTEM, EventDraft(person_id=person.id, service_code=CLOTHES, event_date=later,
                                        case_id=case.id, details={"items": ["Pakaian"]}))
    assert sorted(n.code for n in C.missing_needs(db, SYSTEM, case.id)) == [MEALS, DOCS]
    # Removing a need needs a reason; it is soft-deleted with it.
    docs = next(n for n in changed.needs if n.code == DOCS)
    before = table_counts(db)
    with pytest.raises(ValidationError, match="Alasan"):
        C.remove_need(db, SYSTEM, docs.id, "  ")
    assert table_counts(db) == before
    after = C.remove_need(db, SYSTEM, docs.id, "salah input")
    assert DOCS not in {n.code for n in after.needs}
    with db.reading() as s:
        row = s.get(CaseNeed, docs.id)
        assert row.deleted_at is not None and row.removed_reason == "salah input"
    for bad in ([], ["1.06.06.2.01.0007"]):
        with pytest.raises(ValidationError):
            C.reassess(db, SYSTEM, case.id, bad, later)
    with pytest.raises(ValidationError, match="sebelum tanggal masuk"):
        C.reassess(db, SYSTEM, case.id, [DOCS], START - timedelta(days=1))
    with pytest.raises(ValidationError, match="masa depan"):
        C.reassess(db, SYSTEM, case.id, [DOCS], TODAY + timedelta(days=1))
    # Both changes are links of the audit hash chain (issue 18), which stays intact.
    from spm_desktop.core.security.audit_chain import verify_chain

    with db.reading() as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.seq, AuditEntry.after)
                         .where(AuditEntry.entity == "case", AuditEntry.entity_id == case.id)).all()
        assert {"reassess"} <= {a for a, _seq, _after in rows} and all(seq for _a, seq, _after in rows)
        assert any("removed_need" in (after or {}) for _a, _seq, after in rows)
        assert verify_chain(s).ok


def test_unassessed_and_no_need_cases(db, person):
    unassessed = C.open_case(db, SYSTEM, draft(person, needs=()))
    assert unassessed.assessment == "belum diasesmen"
    nothing = C.open_case(db, SYSTEM, draft(person, spm_group="disabilitas", needs=(), no_need=True,
                                            in_shelter=False))
    assert nothing.assessment == "tidak ada kebutuhan" and nothing.no_need_assessed_on == START
    with pytest.raises(ValidationError, match="tidak keduanya"):
        C.open_case(db, SYSTEM, draft(person, spm_group="anak", no_need=True))
    # a later assessment of the unassessed case: "no need", with its date
    again = C.reassess(db, SYSTEM, unassessed.id, [], START + timedelta(days=3), no_need=True)
    assert again.assessment == "tidak ada kebutuhan" and again.no_need_assessed_on == START + timedelta(days=3)


def test_needs_after_the_exit_are_refused(db, person):
    case = C.open_case(db, SYSTEM, draft(person))
    C.reassess(db, SYSTEM, case.id, [DOCS], START + timedelta(days=6))
    with pytest.raises(ValidationError, match="kebutuhan yang diasesmen"):
        C.close_case(db, SYSTEM, case.id, START + timedelta(days=5), "pulang")
    closed = C.close_case(db, SYSTEM, case.id, START + timedelta(days=7), "pulang")
    with pytest.raises(ValidationError, match="sesudah tanggal keluar"):
        C.reassess(db, SYSTEM, closed.id, [MEALS], START + timedelta(days=8))


def test_age_rules_of_anak_and_lansia(db, person):
    """Budi was born 1 January 1970: refused as anak (and as lansia before 60); a person with
    only an estimated year gets a warning instead."""
    with pytest.raises(ValidationError, match="di bawah 18 tahun") as exc:
        C.open_case(db, SYSTEM, draft(person, spm_group="anak"))
    assert exc.value.errors[0].field == "spm_group"
    with pytest.raises(ValidationError, match="60 tahun atau lebih"):
        C.open_case(db, SYSTEM, draft(person, spm_group="lansia"))
    child = register_person(db, SYSTEM, PersonDraft(name="Adi", sex="L", birth_date=TODAY - timedelta(days=365 * 10),
                                                    kelurahan_code="61.71.01.1002"))
    assert C.open_case(db, SYSTEM, draft(child, spm_group="anak", intake_date=TODAY)).warnings == ()
    guessed = register_person(db, SYSTEM, PersonDraft(name="Kakek", sex="L", birth_year=TODAY.year - 50,
                                                      kelurahan_code="61.71.01.1002"))
    info = C.open_case(db, SYSTEM, draft(guessed, spm_group="lansia", intake_date=TODAY))
    assert info.is_open and "perkiraan usia" in info.warnings[0]


def test_close_case_rules(db, person):
    case = C.open_case(db, SYSTEM, draft(person))
    before = table_counts(db)
    for bad_date, bad_reason in ((START - timedelta(days=1), "reunifikasi"), (TODAY + timedelta(days=1), "reunifikasi"),
                                 (TODAY, "dijemput")):
        with pytest.raises(ValidationError):
            C.close_case(db, SYSTEM, case.id, bad_date, bad_reason)
    record_event(db, SYSTEM, EventDraft(person_id=person.id, service_code=CLOTHES, event_date=START + timedelta(days=5),
                                        case_id=case.id, details={"items": ["Pakaian"]}))
    before = table_counts(db)
    with pytest.raises(ValidationError, match="sesudah tanggal keluar"):
        C.close_case(db, SYSTEM, case.id, START + timedelta(days=4), "reunifikasi")
    assert table_counts(db) == before
    closed = C.close_case(db, SYSTEM, case.id, START + timedelta(days=5), "reunifikasi")
    assert closed.status == "closed" and closed.exit_date == START + timedelta(days=5)
    with pytest.raises(ConflictError):
        C.close_case(db, SYSTEM, case.id, TODAY, "lainnya")
    # After closing, a new case of the same group may be opened; reopening the old one is refused.
    C.open_case(db, SYSTEM, draft(person, intake_date=TODAY))
    with pytest.raises(ConflictError):
        C.reopen_case(db, SYSTEM, case.id)


def test_list_cases_update_and_delete(db, person):
    first = C.open_case(db, SYSTEM, draft(person, intake_date=START))
    C.close_case(db, SYSTEM, first.id, START + timedelta(days=1), "kabur")
    second = C.open_case(db, SYSTEM, draft(person, intake_date=START + timedelta(days=2)))
    assert [c.id for c in C.list_cases(db, SYSTEM, person.id)] == [second.id, first.id]
    assert [c.id for c in C.list_cases(db, SYSTEM, person.id, include_closed=False)] == [second.id]
    updated = C.update_case(db, SYSTEM, second.id, replace(draft(person), intake_date=START + timedelta(days=3),
                                                           found_location="Terminal"))
    assert updated.found_location == "Terminal" and updated.intake_date == START + timedelta(days=3)
    C.delete_case(db, SYSTEM, second.id)
    with pytest.raises(NotFoundError):
        C.get_case(db, SYSTEM, second.id)
    assert [c.id for c in C.list_cases(db, SYSTEM, person.id)] == [first.id]


def test_scope_of_petugas_and_tksk(db, person):
    petugas = Actor(username="ani", role="petugas", unit="PLAT")
    before = table_counts(db)
    with pytest.raises(PermissionDenied):
        C.open_case(db, petugas, draft(person, unit="UPRS"))
    assert table_counts(db) == before
    assert C.open_case(db, petugas, draft(person, unit="PLAT")).unit == "PLAT"
    tksk = Actor(username="tk", role="tksk", kecamatan_code="61.71.02")
    info = C.open_case(db, tksk, draft(person, unit="TKSK", spm_group="disabilitas", in_shelter=False))
    assert info.kecamatan_code == "61.71.02"
    viewer = Actor(username="v", role="viewer")
    with pytest.raises(PermissionDenied):
        C.close_case(db, viewer, info.id, TODAY, "lainnya")
