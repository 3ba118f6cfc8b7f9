"""A shelter's own computer (a device enrolled as ``unit --unit UPRS``) holds only the persons
it serves (issue 17): a case of its unit, a service event it delivered, or registered on it —
with their records; a person who leaves that scope is removed from it by the next package; a
crafted package from it touching another unit's persons is refused with nothing applied."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sync_helpers import ADMIN, data_digest, enrol, enrol_each_other

from spm_desktop.core.storage.models import (
    Case,
    Disaster,
    Household,
    HouseholdMember,
    Person,
    ServiceEvent,
)
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.importer import import_package
from spm_desktop.core.sync.validation import PackageInvalid

MAKAN = "1.06.04.2.01.0001"
KEL = "61.71.03.1001"
OFFICE, SHELTER = "Kantor Dinas Sosial", "Rumah Singgah UPRS"


@pytest.fixture
def shelter(make_database, office, tmp_path):
    db = make_database("uprs", SHELTER)
    enrol_each_other(office, db, tmp_path, role="unit")  # unit UPRS
    return db


def person(db, name, *, case_unit=None, event_unit=None):
    with db.transaction(ADMIN) as s:
        p = Person(name=name, sex="P", kelurahan_code=KEL)
        s.add(p)
        s.flush()
        case = None
        if case_unit:
            case = Case(person_id=p.id, unit=case_unit, spm_group="anak", intake_date=date(2026, 2, 1),
                        status="open")
            s.add(case)
            s.flush()
        if event_unit or case:
            s.add(ServiceEvent(person_id=p.id, service_code=MAKAN, kelurahan_code=KEL, event_date=date(2026, 3, 2),
                               unit=event_unit or case.unit, case_id=case.id if case else None))
        return p.id


def send(src, dst, tmp_path, peer, name, full=False):
    path = tmp_path / f"{name}.spmsync"
    export_package(src, ADMIN, path, peer_name=peer, full=full)
    return import_package(dst, ADMIN, path)


def ids(db, model, column="id"):
    with db.reading() as s:
        return set(s.scalars(select(getattr(model, column))))


@pytest.fixture
def city(office):
    out = dict(resident=person(office, "Penghuni UPRS", case_unit="UPRS"),
               served=person(office, "Dilayani UPRS", event_unit="UPRS"),
               plat=person(office, "Penghuni PLAT", case_unit="PLAT"),
               tksk=person(office, "Kasus TKSK", event_unit="TKSK"),
               nobody=person(office, "Tanpa layanan"))
    with office.transaction(ADMIN) as s:  # the resident also had a PLAT stay: their whole history goes
        s.add(Case(person_id=out["resident"], unit="PLAT", spm_group="anak", intake_date=date(2025, 1, 1),
                   exit_date=date(2025, 3, 1), status="closed"))
        fire = Disaster(kind="kebakaran_permukiman", start_date=date(2026, 3, 1), kelurahan_code=KEL,
                        kecamatan_code="61.71.03")
        s.add(fire)
        s.flush()
        home = Household(disaster_id=fire.id, no_kk="6171010101010001")
        s.add(home)
        s.flush()
        s.add(HouseholdMember(household_id=home.id, disaster_id=fire.id, person_id=out["resident"]))
    return out


def test_a_package_to_a_shelter_holds_only_the_persons_it_serves(office, shelter, city, tmp_path):
    send(office, shelter, tmp_path, SHELTER, "full", full=True)
    mine = {city["resident"], city["served"]}
    assert ids(shelter, Person) == mine
    assert ids(shelter, Case, "person_id") == {city["resident"]}
    assert len(ids(shelter, Case)) == 2  # the resident's PLAT stay too
    assert ids(shelter, ServiceEvent, "person_id") == mine
    assert ids(shelter, Disaster) == ids(shelter, Household) == ids(shelter, HouseholdMember) == set()
    # A person the shelter registers stays on it and travels to the office.
    own = person(shelter, "Didaftar di UPRS")
    assert send(shelter, office, tmp_path, OFFICE, "own").new == 1
    assert own in ids(office, Person)


def test_a_person_who_leaves_the_shelters_scope_is_removed_from_it(office, shelter, city, tmp_path):
    send(office, shelter, tmp_path, SHELTER, "full")
    send(shelter, office, tmp_path, OFFICE, "ack")
    with office.transaction(ADMIN) as s:  # the event was recorded for the wrong unit
        s.scalars(select(ServiceEvent).where(ServiceEvent.person_id == city["served"])).one().unit = "PLAT"
        s.add(Case(person_id=city["plat"], unit="UPRS", spm_group="anak", intake_date=date(2026, 4, 1),
                   status="open"))  # and the PLAT resident moves to UPRS
    result = send(office, shelter, tmp_path, SHELTER, "moves")
    assert result.removed == 1
    assert ids(shelter, Person) == {city["resident"], city["plat"]}
    assert len(ids(shelter, ServiceEvent)) == 2  # the resident's and the newcomer's, with their history
    with office.reading() as s:
        assert s.get(Person, city["served"]).deleted_at is None  # a scoped removal, not a deletion


def test_a_crafted_package_from_a_shelter_touching_another_units_persons_is_refused(office, shelter, city,
                                                                                  tmp_path):
    # The shelter computer holds the whole city once (enrolled as an office for one package) ...
    enrol(office, shelter, tmp_path / "old", "office", name=SHELTER)
    send(office, shelter, tmp_path, SHELTER, "city", full=True)
    enrol(office, shelter, tmp_path / "new", "unit", unit="UPRS", name=SHELTER)
    # ... and someone edits there persons and cases of PLAT and TKSK, and a UPRS resident.
    with shelter.transaction(ADMIN) as s:
        s.get(Person, city["plat"]).name = "Diubah UPRS"
        s.get(Person, city["nobody"]).deleted_at = s.get(Person, city["nobody"]).created_at
        s.scalars(select(Case).where(Case.person_id == city["plat"])).one().status = "closed"
        s.scalars(select(ServiceEvent).where(ServiceEvent.person_id == city["tksk"])).one().quantity = 9
        s.get(Person, city["resident"]).address = "Jl. Boleh"  # in its scope: no reason
    before = data_digest(office)
    path = tmp_path / "attack.spmsync"
    export_package(shelter, ADMIN, path, peer_name=OFFICE)
    with pytest.raises(PackageInvalid) as refused:
        import_package(office, ADMIN, path)
    assert data_digest(office) == before
    # Persons outside its scope the office never sent it as a unit device: every record of theirs
    # is refused as such (whatever the record would do here).
    assert sorted((r.table, r.record, r.field) for r in refused.value.reasons) == sorted([
        ("person", city["plat"], "id"), ("person", city["nobody"], "id"),
        ("cases", _case(office, city["plat"]), "person_id"),
        ("service_event", _event(office, city["tksk"]), "person_id")])
    assert all("UPRS" in r.reason or "unit" in r.reason for r in refused.value.reasons)


def _case(db, person_id):
    with db.reading() as s:
        return s.scalars(select(Case.id).where(Case.person_id == person_id)).one()


def _event(db, person_id):
    with db.reading() as s:
        return s.scalars(select(ServiceEvent.id).where(ServiceEvent.person_id == person_id)).one()
