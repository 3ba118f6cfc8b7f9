"""The roll-up's statements read the indexes the performance budget rests on (issue 4): the
year's first services from ``service_first``, the cases of the window from two ranges of
``ix_cases_live_exit``, never a scan of the events or the cases; with the unit breakdown,
the window of live events from the partial covering index. A plan check, not a timing: the
figures are in BENCHMARKS.md (``bench/bench_rollup.py``)."""

from __future__ import annotations

from datetime import date

from backend_support import sqlite_only
from rollup_builders import Rows
from sqlalchemy import event

from spm_desktop.core.rollup import scan
from spm_desktop.core.storage.models import Case

pytestmark = sqlite_only("EXPLAIN QUERY PLAN is SQLite's")


def _plan(db, dims=("kecamatan",)) -> str:
    """The plan of the roll-up's main statement, captured as it is executed."""
    seen: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "raw AS" in statement:  # the main statement (the quantities one has no ``raw``)
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.reading() as s:
            scan.scan(s, date(2026, 1, 1), date(2026, 3, 31), [], "all_needed", dims)
            statement, parameters = seen[0]
            rows = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return "\n".join(row[-1] for row in rows)


def test_output_indicators_read_the_first_services_not_the_events(db):
    plan = _plan(db)
    assert "SEARCH service_first USING PRIMARY KEY (year=? AND first_date<?)" in plan
    assert "SCAN service_event" not in plan
    assert "ix_service_event_live_date" not in plan


def test_with_the_unit_breakdown_the_window_pass_reads_only_the_live_events_of_the_window(db):
    """The unit of an event may come from its case: these events are grouped from the
    partial index of live events (a range of the window), with table look-ups for the unit."""
    plan = _plan(db, ("kecamatan", "unit"))
    assert "SEARCH service_event USING INDEX ix_service_event_live_date (event_date>? AND event_date<?)" in plan
    assert "SCAN service_event" not in plan


def _needs_plan(db) -> str:
    """The plan of the statement of :mod:`met` that reads the window's cases and needs."""
    from spm_desktop.core.rollup import met

    seen: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "case_need" in statement and "met_ev" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.reading() as s:
            s.add(Case(person_id=Rows(s).person(), unit="UPRS", spm_group="anak", intake_date=date(2026, 1, 2)))
            s.flush()
            met.load_case_facts(s, date(2026, 1, 1), date(2026, 3, 31), ())
            statement, parameters = seen[0]
            rows = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            s.rollback()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return "\n".join(row[-1] for row in rows)


def test_cases_are_read_as_two_ranges_of_the_exit_date_index_and_needs_met_by_seeks(db):
    plan = _needs_plan(db)
    assert "ix_cases_live_exit (exit_date=? AND intake_date<?)" in plan
    assert "ix_cases_live_exit (exit_date>?)" in plan
    assert "SCAN cases" not in plan
    assert "SEARCH met_ev USING COVERING INDEX ix_service_event_person_code_date (person_id=? AND " \
           "service_code=? AND event_date>?)" in plan
    assert "SCAN service_event" not in plan and "SCAN met_ev" not in plan


def test_the_window_reads_cases_as_two_ranges_of_the_exit_date_index_and_nothing_else(db):
    """The usual shape is judged in SQL from one row per case: the cases and their need dates
    (migration 0013) from two ranges of ``ix_cases_live_exit``, which covers them — no table
    row, no ``need_met``, no seek per case or need, no scan."""
    from spm_desktop.core.rollup import met

    seen: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "need_unmet" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.reading() as s:
            met.tally_window(s, date(2026, 1, 1), date(2026, 3, 31), ("meninggal",), "all_needed",
                             with_bencana=False)
            statement, parameters = seen[0]
            rows = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    plan = [row[-1] for row in rows]
    searches = [p for p in plan if p.startswith(("SEARCH", "SCAN"))]
    assert searches == ["SEARCH cases USING COVERING INDEX ix_cases_live_exit (exit_date=? AND intake_date<?)",
                        "SEARCH cases USING COVERING INDEX ix_cases_live_exit (exit_date>?)"], plan
