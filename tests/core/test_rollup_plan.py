"""The roll-up's statements read the indexes the performance budget rests on (issue 4): the
window of live events from the partial covering index, the needs in (group, person) order.
A plan check, not a timing: the figures are in BENCHMARKS.md (``bench/bench_rollup.py``)."""

from __future__ import annotations

from datetime import date

from backend_support import sqlite_only
from sqlalchemy import event

from spm_desktop.core.rollup import scan

pytestmark = sqlite_only("EXPLAIN QUERY PLAN is SQLite's")


def _plan(db) -> str:
    """The plan of the roll-up's main statement, captured as it is executed."""
    seen: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "raw AS" in statement:  # the main statement (the quantities one has no ``raw``)
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.reading() as s:
            scan.scan(s, date(2026, 1, 1), date(2026, 3, 31), [], "all_needed", ("kecamatan",))
            statement, parameters = seen[0]
            rows = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return "\n".join(row[-1] for row in rows)


def test_window_pass_reads_only_the_live_covering_index(db):
    plan = _plan(db)
    assert "SEARCH service_event USING COVERING INDEX ix_service_event_live_date" in plan
    assert "SCAN service_event" not in plan


def test_needs_are_read_in_group_and_person_order(db):
    plan = _plan(db)
    assert "USING COVERING INDEX ix_cases_group_person" in plan
    assert "ix_case_need_case_id" in plan
