"""The audit trail is a hash chain: check names the first broken link after a deleted,
edited or hand-inserted entry; snapshots can be blanked without breaking it; a restore keeps
the entries written since the backup."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest
from backend_support import ON_POSTGRES, sqlite_only
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.security import audit, audit_chain
from spm_desktop.core.services import backup as backup_svc
from spm_desktop.core.storage import backup as bk
from spm_desktop.core.storage.models import AuditEntry


def write(db, n, label="x"):
    for i in range(n):
        with db.transaction(SYSTEM) as s:
            audit.record(s, "create", "marker", f"{label}{i}", after={"n": i, "nama": "Budi"})


def verify(db):
    with db.reading() as s:
        return audit_chain.verify_chain(s)


def tamper(db, sql, params=None):
    """What someone with the key in hand could do: switch the triggers off and change rows."""
    with db.engine.begin() as conn:
        if ON_POSTGRES:
            conn.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_change"))
            conn.execute(text(sql), params or {})
            conn.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_change"))
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_entry_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_entry_no_delete")
            conn.execute(text(sql), params or {})


def test_entries_are_linked_in_order(db):
    before = verify(db)
    write(db, 3)
    with db.transaction(SYSTEM) as s:  # two entries in one transaction keep their order
        audit.record(s, "create", "marker", "a")
        audit.record(s, "update", "marker", "a")
    report = verify(db)
    assert report.ok and report.entries == before.entries + 5 and report.head_seq == before.head_seq + 5
    with db.reading() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(2)).all()
    assert [e.action for e in last] == ["update", "create"]
    assert last[0].prev_hash == last[1].entry_hash and report.head == last[0].entry_hash


@pytest.mark.parametrize("sql, reason", [
    ("DELETE FROM audit_entry WHERE entity_id = 'x2'", "hilang"),
    ("UPDATE audit_entry SET username = 'orang_lain' WHERE entity_id = 'x2'", "isi entri diubah"),
    ("UPDATE audit_entry SET after = '{\"n\": 99}' WHERE entity_id = 'x2'", "sebelum/sesudah"),
])
def test_check_names_the_first_broken_link(db, sql, reason):
    write(db, 5)
    with db.reading() as s:
        seq = s.scalar(select(AuditEntry.seq).where(AuditEntry.entity_id == "x2"))
    tamper(db, sql)
    report = verify(db)
    assert not report.ok and reason in report.reason
    assert report.broken_seq == (seq + 1 if reason == "hilang" else seq)
    assert f"#{report.broken_seq}" in report.message()


def test_a_backdated_insert_is_found(db):
    write(db, 2)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_entry (id, at, username, action, entity, entity_id, device_id) "
                          "VALUES ('palsu', :at, 'admin', 'delete', 'person', 'P9', '')"),
                     {"at": datetime(2025, 1, 1)})
    report = verify(db)
    assert not report.ok and report.broken_id == "palsu" and "disisipkan" in report.reason


def test_snapshots_can_be_blanked_and_nothing_else_changed(db):
    write(db, 3)
    with db.reading() as s:
        target = s.scalar(select(AuditEntry.id).where(AuditEntry.entity_id == "x1"))
    with db.transaction(SYSTEM) as s:
        assert audit_chain.blank_snapshots(s, [target]) == 1
    report = verify(db)
    assert report.ok and report.blanked == 1
    with db.reading() as s:
        assert s.get(AuditEntry, target).after is None
    for sql in ("UPDATE audit_entry SET username = 'x'", "UPDATE audit_entry SET after = NULL, action = 'login'",
                "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError, match="append-only"), db.transaction(SYSTEM) as s:
            s.execute(text(sql))
    assert verify(db).ok


@sqlite_only("restoring a SQLite file")
def test_restore_appends_the_entries_written_since_the_backup(db, db_file):
    write(db, 2, "sebelum")
    copy = bk.make_backup(db_file, "manual").path
    write(db, 3, "sesudah")
    db.dispose()
    backup_svc.restore_file(db_file, copy, reason="uji")
    con = sqlite3.connect(db_file)
    try:
        ids = [r[0] for r in con.execute("SELECT entity_id FROM audit_entry ORDER BY seq")]
        restore_after = con.execute("SELECT after FROM audit_entry WHERE action='restore'").fetchone()[0]
    finally:
        con.close()
    assert ids[-4:-1] == ["sesudah0", "sesudah1", "sesudah2"] and ids[-1] == ""
    assert '"audit_entries_appended": 3' in restore_after
    from spm_desktop.core.storage.database import Database
    from spm_desktop.core.storage.engine import make_engine

    again = Database(make_engine(f"sqlite:///{db_file}"))
    try:
        assert verify(again).ok
    finally:
        again.dispose()
