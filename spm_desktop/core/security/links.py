"""The TKSK scope rule's facts from the database (issue 17): who is *linked* to a kecamatan
besides where they live, and the checks that need those facts.

A person is in the scope of a TKSK (a ``tksk`` user, or a device enrolled as ``tksk
--kecamatan K``) when their kelurahan lies in K or they are linked to K (:func:`tksk_links`):

- an open TKSK case in K, or
- a member (or the head) of a household of a disaster in K (live: a deleted membership or
  household links no one).

A service event is in a TKSK's scope when it is on a case of its own (unit TKSK, kecamatan K:
the case decides, as for every scoped role), or — without a case — when its unit is TKSK (or
not given) and its kelurahan lies in K, its person is in scope, or its disaster lies in K.

:mod:`.scope` stays session-free: it decides from values (a kelurahan, a case's unit and
kecamatan, and ``linked``: the fact found here). This module is the one place that finds the
fact, with the same query code for every caller: the sync scope (what a TKSK laptop holds,
:func:`spm_desktop.core.sync.scope.tksk_persons`), the office's validation of a TKSK device's
rows (:mod:`spm_desktop.core.sync.validation`), the services' checks of a TKSK user's writes
(persons, events, referrals, letters), the person page (may this user edit?) and the lists of
events a TKSK user sees (:func:`events_in_scope`). Other roles need no link: every function
here answers for them without a query.

Registering a new person stays "the kelurahan lies in K" (:func:`.scope.check_region_scope`):
before the person exists no case or household can link them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.security.scope import (
    TKSK_UNIT,
    check_person_scope,
    event_refusal,
    in_event_scope,
    in_person_scope,
    in_region_scope,
    kelurahan_in_kecamatan,
)
from spm_desktop.core.storage.models import Case, Disaster, Household, HouseholdMember

CHUNK = 500  # ids per IN (...) list: well below every database's parameter limit


def chunks(ids: Iterable[str]) -> Iterable[list[str]]:
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def in_kecamatan(column, kecamatan: str):
    """A kelurahan code column lies in ``kecamatan`` (a prefix test; see :mod:`.scope`)."""
    return or_(column == kecamatan, column.like(f"{kecamatan}.%"))


def disasters_in(kecamatan: str) -> Select:
    """The ids of the disasters in ``kecamatan``."""
    return select(Disaster.id).where(or_(Disaster.kecamatan_code == kecamatan,
                                         in_kecamatan(Disaster.kelurahan_code, kecamatan)))


def _link_queries(kecamatan: str, disasters: set[str]) -> list[Select]:
    """The selects of the linked persons' ids, each selecting one person column."""
    queries = [select(Case.person_id).where(Case.unit == TKSK_UNIT, Case.kecamatan_code == kecamatan,
                                            Case.status == "open", Case.deleted_at.is_(None))]
    # A live household of the disaster: a membership or a household deleted (listed by
    # mistake, the person taken off the list) links no one.
    live_households = select(Household.id).where(Household.deleted_at.is_(None))
    for chunk in chunks(disasters):
        queries.append(select(HouseholdMember.person_id).where(
            HouseholdMember.disaster_id.in_(chunk), HouseholdMember.deleted_at.is_(None),
            HouseholdMember.household_id.in_(live_households)))
        queries.append(select(Household.head_person_id).where(Household.disaster_id.in_(chunk),
                                                              Household.deleted_at.is_(None)))
    return queries


def tksk_links(session: Session, kecamatan: str, persons: Iterable[str] | None = None) -> tuple[set[str], set[str]]:
    """Persons linked to ``kecamatan`` whatever kelurahan they live in — an open TKSK case
    there, a household of a disaster there — and those disasters. With ``persons``: only
    which of those are linked (the same queries, narrowed to them).

    One rule for what is sent to a TKSK device, what it may change, and what a TKSK user may
    do (see the module docstring)."""
    disasters = set(session.scalars(disasters_in(kecamatan)))
    queries = _link_queries(kecamatan, disasters)
    linked: set[str] = set()
    if persons is None:
        for q in queries:
            linked |= set(session.scalars(q))
    else:
        for chunk in chunks({p for p in persons if p}):
            for q in queries:
                linked |= set(session.scalars(q.where(q.selected_columns[0].in_(chunk))))
    linked.discard(None)
    return linked, disasters


def links_in_rows(kecamatan: str, disasters: set[str], cases: Iterable[Mapping[str, Any]],
                  members: Iterable[Mapping[str, Any]], households: Iterable[Mapping[str, Any]],
                  household_of: Callable[[str], Mapping[str, Any] | None]) -> set[str]:
    """The persons that given versions of rows (a sync package's, as dicts) link to
    ``kecamatan``, by the rule of :func:`_link_queries`: an open TKSK case there; a live
    membership of a live household, or the head of a live household, of one of ``disasters``
    (those in the kecamatan). ``household_of``: a household's version (the package's, else the
    database's). The office adds them to :func:`tksk_links`' so that a link a TKSK laptop made
    in the same package counts for that package's other rows."""
    linked = {c.get("person_id") for c in cases
              if c.get("unit") == TKSK_UNIT and c.get("kecamatan_code") == kecamatan
              and c.get("status") == "open" and c.get("deleted_at") is None}
    for m in members:
        home = household_of(m.get("household_id") or "")
        if (m.get("disaster_id") in disasters and m.get("deleted_at") is None
                and home is not None and home.get("deleted_at") is None):
            linked.add(m.get("person_id"))
    linked |= {h.get("head_person_id") for h in households
               if h.get("disaster_id") in disasters and h.get("deleted_at") is None}
    linked.discard(None)
    return linked


def disaster_in(disaster: Mapping[str, Any], kecamatan: str) -> bool:
    """A disaster's version (a dict) lies in ``kecamatan``: the test of :func:`disasters_in`."""
    return disaster.get("kecamatan_code") == kecamatan or kelurahan_in_kecamatan(disaster.get("kelurahan_code"),
                                                                                 kecamatan)


def _needs_link(actor: Actor) -> bool:
    return actor.role == "tksk" and bool(actor.kecamatan_code)


def linked_persons(session: Session, actor: Actor, persons: Iterable[str]) -> set[str]:
    """Of ``persons``, those linked to a tksk actor's kecamatan (none for other roles)."""
    if not _needs_link(actor):
        return set()
    return tksk_links(session, actor.kecamatan_code or "", persons)[0]


def person_in_scope(session: Session, actor: Actor, person_id: str | None, kelurahan_code: str | None) -> bool:
    """The person (living in ``kelurahan_code``) is in the actor's scope: its kelurahan, or a link."""
    if in_region_scope(actor, kelurahan_code):
        return True
    return bool(person_id) and in_person_scope(actor, kelurahan_code,
                                               person_id in linked_persons(session, actor, [person_id]))


def check_person(session: Session, actor: Actor, person_id: str | None, kelurahan_code: str | None,
                 what: str) -> None:
    """Refuse a write about a person outside a tksk's scope (Indonesian message)."""
    if not person_in_scope(session, actor, person_id, kelurahan_code):
        check_person_scope(actor, kelurahan_code, False, what)  # raises: neither living there nor linked


def _value(record: Any, name: str) -> Any:
    if record is None:
        return None
    return record.get(name) if isinstance(record, Mapping) else getattr(record, name)


def _disasters_of(session: Session, actor: Actor, disaster_ids: Iterable[str | None]) -> set[str]:
    wanted = {d for d in disaster_ids if d}
    if not wanted or not _needs_link(actor):
        return set()
    return set(session.scalars(disasters_in(actor.kecamatan_code or "").where(Disaster.id.in_(sorted(wanted)))))


def events_in_scope(session: Session, actor: Actor, events: list, cases: Mapping[str, Any] | None = None) -> list:
    """The ``events`` in the actor's scope, in their order. An event is any record with
    ``unit``, ``kelurahan_code``, ``case_id``, ``person_id`` and ``disaster_id`` (an ORM row, a
    named row, a draft or a mapping); ``cases``: case id -> case (ORM or mapping), looked up
    here when missing. The lists a tksk user sees and the checks of its writes (and of a TKSK
    device's rows at the office) all go through here, so they cannot disagree."""
    cases = dict(cases or {})
    for chunk in chunks({_value(e, "case_id") for e in events} - set(cases) - {None, ""}):
        cases.update({c.id: c for c in session.scalars(select(Case).where(Case.id.in_(chunk)))})
    facts = []
    for e in events:
        case = cases.get(_value(e, "case_id")) if _value(e, "case_id") else None
        facts.append((_value(e, "unit"), _value(e, "kelurahan_code"), _value(case, "unit"),
                      _value(case, "kecamatan_code")))
    keep = [in_event_scope(actor, *f) for f in facts]
    # Without a case, a tksk's event may also be linked: its person, or its disaster in the kecamatan.
    pending = [i for i, f in enumerate(facts) if not keep[i] and f[2] is None] if _needs_link(actor) else []
    if pending:
        linked = linked_persons(session, actor, {_value(events[i], "person_id") for i in pending})
        disasters = _disasters_of(session, actor, {_value(events[i], "disaster_id") for i in pending})
        for i in pending:
            e = events[i]
            keep[i] = in_event_scope(actor, *facts[i], linked=_value(e, "person_id") in linked
                                     or _value(e, "disaster_id") in disasters)
    return [e for e, k in zip(events, keep, strict=True) if k]


def event_in_scope(session: Session, actor: Actor, event: Any, case: Any = None) -> bool:
    """One event (see :func:`events_in_scope`); ``case``: its case when the caller has it."""
    case_id = _value(event, "case_id")
    return bool(events_in_scope(session, actor, [event], {case_id: case} if case_id and case is not None else None))


def check_event(session: Session, actor: Actor, event: Any, case: Any = None) -> None:
    """Refuse a write of a service event outside the actor's scope (Indonesian message)."""
    if not event_in_scope(session, actor, event, case):
        raise event_refusal(actor)
