"""Engine pragmas read back from a live connection; sync columns stamped on flush."""

from __future__ import annotations

from backend_support import sqlite_only
from sqlalchemy import select, text

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.storage.models import LocalDevice, Person


@sqlite_only("SQLite pragmas of every connection")
def test_pragmas_on_a_live_connection(db):
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_foreign_keys_are_enforced(db):
    import pytest
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with db.transaction() as s:
            s.add(Person(name="X", sex="L", kelurahan_code="99.99.99.9999"))


def test_sync_columns_are_stamped_on_create_and_update(db):
    clerk = Actor(username="rina", role="petugas")
    with db.transaction(clerk) as s:
        p = Person(name="Budi", sex="L")
        s.add(p)
    assert p.revision == 1 and p.updated_by == "rina" and p.origin_device == db.device_id
    first_seq = p.change_seq
    with db.transaction(Actor(username="andi", role="petugas")) as s:
        q = s.get(Person, p.id)
        q.name = "Budi Santoso"
    with db.reading() as s:
        q = s.get(Person, p.id)
        assert q.revision == 2 and q.updated_by == "andi" and q.change_seq > first_seq
        assert q.updated_at >= q.created_at
        assert s.scalar(select(LocalDevice.change_seq)) == q.change_seq


def test_reads_do_not_wait_for_a_writer_and_may_nest(db):
    """A read inside another read, and a read while a write transaction is open, both work."""
    with db.reading() as outer:
        outer.execute(select(Person.id)).all()
        with db.reading() as inner:
            assert inner.scalar(select(LocalDevice.id)) == db.device_id
    with db.transaction() as w:
        w.add(Person(name="Sedang ditulis", sex="P"))
        w.flush()
        with db.reading() as r:  # sees the last committed state, without waiting
            names = set(r.scalars(select(Person.name)))
        assert "Sedang ditulis" not in names
