"""Property: for any data, month figures add up to the cumulative figure and cumulative never
decreases month to month; the roll-up of month m agrees with the series of a later month."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rollup_builders import CLOTHES, MEALS, TENT, Rows
from sqlalchemy import delete

from spm_desktop.core.rollup import Period, compute_rollup
from spm_desktop.core.storage.models import Person, ServiceEvent

CODES = (MEALS, CLOTHES, TENT)
event = st.tuples(st.integers(0, 5), st.sampled_from(CODES), st.dates(date(2025, 12, 1), date(2027, 1, 31)),
                  st.integers(1, 4), st.booleans())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(event, max_size=25), merges=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)),
                                                            max_size=2),
       month=st.integers(1, 12), probe=st.integers(1, 12))
def test_months_add_up_and_cumulative_never_decreases(db, events, merges, month, probe):
    with db.transaction() as s:
        s.execute(delete(ServiceEvent))
        s.execute(delete(Person).where(Person.merged_into.is_not(None)))
        s.execute(delete(Person))
        r = Rows(s)
        people = [r.person() for _ in range(6)]
        for a, b in merges:
            if a != b:
                s.get(Person, people[a]).merged_into = people[b] if s.get(Person, people[b]).merged_into is None \
                    else None
        for who, code, day, qty, deleted in events:
            r.event(people[who], code, day, qty=qty, deleted=deleted and qty == 4)
    result = compute_rollup(db, Period.for_month(2026, month))
    for ind in result.indicators:
        assert len(ind.series) == month
        assert sum(ind.monthly) == ind.cumulative == ind.series[-1]
        assert all(b >= a for a, b in zip(ind.series, ind.series[1:], strict=False))
        assert ind.month == ind.monthly[-1] >= 0
    earlier = compute_rollup(db, Period.for_month(2026, min(probe, month)))
    for ind in result.indicators:
        assert earlier.indicator(ind.code).cumulative == ind.series[min(probe, month) - 1]
    for code in (MEALS, CLOTHES):
        kec = result.breakdown("kecamatan")
        assert sum(row.value(code) for row in kec.rows) == result.indicator(code).cumulative
