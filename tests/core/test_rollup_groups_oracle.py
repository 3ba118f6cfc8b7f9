"""Property: sasaran and terpenuhi of the case groups, and the output indicators month by
month, equal a plain-Python reading of architecture §4 for any persons, merges, cases, needs
and events, under both fulfilment rules. The roll-up counts them in SQL from the summaries
the triggers keep (``service_first``, ``cases.need_mask``) and, with the unit breakdown, from
the events themselves (``rollup/scan.py``); this oracle walks the rows one by one."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rollup_builders import CLOTHES, MEALS, REUNI, Rows
from sqlalchemy import delete

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.rollup import Period, compute_rollup
from spm_desktop.core.services import settings as settings_svc
from spm_desktop.core.storage.models import Case, CaseNeed, Person, ServiceEvent

ADMIN = Actor("admin", "admin")
PERSONS = 5
GROUPS = ("gepeng", "lansia")
CODES = (MEALS, CLOTHES, REUNI)
DAYS = st.dates(date(2025, 10, 1), date(2026, 12, 31))

codes = st.sets(st.sampled_from(CODES))
case = st.tuples(st.integers(0, PERSONS - 1), st.sampled_from(GROUPS), DAYS, st.none() | DAYS, codes, codes,
                 st.booleans())
event = st.tuples(st.integers(0, PERSONS - 1), st.sampled_from(CODES), DAYS, st.booleans())
# (merged, into): only into a lower number, so chains never loop.
merge = st.tuples(st.integers(1, PERSONS - 1), st.integers(0, PERSONS - 2)).filter(lambda m: m[1] < m[0])


def _expected(merged_into, deleted, cases, events, start, end, rule):
    def final(i):
        seen = 0
        while i in merged_into and seen <= PERSONS:
            i, seen = merged_into[i], seen + 1
        return None if i in deleted else i

    served: dict[int, set[str]] = {}
    for who, code, day, gone in events:
        key = final(who)
        if key is not None and not gone and start <= day <= end:
            served.setdefault(key, set()).add(code)
    out = {}
    for group in GROUPS:
        needs: dict[int, set[str]] = {}
        for who, g, intake, exit_, live_needs, _, gone in cases:
            key = final(who)
            overlaps = intake <= end and (exit_ is None or exit_ >= start)
            if key is None or gone or g != group or not overlaps or not live_needs:
                continue
            needs.setdefault(key, set()).update(live_needs)
        if rule == "all_needed":
            met = sum(1 for k, n in needs.items() if n <= served.get(k, set()))
        else:
            met = sum(1 for k, n in needs.items() if n & served.get(k, set()))
        out[group] = (len(needs), met)
    return out


def _expected_indicators(merged_into, deleted, events, start, end):
    """code → {month: persons first served that month} (resolved persons, live events)."""
    def final(i):
        seen = 0
        while i in merged_into and seen <= PERSONS:
            i, seen = merged_into[i], seen + 1
        return None if i in deleted else i

    first: dict[tuple[int, str], date] = {}
    for who, code, day, gone in events:
        key = final(who)
        if key is not None and not gone and start <= day <= end:
            first[(key, code)] = min(day, first.get((key, code), day))
    out: dict[str, dict[int, int]] = {}
    for (_, code), day in first.items():
        out.setdefault(code, {})
        out[code][day.month] = out[code].get(day.month, 0) + 1
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.lists(case, max_size=8), events=st.lists(event, max_size=20),
       merges=st.lists(merge, max_size=2, unique_by=lambda m: m[0]), deleted=st.sets(st.integers(0, PERSONS - 1),
                                                                                     max_size=1),
       month=st.integers(1, 12))
def test_sasaran_and_terpenuhi_match_a_row_by_row_reading(db, cases, events, merges, deleted, month):
    merged_into = dict(merges)
    # A merged-away person is also marked deleted, as merge_persons does; `deleted` adds one
    # person deleted without a merge (counts nowhere, nor do those merged into them).
    gone = set(merged_into) | deleted
    with db.transaction() as s:
        for table in (ServiceEvent, CaseNeed, Case):
            s.execute(delete(table))
        s.execute(delete(Person).where(Person.merged_into.is_not(None)))
        s.execute(delete(Person))
        r = Rows(s)
        people = [r.person() for _ in range(PERSONS)]
        for i in range(PERSONS):
            person = s.get(Person, people[i])
            if i in merged_into:
                person.merged_into = people[merged_into[i]]
            if i in gone:
                person.deleted_at = datetime(2026, 2, 1)
        for who, group, intake, exit_, live_needs, dead_needs, case_gone in cases:
            r.case(people[who], group, intake, exit=exit_ if exit_ and exit_ >= intake else None,
                   needs=sorted(live_needs), deleted_needs=sorted(dead_needs - live_needs), deleted=case_gone)
        for who, code, day, event_gone in events:
            r.event(people[who], code, day, deleted=event_gone)
    cases = [(w, g, i, x if x and x >= i else None, n, dn, cg) for w, g, i, x, n, dn, cg in cases]
    deleted_final = {i for i in gone if i not in merged_into}
    period = Period.for_month(2026, month)
    for rule in ("all_needed", "any_item"):
        settings_svc.update_setting(db, ADMIN, "spm.fulfilment_rule", rule)
        result = compute_rollup(db, period)
        want = _expected(merged_into, deleted_final, cases, events, period.start, period.end, rule)
        got = {g: (result.group(g).sasaran, result.group(g).terpenuhi) for g in GROUPS}
        assert got == want, (rule, month)
    served = _expected_indicators(merged_into, deleted_final, events, period.start, period.end)
    for dims in (("kecamatan",), ("kecamatan", "unit")):  # summaries; events grouped
        result = compute_rollup(db, period, dims)
        for code in CODES:
            figure = next(i for i in result.indicators if i.code == code)
            months = served.get(code, {})
            assert figure.cumulative == sum(months.values()), (dims, code)
            assert figure.month == months.get(month, 0), (dims, code)
            assert list(figure.series) == [sum(n for m, n in months.items() if m <= k) for k in range(1, month + 1)]
