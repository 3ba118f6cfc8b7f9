"""Bulk inserts and the roll-up's summaries (migration 0002: ``service_first``,
``cases.need_mask``; migration 0010: ``uncounted_event``; migration 0011: ``need_met``;
migration 0013: the need dates of ``cases``), which the database keeps with one trigger run
per written row.

A bulk writer (the demo data, a sync import) inserting tens of thousands of rows in one
transaction pays for those runs row by row: on SQLite they tripled the time of the events'
inserts. Inside :func:`bulk_inserts` the SQLite *insert* triggers are set aside; when the
body ends, the summaries of every row stamped with the given change counters are brought up
to date set-wise, and the triggers are created again from their own stored SQL — all in
the caller's transaction, so a rollback restores both. Update and delete triggers stay on.
On PostgreSQL nothing is set aside (its triggers run as usual).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, text

INSERT_TRIGGERS = ("service_first_insert", "meal_event_insert", "case_need_mask_insert", "cases_need_mask_insert",
                   "need_met_need_insert", "need_met_case_insert", "need_met_event_insert", "case_need_dates_insert")
# Page cache of a bulk writer (SQLite's default is 2 MiB): a limit, taken only as pages are
# read. A 50,000-event package into the 100k/1M office database changes 160,000 pages
# (660 MB: every leaf of the events' random-key indexes, need_met, service_first, ...); with
# 256 MiB the changed pages spilled into the WAL mid-transaction and were read and written
# again (plain file 11.5 → 10.8 s CPU with 1 GiB, encrypted 18.6 → 16.0 s, BENCHMARKS.md).
BULK_CACHE_KIB = 1024 * 1024


def _by_seqs(sql: str):
    """A statement over the rows written, named by their ``change_seq`` values (``:seqs``)."""
    return text(sql).bindparams(bindparam("seqs", expanding=True))


# The (person, code, date) groups of the rows written whose type has a daily standard
# (meals): their uncounted events are recomputed (migration 0010's rule, SQLite).
_MEAL_GROUPS = (
    "SELECT n.person_id, n.service_code, n.event_date FROM service_event n "
    "JOIN service_type nt ON nt.code = n.service_code AND nt.standard_per_day IS NOT NULL "
    "WHERE n.change_seq IN :seqs"
)
_NOT_COUNTING = (
    "st.standard_per_day IS NOT NULL AND (("
    "st.program = 'bencana' AND NOT EXISTS (SELECT 1 FROM disaster dz WHERE dz.id = e.disaster_id "
    "AND dz.deleted_at IS NULL AND e.event_date >= dz.start_date "
    "AND (dz.end_date IS NULL OR e.event_date <= dz.end_date))) "
    "OR (SELECT sum(coalesce(CAST(json_extract(e2.details, '$.meals_per_day') AS INTEGER), st.standard_per_day)) "
    "FROM service_event e2 WHERE e2.person_id = e.person_id AND e2.service_code = e.service_code "
    "AND e2.event_date = e.event_date AND e2.deleted_at IS NULL "
    "AND (st.program <> 'bencana' OR e2.disaster_id = e.disaster_id)) < st.standard_per_day)"
)
_UNCOUNTED_DELETE = _by_seqs(
    f"DELETE FROM uncounted_event WHERE (person_id, service_code, event_date) IN ({_MEAL_GROUPS})"
)
_UNCOUNTED_INSERT = _by_seqs(
    "INSERT INTO uncounted_event (event_id, person_id, service_code, event_date) "
    "SELECT e.id, e.person_id, e.service_code, e.event_date FROM service_event e "
    "JOIN service_type st ON st.code = e.service_code "
    f"WHERE (e.person_id, e.service_code, e.event_date) IN ({_MEAL_GROUPS}) AND e.deleted_at IS NULL "
    f"AND {_NOT_COUNTING}"
)

# The first live counting service per (year, person, code) of the rows written — and of
# every event of a meal group they touched (new meals can make earlier ones of that day
# count) — merged into what is there (the smaller of the two wins): the insert trigger's rule.
_UPSERT = (
    "ON CONFLICT (year, person_id, service_code) DO UPDATE SET "
    "first_date = min(first_date, excluded.first_date), first_key = min(first_key, excluded.first_key) "
    "WHERE excluded.first_key < first_key"
)
_FIRST_COLUMNS = (
    "INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
    "SELECT CAST(substr(e.event_date, 1, 4) AS INTEGER), e.person_id, e.service_code, min(e.event_date), "
    "min(CAST(e.event_date AS VARCHAR) || '|' || coalesce(e.kelurahan_code, '')) "
)
_COUNTS = "e.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM uncounted_event u WHERE u.event_id = e.id) "
_GROUP = "GROUP BY CAST(substr(e.event_date, 1, 4) AS INTEGER), e.person_id, e.service_code "
_FIRSTS = _by_seqs(
    f"{_FIRST_COLUMNS} FROM service_event e WHERE e.change_seq IN :seqs AND {_COUNTS} {_GROUP} {_UPSERT}"
)
_MEAL_FIRSTS = _by_seqs(
    f"{_FIRST_COLUMNS} FROM ({_MEAL_GROUPS}) g JOIN service_event e ON e.person_id = g.person_id "
    f"AND e.service_code = g.service_code AND e.event_date = g.event_date WHERE {_COUNTS} {_GROUP} {_UPSERT}"
)

# The whole mask of every case that received needs: NULL when a live need's type has no bit.
_MASKS = _by_seqs(
    "UPDATE cases SET need_mask = ("
    "SELECT CASE WHEN count(st.need_bit) = count(*) THEN coalesce(sum(DISTINCT 1 << st.need_bit), 0) END "
    "FROM case_need n LEFT JOIN service_type st ON st.code = n.service_code "
    "WHERE n.case_id = cases.id AND n.deleted_at IS NULL) "
    "WHERE id IN (SELECT case_id FROM case_need WHERE change_seq IN :seqs)"
)

# need_met (migration 0011): the rows of every live need of a case that was written or got
# needs, computed after all the events are in; then the first dates of the other needs of the
# (person, code) pairs the written events touch. ``uncounted_event``'s own triggers stay on.
# The first date a need was met: the earlier of its first counting event and its first group
# activity attended, each looked up once (the triggers' ``min(coalesce(e, a), coalesce(a, e))``
# runs both correlated lookups twice; the aggregate min of the two skips a NULL the same way).
_FIRST_MET = (
    "(SELECT min(d) FROM (SELECT {e} AS d UNION ALL SELECT {a}))".format(
        e="(SELECT min(fe.event_date) FROM service_event fe WHERE fe.person_id = {pid} "
          "AND fe.service_code = {code} AND fe.event_date >= {assessed} AND fe.deleted_at IS NULL "
          "AND NOT EXISTS (SELECT 1 FROM uncounted_event fu WHERE fu.event_id = fe.id))",
        a="(SELECT min(fa.activity_date) FROM group_activity_person fl "
          "JOIN group_activity fa ON fa.id = fl.activity_id WHERE fl.person_id = {pid} "
          "AND fl.deleted_at IS NULL AND fa.deleted_at IS NULL AND fa.service_code = {code} "
          "AND fa.activity_date >= {assessed})")
)
_WRITTEN_CASES = ("SELECT case_id FROM case_need WHERE change_seq IN :seqs "
                  "UNION SELECT id FROM cases WHERE change_seq IN :seqs")
_NEED_MET_DELETE = _by_seqs(
    f"DELETE FROM need_met WHERE case_id IN ({_WRITTEN_CASES})"
)
_NEED_MET_INSERT = _by_seqs(
    "INSERT INTO need_met (case_id, need_id, person_id, service_code, assessed_on, first_date) "
    "SELECT n.case_id, n.id, c.person_id, n.service_code, n.assessed_on, "
    + _FIRST_MET.format(pid="c.person_id", code="n.service_code", assessed="n.assessed_on")
    + " FROM case_need n JOIN cases c ON c.id = n.case_id "
    f"WHERE n.deleted_at IS NULL AND n.case_id IN ({_WRITTEN_CASES})"
)
_NEED_MET_EVENTS = _by_seqs(
    "UPDATE need_met SET first_date = "
    + _FIRST_MET.format(pid="need_met.person_id", code="need_met.service_code", assessed="need_met.assessed_on")
    + " WHERE (person_id, service_code) IN (SELECT person_id, service_code FROM service_event "
    f"WHERE change_seq IN :seqs) AND case_id NOT IN ({_WRITTEN_CASES})"
)

# The need dates of the cases (migration 0013) whose need_met rows were just inserted above;
# the rows the events' refresh updated have their cases refreshed by the update trigger.
_NEED_DATES_COLUMNS = "need_assessed_on, need_reassessed_on, need_unmet, need_first_met, need_last_met"
_NEED_KEPT = "CASE WHEN cases.exit_date IS NULL OR m.first_date <= cases.exit_date THEN m.first_date END"
_NEED_DATES = _by_seqs(
    f"UPDATE cases SET ({_NEED_DATES_COLUMNS}) = (SELECT min(m.assessed_on), "
    "CASE WHEN max(m.assessed_on) > min(m.assessed_on) THEN max(m.assessed_on) END, "
    f"count(*) - count({_NEED_KEPT}), min({_NEED_KEPT}), max({_NEED_KEPT}) "
    f"FROM need_met m WHERE m.case_id = cases.id) WHERE id IN ({_WRITTEN_CASES})"
)


@contextmanager
def bulk_inserts(session, change_seqs: tuple[int, ...]) -> Iterator[None]:
    """Insert many rows without the per-row summary triggers (SQLite); every row the body
    inserts into ``service_event``, ``case_need`` or ``cases`` must carry one of
    ``change_seqs``. On an exception nothing is done here: the caller's transaction rolls
    back, and with it the dropped triggers come back (the connection keeps the larger page
    cache, a limit rather than memory in use, until it is closed)."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    names = ", ".join(f"'{n}'" for n in INSERT_TRIGGERS)
    saved = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})").all()
    for name, _sql in saved:
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    # A large page cache while the big B-trees take their rows; the connection gets its own
    # size back afterwards.
    cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    yield
    seqs = {"seqs": list(change_seqs)}
    conn.execute(_UNCOUNTED_DELETE, seqs)
    conn.execute(_UNCOUNTED_INSERT, seqs)
    conn.execute(_FIRSTS, seqs)
    conn.execute(_MEAL_FIRSTS, seqs)
    conn.execute(_MASKS, seqs)
    conn.execute(_NEED_MET_DELETE, seqs)
    conn.execute(_NEED_MET_INSERT, seqs)
    conn.execute(_NEED_MET_EVENTS, seqs)
    conn.execute(_NEED_DATES, seqs)
    for _name, sql in saved:
        conn.exec_driver_sql(sql)
    conn.exec_driver_sql(f"PRAGMA cache_size={int(cache)}")
