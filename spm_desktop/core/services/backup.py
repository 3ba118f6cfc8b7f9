"""Backup and restore as use cases (architecture §7): the manual backup (``backup.run``,
audited as an export of personal data) and the restore (``backup.restore``): prove the backup
(integrity, our schema, a known revision), keep the current file aside, migrate a staged copy
to the current schema with the ``restore`` audit entry and the trail written since the backup,
then rename it over the live file. The file work itself (copies, checks, rotation, the start-up
check) is :mod:`spm_desktop.core.storage.backup`, which asks no permission and audits nothing."""

from __future__ import annotations

import logging
import os
import shutil
from datetime import datetime
from pathlib import Path

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import DomainError, ValidationError
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.backup import (
    BackupInfo,
    CheckResult,
    RestoreResult,
    backup_stamp,
    backups_dir_for,
    check_file,
    connect_read_only,
    copy_database,
    fsync_file,
    live_keys,
    make_backup,
    unique_target,
)
from spm_desktop.core.storage.engine import DB_ERRORS

log = logging.getLogger(__name__)


def _require_sqlite(db) -> Path:
    if not db.file_path:
        raise DomainError("Cadangan dari aplikasi hanya untuk basis data SQLite; "
                          "basis data server dicadangkan dengan alat servernya (pg_dump).")
    return Path(db.file_path)


def create_backup(db, actor: Actor, target: str | Path | None = None) -> BackupInfo:
    """Manual backup (supervisor/admin): into the backups folder, or to ``target`` (a USB
    disk). A backup holds personal data, so it is audited as an export."""
    require(actor, "backup.run")
    db_file = _require_sqlite(db)
    if target is None:
        info = make_backup(db_file, "manual")
    else:
        target = Path(target)
        if target.is_dir():
            target = target / f"spm-{backup_stamp()}-manual.db"
        if not target.parent.is_dir():
            raise ValidationError(f"Folder tujuan {target.parent} tidak ada.", "target")
        if target.resolve() == db_file.resolve():
            raise ValidationError("Tujuan cadangan tidak boleh berkas basis data itu sendiri.", "target")
        copy_database(db_file, target, keys=live_keys(db_file))
        info = BackupInfo(target, "manual", clock.now().replace(microsecond=0), target.stat().st_size)
    with db.transaction(actor) as s:
        audit.record(s, "export", "backup", "", after={"file": str(info.path), "size": info.size})
    return info


def _keep_aside(db_file: Path, folder: Path, kind: str) -> Path | None:
    """Copy the current live file (with its WAL) aside; a file SQLite cannot read is copied raw."""
    if not db_file.exists():
        return None
    target = unique_target(folder, kind)
    try:
        copy_database(db_file, target, keys=live_keys(db_file))
    except DomainError:
        shutil.copyfile(db_file, target)
        wal = db_file.with_name(db_file.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, target.with_name(target.name + "-wal"))
    return target


# Tables every SPM Desktop database has had since the first revision.
SPM_TABLES = frozenset({"alembic_version", "person", "service_event", "cases", "audit_entry", "app_user",
                        "local_device"})


def check_backup_file(path: Path, key: bytes | None = None) -> CheckResult:
    """Everything a restore needs to know before it touches the live file: the file passes
    ``integrity_check``, is an SPM Desktop database, and its schema revision is one this
    program knows (a file from a newer version is refused: it cannot be migrated back)."""
    from spm_desktop.core.storage.migrate import known_revisions

    result = check_file(path, key=key)
    if not result.ok:
        return result
    try:
        con = connect_read_only(Path(path), key)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            missing = sorted(SPM_TABLES - tables)
            if missing:
                return CheckResult(False, "bukan basis data SPM Desktop (tabel " + ", ".join(missing) + " tidak ada)")
            revisions = [r[0] for r in con.execute("SELECT version_num FROM alembic_version")]
        finally:
            con.close()
    except DB_ERRORS as exc:
        return CheckResult(False, str(exc))
    if len(revisions) != 1:
        return CheckResult(False, "versi skema tidak terbaca")
    if revisions[0] not in known_revisions():
        return CheckResult(False, f"versi skema {revisions[0]} tidak dikenal program ini (dibuat oleh versi "
                                  "SPM Desktop yang lebih baru?)")
    return CheckResult(True, "ok")


def _checkpoint_and_drop_wal(db_file: Path) -> None:
    """Fold the live file's WAL into it and remove ``-wal``/``-shm``, so the file renamed over
    it can never be mixed with a stale WAL. A file SQLite cannot read keeps its WAL (the copy
    kept aside already has both); the WAL is then moved aside with it."""
    from spm_desktop.core.storage.checkpoint import wait_for_checkpoint

    wait_for_checkpoint(db_file)
    wal, shm = Path(str(db_file) + "-wal"), Path(str(db_file) + "-shm")
    if db_file.exists() and (wal.exists() or shm.exists()):
        try:
            from spm_desktop.core.storage.engine import connect_file

            con = connect_file(db_file)
            try:
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                con.close()
        except DB_ERRORS:
            log.warning("WAL berkas lama tidak bisa digabungkan; disingkirkan bersama salinannya")
    for extra in (wal, shm, Path(str(db_file) + "-journal")):
        extra.unlink(missing_ok=True)


def restore_file(db_file: Path, backup_file: Path, actor: Actor = SYSTEM, reason: str = "",
                 key: bytes | None = None) -> RestoreResult:
    """Replace the live file by ``backup_file``.

    Every connection to ``db_file`` must be closed. Nothing happens to the live file until the
    backup has passed :func:`check_backup_file` and a copy of it, migrated to the current
    schema and carrying the ``restore`` audit entry, is ready beside the live file; the current
    file is copied aside in the backups folder first (``before-restore``, or ``damaged`` when
    it fails quick_check). Then the prepared copy is renamed over it (atomic; the live file is
    never deleted first).

    An encrypted backup (``key``: its database key, unwrapped from its trailer with a password
    valid at backup time or the recovery key; by default the registered key) brings its
    wrapped keys back too: they become the live ``spm.keys``, so the passwords are those of the
    restored database. A plain backup is not restored into an encrypted data folder."""
    from spm_desktop.core.storage.db_keys import keys_path_for, write_private
    from spm_desktop.core.storage.engine import key_for_file, register_key
    from spm_desktop.core.storage.keyed_files import read_trailer

    db_file, backup_file = Path(db_file), Path(backup_file)
    trailer = read_trailer(backup_file)
    key = key or key_for_file(backup_file)
    if trailer is None and keys_path_for(db_file).exists():
        raise ValidationError(f"Cadangan {backup_file.name} tidak terenkripsi (dibuat sebelum basis data dienkripsi); "
                              "basis data terenkripsi tidak dipulihkan dari berkas terbuka.", "backup")
    if trailer is not None and key is None:
        raise ValidationError(f"Cadangan {backup_file.name} terenkripsi; masukkan kata sandi yang berlaku saat "
                              "cadangan dibuat atau kunci pemulihan.", "backup")
    check = check_backup_file(backup_file, key)
    if not check.ok:
        raise ValidationError(f"Cadangan {backup_file.name} tidak lolos pemeriksaan keutuhan ({check.message}); "
                              "tidak dipulihkan, basis data yang sekarang tidak diubah.", "backup")
    if db_file.exists() and backup_file.resolve() == db_file.resolve():
        raise ValidationError("Cadangan tidak boleh berkas basis data itu sendiri.", "backup")
    folder = backups_dir_for(db_file)
    staged = db_file.with_name(db_file.name + ".restore")
    _remove_staged(staged)
    try:
        current_ok = check_file(db_file, quick=True).ok if db_file.exists() else False
        kept = _keep_aside(db_file, folder, "before-restore" if current_ok else "damaged")
        copy_database(backup_file, staged, key=key)
        if key is not None:
            register_key(staged, key)
        _prepare_restored(staged, actor, backup_file, kept, reason)
        _checkpoint_and_drop_wal(db_file)
        os.replace(staged, db_file)
        if trailer is not None:
            import json

            write_private(keys_path_for(db_file), json.dumps(trailer, indent=1, sort_keys=True).encode())
            register_key(db_file, key)
    except BaseException:
        _remove_staged(staged)
        raise
    log.info("Dipulihkan dari %s; berkas lama disimpan di %s", backup_file.name, kept.name if kept else "-")
    return RestoreResult(backup_file, kept)


def _remove_staged(staged: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(staged) + suffix).unlink(missing_ok=True)


def _prepare_restored(staged: Path, actor: Actor, backup_file: Path, kept: Path | None, reason: str) -> None:
    """Migrate the staged copy to the current schema, carry over the audit entries written
    since the backup (:func:`_carry_audit_entries`) and add the ``restore`` audit entry; it
    ends as one self-contained file (journal mode DELETE), ready to be renamed into place."""
    from spm_desktop.core.storage.database import Database
    from spm_desktop.core.storage.engine import make_engine
    from spm_desktop.core.storage.migrate import upgrade_to_head

    url = f"sqlite:///{staged}"
    upgrade_to_head(url, copy_aside=False)
    db = Database(make_engine(url))
    try:
        with db.transaction(actor) as s:
            carried = _carry_audit_entries(s, kept)
            audit.record(s, "restore", "backup", "", after={"file": str(backup_file),
                                                            "kept_aside": str(kept) if kept else "",
                                                            "reason": reason, **carried})
    finally:
        db.dispose()
    from spm_desktop.core.storage.engine import connect_file

    con = connect_file(staged)
    try:
        con.execute("PRAGMA journal_mode=DELETE")
    finally:
        con.close()
    fsync_file(staged)


def _carry_audit_entries(s, kept: Path | None) -> dict:
    """A restore never loses the audit trail written after the backup. When the replaced
    file's chain continues the backup's (same entry at the backup's head), its later entries
    are appended unchanged — the chain stays valid. Otherwise (another database's backup, a
    damaged file) they stay in the copy kept aside, and the restore entry says how many."""
    from sqlalchemy import insert, select

    from spm_desktop.core.security.audit_chain import chain_head
    from spm_desktop.core.storage.models import AuditEntry

    if kept is None or not kept.exists():
        return {}
    head_seq, head_hash = chain_head(s)
    columns = [c.name for c in AuditEntry.__table__.columns]
    try:
        con = connect_read_only(kept)
        try:
            match = con.execute("SELECT entry_hash FROM audit_entry WHERE seq = ?", (head_seq,)).fetchone()
            if head_seq == 0 or (match is not None and match[0] == head_hash):
                cursor = con.execute(f"SELECT {', '.join(columns)} FROM audit_entry WHERE seq > ? ORDER BY seq",
                                     (head_seq,))
                later = [dict(zip(columns, row, strict=True)) for row in cursor]
                outcome = "appended"
            else:
                known = set(s.scalars(select(AuditEntry.id)))
                later = [r[0] for r in con.execute("SELECT id FROM audit_entry") if r[0] not in known]
                outcome = "archived"
        finally:
            con.close()
    except DB_ERRORS as exc:
        log.warning("Jejak audit berkas lama tidak terbaca: %s", type(exc).__name__)
        return {"audit_entries_archived": "tidak terbaca", "audit_archive": str(kept)}
    if outcome == "archived":
        return {"audit_entries_archived": len(later), "audit_archive": str(kept)} if later else {}
    if later:
        table = AuditEntry.__table__
        types = {c.name: c.type for c in table.columns}
        rows = [{k: _from_sqlite(types[k], v) for k, v in row.items()} for row in later]
        s.execute(insert(table), rows)
    return {"audit_entries_appended": len(later)}


def _from_sqlite(column_type, value):
    """A raw SQLite value back to what the column type binds (JSON text, date-time text)."""
    import json

    from sqlalchemy import JSON, DateTime

    if value is None:
        return None
    if isinstance(column_type, JSON):
        return json.loads(value)
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(value)
    return value


def restore_backup(db_file: Path, actor: Actor, backup_file: Path, reason: str = "",
                   key: bytes | None = None) -> RestoreResult:
    """The permission-checked restore (admin): see :func:`restore_file`."""
    require(actor, "backup.restore")
    return restore_file(db_file, backup_file, actor, reason, key=key)
