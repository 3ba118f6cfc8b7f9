"""Backups: online copy, rotation 14 daily + 12 monthly, restore after integrity check,
start-up quick_check offering the newest good backup."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sec_helpers import ROLE_ACTORS, make_admin
from sqlalchemy import func, select

from spm_desktop.core import clock
from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.domain.errors import DomainError, PermissionDenied, ValidationError
from spm_desktop.core.security import audit
from spm_desktop.core.services import backup as backup_svc
from spm_desktop.core.storage import backup as bk
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import make_engine
from spm_desktop.core.storage.models import AuditEntry


def mark(db, label: str) -> None:
    with db.transaction(SYSTEM) as s:
        audit.record(s, "create", "marker", label)


def markers(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [r[0] for r in con.execute("SELECT entity_id FROM audit_entry WHERE entity='marker' ORDER BY at")]
    finally:
        con.close()


def damage(path: Path) -> None:
    """Overwrite pages in the middle of the file, as a failing disk would."""
    size = path.stat().st_size
    with path.open("r+b") as fh:
        for offset in range(4096, size, 8192):
            fh.seek(offset)
            fh.write(b"\xde\xad\xbe\xef" * 256)


def test_online_copy_includes_uncheckpointed_wal(db, db_file):
    mark(db, "a")  # still in the WAL while db is open
    info = bk.make_backup(db_file, "manual")
    assert info.path.parent == db_file.parent / "backups"
    assert bk.check_file(info.path).ok
    assert markers(info.path) == ["a"]
    con = sqlite3.connect(info.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    con.close()


def test_daily_backup_once_per_day_and_rotation(db, db_file):
    start = datetime(2026, 1, 1, 9, 0)
    for day in range(60):
        made = bk.daily_backup(db_file, now=start + timedelta(days=day))
        assert any(b.kind == "daily" for b in made)
        assert bk.daily_backup(db_file, now=start + timedelta(days=day, hours=3)) == []  # same day: nothing
    found = bk.list_backups(db_file.parent / "backups")
    daily = [b for b in found if b.kind == "daily"]
    monthly = [b for b in found if b.kind == "monthly"]
    assert len(daily) == 14
    assert daily[0].created_at.date() == (start + timedelta(days=59)).date()
    assert daily[-1].created_at.date() == (start + timedelta(days=46)).date()
    assert [(b.created_at.month) for b in monthly] == [3, 2, 1]


def test_monthly_rotation_keeps_twelve(tmp_path, db_file):
    for month in range(20):
        bk.daily_backup(db_file, now=datetime(2025 + month // 12, month % 12 + 1, 15, 8))
    monthly = [b for b in bk.list_backups(db_file.parent / "backups") if b.kind == "monthly"]
    assert len(monthly) == 12
    assert (monthly[0].created_at.year, monthly[0].created_at.month) == (2026, 8)
    assert (monthly[-1].created_at.year, monthly[-1].created_at.month) == (2025, 9)


def test_manual_backup_permissions_and_audit(db, db_file, tmp_path):
    for role, actor in ROLE_ACTORS.items():
        if role in ("admin", "supervisor"):
            continue
        with pytest.raises(PermissionDenied):
            backup_svc.create_backup(db, actor)
    usb = tmp_path / "usb"
    usb.mkdir()
    info = backup_svc.create_backup(db, ROLE_ACTORS["supervisor"], usb)
    assert info.path.parent == usb and bk.check_file(info.path).ok
    with pytest.raises(ValidationError):
        backup_svc.create_backup(db, ROLE_ACTORS["admin"], tmp_path / "no-such-dir" / "x.db")
    with db.reading() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "backup")).one()
    assert (entry.action, entry.username, entry.after["file"]) == ("export", "sup", str(info.path))


def test_backup_before_import_for_importers(db, db_file):
    info = bk.backup_before(db, "before-import")
    assert info.kind == "before-import" and bk.check_file(info.path).ok


def _spy_quiet_copy(monkeypatch) -> list[bool]:
    taken: list[bool] = []
    real = bk._copy_quiet_file

    def spy(*args):
        taken.append(real(*args))
        return taken[-1]

    monkeypatch.setattr(bk, "_copy_quiet_file", spy)
    return taken


def test_backup_before_import_copies_the_bytes_under_a_write_lock_when_the_wal_empties(db, db_file, monkeypatch):
    """The importer's copy: the WAL checkpointed into the file, the file's bytes copied while
    no one can write — the committed marker is in it, and it is one self-contained file."""
    taken = _spy_quiet_copy(monkeypatch)
    mark(db, "a")  # still in the WAL while db is open
    info = bk.backup_before(db, "before-import")
    assert taken == [True]
    assert bk.check_file(info.path).ok and markers(info.path) == ["a"]
    con = sqlite3.connect(info.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    con.close()
    mark(db, "b")  # the live database goes on after the lock is released
    assert markers(db_file) == ["a", "b"]


def test_backup_before_import_falls_back_to_the_online_copy_while_a_reader_holds_the_wal(db, db_file, monkeypatch):
    taken = _spy_quiet_copy(monkeypatch)
    mark(db, "a")
    reader = sqlite3.connect(db_file, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM audit_entry WHERE entity='marker'").fetchone()[0] == 1
    mark(db, "b")  # frames the reader's snapshot keeps in the WAL: it cannot be emptied
    try:
        info = bk.backup_before(db, "before-import")
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert taken == [False]
    assert bk.check_file(info.path).ok and markers(info.path) == ["a", "b"]
    mark(db, "c")
    assert markers(db_file) == ["a", "b", "c"]


def test_restore_refuses_a_damaged_or_foreign_backup(db, db_file, tmp_path):
    mark(db, "live")
    bad = bk.make_backup(db_file, "manual").path
    damage(bad)
    foreign = tmp_path / "other.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.commit()
    db.dispose()
    for candidate in (bad, foreign, tmp_path / "missing.db"):
        with pytest.raises(ValidationError, match="tidak lolos"):
            backup_svc.restore_file(db_file, candidate)
    assert markers(db_file) == ["live"]  # nothing touched
    with pytest.raises(PermissionDenied):
        backup_svc.restore_backup(db_file, ROLE_ACTORS["supervisor"], bad)


def test_restore_keeps_current_aside_and_audits(db, db_file):
    mark(db, "one")
    good = bk.make_backup(db_file, "manual")
    mark(db, "two")
    db.dispose()
    result = backup_svc.restore_backup(db_file, ROLE_ACTORS["admin"], good.path, reason="uji")
    # The markers are audit entries: a restore never loses the trail written after the backup
    # (issue 18), so "two" is carried over into the restored database.
    assert markers(db_file) == ["one", "two"]
    assert result.kept_aside is not None and "before-restore" in result.kept_aside.name
    assert markers(result.kept_aside) == ["one", "two"]
    restored = Database(make_engine(f"sqlite:///{db_file}"))
    with restored.reading() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "restore")).one()
        assert entry.username == "adm" and entry.after["reason"] == "uji"
        assert entry.after["audit_entries_appended"] == 1
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "marker")) == 2
    restored.dispose()


def test_damaged_live_file_start_offers_newest_good_backup_and_restore_brings_data_back(db, db_file):
    info, admin = make_admin(db)
    mark(db, "before-damage")
    older = bk.make_backup(db_file, "daily", now=clock.now() - timedelta(days=1))
    newest = bk.make_backup(db_file, "manual")
    damage(bk.make_backup(db_file, "manual", now=clock.now() + timedelta(minutes=1)).path)  # newer but bad
    db.dispose()
    assert bk.startup_check(db_file).ok
    damage(db_file)
    start = bk.startup_check(db_file)
    assert not start.ok and start.offer is not None
    assert start.offer.path == newest.path  # the damaged newer copy is skipped
    assert older.path != newest.path
    result = backup_svc.restore_file(db_file, start.offer.path, reason="quick_check gagal")
    assert "damaged" in result.kept_aside.name
    assert bk.startup_check(db_file).ok
    assert markers(db_file) == ["before-damage"]
    from spm_desktop.core.security.users import authenticate

    again = Database(make_engine(f"sqlite:///{db_file}"))
    assert authenticate(again, "admin", "rahasia123").role == "admin"
    again.dispose()
    # a damaged copy is never offered
    assert all(b.path != result.kept_aside for b in [bk.newest_good_backup(db_file.parent / "backups")])


def test_startup_check_without_backups_offers_nothing(tmp_path):
    live = tmp_path / "spm.db"
    live.write_bytes(b"bukan basis data" * 100)
    start = bk.startup_check(live)
    assert not start.ok and start.offer is None
    assert bk.startup_check(tmp_path / "new.db").ok  # first run: nothing to check


def test_server_database_refuses_app_backups(db):
    class Server:
        file_path = None

    assert bk.backup_before(Server()) is None
    with pytest.raises(DomainError, match="pg_dump"):
        backup_svc.create_backup(Server(), ROLE_ACTORS["admin"])


def test_describe_backup_in_indonesian(db_file):
    info = bk.BackupInfo(db_file, "daily", datetime(2026, 3, 5, 7, 30), 1_234_567)
    assert bk.describe_backup(info) == "Harian, 05/03/2026 07:30 (1,2 MB)"
