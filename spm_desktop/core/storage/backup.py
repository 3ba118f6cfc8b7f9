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

Functions here work on file paths, never ask for permission and never write the audit
trail; the manual backup and the restore, permission-checked and audited, are
:mod:`spm_desktop.core.services.backup` (so storage never reaches up to security or to the
migration of a restored copy).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.dates import date_time
from spm_desktop.core.domain.errors import DomainError, ValidationError
from spm_desktop.core.storage.checkpoint import wait_for_checkpoint
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


def connect_read_only(path: Path, key: bytes | None = None) -> sqlite3.Connection:
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


def _copy_quiet_file(src, source: Path, part: Path, file_complete: bool | None = None) -> bool:
    """Copy the live file's bytes while no one can write: its WAL checkpointed into it and
    emptied, then a write lock held during the copy (readers go on). An encrypted file is copied
    as it is — no page decrypted and encrypted again, which made the online backup API cost
    4 × the plain file's CPU (BENCHMARKS.md). False when the WAL could not be emptied (a reader
    still needs its frames, or a writer came first): the caller uses the online backup API.
    ``file_complete`` not None: the caller already holds the write lock and says whether the
    file held every committed page when it took it (:class:`BackupInBackground`)."""
    if file_complete is not None:  # the caller holds the write lock and knows (BackupInBackground)
        if file_complete:
            copy_file_to_disk(source, part)
        return file_complete
    wal = Path(f"{source}-wal")
    src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    src.execute("BEGIN IMMEDIATE")
    try:
        if wal.exists() and wal.stat().st_size > 0:
            return False
        copy_file_to_disk(source, part)
        return True
    finally:
        src.execute("ROLLBACK")


COPY_CHUNK = 64 * 1024 * 1024


def copy_file_to_disk(source: Path, target: Path) -> None:
    """Copy ``source``'s bytes into ``target`` and sync them, chunk by chunk. Where the
    system allows (Linux), each chunk is written to disk and then dropped from the system's
    file cache: nobody reads a backup soon, and a 1.2 GB copy otherwise takes 1.2 GB of cache
    memory at once, which on the bench machine cost 3–4 s of system CPU (1.1 s this way, the
    sync included; BENCHMARKS.md)."""
    drop = getattr(os, "posix_fadvise", None)
    with open(source, "rb") as src, open(target, "wb") as dst:
        size, done = os.fstat(src.fileno()).st_size, 0
        while done < size:
            copied = _copy_chunk(src.fileno(), dst.fileno(), min(COPY_CHUNK, size - done))
            if copied == 0:
                raise OSError(f"{source} berakhir sebelum {size} bita tersalin")
            if drop is not None:
                os.fdatasync(dst.fileno())
                drop(dst.fileno(), done, copied, os.POSIX_FADV_DONTNEED)
            done += copied
        os.fsync(dst.fileno())


def _copy_chunk(src: int, dst: int, count: int) -> int:
    """Up to ``count`` bytes from the current position of ``src`` to that of ``dst``: in the
    kernel where it can (``copy_file_range``), else through a buffer."""
    if hasattr(os, "copy_file_range"):
        with contextlib.suppress(OSError):  # not supported between these files: the buffer below
            return os.copy_file_range(src, dst, count)
    data = os.read(src, min(count, 1024 * 1024))
    view, written = memoryview(data), 0
    while written < len(data):
        written += os.write(dst, view[written:])
    return len(data)


def copy_database(source: Path, target: Path, keys: bytes | None = None, key: bytes | None = None,
                  live: bool = False, file_complete: bool | None = None) -> Path:
    """Back ``source`` up into ``target`` (atomically: written aside, then renamed). ``live``:
    ``source`` is a live database file (not a backup carrying a keys trailer), copied as its
    bytes under a write lock when its WAL can be emptied, else — and for any other file —
    through SQLite's online backup API (``file_complete``: see :func:`_copy_quiet_file`). An
    encrypted source is copied encrypted under the same key — the ``.part`` file too — and
    ``keys`` (the wrapped keys) is appended as the backup's trailer (storage.keyed_files)."""
    from spm_desktop.core.storage.engine import cipher_profile_of, connect_file, key_for_file
    from spm_desktop.core.storage.keyed_files import append_trailer

    source, target = Path(source), Path(target)
    if not source.is_file():
        raise ValidationError(f"Berkas basis data {source} tidak ditemukan.", "source")
    wait_for_checkpoint(source)  # a bulk write's WAL still being checkpointed (decision 0007)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    with contextlib.suppress(FileNotFoundError):
        part.unlink()
    try:
        key = key or key_for_file(source)
        profile = cipher_profile_of(source, key) if key is not None else None
        src = connect_file(source, key=key, profile=profile)
        try:
            if not (live and _copy_quiet_file(src, source, part, file_complete)):
                dst = connect_file(part, key=key, profile=profile)  # the backup API needs the source's layout
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
        fsync_file(part)
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


def fsync_file(path: Path) -> None:
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
        con = connect_read_only(path, key)
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


def backup_stamp(now: datetime | None = None) -> str:
    return (now or clock.now()).strftime("%Y%m%d-%H%M%S")


def unique_target(folder: Path, kind: str, now: datetime | None = None) -> Path:
    stamp = backup_stamp(now)
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
                locked: bool = False, file_complete: bool | None = None) -> BackupInfo:
    """Copy ``db_file`` into the backups folder as a backup of ``kind``. ``locked``: copy the
    file's bytes under a write lock (fast, but other desks wait for the copy: only for a bulk
    writer that is about to lock the database anyway). ``file_complete``: the caller already
    holds that lock and says whether the file held every committed page when it took it
    (:class:`BackupInBackground`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown backup kind {kind}")
    db_file = Path(db_file)
    folder = Path(folder) if folder else backups_dir_for(db_file)
    target = copy_database(db_file, unique_target(folder, kind, now), keys=live_keys(db_file), live=locked,
                           file_complete=file_complete)
    log.info("Cadangan %s dibuat: %s", kind, target)
    return BackupInfo(target, kind, datetime.strptime(backup_stamp(now), "%Y%m%d-%H%M%S"), target.stat().st_size)


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
    now = now or clock.now()
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


class BackupInBackground:
    """The copy :func:`backup_before` makes, taken on a thread while the caller's own write
    transaction runs (a sync import decrypting, planning and writing), and waited for before
    that transaction commits: the copy is system work outside the GIL and overlaps the
    import's CPU work instead of coming before it.

    Made just after the caller's transaction took the write lock (``session.connection()``:
    BEGIN IMMEDIATE on SQLite), after :func:`prepare_for_copy`. When the WAL was empty at
    that moment the file holds every committed page, and in WAL mode the transaction's own
    changes never reach the file before it commits and is checkpointed: its bytes are copied
    as they are. Otherwise (a reader kept the WAL from emptying, or a writer came in between)
    the copy goes through SQLite's online backup API, which reads the last committed state
    without the caller's uncommitted changes. Nothing for a server database."""

    def __init__(self, db, session, reason: str = "before-import") -> None:
        self._source = Path(db.file_path) if db.file_path else None
        self._kind = reason if reason in KINDS else "before-import"
        self._thread: threading.Thread | None = None
        self._made: BackupInfo | None = None
        self._error: BaseException | None = None
        self._complete = False
        if self._source is not None:
            session.connection()  # the write lock, before anything is written
            wal = Path(f"{self._source}-wal")
            self._complete = not wal.exists() or wal.stat().st_size == 0

    def start(self) -> None:
        if self._thread is None and self._source is not None:
            self._thread = threading.Thread(target=self._run, name="spm-backup-before", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._made = make_backup(self._source, self._kind, locked=True, file_complete=self._complete)
        except BaseException as exc:  # handed to the caller's thread by wait()
            self._error = exc

    def wait(self) -> BackupInfo | None:
        """The copy made (its error raised here), then the older copies rotated out. Starts
        the copy first if nobody did (None for a server database, as backup_before)."""
        self.start()
        if self._thread is None:
            return None
        self._thread.join()
        if self._error is not None:
            raise self._error
        rotate(self._made.path.parent)
        return self._made

    def discard(self) -> None:
        """The caller writes nothing after all (the package was refused, or imported before):
        a copy already started is waited for and removed, and no older copy rotated out."""
        if self._thread is None:
            return
        self._thread.join()
        if self._made is not None:
            self._made.path.unlink(missing_ok=True)


def prepare_for_copy(db) -> None:
    """Before a transaction that will use :class:`BackupInBackground`: the WAL written back
    into the file and emptied where it can be (a bulk write's checkpoint thread waited for)."""
    from spm_desktop.core.storage.engine import connect_file

    if not db.file_path:
        return
    wait_for_checkpoint(db.file_path)
    con = connect_file(db.file_path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except DB_ERRORS as exc:  # busy: the copy will take the online backup API
        log.info("checkpoint sebelum cadangan tidak selesai: %s", exc)
    finally:
        con.close()


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
    return f"{info.kind_label}, {date_time(info.created_at)} ({size} MB)"
