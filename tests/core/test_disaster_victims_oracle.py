"""Property: on random disasters, families and services, the roll-up's group bencana (sasaran,
terpenuhi) and the Bencana page's "Masih kurang" agree with an independent Python reading of
architecture §4 v2 "Disaster victims" (this file's oracle), for any period."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rollup_builders import B_CLOTHES, B_FOOD, B_PSYCHO, B_SHELTER, B_SPECIAL, Rows
from sqlalchemy import delete

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.domain.vulnerable import age_on, victim_needs
from spm_desktop.core.rollup import Period, compute_rollup
from spm_desktop.core.rollup.sql import resolved_persons
from spm_desktop.core.rollup.victims_sql import due_needs, met_dates
from spm_desktop.core.services.disaster_summary import disaster_summary
from spm_desktop.core.storage.models import Disaster, Household, HouseholdMember, Person, ServiceEvent

CODES = (B_FOOD, B_CLOTHES, B_SHELTER, B_SPECIAL, B_PSYCHO)
FIRST = date(2025, 11, 1)

disaster = st.tuples(st.dates(date(2025, 12, 1), date(2026, 2, 28)), st.one_of(st.none(), st.integers(0, 20)),
                     st.one_of(st.none(), st.integers(0, 60)),
                     st.sampled_from(("kabupaten_kota", "kabupaten_kota", "kabupaten_kota", "provinsi")))
member = st.tuples(st.integers(0, 7),  # person
                   st.dates(date(1950, 1, 1), date(2025, 10, 1)),  # birth date
                   st.booleans(), st.booleans(), st.booleans(),  # pregnant, disability, psychosocial
                   st.sets(st.sampled_from(CODES), max_size=2),  # waived
                   # per code: a service to this member or not (days after the start, meals a day,
                   # linked to this disaster or to another one)
                   st.tuples(*[st.one_of(st.none(), st.tuples(st.integers(-1, 40), st.sampled_from((3, 3, 2)),
                                                              st.sampled_from((True, True, True, False))))
                               for _ in CODES]))
household = st.tuples(st.integers(0, 2), st.booleans(), st.lists(member, min_size=1, max_size=3))
# (person, code, disaster or None, days after that disaster's start (or after FIRST), meals a day)
raw_event = st.tuples(st.integers(0, 7), st.sampled_from(CODES), st.sampled_from((0, 0, 1, 1, 2, None)),
                      st.integers(-2, 45), st.sampled_from((3, 3, 2, 1)))


def oracle(disasters, households, events, period_end: date, year_start: date):
    """(sasaran, terpenuhi) of group bencana, and {(disaster index, person): missing codes}
    as of ``period_end`` — computed from the plain values."""
    def met_date(pk, di, code, hh_persons):
        s, e, _c, _scale = disasters[di]
        if code == B_SHELTER:
            days = [d for (p, c, d, dj, _m) in events if p in hh_persons and c == code and dj == di
                    and s <= d <= period_end]
            return min(days, default=None)
        per_day: dict[date, int] = {}
        for p, c, d, dj, meals in events:
            if p == pk and c == code and dj == di and s <= d <= period_end:
                per_day[d] = per_day.get(d, 0) + (meals if code == B_FOOD else 3)
        ok = [d for d, n in per_day.items() if n >= 3 and (code != B_FOOD or e is None or d <= e)]
        return min(ok, default=None)

    needs: dict[tuple[int, int, str], date | None] = {}  # (disaster, person, code) -> met
    for di, displaced, members in households:
        if disasters[di][0] > period_end:
            continue
        hh_persons = {m[0] for m in members}
        for pk, birth, pregnant, disability, psycho, waived, _served in members:
            start = disasters[di][0]
            age = age_on(start, birth, None)
            vulnerable = pregnant or disability or age < 5 or age >= 60
            for code in victim_needs(displaced, vulnerable, psycho, frozenset(waived)):
                met = met_date(pk, di, code, hh_persons)
                key = (di, pk, code)
                if key not in needs or (met is not None and (needs[key] is None or met < needs[key])):
                    needs[key] = met
    missing: dict[tuple[int, int], tuple[str, ...]] = {}
    for (di, pk, code), met in needs.items():
        got = missing.setdefault((di, pk), ())
        if met is None:
            missing[(di, pk)] = got + (code,)
    due: dict[int, list[tuple[date, date | None]]] = {}
    for (di, pk, _code), met in needs.items():
        s, _e, c, scale = disasters[di]
        if scale != "kabupaten_kota":
            continue
        if s >= year_start or ((c is None or c >= year_start) and (met is None or met >= year_start)):
            due.setdefault(pk, []).append((s, met))
    served = 0
    for items in due.values():
        if any(m is not None and all(m2 is not None and m2 <= m for a2, m2 in items if a2 <= m)
               for _a, m in items):
            served += 1
    return (len(due), served), missing


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(disasters=st.lists(disaster, min_size=3, max_size=3), households=st.lists(household, max_size=4),
       raw_events=st.lists(raw_event, max_size=40), month=st.integers(1, 4), last_year=st.booleans())
def test_bencana_rollup_and_summary_agree_with_the_oracle(db, disasters, households, raw_events, month, last_year):
    plain = [(s, None if e is None else s + timedelta(days=e),
              None if c is None else s + timedelta(days=max(c, e or 0)), scale) for s, e, c, scale in disasters]
    events = [(who, code, (plain[di][0] if di is not None else FIRST) + timedelta(days=offset), di, meals)
              for who, code, di, offset, meals in raw_events]
    events += [(m[0], code, plain[di][0] + timedelta(days=offset), di if here else (di + 1) % 3, meals)
               for di, _d, ms in households for m in ms
               for code, (offset, meals, here) in ((c, x) for c, x in zip(CODES, m[-1], strict=True) if x)]
    # A person is in at most one household per disaster (the database's rule).
    seen: set[tuple[int, int]] = set()
    kept = []
    for di, displaced, members in households:
        ms = []
        for m in members:
            if (di, m[0]) not in seen:
                seen.add((di, m[0]))
                ms.append(m)
        if ms:
            kept.append((di, displaced, ms))
    with db.transaction() as s:
        for model in (ServiceEvent, HouseholdMember, Household, Disaster, Person):
            s.execute(delete(model))
        r = Rows(s)
        births = {m[0]: m[1] for _di, _d, ms in kept for m in ms}
        people = [r.person(birth_date=births.get(i, date(1990, 1, 1))) for i in range(8)]
        ids = [r.disaster(st_, end=e, closed=c, scale=scale) for st_, e, c, scale in plain]
        for di, displaced, ms in kept:
            r.household(ids[di], [(people[pk], {"pregnant_breastfeeding": preg, "disability": dis,
                                                "needs_psychosocial": psy, "waived_codes": ";".join(sorted(w)),
                                                "waiver_reason": "alasan" if w else ""})
                                  for pk, _b, preg, dis, psy, w, _sv in ms], displaced=displaced)
        for who, code, when, di, meals in events:
            r.event(people[who], code, when, disaster=None if di is None else ids[di],
                    details={"meals_per_day": meals, "days": 1} if code == B_FOOD else {})
    # Births are per person: the oracle reads the one stored.
    households_plain = [(di, displaced, [(pk, births[pk], *rest) for pk, _b, *rest in ms])
                        for di, displaced, ms in kept]
    period = Period.for_month(2025, 12) if last_year else Period.for_month(2026, month)
    expected, missing = oracle(plain, households_plain, events, period.end, period.start)
    group = compute_rollup(db, period).group("bencana")
    assert (group.sasaran, group.terpenuhi) == expected
    # The SQL form of the same rule agrees.
    with db.reading() as s:
        rows = s.execute(met_dates(due_needs(period.start, period.end, resolved_persons()), "all_needed"),
                         {"child_below": 5}).all()
    assert (len(rows), sum(1 for _pk, met in rows if met is not None)) == expected
    on = period.end
    for di, did in enumerate(ids):
        if plain[di][0] > on:
            continue
        summary = disaster_summary(db, SYSTEM, did, on)
        got = {(di, people.index(m.person_id)): m.missing for m in summary.members if m.needed}
        want = {k: v for k, v in missing.items() if k[0] == di}
        assert got == want
