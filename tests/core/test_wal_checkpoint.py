"""A bulk writer's commit leaves the WAL checkpoint to a thread (storage/checkpoint.py,
decision 0007): durable at commit all the same, the connection given back as it came, and
the pages in the database file once the thread has run."""

from __future__ import annotations

import sqlite3

import pytest
from backend_support import sqlite_only
from sqlalchemy import text

from spm_desktop.core.storage import checkpoint

# On PostgreSQL defer_checkpoint does nothing: every sync import test there goes through it.
pytestmark = sqlite_only("the WAL of a SQLite file")

ROWS = 3000  # 3,000 rows of 2 kB: ≈ 1,500 pages, past SQLite's automatic checkpoint (1,000)


def _write(db, fail: bool = False) -> None:
    with db.transaction() as s:
        checkpoint.defer_checkpoint(s)
        s.execute(text("CREATE TABLE IF NOT EXISTS scratch (n INTEGER, pad BLOB)"))
        s.execute(text("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < :n) "
                       "INSERT INTO scratch SELECT n, randomblob(2000) FROM c"), {"n": ROWS})
        if fail:
            raise RuntimeError("stop")


def _autocheckpoint(db) -> int:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()


def test_the_commit_hands_the_checkpoint_to_a_thread_and_the_data_is_there_before_it(db, db_file, monkeypatch):
    calls = []
    monkeypatch.setattr(checkpoint, "checkpoint_later", calls.append)
    _write(db)
    assert [str(p) for p in calls] == [str(db_file)]
    assert _autocheckpoint(db) == 1000  # the pooled connection checkpoints as usual again
    other = sqlite3.connect(db_file)  # another connection (a new process alike) reads it from the WAL
    try:
        assert other.execute("SELECT count(*) FROM scratch").fetchone()[0] == ROWS
    finally:
        other.close()


def test_the_thread_moves_every_page_into_the_file(db, db_file):
    _write(db)
    checkpoint.wait_for_checkpoint(db_file)
    con = sqlite3.connect(db_file)
    try:
        busy, log, done = con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert busy == 0 and log > 1000 and done == log  # nothing was left to copy
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM scratch").fetchone()[0] == ROWS
    finally:
        con.close()


def test_a_rolled_back_write_starts_no_checkpoint_and_gives_the_connection_back(db, monkeypatch):
    calls = []
    monkeypatch.setattr(checkpoint, "checkpoint_later", calls.append)
    with pytest.raises(RuntimeError):
        _write(db, fail=True)
    assert calls == []
    assert _autocheckpoint(db) == 1000
