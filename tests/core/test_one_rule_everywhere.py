"""One rule everywhere (architecture §4 v2): on random cases, needs and events, the Kasus
list's "belum terpenuhi", the case panel's need states and the dashboard's SPM figures come
from the same met / due / cancelled rules as the recap."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rollup_builders import CLOTHES, MEALS, REUNI, Rows
from sqlalchemy import delete

from spm_desktop.core import clock
from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.rollup import Period, compute_rollup
from spm_desktop.core.rollup.met import judge, load_case_facts
from spm_desktop.core.services import case_list
from spm_desktop.core.services import cases as cases_svc
from spm_desktop.core.services.dashboard import dashboard
from spm_desktop.core.storage.models import Case, CaseNeed, Person, ServiceEvent

TODAY = clock.today()
DAYS = st.dates(TODAY - timedelta(days=400), TODAY)
CODES = (MEALS, CLOTHES, REUNI)
case = st.tuples(st.integers(0, 3), st.sampled_from(("gepeng", "disabilitas")), DAYS, st.none() | DAYS,
                 st.lists(st.tuples(st.sampled_from(CODES), st.sampled_from((0, 10))), max_size=3),
                 st.sampled_from(("meninggal", "pulang")))
event = st.tuples(st.integers(0, 3), st.sampled_from(CODES), DAYS)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.lists(case, max_size=6), events=st.lists(event, max_size=12))
def test_kasus_list_panel_dashboard_and_recap_agree(db, cases, events):
    with db.transaction() as s:
        for table in (ServiceEvent, CaseNeed, Case):
            s.execute(delete(table))
        s.execute(delete(Person))
        r = Rows(s)
        people = [r.person() for _ in range(4)]
        ids = []
        for who, group, intake, exit_, needs, reason in cases:
            exit_ = exit_ if exit_ and exit_ >= intake else None
            cid = r.case(people[who], group, intake, exit=exit_, exit_reason=reason if exit_ else "")
            for code, offset in needs:
                a = intake + timedelta(days=offset)
                if a <= (exit_ or TODAY):
                    r.need(cid, code, a)
            ids.append(cid)
        for who, code, day in events:
            r.event(people[who], code, day)
    listed = {row.case_id: row for row in case_list.list_case_rows(db, SYSTEM, None, today=TODAY)}
    for cid in ids:
        panel = cases_svc.need_status(db, SYSTEM, cid, TODAY)
        open_needs = [n for n in panel if not n.delivered and not n.cancelled_on]
        assert listed[cid].missing == len(open_needs)
        assert listed[cid].needs == len(panel)
    period = Period.for_month(TODAY.year, TODAY.month)
    recap = compute_rollup(db, period)
    board = dashboard(db, SYSTEM, TODAY).result
    assert board.spm == recap.spm and board.ikk == recap.ikk
    # The panel's need states are the facts the recap judged: a person whose every live
    # need of the window is met or cancelled on the panel, with at least one met and no
    # unassessed case, is terpenuhi in the recap (for the default rule).
    with db.reading() as s:
        facts = load_case_facts(s, period.start, period.end, ("meninggal", "rujukan", "reunifikasi"))
    for group in ("gepeng", "disabilitas"):
        spans: dict[str, list] = {}
        for f in facts:
            if f.group == group:
                spans.setdefault(f.person, []).append(f)
        met = sum(1 for own in spans.values() if judge(own, period.start, period.end).terpenuhi)
        assert recap.group(group).terpenuhi == met
