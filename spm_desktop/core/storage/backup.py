"""Backups of the SQLite database file (architecture §7).

- Copies are made with SQLite's online backup API (consistent even while the app writes,
  WAL content included) into ``<data>/backups/`` as ``spm-YYYYMMDD-HHMMSS-<kind>.db``, each a
  self-contained file (journal mode DELETE).
- Kinds: ``daily`` and ``monthly`` (automatic, rotated: 14 daily + 12 monthly), ``manual``,
  ``before-import``, ``before-migration``, ``before-restore`` (the file a restore replaced)
  and ``damaged`` (a live file that failed its check, kept for inspection).
- A restore first proves the backup (integrity, SPM schema, a known revision) and keeps the current
  file aside; the caller must have closed every connection to the live file.
- ``PRAGMA quick_check`` at every start (:func:`startup_check`); on failure the newest
  backup that passes ``integrity_check`` is offered.

Functions here work on file paths and never ask for permission; the permission-checked,
audited entry points are :func:`create_backup` and :func:`restore_backup`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import DomainError, ValidationError
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.engine import DB_ERRORS

log = logging.getLogger(__name__)

KEEP_DAILY = 14
KEEP_MONTHLY = 12
KEEP_BEFORE_IMPORT = 30  # pre-import copies: one per import, keep the most recent ones
BACKUP_DIRNAME = "backups"
KINDS = ("daily", "monthly", "manual", "before-import", "before-migration", "before-restore", "damaged")
KIND_LABELS = {
    "daily": "Harian",
    "monthly": "Bulanan",
    "manual": "Manual",
    "before-import": "Sebelum impor",
    "before-migration": "Sebelum migrasi",
    "before-restore": "Sebelum pemulihan",
    "damaged": "Berkas rusak",
}
_NAME = re.compile(r"^spm-(\d{8})-(\d{6})(?:-\d+)?-([a-z-]+)\.db$")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: str
    created_at: datetime  # local time, from the file name
    size: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str  # "ok", or what SQLite reported / why the file could not be read


@dataclass(frozen=True)
class StartupCheck:
    ok: bool
    message: str
    offer: BackupInfo | None  # newest good backup when not ok


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    kept_aside: Path | None


# ----- plumbing -------------------------------------------------------------------------


def backups_dir_for(db_file: Path) -> Path:
    """``<data>/backups`` next to the database file (created if missing)."""
    folder = Path(db_file).parent / BACKUP_DIRNAME
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _connect_ro(path: Path, key: bytes | None = None) -> sqlite3.Connection:
    """A read-only connection (immutable in a folder this process cannot write); SQLCipher
    with the file's key when it is encrypted (engine.key_for_file)."""
    from spm_desktop.core.storage.engine import connect_file, key_for_file, read_only_url

    return connect_file(read_only_url(path).removeprefix("sqlite:///").removesuffix("&uri=true"), uri=True,
                        key=key or key_for_file(path), timeout=30)


def live_keys(db_file: Path) -> bytes | None:
    """The ``spm.keys`` beside an encrypted live file (what its backups carry), or None."""
    from spm_desktop.core.storage.db_keys import keys_path_for

    try:
        return keys_path_for(Path(db_file)).read_bytes()
    except FileNotFoundError:
        return None


def _copy_quiet_file(src, source: Path, part: Path) -> bool:
    """Copy the live file's bytes while no one can write: its WAL checkpointed into it and
    emptied, then a write lock held during the copy (readers go on). An encrypted file is copied
    as it is — no page decrypted and encrypted again, which made the online backup API cost
    4 × the plain file's CPU (BENCHMARKS.md). False when the WAL could not be emptied (a reader
    still needs its frames, or a writer came first): the caller uses the online backup API."""
    wal = Path(f"{source}-wal")
    src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    src.execute("BEGIN IMMEDIATE")
    try:
        if wal.exists() and wal.stat().st_size > 0:
            return False
        shutil.copyfile(source, part)
        return True
    finally:
        src.execute("ROLLBACK")


def copy_database(source: Path, target: Path, keys: bytes | None = None, key: bytes | None = None,
                  live: bool = False) -> Path:
    """Back ``source`` up into ``target`` (atomically: written aside, then renamed). ``live``:
    ``source`` is a live database file (not a backup carrying a keys trailer), copied as its
    bytes under a write lock when its WAL can be emptied, else — and for any other file —
    through SQLite's online backup API. An encrypted source is copied encrypted under the same
    key — the ``.part`` file too — and ``keys`` (the wrapped keys) is appended as the backup's
    trailer (storage.keyed_files)."""
    from spm_desktop.core.storage.engine import connect_file, key_for_file
    from spm_desktop.core.storage.keyed_files import append_trailer

    source, target = Path(source), Path(target)
    if not source.is_file():
        raise ValidationError(f"Berkas basis data {source} tidak ditemukan.", "source")
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    with contextlib.suppress(FileNotFoundError):
        part.unlink()
    try:
        key = key or key_for_file(source)
        src = connect_file(source, key=key)
        try:
            if not (live and _copy_quiet_file(src, source, part)):
                dst = connect_file(part, key=key)
                try:
                    src.backup(dst)
                finally:
                    dst.close()
        finally:
            src.close()
        dst = connect_file(part, key=key)
        try:
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            dst.commit()
        finally:
            dst.close()
        if key is not None and keys:
            append_trailer(part, keys)
        _fsync(part)
        os.replace(part, target)
    except DB_ERRORS as exc:
        with contextlib.suppress(OSError):
            part.unlink()
        raise DomainError(f"Cadangan gagal dibuat dari {source.name}: {exc}. Jalankan 'spm-desktop check'.") from exc
    except OSError as exc:
        with contextlib.suppress(OSError):
            part.unlink()
        raise DomainError(f"Cadangan tidak bisa ditulis ke {target}: {exc.strerror or exc}.") from exc
    return target


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_file(path: Path, quick: bool = False, key: bytes | None = None) -> CheckResult:
    """``PRAGMA integrity_check`` (or ``quick_check``) of a file, never raising. An encrypted
    file is read with ``key`` or its registered key; without one it fails ("file is not a
    database")."""
    path = Path(path)
    if not path.is_file():
        return CheckResult(False, "berkas tidak ditemukan")
    if path.stat().st_size == 0:
        return CheckResult(False, "berkas kosong")
    pragma = "quick_check" if quick else "integrity_check"
    try:
        con = _connect_ro(path, key)
        try:
            rows = [r[0] for r in con.execute(f"PRAGMA {pragma}").fetchall()]
            if rows != ["ok"]:
                return CheckResult(False, "; ".join(str(r) for r in rows[:5]))
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except DB_ERRORS as exc:
        return CheckResult(False, str(exc))
    if "alembic_version" not in tables:
        return CheckResult(False, "bukan basis data SPM Desktop")
    return CheckResult(True, "ok")


def _stamp(now: datetime | None = None) -> str:
    return (now or datetime.now()).strftime("%Y%m%d-%H%M%S")


def _unique_target(folder: Path, kind: str, now: datetime | None = None) -> Path:
    stamp = _stamp(now)
    target = folder / f"spm-{stamp}-{kind}.db"
    n = 1
    while target.exists():
        target = folder / f"spm-{stamp}-{n}-{kind}.db"
        n += 1
    return target


def list_backups(folder: Path) -> list[BackupInfo]:
    """Backups in ``folder``, newest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        m = _NAME.match(path.name)
        if not m or m.group(3) not in KINDS:
            continue
        created = datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S")
        found.append(BackupInfo(path, m.group(3), created, path.stat().st_size))
    found.sort(key=lambda b: (b.created_at, b.path.name), reverse=True)
    return found


def newest_good_backup(folder: Path, thorough: bool = False) -> BackupInfo | None:
    """The newest backup that passes ``quick_check`` (``integrity_check`` when ``thorough``;
    the restore itself always runs the full check). Damaged copies are never offered."""
    for info in list_backups(folder):
        if info.kind == "damaged":
            continue
        if check_file(info.path, quick=not thorough).ok:
            return info
        log.warning("Cadangan %s tidak lolos pemeriksaan", info.path)
    return None


def last_backup(folder: Path) -> BackupInfo | None:
    return next((b for b in list_backups(folder) if b.kind != "damaged"), None)


# ----- automatic copies -----------------------------------------------------------------


def make_backup(db_file: Path, kind: str, folder: Path | None = None, now: datetime | None = None,
                locked: bool = False) -> BackupInfo:
    """Copy ``db_file`` into the backups folder as a backup of ``kind``. ``locked``: copy the
    file's bytes under a write lock (fast, but other desks wait for the copy: only for a bulk
    writer that is about to lock the database anyway)."""
    if kind not in KINDS:
        raise ValueError(f"unknown backup kind {kind}")
    db_file = Path(db_file)
    folder = Path(folder) if folder else backups_dir_for(db_file)
    target = copy_database(db_file, _unique_target(folder, kind, now), keys=live_keys(db_file), live=locked)
    log.info("Cadangan %s dibuat: %s", kind, target)
    return BackupInfo(target, kind, datetime.strptime(_stamp(now), "%Y%m%d-%H%M%S"), target.stat().st_size)


def rotate(folder: Path, keep_daily: int = KEEP_DAILY, keep_monthly: int = KEEP_MONTHLY,
           keep_before_import: int = KEEP_BEFORE_IMPORT) -> list[Path]:
    """Delete daily/monthly/pre-import copies beyond the newest ``keep_*``; returns what went."""
    keep = {"daily": keep_daily, "monthly": keep_monthly, "before-import": keep_before_import}
    seen = dict.fromkeys(keep, 0)
    removed = []
    for info in list_backups(folder):
        if info.kind not in keep:
            continue
        seen[info.kind] += 1
        if seen[info.kind] > keep[info.kind]:
            info.path.unlink(missing_ok=True)
            removed.append(info.path)
    return removed


def daily_backup(db_file: Path, now: datetime | None = None) -> list[BackupInfo]:
    """The automatic copy: one ``daily`` per calendar day and one ``monthly`` per month, then
    rotation. Does nothing when today's (and this month's) copy already exists."""
    db_file = Path(db_file)
    if not db_file.is_file() or db_file.stat().st_size == 0:
        return []
    now = now or datetime.now()
    folder = backups_dir_for(db_file)
    existing = list_backups(folder)
    made = []
    if not any(b.kind == "daily" and b.created_at.date() == now.date() for b in existing):
        made.append(make_backup(db_file, "daily", folder, now))
    this_month = (now.year, now.month)
    if not any(b.kind == "monthly" and (b.created_at.year, b.created_at.month) == this_month for b in existing):
        made.append(make_backup(db_file, "monthly", folder, now))
    if made:
        rotate(folder)
    return made


def backup_before(db, reason: str = "before-import") -> BackupInfo | None:
    """Importers (and other bulk writers) call this before writing: a copy of the live SQLite
    file. Returns None for a server database (PostgreSQL backs itself up)."""
    path = db.file_path
    if not path:
        return None
    info = make_backup(Path(path), reason if reason in KINDS else "before-import", locked=True)
    rotate(info.path.parent)
    return info


# ----- services (permission-checked, audited) ------------------------------------------


def _require_sqlite(db) -> Path:
    if not db.file_path:
        raise DomainError("Cadangan dari aplikasi hanya untuk basis data SQLite; "
                          "basis data server dicadangkan dengan alat servernya (pg_dump).")
    return Path(db.file_path)


def create_backup(db, actor: Actor, target: str | Path | None = None) -> BackupInfo:
    """Manual backup (supervisor/admin): into the backups folder, or to ``target`` (a USB
    disk). A backup holds personal data, so it is audited as an export."""
    from spm_desktop.core.security import audit

    require(actor, "backup.run")
    db_file = _require_sqlite(db)
    if target is None:
        info = make_backup(db_file, "manual")
    else:
        target = Path(target)
        if target.is_dir():
            target = target / f"spm-{_stamp()}-manual.db"
        if not target.parent.is_dir():
            raise ValidationError(f"Folder tujuan {target.parent} tidak ada.", "target")
        if target.resolve() == db_file.resolve():
            raise ValidationError("Tujuan cadangan tidak boleh berkas basis data itu sendiri.", "target")
        copy_database(db_file, target, keys=live_keys(db_file))
        info = BackupInfo(target, "manual", datetime.now().replace(microsecond=0), target.stat().st_size)
    with db.transaction(actor) as s:
        audit.record(s, "export", "backup", "", after={"file": str(info.path), "size": info.size})
    return info


def _keep_aside(db_file: Path, folder: Path, kind: str) -> Path | None:
    """Copy the current live file (with its WAL) aside; a file SQLite cannot read is copied raw."""
    if not db_file.exists():
        return None
    target = _unique_target(folder, kind)
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
        con = _connect_ro(Path(path), key)
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
    from spm_desktop.core.security import audit
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
    _fsync(staged)


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
        con = _connect_ro(kept)
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


# ----- start-up -------------------------------------------------------------------------


LEFTOVER_AGE_S = 3600  # a copy still being written by another process is younger than this


def remove_leftovers(db_file: Path, now: float | None = None) -> list[Path]:
    """Remove what an interrupted backup or restore left behind — ``backups/*.part`` and the
    staged ``<db>.restore`` — once older than an hour (they hold personal data and are of no
    use). Called at every start; returns what was removed."""
    import time

    db_file = Path(db_file)
    now = time.time() if now is None else now
    candidates = list((db_file.parent / BACKUP_DIRNAME).glob("*.part"))
    candidates += list(db_file.parent.glob(f"{db_file.name}.restore*"))
    candidates += list(db_file.parent.glob(f"{db_file.stem}.before-*.db.part"))
    # An interrupted encryption of a plain file (encrypted, of no use) and an interrupted
    # rewrite of spm.keys.
    candidates += list(db_file.parent.glob(f"{db_file.name}.encrypting")) + list(db_file.parent.glob("spm.keys.tmp"))
    removed = []
    for path in candidates:
        try:
            if now - path.stat().st_mtime >= LEFTOVER_AGE_S:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    if removed:
        log.info("%d berkas sisa cadangan/pemulihan yang terputus dihapus", len(removed))
    return removed


def startup_check(db_file: Path) -> StartupCheck:
    """``PRAGMA quick_check`` of the live file at start (after removing the leftovers of an
    interrupted backup). A missing file (first run) is fine. On failure the newest good backup
    is offered (or None when there is none)."""
    db_file = Path(db_file)
    remove_leftovers(db_file)
    if not db_file.exists() or db_file.stat().st_size == 0:
        return StartupCheck(True, "ok", None)
    result = check_file(db_file, quick=True)
    if result.ok:
        return StartupCheck(True, "ok", None)
    log.error("quick_check gagal untuk %s: %s", db_file, result.message)
    return StartupCheck(False, result.message, newest_good_backup(backups_dir_for(db_file)))


def describe_backup(info: BackupInfo) -> str:
    """"Harian, 28/11/2026 09:30 (1,2 MB)" — how a backup is named to the user."""
    size = f"{info.size / 1_000_000:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{info.kind_label}, {info.created_at:%d/%m/%Y %H:%M} ({size} MB)"
