"""What a package to a scoped device may carry: a TKSK laptop the persons of its kecamatan only (issue 17,
UU 27/2022 art. 16 purpose limitation).

A person is in the scope of a TKSK device for kecamatan K when

- their kelurahan is in K, or
- they have an open TKSK case in K, or
- they were registered on that device (``person.created_device``), or
- they are a member (or the head) of a household of a disaster in K,

and the person a scoped person was merged into is in scope too (the same human). The package
carries those persons with their cases, needs, events and duplicate pairs whose two persons are
in scope, the disasters in K with their households (and any disaster a sent event refers to),
plus master data, and the group activities held in K (issue 15: family guidance sessions) with
their PPKS lists narrowed to the persons in scope, their volunteer lists and the roster
volunteers on them (:func:`_activities`).

A shelter's own computer (a ``unit`` device) has the scope of :func:`unit_scope`: the persons
with a case or an event of its unit, or registered on it. A table without a scope rule here
(and not master data) is sent to no scoped device: a new synced table with personal data adds
its rule to :func:`scoped_filter` before it reaches laptops.

A person *touched* since the last acknowledged package (their record, a case, a household
membership, or their disaster changed) is sent whole when in scope — so a person who enters the
scope arrives with everything — and listed for removal when out of scope: the laptop removes
them and their records (a scoped removal, not a deletion at the office). Not sent whole again
(issue 17, nothing is sent twice): a person the peer already holds — sent whole in a package it
acknowledged (``sync_peer_person``) — nor one touched only by the peer's own changes coming
back (it sent them, so it holds them); their changed records travel alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from spm_desktop.core.security.links import chunks as _chunks
from spm_desktop.core.security.links import in_kecamatan as _in_kecamatan
from spm_desktop.core.security.links import tksk_links
from spm_desktop.core.storage.models import (
    Case,
    CaseNeed,
    Disaster,
    DuplicateCandidate,
    GroupActivity,
    GroupActivityPerson,
    GroupActivityVolunteer,
    Household,
    HouseholdMember,
    Person,
    ServiceEvent,
    Volunteer,
)

# Tables a scoped device never receives (and may not send).
NOT_FOR_TKSK: tuple[str, ...] = ()
NOT_FOR_UNIT = ("volunteer", "group_activity", "group_activity_person", "group_activity_volunteer", "disaster",
                "household", "household_member")
# Master data every device receives whole (only the office sends it).
MASTER_TABLES = ("region", "pmks_category", "service_type", "target", "setting", "mutu_check", "mutu_quantity")


@dataclass
class DeviceScope:
    """What a package to a scoped device (``tksk`` for a kecamatan, ``unit`` for a shelter)
    may carry."""

    kecamatan: str
    persons: set[str]  # in scope now
    disasters: set[str]  # disasters in the kecamatan (none for a unit)
    touched: set[str]  # persons touched since the bookmark (in or out of scope)
    changed_disasters: set[str]  # disasters changed since the bookmark
    event_disasters: set[str] = frozenset()  # other disasters the scoped persons' events refer to
    whole_event_disasters: set[str] = frozenset()  # of those, the ones the persons sent whole refer to
    unit: str = ""  # a unit device's unit (UPRS, PLAT); "" for a TKSK device
    activities: set[str] = frozenset()  # group activities in the kecamatan
    whole_activities: set[str] = frozenset()  # of those, sent with their lists (touched since the bookmark)
    volunteers: set[str] = frozenset()  # roster volunteers listed on an activity in the kecamatan
    whole_volunteers: set[str] = frozenset()  # those listed on a whole activity
    # Persons touched by changes other than the peer's own ones coming back (None: all of ``touched``).
    touched_here: set[str] | None = None
    held: set[str] = frozenset()  # persons the peer holds: sent whole in a package it acknowledged
    # disasters and group activities the peer holds (sync_peer_record): their changes travel alone
    held_disasters: set[str] = frozenset()
    held_activities: set[str] = frozenset()

    @property
    def evicted(self) -> set[str]:
        return self.touched - self.persons

    @property
    def whole(self) -> set[str]:
        """Persons sent with all their records: touched here and in scope, unless the peer
        already holds them."""
        touched = self.touched if self.touched_here is None else self.touched_here
        return (touched & self.persons) - self.held

    @property
    def echoed(self) -> set[str]:
        """Persons in scope touched only by the peer's own changes: the peer holds them."""
        return (self.touched - (self.touched_here or set())) & self.persons if self.touched_here is not None else set()

    @property
    def not_sent(self) -> tuple[str, ...]:
        return NOT_FOR_UNIT if self.unit else NOT_FOR_TKSK


TkskScope = DeviceScope  # the name before unit devices had a scope


def _merge_targets(session: Session, persons: set[str]) -> set[str]:
    """``persons`` plus the persons they were merged into (the same human), transitively."""
    frontier = set(persons)
    while frontier:
        found: set[str] = set()
        for chunk in _chunks(frontier):
            found |= {m for m in session.scalars(select(Person.merged_into).where(
                Person.id.in_(chunk), Person.merged_into.is_not(None)))}
        frontier = found - persons
        persons |= frontier
    return persons


def _changed(model, since: int, skip_seqs: Iterable[int] = ()):
    """Rows of ``model`` changed since the bookmark (leaving out those stamped with ``skip_seqs``:
    the peer's own changes as they arrived)."""
    where = model.change_seq > since
    return where & model.change_seq.not_in(list(skip_seqs)) if skip_seqs else where


def _touched(session: Session, since: int, skip_seqs: Iterable[int] = ()) -> set[str]:
    scalars = session.scalars
    touched = set(scalars(select(Person.id).where(_changed(Person, since, skip_seqs))))
    touched |= set(scalars(select(Case.person_id).where(_changed(Case, since, skip_seqs))))
    touched |= set(scalars(select(HouseholdMember.person_id).where(_changed(HouseholdMember, since, skip_seqs))))
    return touched


def tksk_persons(session: Session, kecamatan: str, device_id: str) -> tuple[set[str], set[str]]:
    """The persons a TKSK device of ``kecamatan`` holds (issue 17) — living in a kelurahan of it,
    registered on that device, or linked to it (:func:`~spm_desktop.core.security.links.tksk_links`:
    an open TKSK case there, a disaster household there; the links a TKSK user's own permissions
    use too) — and the disasters there."""
    linked, disasters = tksk_links(session, kecamatan)
    persons = linked | set(session.scalars(select(Person.id).where(_in_kecamatan(Person.kelurahan_code, kecamatan))))
    if device_id:
        persons |= set(session.scalars(select(Person.id).where(Person.created_device == device_id)))
    return persons, disasters


def tksk_scope(session: Session, kecamatan: str, device_id: str, since: int, skip_seqs: Iterable[int] = (),
               held: set[str] = frozenset(), records: tuple[set[str], set[str]] = (frozenset(), frozenset()),
               ) -> DeviceScope:
    scalars = session.scalars
    persons, disasters = tksk_persons(session, kecamatan, device_id)
    persons = _merge_targets(session, persons)
    changed_disasters = set(scalars(select(Disaster.id).where(Disaster.change_seq > since)))
    touched = _touched(session, since)
    for chunk in _chunks(changed_disasters):
        touched |= set(scalars(select(HouseholdMember.person_id).where(HouseholdMember.disaster_id.in_(chunk))))
    scope = DeviceScope(kecamatan, persons, disasters, touched, changed_disasters, held=held,
                        held_disasters=records[0], held_activities=records[1])
    if skip_seqs:
        here = _touched(session, since, skip_seqs)
        scope.changed_disasters = set(scalars(select(Disaster.id).where(_changed(Disaster, since, skip_seqs))))
        for chunk in _chunks(scope.changed_disasters):
            here |= set(scalars(select(HouseholdMember.person_id).where(HouseholdMember.disaster_id.in_(chunk))))
        scope.touched_here = here
    scope.event_disasters = _event_disasters(session, persons) - disasters
    scope.whole_event_disasters = _event_disasters(session, scope.whole) - disasters
    _activities(session, scope, since, skip_seqs)
    return scope


def _activities(session: Session, scope: DeviceScope, since: int, skip_seqs: Iterable[int] = ()) -> None:
    """Group activities held in the kecamatan (family guidance sessions, issue 15) go to its
    TKSK laptop: the activity, its PPKS list narrowed to the persons in scope, its volunteer
    list and the roster volunteers on it. An activity touched since the bookmark (its record,
    a list entry, or a listed person sent whole) that the laptop does not hold yet is sent
    whole; of one it holds, the changed rows travel alone, with the list entries of a person
    sent whole and the roster volunteers a changed volunteer entry names — so a laptop never
    holds a list entry without its activity or volunteer."""
    scalars = session.scalars
    ga, gap, gav = GroupActivity, GroupActivityPerson, GroupActivityVolunteer
    scope.activities = set(scalars(select(ga.id).where(_in_kecamatan(ga.kelurahan_code, scope.kecamatan))))
    touched = set(scalars(select(ga.id).where(_changed(ga, since, skip_seqs))))
    touched |= set(scalars(select(gap.activity_id).where(_changed(gap, since, skip_seqs)).distinct()))
    entries = session.execute(select(gav.activity_id, gav.volunteer_id).where(_changed(gav, since, skip_seqs))).all()
    touched |= {activity for activity, _volunteer in entries}
    named = {volunteer for activity, volunteer in entries if activity in scope.activities}
    for chunk in _chunks(scope.whole):
        touched |= set(scalars(select(gap.activity_id).where(gap.person_id.in_(chunk)).distinct()))
    scope.whole_activities = (touched & scope.activities) - scope.held_activities
    scope.volunteers, scope.whole_volunteers = set(), set(named)
    for chunk in _chunks(scope.activities):
        scope.volunteers |= set(scalars(select(gav.volunteer_id).where(gav.activity_id.in_(chunk)).distinct()))
    for chunk in _chunks(scope.whole_activities):
        scope.whole_volunteers |= set(scalars(select(gav.volunteer_id).where(gav.activity_id.in_(chunk)).distinct()))


def unit_scope(session: Session, unit: str, device_id: str, since: int, skip_seqs: Iterable[int] = (),
               held: set[str] = frozenset()) -> DeviceScope:
    """The scope of a shelter's own computer (``unit --unit UPRS|PLAT``): the persons with a
    case of that unit or a service event it delivered (not deleted), those registered on that
    device, and the persons they were merged into — with all their cases, needs and events
    (their history at the other units included: the shelter serves the whole person), the
    disasters their events refer to and duplicate pairs whose two persons are in scope. No
    disaster households, group activities or volunteers."""
    scalars = session.scalars
    persons = set(scalars(select(Case.person_id).where(Case.unit == unit, Case.deleted_at.is_(None))))
    persons |= set(scalars(select(ServiceEvent.person_id).where(ServiceEvent.unit == unit,
                                                                ServiceEvent.deleted_at.is_(None)).distinct()))
    if device_id:
        persons |= set(scalars(select(Person.id).where(Person.created_device == device_id)))
    persons = _merge_targets(session, persons)
    touched = _touched(session, since)
    # An event of the unit brings its person into the scope (or, deleted or moved, out of it).
    touched |= set(scalars(select(ServiceEvent.person_id).where(ServiceEvent.change_seq > since).distinct()))
    scope = DeviceScope("", persons, set(), touched, set(), unit=unit, held=held)
    if skip_seqs:
        scope.touched_here = _touched(session, since, skip_seqs) | set(scalars(select(ServiceEvent.person_id).where(
            _changed(ServiceEvent, since, skip_seqs)).distinct()))
    scope.event_disasters = _event_disasters(session, persons)
    scope.whole_event_disasters = _event_disasters(session, scope.whole)
    return scope


def device_scope(session: Session, role: str, kecamatan: str | None, unit: str | None, device_id: str,
                 since: int, skip_seqs: Iterable[int] = (), held: set[str] = frozenset(),
                 records: tuple[set[str], set[str]] = (frozenset(), frozenset())) -> DeviceScope | None:
    """The scope of a package to a device enrolled with ``role`` (None: an office, no scope).
    ``skip_seqs``: the change counters of what that device sent (its own changes coming back
    touch no one there); ``held``: persons it holds (never sent whole again); ``records``: the
    disasters and group activities it holds (likewise)."""
    if role == "tksk":
        return tksk_scope(session, kecamatan or "", device_id, since, skip_seqs, held, records)
    if role == "unit":
        scope = unit_scope(session, unit or "", device_id, since, skip_seqs, held)
        scope.held_disasters = records[0]
        return scope
    return None


def peer_holds(session: Session, peer, acked: int, persons: Iterable[str] | None = None) -> set[str]:
    """Persons the scoped ``peer`` (a :class:`SyncPeer`) holds, or may still hold, as this
    database knows it besides the scope it is sent now (which the callers add) — one rule
    (issue 17) for the planner (an edit of a person outside its scope here is a conflict, or a
    refusal when it never held them), the validation of its duplicate suggestions and the
    removal list of the packages to it:

    - sent to it whole in a package it acknowledged (up to ``acked``), until it acknowledges
      the package that listed them for removal (``sync_peer_person``);
    - last changed there (``person.origin_device``);
    - in a conflict with its version from one of its packages.

    ``persons``: only those (None: every one). A person it never held (a crafted package) is
    none of these."""
    from spm_desktop.core.storage.models import SyncConflict, SyncPackage, SyncPeerPerson

    device = peer.device_id or ""
    packages = select(SyncPackage.id).where(SyncPackage.direction == "in", SyncPackage.peer_device_id == device)
    evidence = [(SyncPeerPerson.person_id, (SyncPeerPerson.peer_id == peer.id, SyncPeerPerson.sent_seq <= acked))]
    if device:
        evidence.append((Person.id, (Person.origin_device == device,)))
        evidence.append((SyncConflict.entity_id, (SyncConflict.entity == "person",
                                                  SyncConflict.package_id.in_(packages))))
    held: set[str] = set()
    for column, where in evidence:
        if persons is None:
            held |= set(session.scalars(select(column).where(*where)))
            continue
        for chunk in _chunks(set(persons) - held):
            held |= set(session.scalars(select(column).where(*where, column.in_(chunk))))
    return held


def _event_disasters(session: Session, persons: set[str]) -> set[str]:
    out: set[str] = set()
    for chunk in _chunks(persons):
        out |= set(session.scalars(select(ServiceEvent.disaster_id).where(
            ServiceEvent.person_id.in_(chunk), ServiceEvent.disaster_id.is_not(None)).distinct()))
    return out


def _person_of(table: str):
    """The column naming the person a row of ``table`` belongs to (None: not a person table)."""
    return {"person": Person.id, "cases": Case.person_id, "service_event": ServiceEvent.person_id}.get(table)


def scoped_filter(session: Session, scope: DeviceScope, table: str, rows: list[list], columns: tuple[str, ...],
                  ) -> list[list]:
    """``rows`` (changed since the bookmark) of ``table`` narrowed to the scope."""
    at = {c: i for i, c in enumerate(columns)}
    persons, disasters = scope.persons, scope.disasters
    if table in ("person",):
        return [r for r in rows if r[at["id"]] in persons]
    if table in ("cases", "service_event"):
        return [r for r in rows if r[at["person_id"]] in persons]
    if table == "case_need":
        cases = _case_persons(session, {r[at["case_id"]] for r in rows})
        return [r for r in rows if cases.get(r[at["case_id"]]) in persons]
    if table in ("household", "household_member"):
        return [r for r in rows if r[at["disaster_id"]] in disasters]
    if table == "duplicate_candidate":
        return [r for r in rows if r[at["person_a_id"]] in persons and r[at["person_b_id"]] in persons]
    if table == "disaster":
        return [r for r in rows if r[at["id"]] in disasters or r[at["id"]] in scope.event_disasters]
    if table in scope.not_sent:
        return []
    if table == "group_activity":
        return [r for r in rows if r[at["id"]] in scope.activities]
    if table == "group_activity_person":
        return [r for r in rows if r[at["activity_id"]] in scope.activities and r[at["person_id"]] in persons]
    if table == "group_activity_volunteer":
        return [r for r in rows if r[at["activity_id"]] in scope.activities]
    if table == "volunteer":
        return [r for r in rows if r[at["id"]] in scope.volunteers]
    if table in LAYANAN_TABLES:
        return _layanan_rows(session, scope, table, rows, at)
    if table in MASTER_TABLES:
        return rows
    return []  # a table without a scope rule holds no one's data for a scoped device


# Issue 21: complaints, referrals and DTSEN proposals of persons in scope (a complaint also when
# its desa/kelurahan lies in the kecamatan), with the complaints' follow-up logs.
LAYANAN_TABLES = ("complaint", "complaint_followup", "referral", "dtsen_proposal")


def _complaint_in_scope(scope: TkskScope, person_id, kelurahan) -> bool:
    return person_id in scope.persons or bool(kelurahan) and (
        kelurahan == scope.kecamatan or kelurahan.startswith(scope.kecamatan + "."))


def _layanan_rows(session: Session, scope: TkskScope, table: str, rows: list[list], at: dict) -> list[list]:
    from spm_desktop.core.storage.models import Complaint

    if table in ("referral", "dtsen_proposal"):
        return [r for r in rows if r[at["person_id"]] in scope.persons]
    if table == "complaint":
        return [r for r in rows if _complaint_in_scope(scope, r[at["person_id"]], r[at["kelurahan_code"]])]
    wanted: set[str] = set()
    for chunk in _chunks({r[at["complaint_id"]] for r in rows}):
        wanted |= {cid for cid, pid, kel in session.execute(select(
            Complaint.id, Complaint.person_id, Complaint.kelurahan_code).where(Complaint.id.in_(chunk)))
            if _complaint_in_scope(scope, pid, kel)}
    return [r for r in rows if r[at["complaint_id"]] in wanted]


def _case_persons(session: Session, case_ids: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in _chunks(case_ids):
        out.update(session.execute(select(Case.id, Case.person_id).where(Case.id.in_(chunk))).all())
    return dict(out)


def whole_rows_query(scope: DeviceScope, table: str, chunk: list[str]):
    """A ``where`` clause for the rows of ``table`` sent whole for the persons (or disasters)
    in ``chunk``; None when the table has none."""
    if table == "person":
        return Person.__table__.c.id.in_(chunk)
    if table == "cases":
        return Case.__table__.c.person_id.in_(chunk)
    if table == "service_event":
        return ServiceEvent.__table__.c.person_id.in_(chunk)
    if table == "case_need":
        return CaseNeed.__table__.c.case_id.in_(select(Case.id).where(Case.person_id.in_(chunk)))
    if table == "duplicate_candidate":
        t = DuplicateCandidate.__table__
        return or_(t.c.person_a_id.in_(chunk), t.c.person_b_id.in_(chunk))
    if table == "group_activity_person":  # their entries on the activities of the kecamatan
        return GroupActivityPerson.__table__.c.person_id.in_(chunk)
    if table in ("complaint", "referral", "dtsen_proposal"):
        from spm_desktop.core.storage.models import SYNCED_MODELS

        model = next(m for m in SYNCED_MODELS if m.__tablename__ == table)
        return model.__table__.c.person_id.in_(chunk)
    if table == "complaint_followup":
        from spm_desktop.core.storage.models import Complaint, ComplaintFollowUp

        return ComplaintFollowUp.__table__.c.complaint_id.in_(select(Complaint.id).where(
            Complaint.person_id.in_(chunk)))
    return None


# The column tying each table's rows to a disaster, a group activity or a volunteer sent whole.
_DISASTER_KEYS = {"disaster": Disaster.__table__.c.id, "household": Household.__table__.c.disaster_id,
                  "household_member": HouseholdMember.__table__.c.disaster_id}
_ACTIVITY_KEYS = {"group_activity": GroupActivity.__table__.c.id,
                  "group_activity_person": GroupActivityPerson.__table__.c.activity_id,
                  "group_activity_volunteer": GroupActivityVolunteer.__table__.c.activity_id}
_VOLUNTEER_KEYS = {"volunteer": Volunteer.__table__.c.id}


def _rows_of(keys: dict, table: str, chunk: list[str]):
    column = keys.get(table)
    return None if column is None else column.in_(chunk)


def whole_disaster_query(table: str, chunk: list[str]):
    """The rows of ``table`` of the disasters in ``chunk`` (sent whole); None when it has none."""
    return _rows_of(_DISASTER_KEYS, table, chunk)


def whole_activity_query(table: str, chunk: list[str]):
    """The rows of ``table`` of the group activities in ``chunk`` (sent whole)."""
    return _rows_of(_ACTIVITY_KEYS, table, chunk)


def whole_volunteer_query(table: str, chunk: list[str]):
    return _rows_of(_VOLUNTEER_KEYS, table, chunk)
