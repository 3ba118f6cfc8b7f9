"""The WAL checkpoint of a bulk write, run after its commit on a thread of its own
(decision 0007).

In WAL mode a commit appends the transaction's changed pages to the ``-wal`` file and syncs it
(``synchronous=FULL``): from then on the transaction is durable, a power cut included. The
checkpoint that SQLite then runs in the committing connection (automatic, passive, once the WAL
holds more than 1,000 pages) only copies those pages into the database file. After a sync
import into the office database that is 160,000 pages (660 MB): ≈ 0.75 s of CPU and 1.3 s
in the commit the user waits for.

A bulk writer calls :func:`defer_checkpoint` inside its transaction: its connection commits
without checkpointing, and after the commit a thread runs the same passive checkpoint on a
connection of its own (readers and writers go on meanwhile; a later writer's own automatic
checkpoint simply finds less to do). Whatever needs the file quiet — a backup copy, a
restore, closing the database — first waits for it (:func:`wait_for_checkpoint`). A process
that dies before the checkpoint has run loses nothing: the next connection reads the WAL.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path

from sqlalchemy import event

from spm_desktop.core.storage.engine import BUSY_TIMEOUT_MS, DB_ERRORS, connect_file, key_for_file, sqlite_file_of

log = logging.getLogger(__name__)

_pending: dict[str, threading.Thread] = {}
_lock = threading.Lock()


def _key(path: str | Path) -> str:
    return os.path.normcase(os.path.realpath(str(path)))


def defer_checkpoint(session) -> None:
    """The SQLite transaction of ``session`` commits without checkpointing the WAL; a thread
    checkpoints it after the commit. Nothing happens on PostgreSQL or for an in-memory file."""
    conn = session.connection()
    path = sqlite_file_of(conn.engine.url.render_as_string(hide_password=False))
    if conn.dialect.name != "sqlite" or not path:
        return
    raw = conn.connection.dbapi_connection
    previous = int(raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    raw.execute("PRAGMA wal_autocheckpoint=0")

    def restore(_session) -> None:  # the connection goes back to the pool as it came
        with contextlib.suppress(*DB_ERRORS):  # a broken connection is discarded anyway
            raw.execute(f"PRAGMA wal_autocheckpoint={previous}")

    def committed(_session) -> None:
        restore(_session)
        checkpoint_later(path)

    event.listen(session, "after_commit", committed, once=True)
    event.listen(session, "after_rollback", restore, once=True)


def checkpoint_later(path: str | Path) -> None:
    """A passive checkpoint of ``path``'s WAL on a thread of its own (after the one still
    running for that file, if any)."""
    key = key_for_file(path)
    name = _key(path)
    with _lock:
        before = _pending.get(name)
        thread = threading.Thread(target=_checkpoint, args=(str(path), key, before), name="spm-wal-checkpoint")
        _pending[name] = thread
        thread.start()


def _checkpoint(path: str, key: bytes | None, before: threading.Thread | None) -> None:
    if before is not None:
        before.join()
    try:
        con = connect_file(path, key=key)
        try:
            con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            con.execute("PRAGMA synchronous=FULL")
            con.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            con.close()
    except DB_ERRORS as exc:  # the next writer's automatic checkpoint does it then
        log.warning("Checkpoint WAL ditunda gagal: %s", exc)
    finally:
        with _lock:
            if _pending.get(_key(path)) is threading.current_thread():
                del _pending[_key(path)]


def wait_for_checkpoint(path: str | Path | None = None) -> None:
    """Wait until the deferred checkpoint of ``path`` (every file: None) has run."""
    with _lock:
        threads = list(_pending.values()) if path is None else [t for t in [_pending.get(_key(path))] if t]
    for thread in threads:
        if thread is not threading.current_thread():
            thread.join()


__all__ = ["defer_checkpoint", "checkpoint_later", "wait_for_checkpoint"]
