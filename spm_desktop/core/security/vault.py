"""Encryption at rest of the SQLite data folder: set-up, login order, upgrade of a plain file.

A data folder is in one of three states (SQLite only; a PostgreSQL deployment relies on the
server's disk encryption and access control, the application does not encrypt it):

- **new**: no database file, or a file without any user (the test template, a first run);
  ``init`` / the first-run dialog make the database key, encrypt the file, write ``spm.keys``
  (administrator + recovery key) and create the administrator (:func:`initialize`).
- **encrypted**: ``spm.keys`` beside ``spm.db``. A login first unwraps the database key with
  the typed password (:func:`unlock`, counters and lock-out in ``spm.keys``), then opens the
  database (quick_check, migrations) and checks the user in it (``users.authenticate``); then
  :func:`finish_login` writes the failures recorded before the open into the audit trail.
- **plain** (made by a version before encryption): only an administrator may log in; that
  login encrypts it at once (:func:`encrypt_folder`): a backup, ``sqlcipher_export`` into a
  new file renamed over the old one, the old backups encrypted, the plain copy overwritten.
  The other users then get one-time passwords from the administrator.

Every user password that opens the database has its own wrapping of the key: creating a user
or resetting a password (administrator) wraps it under the new password, marked one-time (the
user must choose a new one at the next login); changing one's own password re-wraps it;
deactivating an account removes its wrapping.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from spm_desktop.core.domain.errors import ConflictError, DomainError
from spm_desktop.core.storage import db_keys
from spm_desktop.core.storage.db_keys import KeyStore, Unlocked, keys_path_for
from spm_desktop.core.storage.engine import (
    DB_ERRORS,
    apply_key,
    attach_pragmas,
    cipher_module,
    key_for_file,
    register_key,
    sqlite_file_of,
)

log = logging.getLogger(__name__)

ONE_TIME_PASSWORD = ("Kata sandi Anda adalah kata sandi sekali pakai dari administrator; ganti dulu dengan kata "
                     "sandi Anda sendiri (di aplikasi, atau: spm-desktop password --new-password-file BERKAS).")
PLAIN_NEEDS_ADMIN = ("Basis data ini belum dienkripsi (dibuat oleh versi sebelumnya). Administrator harus masuk "
                     "sekali lebih dulu untuk mengenkripsinya; sesudah itu administrator memberi Anda kata sandi "
                     "sekali pakai.")


def db_file_of(db_or_url) -> Path | None:
    url = db_or_url if isinstance(db_or_url, str) else db_or_url.engine.url.render_as_string(hide_password=False)
    path = sqlite_file_of(url)
    return Path(path) if path else None


def is_encrypted(db_file: Path | None) -> bool:
    return db_file is not None and keys_path_for(db_file).is_file()


def is_plain(db_file: Path | None) -> bool:
    """A plain SQLite file with data (a database of a version before encryption)."""
    if db_file is None or is_encrypted(db_file) or not db_file.is_file() or db_file.stat().st_size == 0:
        return False
    with open(db_file, "rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


def plain_has_users(db_file: Path) -> bool:
    from spm_desktop.core.storage.engine import connect_file

    con = connect_file(db_file)
    try:
        return bool(con.execute("SELECT count(*) FROM app_user WHERE role != 'system'").fetchone()[0])
    except DB_ERRORS:
        return False
    finally:
        con.close()


# ----- unlocking -------------------------------------------------------------------------------

def unlock(db_file: Path, username: str, password: str) -> Unlocked:
    """Unwrap the database key with a user's password and register it for ``db_file``."""
    unlocked = KeyStore(keys_path_for(db_file)).unlock(username, password)
    register_key(db_file, unlocked.db_key)
    return unlocked


def unlock_with_recovery(db_file: Path, recovery_key: str) -> bytes:
    key = KeyStore(keys_path_for(db_file)).unlock_recovery(recovery_key)
    register_key(db_file, key)
    return key


def unlock_backup(backup_file: Path, username: str = "", password: str = "", recovery_key: str = "") -> bytes | None:
    """The database key of an encrypted backup, from the wrapped keys it carries (a password
    valid when the backup was made, or the recovery key); None for a plain backup."""
    from spm_desktop.core.storage.keyed_files import read_trailer

    trailer = read_trailer(Path(backup_file))
    if trailer is None:
        return None
    store = KeyStore(None, data=trailer)
    if recovery_key:
        key = store.unlock_recovery(recovery_key)
    else:
        key = store.unlock(username, password).db_key
    register_key(Path(backup_file), key)
    return key


def finish_login(db, user, unlocked: Unlocked | None) -> None:
    """After the database check of a login that unwrapped the key: the failed logins recorded
    in ``spm.keys`` before the database could be opened go into the audit trail, and the
    counters are cleared."""
    from sqlalchemy import select

    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.security import audit
    from spm_desktop.core.storage.models import User

    db_file = db_file_of(db)
    if unlocked is None or db_file is None:
        return
    store = KeyStore(keys_path_for(db_file))
    if unlocked.pending and not db.read_only:
        with db.transaction(SYSTEM) as s:
            ids = {db_keys.entry_id(u.username): u.id for u in s.scalars(select(User))}
            for failure in unlocked.pending:
                audit.record(s, "login_failed", "user", ids.get(failure.get("entry", ""), ""),
                             after={"reason": failure.get("reason", "password") if failure.get("entry") else
                                    "pengguna tidak dikenal", "at": str(failure.get("at", "")),
                                    "recorded_before_open": True})
    if not db.read_only:
        with contextlib.suppress(OSError):
            store.login_succeeded(unlocked.db_key, unlocked.entry)


# ----- wrapping on user changes ---------------------------------------------------------------

def _store_of(db) -> tuple[KeyStore, bytes] | None:
    db_file = db_file_of(db)
    if not is_encrypted(db_file):
        return None
    key = key_for_file(db_file)
    if key is None:
        raise DomainError("Kunci basis data tidak tersedia; masuk ulang.")
    return KeyStore(keys_path_for(db_file)), key


def wrap_password(db, username: str, password: str, one_time: bool) -> None:
    """Wrap the key under ``username``'s new password (no-op on plain or server databases)."""
    found = _store_of(db)
    if found:
        found[0].set_password(found[1], username, password, one_time=one_time)


def remove_password(db, username: str) -> None:
    found = _store_of(db)
    if found:
        found[0].remove_user(found[1], username)


def has_wrapping(db, username: str) -> bool:
    found = _store_of(db)
    return True if found is None else found[0].has_user(username)


# ----- set-up and upgrade --------------------------------------------------------------------

def encrypt_file(plain: Path, target: Path, key: bytes, source_key: bytes | None = None) -> None:
    """``sqlcipher_export`` the SQLite file ``plain`` into a new ``target`` encrypted under
    ``key`` with the current cipher profile. ``source_key``: ``plain`` is itself encrypted
    (under that key, with whatever profile it has: :func:`upgrade_cipher`)."""
    from spm_desktop.core.storage.checkpoint import wait_for_checkpoint
    from spm_desktop.core.storage.engine import connect_file

    wait_for_checkpoint(plain)
    target.unlink(missing_ok=True)
    # Without a key SQLCipher reads a plain file.
    con = connect_file(plain, key=source_key) if source_key else cipher_module().connect(str(plain), timeout=30)
    try:
        con.isolation_level = None
        with contextlib.suppress(*DB_ERRORS):
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = con.execute("PRAGMA user_version").fetchone()[0]
        quoted = str(target).replace("'", "''")
        con.execute(f"ATTACH DATABASE '{quoted}' AS enc KEY \"x'{key.hex()}'\"")
        for pragma in attach_pragmas("enc"):  # the current cipher profile (engine.CURRENT_PROFILE)
            con.execute(pragma)
        con.execute("SELECT sqlcipher_export('enc')")
        con.execute(f"PRAGMA enc.user_version = {int(version)}")
        con.execute("DETACH DATABASE enc")
    finally:
        con.close()
    check = cipher_module().connect(str(target))
    try:
        apply_key(check, key)
        if check.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise DomainError("Salinan terenkripsi tidak lolos pemeriksaan; basis data tidak diubah.")
    finally:
        check.close()
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _encrypted_copy(db_file: Path, key: bytes, source_key: bytes | None = None) -> Path:
    """:func:`encrypt_file` of ``db_file`` into ``<name>.encrypting`` beside it; nothing is left
    behind when it fails."""
    tmp = db_file.with_name(db_file.name + ".encrypting")
    try:
        encrypt_file(db_file, tmp, key, source_key=source_key)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _put_in_place(tmp: Path, db_file: Path) -> None:
    """The new encrypted file takes the old one's place, whose content and sidecars are scrubbed."""
    replace_scrubbing(tmp, db_file)
    _drop_sidecars(db_file)


def replace_scrubbing(new: Path, old: Path) -> None:
    """Rename ``new`` over ``old`` and overwrite the old (plain) content through a handle kept
    open across the rename, so its blocks are zeroed as far as the OS allows."""
    fd = os.open(old, os.O_RDWR) if old.exists() else None
    try:
        os.replace(new, old)
        if fd is not None:
            size = os.fstat(fd).st_size
            os.lseek(fd, 0, os.SEEK_SET)
            zeros, written = bytes(1 << 20), 0
            while written < size:
                written += os.write(fd, zeros[:min(len(zeros), size - written)])
            os.fsync(fd)
    finally:
        if fd is not None:
            os.close(fd)


def _drop_sidecars(db_file: Path) -> None:
    from spm_desktop.core.storage.keyed_files import scrub

    for suffix in ("-wal", "-journal"):
        scrub(Path(str(db_file) + suffix))
    Path(str(db_file) + "-shm").unlink(missing_ok=True)


def encrypt_backups(folder: Path, key: bytes, keys_json: bytes) -> list[Path]:
    """Encrypt every plain backup in ``folder`` in place (each gets the keys trailer); one that
    cannot be read is overwritten and deleted (it holds personal data in the clear)."""
    from spm_desktop.core.storage.backup import list_backups
    from spm_desktop.core.storage.keyed_files import append_trailer, read_trailer, scrub

    done = []
    for info in list_backups(folder):
        if read_trailer(info.path) is not None:
            continue
        tmp = info.path.with_name(info.path.name + ".part")
        try:
            encrypt_file(info.path, tmp, key)
            append_trailer(tmp, keys_json)
            replace_scrubbing(tmp, info.path)
            done.append(info.path)
        except (DomainError, *DB_ERRORS, OSError):
            log.warning("Cadangan lama tidak terbaca; dihapus (tidak terenkripsi): %s", info.path.name)
            tmp.unlink(missing_ok=True)
            scrub(info.path)
    for part in folder.glob("*.part"):  # leftovers of interrupted plain backups
        scrub(part)
    return done


def initialize(db_file: Path, username: str, password: str) -> tuple[bytes, str]:
    """Make the database key and the recovery key, encrypt an existing user-less plain file
    (or let the first open create an encrypted one) and write ``spm.keys`` with the
    administrator's and the recovery wrapping. Returns (key, recovery key to show once)."""
    keys = keys_path_for(db_file)
    if keys.exists():
        raise ConflictError("Administrator sudah dibuat; masuk dengan akun yang ada.")
    if is_plain(db_file) and plain_has_users(db_file):
        raise ConflictError("Administrator sudah dibuat; masuk dengan akun yang ada.")
    key, recovery = db_keys.new_db_key(), db_keys.new_recovery_key()
    if is_plain(db_file):
        _put_in_place(_encrypted_copy(db_file, key), db_file)
    KeyStore(keys).create(key, username, password, recovery)
    register_key(db_file, key)
    return key, recovery


def encrypt_folder(db, admin_username: str, admin_password: str) -> str:
    """The first administrator login after the upgrade to an encrypting version: back up the
    plain file, encrypt it, encrypt (or remove) the old plain backups, remove the plain copy.
    ``db`` is reopened on the encrypted file; returns the recovery key to show once."""
    from spm_desktop.core.security import audit
    from spm_desktop.core.storage.backup import backups_dir_for, make_backup

    db_file = db_file_of(db)
    if not is_plain(db_file):
        raise DomainError("Basis data sudah terenkripsi.")
    db.dispose()
    make_backup(db_file, "before-migration")  # plain, encrypted below together with the older ones
    key, recovery = db_keys.new_db_key(), db_keys.new_recovery_key()
    tmp = _encrypted_copy(db_file, key)
    keys = keys_path_for(db_file)
    KeyStore(keys).create(key, admin_username, admin_password, recovery)
    _put_in_place(tmp, db_file)
    register_key(db_file, key)
    encrypted = encrypt_backups(backups_dir_for(db_file), key, keys.read_bytes())
    db.reopen()
    with db.transaction() as s:
        audit.record(s, "update", "setting", "encryption", after={"encrypted": True,
                                                                   "backups_encrypted": len(encrypted)})
    log.info("Basis data dienkripsi; %d cadangan lama dienkripsi", len(encrypted))
    return recovery


def upgrade_cipher(db, actor) -> bool:
    """Rewrite a file encrypted by an earlier version (``engine.LEGACY_PROFILE``: 4 KiB pages,
    HMAC-SHA512) with the current profile (16 KiB pages, HMAC-SHA256; decision 0010): a backup
    first (``before-migration``, which keeps the old profile and opens as before), then
    ``sqlcipher_export`` under the same key into a new file, quick_check, fsync, and an atomic
    rename over the old file. Administrators only, and — as for a restore — every other
    computer must have closed the application first. ``db`` is reopened on the new file.
    False: the file has the current profile already (nothing done)."""
    from spm_desktop.core.domain.errors import PermissionDenied
    from spm_desktop.core.security import audit
    from spm_desktop.core.storage.backup import make_backup
    from spm_desktop.core.storage.engine import CURRENT_PROFILE, cipher_profile_of

    if actor.role != "admin":
        raise PermissionDenied("Hanya administrator yang dapat memperbarui format enkripsi basis data.")
    db_file = db_file_of(db)
    key = key_for_file(db_file) if is_encrypted(db_file) else None
    if key is None:
        raise DomainError("Basis data ini tidak terenkripsi (atau kuncinya belum dibuka); tidak ada yang diperbarui.")
    before = cipher_profile_of(db_file, key)
    if before == CURRENT_PROFILE:
        return False
    db.dispose()
    make_backup(db_file, "before-migration")
    try:
        tmp = _encrypted_copy(db_file, key, source_key=key)
    except BaseException:
        db.reopen()
        raise
    _put_in_place(tmp, db_file)
    db.reopen()
    with db.transaction(actor) as s:
        audit.record(s, "update", "setting", "encryption", before={"page_size": before.page_size, "hmac": before.hmac},
                     after={"page_size": CURRENT_PROFILE.page_size, "hmac": CURRENT_PROFILE.hmac})
    log.info("Format enkripsi diperbarui: %s -> %s", before, CURRENT_PROFILE)
    return True


def recover(db_file: Path, recovery_key: str, username: str, new_password: str) -> None:
    """The administrator forgot the password: the recovery key opens the database, the
    administrator ``username`` gets ``new_password`` (in the database and in ``spm.keys``,
    which is rebuilt and sealed again; the other users' wrappings are kept)."""
    from sqlalchemy import select

    from spm_desktop.core.domain.actor import Actor
    from spm_desktop.core.security import audit
    from spm_desktop.core.security.passwords import check_password_rules, hash_password
    from spm_desktop.core.storage.models import User
    from spm_desktop.core.storage.open import open_database

    key = unlock_with_recovery(db_file, recovery_key)
    db = open_database(f"sqlite:///{db_file}")
    try:
        with db.transaction() as s:
            user = s.scalars(select(User).where(User.username == username.strip().lower())).first()
            if user is None or user.role != "admin" or not user.active:
                raise DomainError("Kunci pemulihan hanya untuk mengatur ulang kata sandi administrator aktif.",
                                  "admin")
            check_password_rules(new_password, user.username)
            s.info["actor"] = Actor(username=user.username, role="admin", user_id=user.id)
            user.password_hash = hash_password(new_password)
            user.failed_attempts = 0
            user.locked_until = None
            KeyStore(keys_path_for(db_file)).rebuild(key, recovery_key, user.username, new_password)
            audit.record(s, "reset_password", "user", user.id, after={"with": "recovery_key"})
    finally:
        db.dispose()
