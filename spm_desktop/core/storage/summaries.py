"""Bulk inserts and the roll-up's summaries (migration 0002: ``service_first``,
``cases.need_mask``), which the database keeps with one trigger run per written row.

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

INSERT_TRIGGERS = ("service_first_insert", "case_need_mask_insert", "cases_need_mask_insert")
BULK_CACHE_KIB = 256 * 1024  # page cache of a bulk writer (SQLite's default is 2 MiB)

# The first live service per (year, person, code) of the rows written, merged into what is
# there (the smaller of the two wins): the same rule as the insert trigger.
_FIRSTS = text(
    "INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
    "SELECT CAST(substr(e.event_date, 1, 4) AS INTEGER), e.person_id, e.service_code, min(e.event_date), "
    "min(CAST(e.event_date AS VARCHAR) || '|' || coalesce(e.kelurahan_code, '')) "
    "FROM service_event e WHERE e.change_seq IN :seqs AND e.deleted_at IS NULL "
    "GROUP BY CAST(substr(e.event_date, 1, 4) AS INTEGER), e.person_id, e.service_code "
    "ON CONFLICT (year, person_id, service_code) DO UPDATE SET "
    "first_date = min(first_date, excluded.first_date), first_key = min(first_key, excluded.first_key) "
    "WHERE excluded.first_key < first_key"
).bindparams(bindparam("seqs", expanding=True))

# The whole mask of every case that received needs: NULL when a live need's type has no bit.
_MASKS = text(
    "UPDATE cases SET need_mask = ("
    "SELECT CASE WHEN count(st.need_bit) = count(*) THEN coalesce(sum(DISTINCT 1 << st.need_bit), 0) END "
    "FROM case_need n LEFT JOIN service_type st ON st.code = n.service_code "
    "WHERE n.case_id = cases.id AND n.deleted_at IS NULL) "
    "WHERE id IN (SELECT case_id FROM case_need WHERE change_seq IN :seqs)"
).bindparams(bindparam("seqs", expanding=True))


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
    conn.execute(_FIRSTS, seqs)
    conn.execute(_MASKS, seqs)
    for _name, sql in saved:
        conn.exec_driver_sql(sql)
    conn.exec_driver_sql(f"PRAGMA cache_size={int(cache)}")
