"""Cases: open with needs, change needs, close, one open case per group, what is missing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from casework_helpers import table_counts
from sqlalchemy import select

from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from spm_desktop.core.services import cases as C
from spm_desktop.core.services.events import EventDraft, record_event
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.core.storage.models import AuditEntry, CaseNeed

TODAY = date.today()
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


def test_change_needs_and_need_status(db, person):
    case = C.open_case(db, SYSTEM, draft(person))
    record_event(db, SYSTEM, EventDraft(person_id=person.id, service_code=CLOTHES, event_date=START + timedelta(days=2),
                                        case_id=case.id, details={"items": ["Pakaian"]}))
    status = {n.code: n for n in C.need_status(db, SYSTEM, case.id)}
    assert status[CLOTHES].delivered and status[CLOTHES].events == 1
    assert not status[MEALS].delivered
    assert [n.code for n in C.missing_needs(db, SYSTEM, case.id)] == [MEALS]
    changed = C.change_needs(db, SYSTEM, case.id, [CLOTHES, DOCS])
    assert [n.code for n in changed.needs] == [CLOTHES, DOCS]
    assert [n.code for n in C.missing_needs(db, SYSTEM, case.id)] == [DOCS]
    # Removing and re-adding a need revives its row (one row per case and code).
    C.change_needs(db, SYSTEM, case.id, [MEALS, CLOTHES, DOCS])
    with db.reading() as s:
        rows = s.scalars(select(CaseNeed).where(CaseNeed.case_id == case.id)).all()
        assert sorted(r.service_code for r in rows if r.deleted_at is None) == sorted([MEALS, CLOTHES, DOCS])
        assert len(rows) == 3
    before = table_counts(db)
    with pytest.raises(ValidationError):
        C.change_needs(db, SYSTEM, case.id, ["1.06.06.2.01.0007"])
    assert table_counts(db) == before


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
    info = C.open_case(db, tksk, draft(person, unit="TKSK", spm_group="lansia", in_shelter=False))
    assert info.kecamatan_code == "61.71.02"
    viewer = Actor(username="v", role="viewer")
    with pytest.raises(PermissionDenied):
        C.close_case(db, viewer, info.id, TODAY, "lainnya")
