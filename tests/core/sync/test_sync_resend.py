"""Nothing is sent twice (issue 17): a record the laptop acknowledged travels again only when it
changed. Found in the three-folder walkthrough: every office package to a TKSK laptop carried
again, unchanged, all the records of each person touched since the last exchange — the persons
the office edited (their cases, needs and events with them) and the laptop's own edits coming
back — 55–64 "sama" rows per package for four edited persons."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sync_helpers import ADMIN

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.storage.models import Case, Person, ServiceEvent
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.importer import import_package

MAKAN = "1.06.04.2.01.0001"
BARAT = "61.71.03.1001"
OFFICE, LAPTOP = "Kantor Dinas Sosial", "TKSK Pontianak Barat"
TKSK_USER = Actor(username="tksk1", role="tksk", kecamatan_code="61.71.03")


def _person_with_history(db, name: str) -> str:
    with db.transaction(ADMIN) as s:
        p = Person(name=name, sex="L", kelurahan_code=BARAT)
        s.add(p)
        s.flush()
        case = Case(person_id=p.id, spm_group="lansia", unit="TKSK", kecamatan_code="61.71.03",
                    intake_date=date(2026, 2, 1))
        s.add(case)
        s.flush()
        for day in range(1, 6):
            s.add(ServiceEvent(person_id=p.id, case_id=case.id, service_code=MAKAN, kelurahan_code=BARAT,
                               event_date=date(2026, 3, day)))
        return p.id


def _send(src, dst, path, peer, actor=ADMIN):
    result = export_package(src, actor, path, peer_name=peer)
    return result, import_package(dst, ADMIN, path)


def _phone(db, person_id: str, phone: str) -> None:
    with db.transaction(ADMIN) as s:
        s.get(Person, person_id).phone = phone


def test_a_record_the_laptop_acknowledged_is_not_sent_again_unless_it_changed(office, tksk, tmp_path):
    edited_here = _person_with_history(office, "Ahmad Kantor")
    edited_there = _person_with_history(office, "Budi Laptop")
    _send(office, tksk, tmp_path / "1.spmsync", LAPTOP)  # the first package: everything in scope

    _phone(tksk, edited_there, "081234567890")  # the laptop edits one person and registers another
    with tksk.transaction(ADMIN) as s:
        s.add(Person(name="Citra Baru", sex="P", kelurahan_code=BARAT))
    sent, taken = _send(tksk, office, tmp_path / "2.spmsync", OFFICE, TKSK_USER)  # with its acknowledgement
    assert (sent.counts, taken.new, taken.updated) == ({"person": 2}, 1, 1)

    _phone(office, edited_here, "085700001111")  # the office edits a person the laptop holds
    sent, taken = _send(office, tksk, tmp_path / "3.spmsync", LAPTOP)
    # Only the changed person: not their case and five events again, nor the laptop's own two persons.
    assert sent.counts == {"person": 1}
    assert (taken.updated, taken.unchanged, taken.new) == (1, 0, 0)

    # The laptop answers; the office's next package carries nothing it already holds.
    _send(tksk, office, tmp_path / "4.spmsync", OFFICE, TKSK_USER)
    sent, taken = _send(office, tksk, tmp_path / "5.spmsync", LAPTOP)
    assert sent.counts == {} and taken.unchanged == 0


def test_a_person_who_enters_the_scope_still_arrives_whole(office, tksk, tmp_path):
    """The other side of the rule: a person the laptop never held arrives with all their records,
    and one removed from it (moved out of its kecamatan) arrives whole again when they come back."""
    away = _person_with_history(office, "Dewi Pindah")
    with office.transaction(ADMIN) as s:
        p = s.get(Person, away)
        p.kelurahan_code = "61.71.01.1002"
        s.scalars(select(Case).where(Case.person_id == away)).one().status = "closed"
    _send(office, tksk, tmp_path / "1.spmsync", LAPTOP)
    with tksk.reading() as s:
        assert s.get(Person, away) is None
    _send(tksk, office, tmp_path / "2.spmsync", OFFICE, TKSK_USER)

    _phone(office, away, "081111111111")  # moved in: never held there
    with office.transaction(ADMIN) as s:
        s.get(Person, away).kelurahan_code = BARAT
    sent, taken = _send(office, tksk, tmp_path / "3.spmsync", LAPTOP)
    assert sent.counts["person"] == 1 and sent.counts["cases"] == 1 and sent.counts["service_event"] == 5
    assert taken.new == 7 and taken.unchanged == 0
    _send(tksk, office, tmp_path / "4.spmsync", OFFICE, TKSK_USER)

    with office.transaction(ADMIN) as s:  # out again: removed from the laptop
        s.get(Person, away).kelurahan_code = "61.71.01.1002"
    _, taken = _send(office, tksk, tmp_path / "5.spmsync", LAPTOP)
    assert taken.removed == 1
    _send(tksk, office, tmp_path / "6.spmsync", OFFICE, TKSK_USER)
    with office.transaction(ADMIN) as s:  # and back: whole again
        s.get(Person, away).kelurahan_code = BARAT
    sent, taken = _send(office, tksk, tmp_path / "7.spmsync", LAPTOP)
    assert sent.counts["service_event"] == 5 and taken.new == 7


def _disaster(db, kelurahan: str, kecamatan: str, victim: str) -> str:
    from spm_desktop.core.storage.models import Disaster, Household, HouseholdMember

    with db.transaction(ADMIN) as s:
        disaster = Disaster(kind="kebakaran_permukiman", start_date=date(2026, 3, 1), kelurahan_code=kelurahan,
                            kecamatan_code=kecamatan)
        s.add(disaster)
        s.flush()
        home = Household(disaster_id=disaster.id, no_kk="6171010101010001", head_person_id=victim)
        s.add(home)
        s.flush()
        s.add(HouseholdMember(household_id=home.id, disaster_id=disaster.id, person_id=victim))
        return disaster.id


ACTIVITY_TABLES = ("disaster", "household", "household_member", "group_activity", "group_activity_person",
                   "group_activity_volunteer", "volunteer")


def _of_activities(counts: dict[str, int]) -> dict[str, int]:
    return {t: n for t, n in counts.items() if t in ACTIVITY_TABLES}


def test_disasters_and_activities_the_laptop_holds_are_not_sent_whole_again(office, tksk, tmp_path):
    """Issue 17: a disaster or a group activity the office changes travels alone to a laptop that
    holds it (sync_peer_record), not with its households, members, list entries and volunteers
    again; rounds without edits carry none of them; a disaster and an activity newly in the
    laptop's scope still arrive whole."""
    from spm_desktop.core.services.activities import ActivityInput, record_activity, update_activity
    from spm_desktop.core.services.volunteers import VolunteerInput, register_volunteer
    from spm_desktop.core.storage.models import Disaster, GroupActivity, HouseholdMember

    family = "1.06.04.2.01.0006"
    victim, member = _person_with_history(office, "Korban Barat"), _person_with_history(office, "Peserta")
    fire = _disaster(office, BARAT, "61.71.03", victim)
    rudi, wati = (register_volunteer(office, ADMIN, VolunteerInput(name=n, sex="L")).id for n in ("Rudi", "Wati"))
    draft = ActivityInput(family, date(2026, 2, 3), BARAT, 3, 4, person_ids=(victim, member),
                          volunteer_ids=(rudi, wati))
    session = record_activity(office, ADMIN, draft).id
    first, _ = _send(office, tksk, tmp_path / "1.spmsync", LAPTOP)
    assert _of_activities(first.counts) == {"disaster": 1, "household": 1, "household_member": 1, "volunteer": 2,
                                            "group_activity": 1, "group_activity_person": 2,
                                            "group_activity_volunteer": 2}
    _send(tksk, office, tmp_path / "2.spmsync", OFFICE, TKSK_USER)

    with office.transaction(ADMIN) as s:  # the office renames the disaster and corrects the count
        s.get(Disaster, fire).name = "Kebakaran Gang Mawar"
    update_activity(office, ADMIN, session, ActivityInput(family, date(2026, 2, 3), BARAT, 5, 4,
                                                          person_ids=(victim, member), volunteer_ids=(rudi, wati)))
    sent, taken = _send(office, tksk, tmp_path / "3.spmsync", LAPTOP)
    assert _of_activities(sent.counts) == {"disaster": 1, "group_activity": 1}  # the two changed rows only
    assert (taken.updated, taken.unchanged) == (2, 0)
    for n in range(2, 5):  # rounds without edits
        _send(tksk, office, tmp_path / f"{n}b.spmsync", OFFICE, TKSK_USER)
        sent, taken = _send(office, tksk, tmp_path / f"{n}a.spmsync", LAPTOP)
        assert _of_activities(sent.counts) == {} and taken.unchanged == 0

    # Newly in its scope: a disaster of another kecamatan moved into it (with a victim the laptop
    # never held) and an activity moved there arrive whole.
    away = _person_with_history(office, "Korban Selatan")
    with office.transaction(ADMIN) as s:
        s.get(Person, away).kelurahan_code = "61.71.01.1002"
        s.scalars(select(Case).where(Case.person_id == away)).one().status = "closed"
    flood = _disaster(office, "61.71.01.1002", "61.71.01", away)
    elsewhere = record_activity(office, ADMIN, ActivityInput(family, date(2026, 2, 4), "61.71.01.1002", 1, 1,
                                                             person_ids=(member,), volunteer_ids=(wati,))).id
    _send(office, tksk, tmp_path / "5.spmsync", LAPTOP)
    _send(tksk, office, tmp_path / "6.spmsync", OFFICE, TKSK_USER)
    with office.transaction(ADMIN) as s:
        s.get(Disaster, flood).kelurahan_code, s.get(Disaster, flood).kecamatan_code = BARAT, "61.71.03"
        s.get(GroupActivity, elsewhere).kelurahan_code = BARAT
    sent, taken = _send(office, tksk, tmp_path / "7.spmsync", LAPTOP)
    assert _of_activities(sent.counts) == {"disaster": 1, "household": 1, "household_member": 1, "volunteer": 1,
                                           "group_activity": 1, "group_activity_person": 1,
                                           "group_activity_volunteer": 1}
    assert (sent.counts["person"], sent.counts["service_event"]) == (1, 5)  # the victim, whole
    with tksk.reading() as s:
        assert s.scalars(select(HouseholdMember.person_id).where(HouseholdMember.disaster_id == flood)).all() == [away]
        assert s.get(GroupActivity, elsewhere).participants_male == 1
