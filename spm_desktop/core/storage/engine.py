"""Engine factory with the SQLite pragmas every connection needs (architecture §2)."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text

BUSY_TIMEOUT_MS = 10_000


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling is switched off so that BEGIN is emitted by
    # SQLAlchemy (see "Serializable isolation / Savepoints / Transactional DDL" in the docs).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    _ensure_wal(cursor)
    # Laptops lose power: a committed record must survive, so FULL, not NORMAL.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _ensure_wal(cursor) -> None:
    """Switch a new file to WAL. Changing the journal mode needs the file to itself and SQLite
    answers "database is locked" at once (no busy wait) while another process holds it — two
    seats opening a new file together — so retry until the busy timeout has passed."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


READ_ONLY_OPTION = "spm_read_only"


def _begin_sqlite(conn) -> None:
    # A writer's IMMEDIATE takes the write lock at the start, so two writers wait
    # (busy_timeout) instead of failing half-way with "database is locked" on upgrade from a
    # read lock. Read-only connections (Database.reading) begin DEFERRED: under WAL they
    # neither wait for writers nor block them.
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite(url_or_engine) -> bool:
    url = url_or_engine.url if isinstance(url_or_engine, Engine) else str(url_or_engine)
    return str(url).startswith("sqlite")


# Several front-desk seats may start at the same moment against one PostgreSQL server: the
# schema upgrade, the seeding and the creation of the database's device identity take this
# transaction-scoped advisory lock so they run one seat after the other. (SQLite writers are
# already serialised by BEGIN IMMEDIATE.)
SETUP_LOCK_KEY = 0x53504D31  # "SPM1"
# Every write transaction on PostgreSQL takes this one first: the audit trail is a hash chain
# (core/security/audit_chain) and two desks must never take the same place in it.
AUDIT_LOCK_KEY = 0x53504D41  # "SPMA"


def lock_for_setup(conn_or_session) -> None:
    """Wait for, then hold until commit, the database-wide set-up lock (PostgreSQL only)."""
    bind = conn_or_session.get_bind() if hasattr(conn_or_session, "get_bind") else conn_or_session
    if bind.dialect.name == "postgresql":
        conn_or_session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK_KEY})


def _set_read_only_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_read_only(conn) -> None:
    conn.exec_driver_sql("BEGIN")


def read_only_url(db_file: str | Path) -> str:
    """A URL that opens ``db_file`` for reading only. In a folder the process cannot write,
    SQLite could not create the WAL index (``-shm``): then the file is opened as immutable —
    nobody can change it there anyway."""
    db_file = Path(db_file)
    params = "mode=ro"
    if not os.access(db_file.parent, os.W_OK) and not Path(f"{db_file}-wal").exists():
        params += "&immutable=1"
    return f"sqlite:///file:{quote(str(db_file.resolve()))}?{params}&uri=true"


def make_engine(url: str, *, read_only: bool = False, **kwargs) -> Engine:
    """A new engine for ``url``; SQLite connections get the pragmas above. Statement
    parameters are never rendered into error messages (they hold NIKs and names, and error
    messages reach logs and screens). ``read_only``: ``url`` is a SQLite file opened with
    :func:`read_only_url` (no journal change, deferred transactions)."""
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _set_read_only_pragmas if read_only else _set_sqlite_pragmas)
        event.listen(engine, "begin", _begin_read_only if read_only else _begin_sqlite)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # No JIT compilation: the application's statements are short, and the server's JIT
    # judged the roll-up (planner cost ≈ 10⁶ from its per-need subplans) worth compiling —
    # 1.7 s of compiling for a 0.07 s query on 100k persons / 1M events.
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("options", "-c jit=off")
    return create_engine(url, connect_args=connect_args, **kwargs)
