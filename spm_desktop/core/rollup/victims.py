"""The disaster victims' needs and when each is met (architecture §4 v2 "Disaster victims") —
the one rule the roll-up (group ``bencana``, IKK 2), the Bencana page's "Masih kurang" and
the family form all use. :mod:`spm_desktop.core.domain.vulnerable` states what a victim needs
for plain values; this module reads the facts and decides when each need is met.

A victim ``v`` of disaster ``D`` (start ``s``, emergency end ``e``, handling closed ``c``) is a
live member of a live household of ``D``; persons resolve to their merge survivor. Their
needs, all assessed on ``s``, waivable per member: permakanan, sandang, tempat penampungan
(household displaced), penanganan khusus (vulnerable on ``s``: under ``child_below`` — the
setting ``disaster.usia_rentan_anak`` —, 60 and over, pregnant/breastfeeding, disability),
dukungan psikososial (marked). A need is met at ``d`` by a live event of its code for ``v``
**linked to D** dated in ``[s, d]``; permakanan only in ``[s, min(d, e)]`` and only on a day
whose meals of ``v`` for ``D`` add up to the catalogue's standard (``meals_per_day``,
default the standard; ``days`` plays no part); tempat penampungan is met for every member of
the household when an event linked to ``D`` exists for any of them.

Two SQL reads (the victims of the disasters that matter, and their events linked to those
disasters, by person, code and day — read disaster by disaster through
``ix_service_event_disaster_id``) and the rule in Python over those few thousand rows:
:func:`load_victim_needs` gives every need with its met date; :func:`due_victim_needs` keeps
those that place a victim in year Y's sasaran; :func:`victim_met_date` is a victim's met date
("once served, counted for the year"); :func:`bencana_tally` all of it for a window, per
victim. :mod:`.victims_sql` is the same rule as SQL statement builders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, and_, case, cast, func, literal_column, or_, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.groups import AGE_ELDERLY_FROM, LOCAL_SCALE
from spm_desktop.core.domain.vulnerable import MEALS_CODE, SHELTER_CODE, VICTIM_NEED_CODES, split_codes
from spm_desktop.core.domain.vulnerable import victim_needs as needs_of
from spm_desktop.core.rollup.sql import age_on, person_key, resolved_persons

# The same rule as SQL statement builders (one statement; slower): due_needs(start, end, res),
# met_dates(due, rule), victim_needs(end, res, …) with the bound parameter child_below.
from spm_desktop.core.rollup.victims_sql import (  # noqa: F401
    CHILD_BELOW,
    disasters_that_matter,
    due_needs,
    met_dates,
    victim_needs,
)
from spm_desktop.core.storage.models import Disaster, Household, HouseholdMember, Person, ServiceEvent, ServiceType

DEFAULT_MEAL_STANDARD = 3
_ORDER = {c: i for i, c in enumerate(VICTIM_NEED_CODES)}


@dataclass(frozen=True)
class VictimNeed:
    """One need of one victim (resolved person) for one disaster."""

    disaster_id: str
    person_id: str
    household_id: str
    code: str
    start: date  # the disaster's start: the need's assessment date
    emergency_end: date | None
    closed_on: date | None
    scale: str
    met_on: date | None  # first date it is met, up to the end asked for; None: not met

    def met_by(self, t: date) -> bool:
        return self.met_on is not None and self.met_on <= t


def _day(value) -> date | None:
    """A date from the driver (SQLite may hand back text for computed dates)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _members_query(end, child_below: int, disaster_id=None, open_since=None):
    d, h, m = Disaster.__table__, Household.__table__, HouseholdMember.__table__
    res = resolved_persons("victim_res")
    pp = Person.__table__.alias("victim")
    key = person_key(m.c.person_id, res)
    age = age_on(pp.c.birth_date, pp.c.birth_year, d.c.start_date)
    vulnerable = case((or_(m.c.pregnant_breastfeeding.is_(True), m.c.disability.is_(True),
                           age < literal_column(str(int(child_below)), Integer), age >= AGE_ELDERLY_FROM), 1),
                      else_=0)
    return (select(key, d.c.id, h.c.id, d.c.start_date, d.c.end_date, d.c.closed_on, d.c.scale, h.c.displaced,
                   vulnerable, m.c.needs_psychosocial, m.c.waived_codes)
            .select_from(m.join(h, h.c.id == m.c.household_id).join(d, d.c.id == h.c.disaster_id)
                         .outerjoin(res, res.c.src == m.c.person_id).outerjoin(pp, pp.c.id == key))
            .where(m.c.deleted_at.is_(None), h.c.deleted_at.is_(None), key.is_not(None),
                   *disasters_that_matter(end, disaster_id, open_since)))


def _events_query(end, disaster_id=None, open_since=None):
    """(pk, did, code, day, meals) — the live events of the victims' codes linked to the
    disasters that matter, in ``[start of the disaster, end]``, by resolved person and day;
    ``meals`` is the day's sum of ``meals_per_day`` (an event without it: the standard)."""
    d = Disaster.__table__
    ev = ServiceEvent.__table__.alias("vev")
    res = resolved_persons("victim_ev_res")
    key = person_key(ev.c.person_id, res)
    per_event = func.coalesce(cast(ev.c.details["meals_per_day"].as_integer(), Integer), meal_standard())
    # The dates are tested inside a CASE so that no planner reads the events by date (the
    # window's range of every event) instead of by disaster.
    dated = case((and_(ev.c.event_date >= d.c.start_date, ev.c.event_date <= end), 1), else_=0) == 1
    wanted = select(d.c.id).where(*disasters_that_matter(end, disaster_id, open_since))
    return (select(key, ev.c.disaster_id, ev.c.service_code, ev.c.event_date, func.sum(per_event))
            .select_from(ev.join(d, d.c.id == ev.c.disaster_id).outerjoin(res, res.c.src == ev.c.person_id))
            .where(ev.c.disaster_id.in_(wanted), ev.c.deleted_at.is_(None), dated,
                   ev.c.service_code.in_(VICTIM_NEED_CODES), key.is_not(None))
            .group_by(key, ev.c.disaster_id, ev.c.service_code, ev.c.event_date))


def meal_standard():
    """The daily standard of disaster permakanan (catalogue ``standard_per_day``, default 3)."""
    st = ServiceType.__table__
    std = (select(st.c.standard_per_day).where(st.c.code == MEALS_CODE, st.c.deleted_at.is_(None))
           .limit(1).scalar_subquery())
    return func.coalesce(std, literal_column(str(DEFAULT_MEAL_STANDARD), Integer))


def load_victim_needs(session: Session, end: date, child_below: int, *, disaster_id: str | None = None,
                      open_since: date | None = None) -> list[VictimNeed]:
    """Every need of every victim of the live disasters started by ``end`` (``disaster_id``: of
    that disaster only; ``open_since``: not closed before that date, or started since), each
    with its met date up to ``end``. A person in two households of one disaster (merged
    records) has each need once, met when met for either household."""
    members = session.execute(_members_query(end, child_below, disaster_id, open_since)).all()
    if not members:
        return []
    standard = session.scalar(select(meal_standard()))
    # (pk, did, code) -> [(day, meals)] in date order
    events: dict[tuple[str, str, str], list[tuple[date, int]]] = defaultdict(list)
    for pk, did, code, day, meals in session.execute(_events_query(end, disaster_id, open_since)):
        events[(pk, did, code)].append((_day(day), int(meals or 0)))
    for v in events.values():
        v.sort()
    mates: dict[str, set[str]] = defaultdict(set)  # household -> its members (resolved)
    for pk, _did, hid, *_ in members:
        mates[hid].add(pk)

    def first(pk: str, did: str, code: str, s: date, e: date | None) -> date | None:
        for day, meals in events.get((pk, did, code), ()):
            if day < s:
                continue
            if code == MEALS_CODE and ((e is not None and day > e) or meals < standard):
                continue
            return day
        return None

    found: dict[tuple[str, str, str], VictimNeed] = {}
    for pk, did, hid, s, e, c, scale, displaced, vulnerable, psychosocial, waived in members:
        s, e, c = _day(s), _day(e), _day(c)
        for code in needs_of(bool(displaced), bool(vulnerable), bool(psychosocial), split_codes(waived)):
            if code == SHELTER_CODE:
                dates = [d for d in (first(mate, did, code, s, e) for mate in mates[hid]) if d is not None]
                met = min(dates, default=None)
            else:
                met = first(pk, did, code, s, e)
            need = VictimNeed(did, pk, hid, code, s, e, c, scale or LOCAL_SCALE, met)
            old = found.get((pk, did, code))
            if old is None or (met is not None and (old.met_on is None or met < old.met_on)):
                found[(pk, did, code)] = need if old is None else VictimNeed(
                    did, pk, min(old.household_id, hid), code, s, e, c, need.scale, met)
    return sorted(found.values(), key=lambda n: (n.disaster_id, n.person_id, _ORDER[n.code]))


def due_victim_needs(needs: Iterable[VictimNeed], start: date) -> list[VictimNeed]:
    """The needs that place victims in the sasaran of a window beginning ``start`` (1 January):
    needs of kabupaten/kota disasters started in the window, and of those started earlier
    whose handling was not closed before ``start``, the needs not met before ``start``."""
    return [n for n in needs if n.scale == LOCAL_SCALE and (
        n.start >= start or ((n.closed_on is None or n.closed_on >= start)
                             and (n.met_on is None or n.met_on >= start)))]


def victim_met_date(due: Iterable[VictimNeed], rule: str = "all_needed") -> date | None:
    """A victim's met date over their due needs: the first date ``t`` at which every due need
    assessed by ``t`` is met (``all_needed``; needs of victims are never cancelled), or one is
    (``any_item``); None when there is none."""
    due = list(due)
    points = sorted({n.met_on for n in due if n.met_on is not None})
    if rule == "any_item":
        return points[0] if points else None
    for t in points:
        if all(n.met_by(t) for n in due if n.start <= t):
            return t
    return None


def bencana_tally(session: Session, start: date, end: date, rule: str, child_below: int) -> dict[str, date | None]:
    """{victim: met date or None} of every victim in group bencana's sasaran of ``[start, end]``
    (a victim counts once whatever the number of disasters)."""
    per_person: dict[str, list[VictimNeed]] = defaultdict(list)
    needs = load_victim_needs(session, end, child_below, open_since=start)
    for n in due_victim_needs(needs, start):
        per_person[n.person_id].append(n)
    return {pk: victim_met_date(own, rule) for pk, own in per_person.items()}


def victim_facts(session: Session, start: date, end: date, child_below: int) -> dict[tuple[str, str], tuple]:
    """{(disaster id, victim): (disaster start, ((code, met date or None), …))} of the needs
    that can place victims in the sasaran of ``[start, end]``: kabupaten/kota disasters
    started by ``end`` and not closed before ``start`` (or started since), met dates up to
    ``end``. The caller keeps, of a disaster started before ``start``, the needs not met
    before it (as :func:`due_victim_needs` does)."""
    out: dict[tuple[str, str], tuple] = {}
    for n in load_victim_needs(session, end, child_below, open_since=start):
        if n.scale != LOCAL_SCALE:
            continue
        s, needs = out.get((n.disaster_id, n.person_id), (n.start, ()))
        out[(n.disaster_id, n.person_id)] = (s, (*needs, (n.code, n.met_on)))
    return out


def waived_needs(session: Session, start: date, end: date) -> dict[str, int]:
    """{reason: needs waived} over the victims of the kabupaten/kota disasters that matter for
    the window ``[start, end]`` (started by ``end``, not closed before ``start``) — what the
    recap's warning about waived needs reports."""
    d, h, m = Disaster.__table__, Household.__table__, HouseholdMember.__table__
    rows = session.execute(
        select(m.c.waived_codes, m.c.waiver_reason)
        .select_from(m.join(h, h.c.id == m.c.household_id).join(d, d.c.id == h.c.disaster_id))
        .where(m.c.deleted_at.is_(None), h.c.deleted_at.is_(None), m.c.waived_codes != "",
               d.c.scale == LOCAL_SCALE, *disasters_that_matter(end, open_since=start)))
    out: dict[str, int] = {}
    for codes, reason in rows:
        n = len(split_codes(codes))
        if n:
            key = (reason or "").strip() or "(tanpa alasan)"
            out[key] = out.get(key, 0) + n
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def victims_without_household(session: Session, start: date, end: date) -> int:
    """Persons served in ``[start, end]`` with an event linked to a disaster who are not a live
    member of a live household of that disaster: their needs count nowhere until their family
    is registered (the recap warns). The events linked to a disaster are read from their own
    partial index (migration 0011; SQLite would otherwise read every event of the window)."""
    from sqlalchemy import exists, text

    if session.get_bind().dialect.name == "sqlite":
        return int(session.scalar(text(
            "SELECT count(DISTINCT ev.person_id) FROM service_event ev INDEXED BY ix_service_event_disaster_date "
            "WHERE ev.disaster_id IS NOT NULL AND ev.deleted_at IS NULL AND ev.event_date >= :start "
            "AND ev.event_date <= :end AND NOT EXISTS (SELECT 1 FROM household_member m "
            "JOIN household h ON h.id = m.household_id WHERE m.disaster_id = ev.disaster_id "
            "AND m.person_id = ev.person_id AND m.deleted_at IS NULL AND h.deleted_at IS NULL)"),
            {"start": start.isoformat(), "end": end.isoformat()}) or 0)
    ev, h, m = ServiceEvent.__table__, Household.__table__, HouseholdMember.__table__
    member = exists().where(m.c.disaster_id == ev.c.disaster_id, m.c.person_id == ev.c.person_id,
                            m.c.deleted_at.is_(None), h.c.id == m.c.household_id, h.c.deleted_at.is_(None))
    return int(session.scalar(
        select(func.count(func.distinct(ev.c.person_id)))
        .where(ev.c.disaster_id.is_not(None), ev.c.deleted_at.is_(None), ev.c.event_date >= start,
               ev.c.event_date <= end, ~member)) or 0)
