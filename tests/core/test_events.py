"""Service events: record/edit/delete with per-type details, refusals, history, shelter meals."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from casework_helpers import table_counts
from sqlalchemy import func, select

from spm_desktop.core import clock
from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import NotFoundError, PermissionDenied, ValidationError
from spm_desktop.core.services import events as E
from spm_desktop.core.services.cases import CaseDraft, close_case, open_case
from spm_desktop.core.services.duplicates import merge_persons
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.core.services.settings import update_setting
from spm_desktop.core.storage.models import AuditEntry, ServiceEvent, ServiceType

TODAY = clock.today()
START = TODAY - timedelta(days=10)
MEALS, CLOTHES, DEVICE, DOCS = "1.06.04.2.01.0001", "1.06.04.2.01.0002", "1.06.04.2.01.0003", "1.06.04.2.01.0014"
REFERRAL, TRACING, GUIDANCE = "1.06.04.2.01.0012", "1.06.04.2.01.0011", "1.06.04.2.01.0005"
TENTS = "1.06.06.2.01.0007"


@pytest.fixture
def person(db):
    return register_person(db, SYSTEM, PersonDraft(name="Budi", sex="L", birth_date=TODAY - timedelta(days=3650),
                                                   kelurahan_code="61.71.01.1002"))


@pytest.fixture
def case(db, person):
    return open_case(db, SYSTEM, CaseDraft(person_id=person.id, unit="UPRS", spm_group="anak", intake_date=START,
                                           needs=(MEALS, CLOTHES), in_shelter=True))


def ev(person, code=CLOTHES, on=START, **kw):
    if code == CLOTHES:  # the package's items define the service (required)
        kw.setdefault("details", {"items": ["Pakaian"]})
    return E.EventDraft(person_id=person.id, service_code=code, event_date=on, **kw)


@pytest.mark.parametrize("code, details, stored", [
    (MEALS, {"meals_per_day": 2, "days": 3}, {"meals_per_day": 2, "days": 3}),
    (MEALS, {}, {"meals_per_day": 3, "days": 1}),  # defaults of the type
    (CLOTHES, {"items": ["pakaian", "Sandal"]}, {"items": ["Pakaian", "Sandal"]}),
    (CLOTHES, {"items": "Pakaian; Selimut"}, {"items": ["Pakaian", "Selimut"]}),
    (DEVICE, {"device": "kursi roda", "serial": "INV-7"}, {"device": "Kursi roda", "serial": "INV-7"}),
    (DOCS, {"document": "Akta kelahiran"}, {"document": "Akta kelahiran"}),
    (REFERRAL, {"destination": "RSUD"}, {"destination": "RSUD"}),
    (TRACING, {"outcome": "Ditemukan"}, {"outcome": "Ditemukan"}),
    (GUIDANCE, {"session_type": "Spiritual", "facilitator": "Ust. Ali"},
     {"session_type": "Spiritual", "facilitator": "Ust. Ali"}),
])
def test_record_with_details(db, person, case, code, details, stored):
    info = E.record_event(db, SYSTEM, ev(person, code, case_id=case.id, details=details))
    assert info.details == stored and info.unit == "UPRS" and info.kelurahan_code == "61.71.01.1002"
    assert info.officer == SYSTEM.full_name and info.summary
    with db.reading() as s:
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == info.id)).all() == ["create"]


def _deactivate(db, code):
    with db.transaction() as s:
        s.scalars(select(ServiceType).where(ServiceType.code == code)).one().active = False


@pytest.mark.parametrize("name", [
    "future", "before_birth", "before_intake", "after_exit", "quantity_zero", "quantity_negative", "inactive_type",
    "unknown_type", "too_many_meals", "too_many_days_outside", "bad_choice", "missing_required", "unknown_detail",
    "bad_int", "other_persons_case", "merged_person", "deleted_person", "unknown_kelurahan",
    "clothing_without_items", "device_without_kind",
])
def test_refusals_write_nothing(db, person, case, name):
    other = register_person(db, SYSTEM, PersonDraft(name="Siti", sex="P", birth_year=1990))
    draft = ev(person, case_id=case.id)
    if name == "future":
        draft = replace(draft, event_date=TODAY + timedelta(days=1))
    elif name == "before_birth":
        draft = replace(draft, case_id=None, event_date=TODAY - timedelta(days=4000))
    elif name == "before_intake":
        draft = replace(draft, event_date=START - timedelta(days=1))
    elif name == "after_exit":
        close_case(db, SYSTEM, case.id, START + timedelta(days=1), "reunifikasi")
        draft = replace(draft, event_date=START + timedelta(days=2))
    elif name == "quantity_zero":
        draft = replace(draft, quantity=0)
    elif name == "quantity_negative":
        draft = replace(draft, quantity=-2)
    elif name == "inactive_type":
        _deactivate(db, CLOTHES)
    elif name == "unknown_type":
        draft = replace(draft, service_code="9.99")
    elif name == "too_many_meals":
        draft = replace(draft, service_code=MEALS, details={"meals_per_day": 4})
    elif name == "too_many_days_outside":
        draft = replace(draft, service_code=MEALS, case_id=None, details={"days": 8})
    elif name == "bad_choice":
        draft = replace(draft, service_code=DOCS, details={"document": "SIM"})
    elif name == "missing_required":
        draft = replace(draft, service_code=REFERRAL, details={})
    elif name == "unknown_detail":
        draft = replace(draft, details={"colour": "merah"})
    elif name == "bad_int":
        draft = replace(draft, service_code=MEALS, details={"days": "dua"})
    elif name == "other_persons_case":
        draft = replace(draft, person_id=other.id)
    elif name == "merged_person":
        merge_persons(db, SYSTEM, other.id, person.id)
        draft = replace(draft, case_id=None)
    elif name == "deleted_person":
        from spm_desktop.core.services.persons import delete_person

        delete_person(db, SYSTEM, other.id)
        draft = replace(draft, person_id=other.id, case_id=None)
    elif name == "unknown_kelurahan":
        draft = replace(draft, kelurahan_code="61.71.99.0000")
    elif name == "clothing_without_items":  # the details that define the service are required
        draft = replace(draft, details={})
    elif name == "device_without_kind":
        draft = replace(draft, service_code=DEVICE, details={"serial": "INV-7"})
    before = table_counts(db)
    with pytest.raises(ValidationError):
        E.record_event(db, SYSTEM, draft)
    assert table_counts(db) == before


def test_meals_limit_follows_the_setting(db, person, case):
    update_setting(db, SYSTEM, "meals.max_per_day", 4)
    assert E.record_event(db, SYSTEM, ev(person, MEALS, case_id=case.id, details={"meals_per_day": 4})).id
    # In a shelter the 7-day limit for meals outside does not apply.
    assert E.record_event(db, SYSTEM, ev(person, MEALS, case_id=case.id, details={"days": 9})).id


def test_edit_and_delete(db, person, case):
    info = E.record_event(db, SYSTEM, ev(person, case_id=case.id, details={"items": ["Pakaian"]}))
    edited = E.edit_event(db, SYSTEM, info.id, ev(person, case_id=case.id, on=START + timedelta(days=1),
                                                  details={"items": ["Selimut"]}, notes="ganti"))
    assert edited.details == {"items": ["Selimut"]} and edited.event_date == START + timedelta(days=1)
    before = table_counts(db)
    E.edit_event(db, SYSTEM, info.id, ev(person, case_id=case.id, on=START + timedelta(days=1),
                                         details={"items": ["Selimut"]}, notes="ganti"))
    assert table_counts(db) == before  # unchanged: no audit entry
    with pytest.raises(ValidationError):
        E.edit_event(db, SYSTEM, info.id, ev(person, case_id=case.id, quantity=0))
    assert table_counts(db) == before
    E.delete_event(db, SYSTEM, info.id)
    with pytest.raises(NotFoundError):
        E.get_event(db, SYSTEM, info.id)
    assert E.list_events(db, SYSTEM, person.id) == []
    with db.reading() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == info.id)
                            .order_by(AuditEntry.at)).all()
        assert sorted(actions) == ["create", "delete", "update"]


def test_history_is_newest_first_with_case_milestones(db, person, case):
    E.record_event(db, SYSTEM, ev(person, CLOTHES, START + timedelta(days=1), case_id=case.id))
    E.record_event(db, SYSTEM, ev(person, DOCS, START + timedelta(days=3), case_id=case.id,
                                  details={"document": "KK"}))
    close_case(db, SYSTEM, case.id, START + timedelta(days=4), "reunifikasi")
    history = E.person_history(db, SYSTEM, person.id)
    assert [(h.kind, h.on) for h in history] == [
        ("case_closed", START + timedelta(days=4)), ("event", START + timedelta(days=3)),
        ("event", START + timedelta(days=1)), ("case_opened", START)]
    assert "Dokumen: KK" in history[1].detail


def test_unit_counted_type_takes_quantity(db, person):
    info = E.record_event(db, SYSTEM, ev(person, TENTS, quantity=12, details={"kind": "Tenda"}))
    assert info.quantity == 12


def test_scope_petugas_other_unit_refused(db, person, case):
    petugas = Actor(username="p", role="petugas", unit="PLAT")
    before = table_counts(db)
    with pytest.raises(PermissionDenied):
        E.record_event(db, petugas, ev(person, case_id=case.id))
    assert table_counts(db) == before


def _resident(db, name, unit="UPRS", in_shelter=True, intake=START):
    p = register_person(db, SYSTEM, PersonDraft(name=name, sex="L", birth_year=1960), confirm_duplicates_ok=True)
    c = open_case(db, SYSTEM, CaseDraft(person_id=p.id, unit=unit, spm_group="gepeng", intake_date=intake,
                                        in_shelter=in_shelter))
    return p, c


def test_shelter_meals_in_one_action_idempotent_per_day(db):
    a, _ = _resident(db, "Andi")
    b, case_b = _resident(db, "Bayu")
    _resident(db, "Cici", in_shelter=False)  # not staying in the shelter
    _resident(db, "Dodi", unit="PLAT")  # another shelter
    _resident(db, "Eko", intake=TODAY)  # arrives today
    residents = E.shelter_residents(db, SYSTEM, "UPRS", TODAY - timedelta(days=1))
    assert [r.name for r in residents] == ["Andi", "Bayu"] and not any(r.meals_recorded for r in residents)
    first = E.record_shelter_meals(db, SYSTEM, "UPRS", TODAY - timedelta(days=1))
    assert (first.residents, first.created, first.already) == (2, 2, 0)
    before = table_counts(db)
    again = E.record_shelter_meals(db, SYSTEM, "UPRS", TODAY - timedelta(days=1))
    assert (again.residents, again.created, again.already) == (2, 0, 2)
    assert table_counts(db) == before
    assert all(r.meals_recorded for r in E.shelter_residents(db, SYSTEM, "UPRS", TODAY - timedelta(days=1)))
    today = E.record_shelter_meals(db, SYSTEM, "UPRS", TODAY)
    assert (today.residents, today.created) == (3, 3)
    close_case(db, SYSTEM, case_b.id, TODAY, "reunifikasi")
    with db.reading() as s:
        rows = s.execute(select(ServiceEvent.person_id, func.count()).where(ServiceEvent.service_code == MEALS)
                         .group_by(ServiceEvent.person_id)).all()
        assert dict(rows)[a.id] == 2 and dict(rows)[b.id] == 2
        stored = s.scalars(select(ServiceEvent).where(ServiceEvent.person_id == a.id)).first()
        assert stored.details == {"meals_per_day": 3, "days": 1} and stored.case_id is not None
    with pytest.raises(ValidationError):
        E.record_shelter_meals(db, SYSTEM, "TKSK", TODAY)


def test_shelter_meals_for_ticked_residents_only(db):
    a, _ = _resident(db, "Andi")
    b, _ = _resident(db, "Bayu")
    outsider, _ = _resident(db, "Cici", in_shelter=False)
    day = TODAY - timedelta(days=1)
    ticked = E.record_shelter_meals(db, SYSTEM, "UPRS", day, person_ids=[a.id])
    assert (ticked.residents, ticked.created, ticked.already) == (1, 1, 0)
    fed = {r.person_id: r.meals_recorded for r in E.shelter_residents(db, SYSTEM, "UPRS", day)}
    assert fed == {a.id: True, b.id: False}
    before = table_counts(db)
    for bad in ([], [outsider.id], [b.id, outsider.id]):
        with pytest.raises(ValidationError):
            E.record_shelter_meals(db, SYSTEM, "UPRS", day, person_ids=bad)
        assert table_counts(db) == before


def test_a_second_identical_service_on_one_day_is_asked_about(db, person, case):
    """Clothing twice on one day is asked about; meals only once the day's total would exceed
    the standard of 3 (breakfast, then lunch and dinner, is normal)."""
    E.record_event(db, SYSTEM, ev(person, CLOTHES, case_id=case.id), ask_on_repeat=True)
    before = table_counts(db)
    with pytest.raises(E.RepeatedServiceError, match="sudah tercatat menerima Penyediaan Sandang"):
        E.record_event(db, SYSTEM, ev(person, CLOTHES, case_id=case.id), ask_on_repeat=True)
    assert table_counts(db) == before
    E.record_event(db, SYSTEM, ev(person, CLOTHES, case_id=case.id))  # confirmed: saved
    E.record_event(db, SYSTEM, ev(person, CLOTHES, START + timedelta(days=1), case_id=case.id), ask_on_repeat=True)

    E.record_event(db, SYSTEM, ev(person, MEALS, case_id=case.id, details={"meals_per_day": 1}), ask_on_repeat=True)
    E.record_event(db, SYSTEM, ev(person, MEALS, case_id=case.id, details={"meals_per_day": 2}), ask_on_repeat=True)
    with pytest.raises(E.RepeatedServiceError, match="4 kali makan, melebihi standar 3"):
        E.record_event(db, SYSTEM, ev(person, MEALS, case_id=case.id, details={"meals_per_day": 1}),
                       ask_on_repeat=True)
    with db.reading() as s:
        assert len(s.scalars(select(ServiceEvent).where(ServiceEvent.person_id == person.id)).all()) == 5
