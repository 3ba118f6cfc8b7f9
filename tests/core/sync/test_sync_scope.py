"""TKSK laptops hold only their kecamatan (issue 17, UU 27/2022 art. 16): a package to an
enrolled TKSK device carries the persons in its scope only; a person who leaves the scope is
removed from the laptop by the next package (not deleted at the office); a TKSK user exports
only the laptop's own changes, for the office."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sync_helpers import ADMIN, content, data_digest

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.storage.models import (
    Case,
    Disaster,
    DuplicateCandidate,
    Household,
    HouseholdMember,
    Person,
    ServiceEvent,
)
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.importer import import_package, preview_import

MAKAN = "1.06.04.2.01.0001"
KEC = "61.71.03"
BARAT = "61.71.03.1001"  # in the laptop's kecamatan
SELATAN = "61.71.01.1002"  # elsewhere
OFFICE, LAPTOP = "Kantor Dinas Sosial", "TKSK Pontianak Barat"
TKSK_USER = Actor(username="tksk1", role="tksk", kecamatan_code=KEC)


def person(db, name, kelurahan, events=1):
    with db.transaction(ADMIN) as s:
        p = Person(name=name, sex="L", kelurahan_code=kelurahan)
        s.add(p)
        s.flush()
        for day in range(events):
            s.add(ServiceEvent(person_id=p.id, service_code=MAKAN, kelurahan_code=kelurahan,
                               event_date=date(2026, 3, day + 1)))
        return p.id


def send(src, dst, tmp_path, peer, name, actor=ADMIN, full=False):
    path = tmp_path / f"{name}.spmsync"
    export_package(src, actor, path, peer_name=peer, full=full)
    return import_package(dst, ADMIN, path)


def ids(db, model):
    with db.reading() as s:
        return set(s.scalars(select(model.id)))


@pytest.fixture
def city(office):
    """The office: persons of the laptop's kecamatan and of another, one of the other
    kecamatan with an open TKSK case in the laptop's, one a victim of a fire there."""
    ids_ = dict(barat=person(office, "Barat", BARAT, events=2), barat2=person(office, "Barat Dua", BARAT),
                selatan=person(office, "Selatan", SELATAN, events=2), case=person(office, "Kasus TKSK", SELATAN),
                victim=person(office, "Korban", SELATAN), other=person(office, "Lain", SELATAN))
    with office.transaction(ADMIN) as s:
        s.add(Case(person_id=ids_["case"], unit="TKSK", kecamatan_code=KEC, spm_group="lansia",
                   intake_date=date(2026, 2, 1), status="open"))
        s.add(Case(person_id=ids_["other"], unit="TKSK", kecamatan_code=KEC, spm_group="lansia",
                   intake_date=date(2025, 2, 1), exit_date=date(2025, 6, 1), status="closed"))  # closed: not in scope
        fire = Disaster(kind="kebakaran_permukiman", start_date=date(2026, 3, 1), kelurahan_code=BARAT,
                        kecamatan_code=KEC)
        flood = Disaster(kind="banjir", start_date=date(2026, 3, 1), kelurahan_code=SELATAN,
                         kecamatan_code="61.71.01")
        s.add_all([fire, flood])
        s.flush()
        for disaster, who in ((fire, "victim"), (flood, "selatan")):
            home = Household(disaster_id=disaster.id, no_kk="6171010101010001")
            s.add(home)
            s.flush()
            s.add(HouseholdMember(household_id=home.id, disaster_id=disaster.id, person_id=ids_[who]))
        s.add(DuplicateCandidate(person_a_id=ids_["barat"], person_b_id=ids_["barat2"], status="open"))
        s.add(DuplicateCandidate(person_a_id=ids_["barat"], person_b_id=ids_["selatan"], status="open"))
        ids_["fire"], ids_["flood"] = fire.id, flood.id
    return ids_


def test_a_package_to_a_tksk_laptop_holds_only_its_kecamatan(office, tksk, city, tmp_path):
    send(office, tksk, tmp_path, LAPTOP, "full")
    in_scope = {city[k] for k in ("barat", "barat2", "case", "victim")}
    assert ids(tksk, Person) == in_scope
    with tksk.reading() as s:
        assert set(s.scalars(select(ServiceEvent.person_id))) == in_scope
        assert len(s.scalars(select(ServiceEvent.id)).all()) == 5
        assert set(s.scalars(select(Case.person_id))) == {city["case"]}
        assert set(s.scalars(select(DuplicateCandidate.person_a_id))) == {city["barat"]}  # the pair both in scope
    assert ids(tksk, Disaster) == {city["fire"]}
    assert content(tksk)["region"] == content(office)["region"]  # master data: all of it
    assert content(tksk)["service_type"] == content(office)["service_type"]


def test_a_person_who_leaves_the_scope_is_removed_from_the_laptop(office, tksk, city, tmp_path):
    send(office, tksk, tmp_path, LAPTOP, "full")
    send(tksk, office, tmp_path, OFFICE, "ack")
    with office.transaction(ADMIN) as s:  # moved house to another kecamatan
        s.get(Person, city["barat2"]).kelurahan_code = SELATAN
    path = tmp_path / "moved.spmsync"
    export_package(office, ADMIN, path, peer_name=LAPTOP)
    assert preview_import(tksk, ADMIN, path).removed == 1
    result = import_package(tksk, ADMIN, path)
    assert result.removed == 1 and result.new == 0
    assert city["barat2"] not in ids(tksk, Person)
    with tksk.reading() as s:
        assert s.scalars(select(ServiceEvent).where(ServiceEvent.person_id == city["barat2"])).all() == []
        assert s.scalars(select(DuplicateCandidate)).all() == []  # the pair left with him
    # At the office he is as he was: a scoped removal is no deletion, and nothing travels back.
    send(tksk, office, tmp_path, OFFICE, "back")
    with office.reading() as s:
        moved = s.get(Person, city["barat2"])
        assert moved.deleted_at is None and moved.kelurahan_code == SELATAN


def test_a_person_who_enters_the_scope_arrives_with_their_records(office, tksk, city, tmp_path):
    send(office, tksk, tmp_path, LAPTOP, "full")
    send(tksk, office, tmp_path, OFFICE, "ack")
    with office.transaction(ADMIN) as s:  # an open TKSK case in the laptop's kecamatan
        s.add(Case(person_id=city["selatan"], unit="TKSK", kecamatan_code=KEC, spm_group="lansia",
                   intake_date=date(2026, 4, 1), status="open"))
    result = send(office, tksk, tmp_path, LAPTOP, "enters")
    assert city["selatan"] in ids(tksk, Person)
    with tksk.reading() as s:
        assert len(s.scalars(select(ServiceEvent).where(ServiceEvent.person_id == city["selatan"])).all()) == 2
        assert s.scalars(select(DuplicateCandidate).where(
            DuplicateCandidate.person_b_id == city["selatan"])).one()  # both in scope now
    assert result.removed == 0


def test_a_person_registered_on_the_laptop_stays_on_it(office, tksk, tmp_path):
    mine = person(tksk, "Didaftar di laptop", BARAT)
    send(tksk, office, tmp_path, OFFICE, "mine")
    send(office, tksk, tmp_path, LAPTOP, "ack")
    with office.transaction(ADMIN) as s:
        s.get(Person, mine).kelurahan_code = SELATAN
    result = send(office, tksk, tmp_path, LAPTOP, "moved")
    assert result.removed == 0
    with tksk.reading() as s:
        assert s.get(Person, mine).kelurahan_code == SELATAN


def test_a_laptop_keeps_a_person_it_changed_that_the_office_has_not_seen(office, tksk, city, tmp_path):
    send(office, tksk, tmp_path, LAPTOP, "full")
    send(tksk, office, tmp_path, OFFICE, "ack")
    with office.transaction(ADMIN) as s:
        s.get(Person, city["barat2"]).kelurahan_code = SELATAN
    with tksk.transaction(ADMIN) as s:
        s.get(Person, city["barat2"]).address = "Jl. Baru (laptop)"
    assert send(office, tksk, tmp_path, LAPTOP, "moved").removed == 0  # its edit travels first


def test_a_tksk_user_exports_only_the_laptops_own_changes_for_the_office(office, tksk, third, city, tmp_path):
    send(office, tksk, tmp_path, LAPTOP, "full")
    mine = person(tksk, "Baru di laptop", BARAT)
    path = tmp_path / "own.spmsync"
    result = export_package(tksk, TKSK_USER, path, peer_name=OFFICE, full=True)
    assert set(result.counts) == {"person", "service_event"} and result.counts["person"] == 1
    assert import_package(office, ADMIN, path).new == 2
    assert mine in ids(office, Person)
    with pytest.raises(ValidationError, match="hanya bisa mengirim paket ke kantor"):
        export_package(tksk, TKSK_USER, tmp_path / "x.spmsync", peer_name="TKSK Pontianak Kota")


def test_a_laptop_edit_to_a_person_the_office_moved_away_is_a_conflict_not_a_refusal(office, tksk, city, tmp_path):
    from spm_desktop.core.storage.models import SyncConflict
    from spm_desktop.core.sync.conflicts import resolve_conflict

    send(office, tksk, tmp_path, LAPTOP, "full")
    send(tksk, office, tmp_path, OFFICE, "ack")
    with office.transaction(ADMIN) as s:
        s.get(Person, city["barat2"]).kelurahan_code = SELATAN
    with tksk.transaction(ADMIN) as s:  # later, not knowing of the move
        s.get(Person, city["barat2"]).address = "Jl. Baru (laptop)"
    result = send(tksk, office, tmp_path, OFFICE, "edit")  # never refused for the office's own change
    assert result.conflicts == 1
    with office.reading() as s:
        conflict = s.scalars(select(SyncConflict).where(SyncConflict.entity_id == city["barat2"])).one()
    assert (conflict.local_data["kelurahan_code"], conflict.remote_data["kelurahan_code"]) == (SELATAN, BARAT)
    resolve_conflict(office, ADMIN, conflict.id, "keep_local")  # the supervisor keeps the move
    assert send(office, tksk, tmp_path, LAPTOP, "after").removed == 1
    assert city["barat2"] not in ids(tksk, Person)


def test_the_laptops_audit_trail_forgets_a_person_who_left_its_scope(office, tksk, city, tmp_path):
    """Issue 17/18: the before/after snapshots of the laptop's audit entries about a person who
    left its scope (their record, cases, events) are blanked in the same import; the entries
    stay linked and ``check`` still finds the chain intact; other persons' entries are kept."""
    from dataclasses import replace

    from spm_desktop.core.security.audit_chain import verify_chain
    from spm_desktop.core.services.events import EventDraft, record_event
    from spm_desktop.core.services.persons import draft_of, load_person, update_person
    from spm_desktop.core.storage.models import AuditEntry

    send(office, tksk, tmp_path, LAPTOP, "full")
    for who in ("barat", "barat2"):  # the TKSK edits both on the laptop (entries with snapshots)
        with tksk.reading() as s:
            draft = draft_of(load_person(s, city[who]))
        update_person(tksk, TKSK_USER, city[who], replace(draft, address=f"Jl. Laptop {who}", phone="0812345678"))
        record_event(tksk, TKSK_USER, EventDraft(person_id=city[who], service_code=MAKAN, event_date=date(2026, 4, 2),
                                                 details={"meals_per_day": 3}))
    send(tksk, office, tmp_path, OFFICE, "edits")
    with office.transaction(ADMIN) as s:  # he moves to another kecamatan
        s.get(Person, city["barat2"]).kelurahan_code = SELATAN

    def entries(person_id):
        with tksk.reading() as s:
            events = set(s.scalars(select(ServiceEvent.id).where(ServiceEvent.person_id == person_id)))
            return [(e.entity, e.before, e.after) for e in s.scalars(select(AuditEntry).where(
                AuditEntry.entity_id.in_(events | {person_id})).order_by(AuditEntry.seq))], events

    kept, _ = entries(city["barat"])
    before, events = entries(city["barat2"])
    assert {e for e, *_ in before} == {"person", "service_event"}
    assert all(after is not None for *_, after in before)
    with tksk.reading() as s:
        assert verify_chain(s).blanked == 0
        ids_ = list(s.scalars(select(AuditEntry.id).where(AuditEntry.entity_id.in_(events | {city["barat2"]}))))
    assert send(office, tksk, tmp_path, LAPTOP, "moved").removed == 1
    with tksk.reading() as s:
        gone = s.scalars(select(AuditEntry).where(AuditEntry.id.in_(ids_))).all()
        assert len(gone) == len(before) == 2  # the entries stay, in the chain ...
        assert all(e.before is None and e.after is None for e in gone)  # ... without the snapshots
        report = verify_chain(s)
        assert report.ok and report.blanked == 2
        dumped = repr([(e.before, e.after) for e in s.scalars(select(AuditEntry))])
    assert "Jl. Laptop barat2" not in dumped and "Jl. Laptop barat" in dumped
    assert entries(city["barat"])[0] == kept  # persons still in scope keep theirs


def test_group_activities_in_the_kecamatan_travel_to_its_laptop_with_its_persons_only(office, tksk, city, tmp_path):
    """Issue 15/17: the family guidance sessions held in the laptop's kecamatan go to it, their
    PPKS lists narrowed to the persons in its scope, with the roster volunteers listed on them;
    an edit there comes back without touching the entries it never held; an activity outside
    its kecamatan or a roster change from it is refused."""
    from sync_helpers import data_digest

    from spm_desktop.core.services.activities import ActivityInput, get_activity, record_activity, update_activity
    from spm_desktop.core.services.volunteers import VolunteerInput, register_volunteer
    from spm_desktop.core.storage.models import GroupActivity, GroupActivityPerson, Volunteer
    from spm_desktop.core.sync.validation import PackageInvalid

    family, tagana = "1.06.04.2.01.0006", "1.06.06.2.02.0002"
    rudi, wati, lain = (register_volunteer(office, ADMIN, VolunteerInput(name=n, sex="L")).id
                        for n in ("Rudi", "Wati", "Lain"))
    here = record_activity(office, ADMIN, ActivityInput(family, date(2026, 2, 3), BARAT, 3, 4,
                                                        person_ids=(city["barat"], city["selatan"]),
                                                        volunteer_ids=(rudi,))).id
    aid = record_activity(office, ADMIN, ActivityInput(tagana, date(2026, 2, 5), BARAT, 1, 0, volunteer_ids=(wati,))).id
    there = record_activity(office, ADMIN, ActivityInput(family, date(2026, 2, 4), SELATAN, 2, 2,
                                                         person_ids=(city["barat"],), volunteer_ids=(lain,))).id
    send(office, tksk, tmp_path, LAPTOP, "full")
    assert ids(tksk, GroupActivity) == {here, aid}
    with tksk.reading() as s:
        assert set(s.scalars(select(GroupActivityPerson.person_id))) == {city["barat"]}  # not "selatan"
    assert ids(tksk, Volunteer) == {rudi, wati}
    # The TKSK corrects the count on the laptop; the office keeps the entry the laptop never held.
    update_activity(tksk, TKSK_USER, here, ActivityInput(family, date(2026, 2, 3), BARAT, 5, 4,
                                                         person_ids=(city["barat"],), volunteer_ids=(rudi,)))
    assert send(tksk, office, tmp_path, OFFICE, "edit").updated == 1
    changed = get_activity(office, ADMIN, here)
    assert changed.participants_male == 5
    assert {p.id for p in changed.persons} == {city["barat"], city["selatan"]}
    # An activity moved outside its kecamatan is refused: listed by the laptop's pre-flight (the
    # office enrolled it as TKSK, whoever is logged in there), and by the office when sent anyway.
    # A roster entry made there never leaves the laptop (a TKSK device may not send volunteers).
    from spm_desktop.core.sync.preflight import OutgoingProblems

    with tksk.transaction(ADMIN) as s:
        s.get(GroupActivity, aid).kelurahan_code = SELATAN
    register_volunteer(tksk, ADMIN, VolunteerInput(name="Baru", sex="P"))
    path = tmp_path / "attack.spmsync"
    with pytest.raises(OutgoingProblems) as listed:
        export_package(tksk, ADMIN, path, peer_name=OFFICE)
    assert [(p.table, p.field) for p in listed.value.problems] == [("group_activity", "kelurahan_code")]
    assert "volunteer" not in export_package(tksk, ADMIN, path, peer_name=OFFICE, check=False).counts
    before = data_digest(office)
    with pytest.raises(PackageInvalid) as refused:
        import_package(office, ADMIN, path)
    assert data_digest(office) == before
    assert sorted((r.table, r.field) for r in refused.value.reasons) == [("group_activity", "kelurahan_code")]
    assert there not in ids(tksk, GroupActivity)


def test_a_laptop_edit_to_a_person_moved_away_is_a_conflict_even_after_the_laptop_acknowledged(office, tksk, city,
                                                                                                tmp_path):
    """Found in the walkthrough: the office moves a person out of the kecamatan while the laptop
    edits them; the laptop imports the office's package (which withholds the moved person and
    keeps him for the unacknowledged edit), then sends. Its acknowledgement covers the move it
    never received: the edit must still be a conflict at the office, not a silent loss."""
    from spm_desktop.core.storage.models import SyncConflict

    send(office, tksk, tmp_path, LAPTOP, "full")
    send(tksk, office, tmp_path, OFFICE, "ack")
    with tksk.transaction(ADMIN) as s:
        s.get(Person, city["barat2"]).address = "Jl. Baru (laptop)"
    with office.transaction(ADMIN) as s:  # later at the office, not knowing of the edit
        s.get(Person, city["barat2"]).kelurahan_code = SELATAN
    assert send(office, tksk, tmp_path, LAPTOP, "moved").removed == 0  # kept: its edit travels first
    result = send(tksk, office, tmp_path, OFFICE, "edit")
    assert result.conflicts == 1
    with office.reading() as s:
        conflict = s.scalars(select(SyncConflict).where(SyncConflict.entity_id == city["barat2"])).one()
        assert conflict.remote_data["address"] == "Jl. Baru (laptop)"
        assert s.get(Person, city["barat2"]).kelurahan_code == SELATAN  # the later move stays meanwhile
    assert send(office, tksk, tmp_path, LAPTOP, "after").removed == 1


@pytest.mark.parametrize("laptop_first", [False, True], ids=["office-first", "laptop-first"])
def test_a_laptop_editing_a_moved_away_person_twice_is_still_a_conflict(office, tksk, city, tmp_path, laptop_first):
    """Two edits on the laptop put its revision past the office's: still a conflict, never the
    package refused for good (the laptop would send the same edit again and again) nor the edit
    dropped. The laptop never received the office's version of a person outside its scope."""
    from spm_desktop.core.storage.models import SyncConflict

    send(office, tksk, tmp_path, LAPTOP, "full")
    send(tksk, office, tmp_path, OFFICE, "ack")

    def edits():
        for street in ("Jl. Satu (laptop)", "Jl. Dua (laptop)"):
            with tksk.transaction(ADMIN) as s:
                s.get(Person, city["barat2"]).address = street

    if laptop_first:
        edits()
    with office.transaction(ADMIN) as s:
        s.get(Person, city["barat2"]).kelurahan_code = SELATAN
    if laptop_first:
        send(office, tksk, tmp_path, LAPTOP, "moved")  # the laptop acknowledges a move it never received
    else:
        edits()
    result = send(tksk, office, tmp_path, OFFICE, "edit")
    assert result.conflicts == 1
    with office.reading() as s:
        conflict = s.scalars(select(SyncConflict).where(SyncConflict.entity_id == city["barat2"])).one()
        assert conflict.remote_data["address"] == "Jl. Dua (laptop)"
        assert s.get(Person, city["barat2"]).kelurahan_code == SELATAN
    assert send(office, tksk, tmp_path, LAPTOP, "after").removed == 1
    assert send(tksk, office, tmp_path, OFFICE, "again").conflicts == 0


def test_the_laptop_changes_the_persons_of_its_scope_who_live_elsewhere(office, tksk, city, tmp_path):
    """A fire victim and an open TKSK case of its kecamatan who live in another one are in the
    scope the office sends the laptop: changes to their records made on the laptop pass its own
    pre-flight and the office's rules alike (one scope rule, ``links.tksk_links``). Made here
    by the laptop's administrator; a TKSK user's own permissions follow the same rule (the
    tests below)."""
    from dataclasses import replace

    from spm_desktop.core.services.persons import draft_of, load_person, update_person

    send(office, tksk, tmp_path, LAPTOP, "full")
    for who in ("victim", "case"):
        with tksk.reading() as s:
            draft = draft_of(load_person(s, city[who]))
        update_person(tksk, ADMIN, city[who], replace(draft, address=f"Posko {who}"))
    result = send(tksk, office, tmp_path, OFFICE, "edits")
    assert (result.updated, result.new, result.conflicts) == (2, 0, 0)
    with office.reading() as s:
        assert {s.get(Person, city[w]).address for w in ("victim", "case")} == {"Posko victim", "Posko case"}
    # Moving one of them to a kelurahan of the laptop's kecamatan is a change in scope too.
    with tksk.reading() as s:
        draft = draft_of(load_person(s, city["victim"]))
    update_person(tksk, ADMIN, city["victim"], replace(draft, kelurahan_code=BARAT))
    assert send(tksk, office, tmp_path, OFFICE, "moved-in").updated == 1


# ----- a TKSK user's own permissions: the same links (issue 17 leftover) -------------------


def _meal_draft(person_id, disaster_id=None, meals=3, on=date(2026, 3, 2)):
    from spm_desktop.core.domain.vulnerable import MEALS_CODE
    from spm_desktop.core.services.events import EventDraft

    return EventDraft(person_id=person_id, service_code=MEALS_CODE, event_date=on, details={"meals_per_day": meals},
                      disaster_id=disaster_id)


def _meal(db, actor, person_id, disaster_id=None, meals=3, on=date(2026, 3, 2)):
    from spm_desktop.core.services.events import record_event

    return record_event(db, actor, _meal_draft(person_id, disaster_id, meals, on)).id


def _readdress(db, actor, person_id, address):
    from dataclasses import replace

    from spm_desktop.core.services.persons import get_person, update_person

    return update_person(db, actor, person_id, replace(get_person(db, actor, person_id).to_draft(), address=address))


def test_a_tksk_user_records_a_disaster_meal_for_a_victim_living_elsewhere(office, tksk, city, tmp_path):
    """The fire in the laptop's kecamatan has a victim living in another one (a member of one of
    its households). The laptop's TKSK user records her meals, corrects one, deletes another
    and corrects her record — the rule of the laptop's scope (``links.tksk_links``), not only
    her kelurahan — and the office accepts the package: the events and the change arrive."""
    from spm_desktop.core.services.events import delete_event, edit_event, get_event

    send(office, tksk, tmp_path, LAPTOP, "full")
    victim = city["victim"]
    kept = _meal(tksk, TKSK_USER, victim, city["fire"])
    wrong = _meal(tksk, TKSK_USER, victim, city["fire"], on=date(2026, 3, 3))
    info = get_event(tksk, TKSK_USER, kept)
    assert info.kelurahan_code == SELATAN  # where she lives: outside the kecamatan
    edit_event(tksk, TKSK_USER, kept, _meal_draft(victim, city["fire"], meals=2))
    delete_event(tksk, TKSK_USER, wrong)
    _readdress(tksk, TKSK_USER, victim, "Posko Kebakaran")
    result = send(tksk, office, tmp_path, OFFICE, "meals")
    assert (result.new, result.updated, result.conflicts) == (2, 1, 0)
    with office.reading() as s:
        assert s.get(ServiceEvent, kept).details == {"meals_per_day": 2, "days": 1}
        assert s.get(ServiceEvent, kept).disaster_id == city["fire"]
        assert s.get(ServiceEvent, wrong).deleted_at is not None
        assert s.get(Person, victim).address == "Posko Kebakaran"


def test_a_tksk_user_is_refused_for_a_person_outside_its_kecamatan_without_a_link(office, tksk, city, tmp_path):
    """The victim of a flood in another kecamatan, living there, is no one the TKSK of this one
    may record for or change (at the office too): refused with a message naming what is allowed,
    nothing written. A laptop package carrying such an event is still refused at the office."""
    from spm_desktop.core.domain.errors import PermissionDenied
    from spm_desktop.core.storage.models import AuditEntry

    before = data_digest(office), ids(office, AuditEntry)
    with pytest.raises(PermissionDenied) as refused:
        _meal(office, TKSK_USER, city["selatan"], city["flood"])
    assert str(refused.value) == (
        "Anda hanya berhak mencatat layanan untuk kecamatan Pontianak Barat Anda sendiri (warganya, atau orang "
        "dengan kasus TKSK terbuka atau keluarga korban bencana di kecamatan itu).")
    with pytest.raises(PermissionDenied, match="mengubah data penerima layanan .* kasus TKSK terbuka"):
        _readdress(office, TKSK_USER, city["selatan"], "Jl. Lain")
    with pytest.raises(PermissionDenied, match="kasus TKSK terbuka"):  # a closed TKSK case is no link
        _readdress(office, TKSK_USER, city["other"], "Jl. Lain")
    assert (data_digest(office), ids(office, AuditEntry)) == before
    # On the laptop: a person registered there, then moved out of the kecamatan (the laptop's own:
    # the office accepts the move), with a meal written past the services' rule (no link).
    send(office, tksk, tmp_path, LAPTOP, "full")
    moved = _register(tksk, "Pindah Keluar", BARAT)
    send(tksk, office, tmp_path, OFFICE, "registered")
    _move(tksk, moved, kelurahan=SELATAN)
    with tksk.transaction(ADMIN) as s:
        s.add(ServiceEvent(id="crafted-meal", person_id=moved, service_code=MAKAN, kelurahan_code=SELATAN,
                           unit="TKSK", event_date=date(2026, 3, 2)))
    reasons = _refused_crafted(tksk, office, tmp_path, "crafted")
    assert [(r.table, r.record, r.reason) for r in reasons] == [
        ("service_event", "crafted-meal", "layanan di luar wilayah/unit perangkat pengirim (sesudah perubahan)")]


def test_a_tksk_user_works_for_a_person_with_an_open_case_of_its_kecamatan_living_elsewhere(office, tksk, city,
                                                                                          tmp_path):
    """An open TKSK case of the kecamatan links its person to it wherever they live: the TKSK
    user changes their record and records a service for them (not on the case too), on the
    laptop, and the office accepts both."""
    send(office, tksk, tmp_path, LAPTOP, "full")
    who = city["case"]
    _readdress(tksk, TKSK_USER, who, "Jl. Kasus")
    event = _meal(tksk, TKSK_USER, who)
    result = send(tksk, office, tmp_path, OFFICE, "case")
    assert (result.new, result.updated, result.conflicts) == (1, 1, 0)
    with office.reading() as s:
        assert s.get(Person, who).address == "Jl. Kasus"
        assert s.get(ServiceEvent, event).unit == "TKSK"
        assert s.get(ServiceEvent, event).kelurahan_code == SELATAN


def test_a_tksk_users_referral_list_and_count_follow_the_same_rule(office, tksk, city, tmp_path):
    """The referrals a TKSK user sends for a linked person living elsewhere are in its Rujukan
    list and in Beranda's count (``links.events_in_scope``, the rule of its writes); those of a
    person of another kecamatan without a link are in neither."""
    from spm_desktop.core.rollup.layanan import waiting_referrals
    from spm_desktop.core.services import referrals as rs

    send(office, tksk, tmp_path, LAPTOP, "full")
    on = date(2026, 3, 2)
    mine = rs.send_referral(tksk, TKSK_USER, rs.OutgoingInput(city["victim"], on, "RSUD dr. Soedarso"))
    rs.send_referral(office, ADMIN, rs.OutgoingInput(city["selatan"], on, "RSUD dr. Soedarso"))
    assert {r.event_id for r in rs.list_referrals(tksk, TKSK_USER, open_only=True, today=on)} == {mine.event_id}
    with tksk.reading() as s:
        assert waiting_referrals(s, on, 30, TKSK_USER)[0] == 1
    send(tksk, office, tmp_path, OFFICE, "referral")
    listed = rs.list_referrals(office, TKSK_USER, open_only=True, today=on)
    assert {r.event_id for r in listed} == {mine.event_id}  # not the other kecamatan's person's
    with office.reading() as s:
        assert waiting_referrals(s, on, 30, TKSK_USER)[0] == 1
        assert waiting_referrals(s, on, 30, None)[0] == 2


# ----- duplicate suggestions naming a person the office moved out of the scope ----------------


def _register(db, name, kelurahan):
    from spm_desktop.core.services.persons import PersonDraft, register_person

    draft = PersonDraft(name=name, sex="L", birth_year=1975, kelurahan_code=kelurahan)
    return register_person(db, ADMIN, draft, confirm_duplicates_ok=True).id


def _move(db, pid, kelurahan=None, address=None):
    from dataclasses import replace

    from spm_desktop.core.services.persons import get_person, update_person

    draft = get_person(db, ADMIN, pid).to_draft()
    update_person(db, ADMIN, pid, replace(draft, kelurahan_code=kelurahan or draft.kelurahan_code,
                                          address=address or draft.address))


def _pairs(db):
    with db.reading() as s:
        return {frozenset((d.person_a_id, d.person_b_id)): d.status for d in s.scalars(select(DuplicateCandidate))}


def test_a_duplicate_pair_naming_a_person_the_office_moved_away_is_a_suggestion_not_a_refusal(office, tksk,
                                                                                              tmp_path):
    """Hypothesis's example (test_sync_convergence, TestScopedLaptopConverges), step by step: the
    laptop holds a person the office then moves out of its kecamatan; not knowing of the move, the
    laptop edits him and registers a second person of the same name (a duplicate suggestion
    naming him). The office's next package withholds the moved person and the laptop keeps him
    for its edit; the laptop's package is then applied — the edit a conflict, the pair an open
    suggestion at the office — never refused for the office's own later change."""
    send(tksk, office, tmp_path, OFFICE, "l1")
    send(tksk, office, tmp_path, OFFICE, "l2")
    send(office, tksk, tmp_path, LAPTOP, "o1")
    first = _register(office, "Ahmad Fauzi", BARAT)
    send(office, tksk, tmp_path, LAPTOP, "o2")
    _move(office, first, kelurahan=SELATAN)
    _move(tksk, first, address="Jl. Ahmad Yani")  # on the laptop, not knowing of the move
    second = _register(tksk, "Ahmad Fauzi", BARAT)
    assert _pairs(tksk) == {frozenset((first, second)): "open"}
    assert send(office, tksk, tmp_path, LAPTOP, "o3").removed == 0  # kept: its edit travels first
    path = tmp_path / "l3.spmsync"
    export_package(tksk, ADMIN, path, peer_name=OFFICE)
    assert preview_import(office, ADMIN, path).duplicates == 1
    result = import_package(office, ADMIN, path)
    assert result.conflicts == 1 and result.new == 2  # the second person and the pair
    assert result.duplicates == 1  # counted like a suggestion made here (CLI, Sinkronisasi page)
    assert _pairs(office) == {frozenset((first, second)): "open"}  # for a supervisor at the office
    with office.reading() as s:
        assert s.get(Person, first).kelurahan_code == SELATAN
    assert send(office, tksk, tmp_path, LAPTOP, "o4").removed == 1
    assert ids(tksk, Person) == {second} and _pairs(tksk) == {}
    send(tksk, office, tmp_path, OFFICE, "l4")
    assert _pairs(office) == {frozenset((first, second)): "open"}  # the removal on the laptop is not a deletion


def test_a_duplicate_pair_sent_before_the_laptop_hears_of_the_move_is_applied(office, tksk, tmp_path):
    """The same without the edit, the laptop sending first: the pair names a person the office
    sent it (acknowledged in that very package) and moved away since."""
    first = _register(office, "Ahmad Fauzi", BARAT)
    send(office, tksk, tmp_path, LAPTOP, "o1")
    _move(office, first, kelurahan=SELATAN)
    second = _register(tksk, "Ahmad Fauzi", BARAT)
    send(tksk, office, tmp_path, OFFICE, "l1")
    assert _pairs(office) == {frozenset((first, second)): "open"}
    assert send(office, tksk, tmp_path, LAPTOP, "o2").removed == 1
    assert ids(tksk, Person) == {second} and _pairs(tksk) == {}


def test_duplicate_pairs_with_persons_in_the_laptops_scope_beyond_its_kelurahans(office, tksk, city, tmp_path):
    """A person in the laptop's scope through an open TKSK case there, and one it registered that
    the office moved to another kecamatan (it stays the laptop's), may be named in its
    suggestions: the pre-flight lets them through and the office applies them."""
    send(office, tksk, tmp_path, LAPTOP, "full")
    mine = _register(tksk, "Didaftar di laptop", BARAT)
    send(tksk, office, tmp_path, OFFICE, "mine")
    send(office, tksk, tmp_path, LAPTOP, "ack")
    _move(office, mine, kelurahan=SELATAN)
    send(office, tksk, tmp_path, LAPTOP, "moved")
    with tksk.transaction(ADMIN) as s:
        s.add(DuplicateCandidate(person_a_id=city["case"], person_b_id=city["barat"], status="open"))
        s.add(DuplicateCandidate(person_a_id=mine, person_b_id=city["barat2"], status="open"))
    send(tksk, office, tmp_path, OFFICE, "pairs", actor=TKSK_USER)  # pre-flighted
    assert {frozenset((city["case"], city["barat"])), frozenset((mine, city["barat2"]))} <= set(_pairs(office))


# ----- a person the laptop never held, and one it holds until it acknowledges the removal ----


def _held(db) -> dict[str, tuple[int, int | None]]:
    """sync_peer_person at the office: person -> (sent_seq, removed_seq)."""
    from spm_desktop.core.storage.models import SyncPeerPerson

    with db.reading() as s:
        return {r.person_id: (r.sent_seq, r.removed_seq) for r in s.scalars(select(SyncPeerPerson))}


def _copy_onto_laptop(tksk, office, person_id, event=True, **changes):
    """A crafted row on the laptop: the office's first version of a person it never sent there,
    changed (the flush stamps it as a laptop edit of revision 1, an older revision than the
    office's), with a service event of theirs (``event``)."""
    with office.reading() as s:
        p = s.get(Person, person_id)
        values = dict(id=p.id, name=p.name, sex=p.sex, kelurahan_code=p.kelurahan_code, created_at=p.created_at)
    with tksk.transaction(ADMIN) as s:
        s.add(Person(**{**values, **changes}))
        s.flush()
        if not event:
            return None
        event = ServiceEvent(person_id=person_id, service_code=MAKAN, kelurahan_code=values["kelurahan_code"],
                             event_date=date(2026, 4, 2))
        s.add(event)
        s.flush()
        return event.id


def _refused_crafted(tksk, office, tmp_path, name):
    """Export the laptop's own changes without the pre-flight and import them at the office:
    refused, both databases unchanged, the reasons recorded for the laptop."""
    from sync_helpers import data_digest, file_digest, refusals

    from spm_desktop.core.storage.models import SyncConflict
    from spm_desktop.core.sync.validation import PackageInvalid

    path = tmp_path / f"{name}.spmsync"
    export_package(tksk, TKSK_USER, path, peer_name=OFFICE, check=False)
    before = data_digest(office), file_digest(tksk)
    with pytest.raises(PackageInvalid) as refused:
        import_package(office, ADMIN, path)
    assert (data_digest(office), file_digest(tksk)) == before
    assert refusals(office)[-1][1] == [[r.table, r.record, r.field, r.reason] for r in refused.value.reasons]
    assert ids(office, SyncConflict) == set()
    return refused.value.reasons


def test_a_crafted_stale_row_of_a_person_the_laptop_never_held_is_refused(office, tksk, city, tmp_path):
    """Issue 17 (planning._withheld): a row of a person outside the laptop's scope that the office
    never sent it — an older revision than the office's, which the planner would have kept as a
    conflict — refuses the whole package, the reason listed, nothing applied."""
    send(office, tksk, tmp_path, LAPTOP, "full")
    send(tksk, office, tmp_path, OFFICE, "ack")
    _move(office, city["selatan"], address="Jl. Kantor")  # the office's version is revision 2
    _copy_onto_laptop(tksk, office, city["selatan"], event=False, deleted_at=date(2026, 4, 1))
    [reason] = _refused_crafted(tksk, office, tmp_path, "crafted")  # was: applied, "1 konflik"
    assert (reason.table, reason.record, reason.field) == ("person", city["selatan"], "kelurahan_code")
    assert "di luar kecamatan 61.71.03 perangkat pengirim dan tidak tercatat pernah dikirim" in reason.reason
    with office.reading() as s:
        assert s.get(Person, city["selatan"]).deleted_at is None


def test_a_person_moved_out_is_held_until_the_laptop_acknowledges_the_removal(office, tksk, city, tmp_path):
    """The legitimate case beside it: the office moves a person out of the kecamatan while the
    laptop edits them. The removal listed for the laptop keeps the office's record that it held
    them (``sync_peer_person.removed_seq``) until the laptop acknowledges that package, so the
    edit that arrives with the acknowledgement is a conflict (this version kept), not a refusal;
    the record goes at the next package, the laptop drops the person and both converge."""
    from spm_desktop.core.storage.models import SyncConflict, SyncPackage

    send(office, tksk, tmp_path, LAPTOP, "full")
    send(tksk, office, tmp_path, OFFICE, "ack")
    sent_seq, removed = _held(office)[city["barat2"]]
    assert removed is None
    _move(tksk, city["barat2"], address="Jl. Baru (laptop)")
    _move(office, city["barat2"], kelurahan=SELATAN)  # later at the office
    assert send(office, tksk, tmp_path, LAPTOP, "moved").removed == 0  # kept for its edit
    with office.reading() as s:
        until = s.scalars(select(SyncPackage).where(SyncPackage.file_name == "moved.spmsync")).one().counts["until_seq"]
    assert _held(office)[city["barat2"]] == (sent_seq, until)
    result = send(tksk, office, tmp_path, OFFICE, "edit")  # acknowledges "moved"
    assert (result.conflicts, result.updated) == (1, 0)
    assert _held(office)[city["barat2"]] == (sent_seq, until)  # still: removal acknowledged, not yet forgotten
    with office.reading() as s:
        conflict = s.scalars(select(SyncConflict).where(SyncConflict.entity_id == city["barat2"])).one()
        assert (conflict.winner, conflict.remote_data["address"]) == ("local", "Jl. Baru (laptop)")
        assert s.get(Person, city["barat2"]).kelurahan_code == SELATAN
    assert send(office, tksk, tmp_path, LAPTOP, "after").removed == 1
    assert city["barat2"] not in _held(office)  # forgotten once the removal is acknowledged
    send(tksk, office, tmp_path, OFFICE, "ack2")
    send(office, tksk, tmp_path, LAPTOP, "last")
    office_rows, laptop_rows = content(office), content(tksk)
    in_scope = {city[k] for k in ("barat", "case", "victim")}
    assert set(laptop_rows["person"]) == in_scope
    assert {k: v for k, v in office_rows["person"].items() if k in in_scope} == laptop_rows["person"]
    assert len(_held(office)) == 3


def test_a_stale_row_of_a_person_whose_removal_the_laptop_acknowledged_is_refused(office, tksk, city, tmp_path):
    """Held until the removal is acknowledged, and no longer: once the laptop acknowledged the
    package that removed a person (it had no edit of them) and the office forgot them, a stale
    row of theirs is a write about a person it does not hold."""
    send(office, tksk, tmp_path, LAPTOP, "full")
    send(tksk, office, tmp_path, OFFICE, "ack")
    _move(office, city["barat2"], kelurahan=SELATAN)
    assert send(office, tksk, tmp_path, LAPTOP, "moved").removed == 1
    send(tksk, office, tmp_path, OFFICE, "ack2")
    send(office, tksk, tmp_path, LAPTOP, "forget")
    assert city["barat2"] not in _held(office)
    _copy_onto_laptop(tksk, office, city["barat2"], kelurahan_code=BARAT, address="Jl. Lama")
    reasons = _refused_crafted(tksk, office, tmp_path, "stale")
    assert sorted((r.table, r.field) for r in reasons) == [("person", "kelurahan_code"), ("service_event", "person_id")]


def test_a_victim_taken_off_the_disasters_household_list_leaves_the_laptop(office, tksk, city, tmp_path):
    """A household membership deleted at the office (the victim was listed by mistake) is no
    link any more: a person of another kecamatan with no other link leaves the laptop with the
    next package (a scoped removal, not a deletion), and a TKSK user may no longer serve them."""
    from datetime import datetime

    from spm_desktop.core.security.links import person_in_scope

    send(office, tksk, tmp_path, LAPTOP, "full")
    send(tksk, office, tmp_path, OFFICE, "ack")
    assert city["victim"] in ids(tksk, Person)
    with office.transaction(ADMIN) as s:
        member = s.scalars(select(HouseholdMember).where(HouseholdMember.person_id == city["victim"])).one()
        member.deleted_at = datetime(2026, 3, 5, 9, 0)
    with office.reading() as s:
        assert not person_in_scope(s, TKSK_USER, city["victim"], SELATAN)
    result = send(office, tksk, tmp_path, LAPTOP, "unlisted")
    assert result.removed == 1
    assert city["victim"] not in ids(tksk, Person)
    with tksk.reading() as s:
        assert s.scalars(select(HouseholdMember).where(HouseholdMember.person_id == city["victim"],
                                                       HouseholdMember.deleted_at.is_(None))).all() == []
    with office.reading() as s:  # at the office she is as she was
        assert s.get(Person, city["victim"]).deleted_at is None


def test_links_made_in_the_same_package_count_at_the_office(office, tksk, city, tmp_path):
    """Issue 17 leftover: the office judged a TKSK device's person changes on the links it knew
    before the package. A laptop that registers a new fire in its kecamatan, lists a resident on
    a household of it, then corrects her kelurahan to where she really lives (allowed there: she
    is linked by the household) sent a package the office refused whole — and would refuse again
    with every later package. The links the package itself makes count now; a link the package
    removes does not keep a person in scope."""
    from dataclasses import replace

    from spm_desktop.core.services.disasters import DisasterInput, register_disaster
    from spm_desktop.core.services.households import HouseholdInput, MemberInput, register_household
    from spm_desktop.core.services.persons import get_person, update_person
    from spm_desktop.core.sync.validation import PackageInvalid

    send(office, tksk, tmp_path, LAPTOP, "full")
    fire = register_disaster(tksk, TKSK_USER, DisasterInput("kebakaran_permukiman", date(2026, 4, 1), BARAT))
    register_household(tksk, TKSK_USER, HouseholdInput(fire.id, "6171030101010009", (
        MemberInput("Barat", "kepala", "L", person_id=city["barat"]),)))
    moved = replace(get_person(tksk, TKSK_USER, city["barat"]).to_draft(), kelurahan_code=SELATAN)
    update_person(tksk, TKSK_USER, city["barat"], moved)
    result = send(tksk, office, tmp_path, OFFICE, "new-fire")
    assert result.conflicts == 0
    with office.reading() as s:
        assert s.get(Person, city["barat"]).kelurahan_code == SELATAN
        assert s.get(Disaster, fire.id) is not None
        members = s.scalars(select(HouseholdMember.person_id).where(HouseholdMember.disaster_id == fire.id)).all()
        assert members == [city["barat"]]

    # Another resident of the kecamatan, listed on no household, moved out by the laptop's
    # administrator: no link, in the office's data or in the package, keeps her in scope.
    from spm_desktop.core.sync.preflight import OutgoingProblems

    other = replace(get_person(tksk, ADMIN, city["barat2"]).to_draft(), kelurahan_code=SELATAN)
    update_person(tksk, ADMIN, city["barat2"], other)
    before = data_digest(office)
    with pytest.raises((PackageInvalid, OutgoingProblems)):
        send(tksk, office, tmp_path, OFFICE, "unlinked")
    assert data_digest(office) == before


def test_the_package_link_rule_is_the_databases(office, tksk, city, tmp_path):
    """``links.links_in_rows`` (rows as dicts: a package's) finds the persons ``links.tksk_links``
    (SQL) finds, on the same rows — including a closed case, a deleted membership and a deleted
    household, which link no one."""
    from spm_desktop.core.security.links import disaster_in, links_in_rows, tksk_links
    from spm_desktop.core.storage.models import Household

    with office.transaction(ADMIN) as s:
        late = Disaster(kind="banjir", start_date=date(2026, 5, 1), kelurahan_code=BARAT)  # K by its kelurahan
        s.add(late)
        s.flush()
        gone, kept = Household(disaster_id=late.id, no_kk="6171030101010002"), Household(
            disaster_id=late.id, no_kk="6171030101010003", head_person_id=city["selatan"])
        s.add_all([gone, kept])
        s.flush()
        s.add_all([HouseholdMember(household_id=gone.id, disaster_id=late.id, person_id=city["other"]),
                   HouseholdMember(household_id=kept.id, disaster_id=late.id, person_id=city["barat2"],
                                   deleted_at=gone.updated_at)])
        gone.deleted_at = gone.updated_at
    with office.reading() as s:
        def rows(model):
            return [r._asdict() for r in s.execute(select(model.__table__))]

        homes = {h["id"]: h for h in rows(Household)}
        disasters = {d["id"] for d in rows(Disaster) if disaster_in(d, KEC)}
        from_rows = links_in_rows(KEC, disasters, rows(Case), rows(HouseholdMember), homes.values(), homes.get)
        from_sql, sql_disasters = tksk_links(s, KEC)
    assert disasters == sql_disasters
    assert from_rows == from_sql == {city["case"], city["victim"], city["selatan"]}


def test_a_crafted_household_membership_cannot_pull_a_person_into_the_laptops_scope(office, tksk, city, tmp_path):
    """Attack: a laptop lists a person it never held (another kecamatan, no link) on a household
    of a disaster in its kecamatan — the row alone, without the person's record. Accepted, the
    membership would link her and the office's next package would send her record to the
    laptop. A membership (or a household head) naming a person the office never sent to the
    device refuses the package like any other row about such a person."""
    from spm_desktop.core.storage.models import Household

    send(office, tksk, tmp_path, LAPTOP, "full")
    send(tksk, office, tmp_path, OFFICE, "ack")
    with office.reading() as s:
        p = s.get(Person, city["other"])
        values = dict(id=p.id, name=p.name, sex=p.sex, kelurahan_code=p.kelurahan_code, created_at=p.created_at,
                      updated_at=p.updated_at, hlc=p.hlc, revision=p.revision, origin_device=p.origin_device,
                      change_seq=0)
    with tksk.engine.begin() as c:  # the person's row on the laptop, not itself in the package
        c.execute(Person.__table__.insert().values(**values))
    with tksk.transaction(ADMIN) as s:
        home = Household(disaster_id=city["fire"], no_kk="6171030101010077")
        s.add(home)
        s.flush()
        s.add(HouseholdMember(household_id=home.id, disaster_id=city["fire"], person_id=city["other"]))
    reasons = _refused_crafted(tksk, office, tmp_path, "pull")
    assert [(r.table, r.field) for r in reasons] == [("household_member", "person_id")]
    with office.reading() as s:
        assert not s.scalars(select(HouseholdMember).where(HouseholdMember.person_id == city["other"])).all()
