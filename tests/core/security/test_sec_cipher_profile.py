"""The cipher profile of an encrypted file (engine.CipherProfile): files encrypted from now on use
16 KiB pages and HMAC-SHA256; files encrypted before (SQLCipher 4's defaults) keep theirs, and
so do their backups, and a restore may bring either back. Nothing in a file names its profile:
the program asks the file."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sec_helpers import ROLE_ACTORS
from sqlalchemy import select

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.security import audit, vault
from spm_desktop.core.services import backup as backup_svc
from spm_desktop.core.storage import backup as bk
from spm_desktop.core.storage import db_keys
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.db_keys import KeyStore, keys_path_for
from spm_desktop.core.storage.engine import (
    CURRENT_PROFILE,
    LEGACY_PROFILE,
    CipherProfile,
    apply_key,
    cipher_profile_of,
    connect_file,
    make_engine,
    register_key,
)

ADMIN, PASSWORD = "adm", "Sandi-Admin-2026"


def reads_with(path: Path, key: bytes, profile: CipherProfile) -> bool:
    con = sqlcipher.connect(str(path))
    try:
        apply_key(con, key, profile)
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher.DatabaseError as exc:
        assert "not a database" in str(exc)
        return False
    finally:
        con.close()


def page_size(path: Path, key: bytes) -> int:
    con = connect_file(path, key=key)
    try:
        return int(con.execute("PRAGMA page_size").fetchone()[0])
    finally:
        con.close()


def persons(path: Path) -> int:
    con = connect_file(path)
    try:
        return con.execute("SELECT count(*) FROM person").fetchone()[0]
    finally:
        con.close()


def markers(path: Path) -> list[str]:
    con = connect_file(path)
    try:
        return [r[0] for r in con.execute("SELECT entity_id FROM audit_entry WHERE entity='marker' ORDER BY at")]
    finally:
        con.close()


def mark(path: Path, label: str) -> None:
    db = Database(make_engine(f"sqlite:///{path}"))
    try:
        with db.transaction(SYSTEM) as s:
            audit.record(s, "create", "marker", label)
    finally:
        db.dispose()


def encrypt_as_before(plain: Path, key: bytes) -> None:
    """Encrypt ``plain`` in place as the version before this profile did: ``sqlcipher_export``
    with SQLCipher's default settings, then ``spm.keys`` beside it."""
    target = plain.with_name("legacy.tmp")
    con = sqlcipher.connect(str(plain), isolation_level=None)
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        con.execute(f"ATTACH DATABASE '{target}' AS enc KEY \"x'{key.hex()}'\"")
        con.execute("SELECT sqlcipher_export('enc')")
        con.execute(f"PRAGMA enc.user_version = {int(version)}")
        con.execute("DETACH DATABASE enc")
    finally:
        con.close()
    os.replace(target, plain)
    for suffix in ("-wal", "-shm"):
        Path(f"{plain}{suffix}").unlink(missing_ok=True)
    KeyStore(keys_path_for(plain)).create(key, ADMIN, PASSWORD, db_keys.new_recovery_key())
    register_key(plain, key)


@pytest.fixture
def plain_count(db_file) -> int:
    con = sqlite3.connect(db_file)
    try:
        return con.execute("SELECT count(*) FROM person").fetchone()[0]
    finally:
        con.close()


def test_a_file_encrypted_now_has_16_kib_pages_and_hmac_sha256(db_file, plain_count):
    key, _recovery = vault.initialize(db_file, ADMIN, PASSWORD)
    assert reads_with(db_file, key, CURRENT_PROFILE)
    assert not reads_with(db_file, key, LEGACY_PROFILE)
    assert cipher_profile_of(db_file, key) == CURRENT_PROFILE == CipherProfile(16384, "HMAC_SHA256")
    assert page_size(db_file, key) == 16384
    assert persons(db_file) == plain_count
    with open(db_file, "rb") as f:
        assert f.read(16) != b"SQLite format 3\x00"


def test_a_file_encrypted_before_keeps_its_profile_through_writes_backups_and_restore(db_file, plain_count):
    key = db_keys.new_db_key()
    encrypt_as_before(db_file, key)
    assert cipher_profile_of(db_file, key) == LEGACY_PROFILE and page_size(db_file, key) == 4096
    assert persons(db_file) == plain_count
    mark(db_file, "one")  # through the application's engine (its connections ask the file)
    online = bk.make_backup(db_file, "manual")  # SQLite's online backup API: needs the source's layout
    mark(db_file, "two")
    locked = bk.make_backup(db_file, "before-import", locked=True)  # the file's bytes
    for backup, expected in ((online.path, ["one"]), (locked.path, ["one", "two"])):
        assert reads_with(backup, key, LEGACY_PROFILE) and not reads_with(backup, key, CURRENT_PROFILE)
        assert bk.check_file(backup).ok
        assert markers(backup) == expected
    mark(db_file, "three")
    backup_svc.restore_backup(db_file, ROLE_ACTORS["admin"], online.path, reason="uji")
    assert cipher_profile_of(db_file, key) == LEGACY_PROFILE
    assert markers(db_file) == ["one", "two", "three"]  # the trail written after the backup is kept
    assert persons(db_file) == plain_count


def test_a_restore_may_swap_the_profile_under_the_same_name(db_file, tmp_path):
    """A current file replaced by a copy encrypted before (a restore, a folder copied back):
    the remembered profile belongs to the old file, so the new one is asked again."""
    legacy = tmp_path / "legacy" / "spm.db"
    legacy.parent.mkdir()
    shutil.copyfile(db_file, legacy)
    key, _recovery = vault.initialize(db_file, ADMIN, PASSWORD)
    mark(db_file, "current")
    assert cipher_profile_of(db_file, key) == CURRENT_PROFILE
    encrypt_as_before(legacy, key)
    mark(legacy, "legacy")
    os.replace(legacy, db_file)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    assert cipher_profile_of(db_file, key) == LEGACY_PROFILE
    assert markers(db_file) == ["legacy"]
    mark(db_file, "after")
    assert markers(db_file) == ["legacy", "after"]


def test_a_wrong_key_is_still_refused_as_before(db_file):
    vault.initialize(db_file, ADMIN, PASSWORD)
    wrong = db_keys.new_db_key()
    assert cipher_profile_of(db_file, wrong) == CURRENT_PROFILE  # neither opens: the real connection says so
    with pytest.raises(sqlcipher.DatabaseError, match="not a database"):
        connect_file(db_file, key=wrong).execute("SELECT count(*) FROM person").fetchone()


def test_a_wrong_key_first_does_not_hide_the_profile_from_the_right_key(db_file):
    key = db_keys.new_db_key()
    encrypt_as_before(db_file, key)
    assert cipher_profile_of(db_file, db_keys.new_db_key()) == CURRENT_PROFILE  # a guess: nothing opens
    assert cipher_profile_of(db_file, key) == LEGACY_PROFILE


def test_an_administrator_rewrites_a_file_encrypted_before_with_the_current_profile(db_file):
    from spm_desktop.core.domain.errors import PermissionDenied
    from spm_desktop.core.security.vault import upgrade_cipher
    from spm_desktop.core.storage.backup import backups_dir_for, list_backups
    from spm_desktop.core.storage.models import AuditEntry

    key = db_keys.new_db_key()
    encrypt_as_before(db_file, key)
    mark(db_file, "one")
    db = Database(make_engine(f"sqlite:///{db_file}"))
    try:
        with pytest.raises(PermissionDenied):
            upgrade_cipher(db, ROLE_ACTORS["supervisor"])
        assert cipher_profile_of(db_file, key) == LEGACY_PROFILE
        assert upgrade_cipher(db, ROLE_ACTORS["admin"]) is True
        assert cipher_profile_of(db_file, key) == CURRENT_PROFILE and page_size(db_file, key) == 16384
        assert not reads_with(db_file, key, LEGACY_PROFILE)
        with db.transaction(SYSTEM) as s:  # the same Database object goes on, on the new file
            audit.record(s, "create", "marker", "two")
            done = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == "encryption")).one()
            assert done.after == {"page_size": 16384, "hmac": "HMAC_SHA256"}
            assert done.before == {"page_size": 4096, "hmac": "HMAC_SHA512"}
        assert upgrade_cipher(db, ROLE_ACTORS["admin"]) is False  # already current: nothing done
    finally:
        db.dispose()
    assert markers(db_file) == ["one", "two"]
    assert bk.check_file(db_file).ok
    kept = [b for b in list_backups(backups_dir_for(db_file)) if b.kind == "before-migration"]
    assert len(kept) == 1 and reads_with(kept[0].path, key, LEGACY_PROFILE)  # the old file, as it was
    assert markers(kept[0].path) == ["one"]
    assert not list(db_file.parent.glob("*.encrypting"))
