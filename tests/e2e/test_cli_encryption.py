"""Encryption at rest (issue 18): the SQLite database, its backups and logs hold no NIK or name
in the clear; the key is wrapped per password and by the recovery key in spm.keys; password
changes re-wrap; backups carry their keys; a plain database of the previous version is
encrypted at its administrator's first login. Real files, real SQLCipher, real Argon2id (at
the floor cost, see conftest)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import cli_helpers
import pytest
from cli_helpers import ADMIN, PASSWORD, password_file, spm, unlock_in_process

from spm_desktop.core.domain.errors import DomainError
from spm_desktop.core.security import vault
from spm_desktop.core.storage import db_keys
from spm_desktop.core.storage.db_keys import KeyStore, keys_path_for
from spm_desktop.core.storage.engine import DB_ERRORS, connect_file

pytestmark = pytest.mark.sqlite_only("encryption at rest is about the SQLite file")

RECOVERY = re.compile(r"\b([A-Z2-7]{4}(?:-[A-Z2-7]{1,4}){12})\b")


def _init(folder: Path) -> str:
    done = spm("init", "--admin", ADMIN, "--password-file", str(password_file(folder)), "--wilayah", "61.71",
               data_dir=folder, user=None, sqlite=True)
    assert done.returncode == 0, done.stderr
    found = RECOVERY.search(done.stdout)
    assert found and "KUNCI PEMULIHAN" in done.stdout
    unlock_in_process(folder)
    cli_helpers._ready.add((str(folder.resolve()), ""))  # spm() need not run init again
    return found.group(1)


def _people(folder: Path, limit: int = 40) -> list[tuple[str, str]]:
    con = connect_file(folder / "spm.db")
    try:
        return con.execute("SELECT nik, name FROM person WHERE nik IS NOT NULL ORDER BY nik LIMIT ?",
                           (limit,)).fetchall()
    finally:
        con.close()


def _secret_file(folder: Path, name: str, text: str) -> Path:
    path = folder.parent / name
    path.write_text(text + "\n", encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def test_new_user_story_files_hold_no_nik_or_name_and_recovery_key_opens(folder):
    recovery = _init(folder)
    made = spm("demo-data", "--persons", "60", "--events", "200", data_dir=folder, sqlite=True)
    assert made.returncode == 0, made.stderr
    assert spm("backup", data_dir=folder, sqlite=True).returncode == 0
    people = _people(folder)
    assert len(people) >= 20
    files = [folder / "spm.db", *sorted((folder / "backups").glob("*.db")), *sorted((folder / "logs").glob("*"))]
    assert len(files) >= 3
    for path in files:
        data = path.read_bytes()
        assert not data.startswith(b"SQLite format 3"), path
        for nik, name in people:
            assert nik.encode() not in data, (path, "NIK")
            if len(name) < 8:  # a 3-letter name ("Nur") occurs by chance in 700 kB of random bytes
                continue
            assert name.encode() not in data and name.upper().encode() not in data, (path, "name")
    keys = json.loads(keys_path_for(folder / "spm.db").read_text())
    assert keys["format"] == "spm.keys/1" and len(keys["entries"]) == 2  # the administrator + the recovery key
    assert ADMIN not in json.dumps(keys["entries"])  # entry ids are hashes, not usernames
    # The administrator's password is forgotten: the recovery key opens the database.
    new_pw = "Lupa-Sandi-2026"
    done = spm("recover", "--recovery-key-file", str(_secret_file(folder, "rk.txt", recovery.lower())),
               "--admin", ADMIN, "--password-file", str(_secret_file(folder, "baru.txt", new_pw)),
               data_dir=folder, user=None, sqlite=True)
    assert done.returncode == 0, done.stderr
    assert spm("check", data_dir=folder, sqlite=True, user=ADMIN, password=new_pw).returncode == 0
    old = spm("check", data_dir=folder, sqlite=True)
    assert old.returncode == 1 and "kata sandi salah" in old.stderr
    wrong = spm("recover", "--recovery-key-file", str(_secret_file(folder, "rk2.txt", "AAAA-" * 12 + "AAAA")),
                "--admin", ADMIN, "--password-file", str(_secret_file(folder, "b2.txt", "Lain-Sandi-99")),
                data_dir=folder, user=None, sqlite=True)
    assert wrong.returncode == 1 and "Kunci pemulihan salah" in wrong.stderr


def test_wrong_password_or_key_cannot_open(folder):
    _init(folder)
    db_file = folder / "spm.db"
    with pytest.raises(DomainError, match="kata sandi salah"):
        KeyStore(keys_path_for(db_file)).unlock(ADMIN, "bukan-sandi-1")
    with pytest.raises(DB_ERRORS, match="not a database"):  # at the first statement that reads the file
        con = connect_file(db_file, key=bytes(32))
        try:
            con.execute("SELECT count(*) FROM person").fetchone()
        finally:
            con.close()
    import sqlite3

    plain = sqlite3.connect(db_file)
    try:
        with pytest.raises(sqlite3.DatabaseError):
            plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        plain.close()
    refused = spm("check", data_dir=folder, sqlite=True, user=ADMIN, password="bukan-sandi-1")
    assert refused.returncode == 1


def test_password_change_rewraps_and_restore_needs_a_password_of_backup_time(folder):
    _init(folder)
    assert spm("demo-data", "--persons", "10", "--events", "20", data_dir=folder, sqlite=True).returncode == 0
    made = spm("backup", data_dir=folder, sqlite=True)
    assert made.returncode == 0
    backup_file = Path(made.stdout.split("Cadangan dibuat: ", 1)[1].splitlines()[0])
    new_pw = "Sandi-Baru-77"
    changed = spm("password", "--new-password-file", str(_secret_file(folder, "baru.txt", new_pw)),
                  data_dir=folder, sqlite=True)
    assert changed.returncode == 0, changed.stderr
    store = KeyStore(keys_path_for(folder / "spm.db"))
    with pytest.raises(DomainError):
        store.unlock(ADMIN, PASSWORD)  # the old password no longer opens the file
    assert store.unlock(ADMIN, new_pw).db_key
    # The backup carries the keys of its time: today's password does not open it, the old one does.
    refused = spm("restore", str(backup_file), data_dir=folder, sqlite=True, password=new_pw)
    assert refused.returncode == 1 and "kata sandi salah" in refused.stderr
    restored = spm("restore", str(backup_file), data_dir=folder, sqlite=True)
    assert restored.returncode == 0, restored.stderr
    # The restored database's passwords are those valid at backup time.
    assert spm("check", data_dir=folder, sqlite=True).returncode == 0
    assert spm("check", data_dir=folder, sqlite=True, password=new_pw).returncode == 1


def test_tampered_keys_file_is_detected_and_the_floor_cost_holds(folder):
    recovery = _init(folder)
    path = keys_path_for(folder / "spm.db")
    original = path.read_text()
    data = json.loads(original)
    data["generation"] += 1  # an edit of the authenticated part (as a rolled-back or forged file would)
    path.write_text(json.dumps(data))
    refused = spm("check", data_dir=folder, sqlite=True)
    assert refused.returncode == 1 and "spm.keys telah diubah" in refused.stderr
    # A cost below the floor is never obeyed.
    data = json.loads(original)
    eid = db_keys.entry_id(ADMIN)
    data["entries"][eid]["t"] = 1
    path.write_text(json.dumps(data))
    with pytest.raises(db_keys.KeysError):
        KeyStore(path).unlock(ADMIN, PASSWORD)
    # The recovery key seals the file again.
    done = spm("recover", "--recovery-key-file", str(_secret_file(folder, "rk.txt", recovery)), "--admin", ADMIN,
               "--password-file", str(password_file(folder)), data_dir=folder, user=None, sqlite=True)
    assert done.returncode == 0, done.stderr
    assert spm("check", data_dir=folder, sqlite=True).returncode == 0


def test_failed_logins_before_open_reach_the_audit_and_lock(folder):
    _init(folder)
    for _ in range(2):
        assert spm("check", data_dir=folder, sqlite=True, password="salah-sandi-1").returncode == 1
    assert spm("check", data_dir=folder, sqlite=True, user="siapa", password="salah-sandi-1").returncode == 1
    assert spm("check", data_dir=folder, sqlite=True).returncode == 0
    con = connect_file(folder / "spm.db")
    try:
        rows = con.execute("SELECT after FROM audit_entry WHERE action='login_failed' ORDER BY seq").fetchall()
    finally:
        con.close()
    reasons = [json.loads(r[0])["reason"] for r in rows]
    assert reasons.count("password") == 2 and reasons.count("pengguna tidak dikenal") == 1
    assert all(json.loads(r[0])["recorded_before_open"] for r in rows)
    assert json.loads(keys_path_for(folder / "spm.db").read_text())["pending"] == []
    # Five wrong passwords lock the account before the database is even opened.
    store = KeyStore(keys_path_for(folder / "spm.db"))
    for _ in range(db_keys.MAX_FAILED_LOGINS):
        with pytest.raises(DomainError, match="salah"):
            store.unlock(ADMIN, "salah-sandi-1")
    with pytest.raises(DomainError, match="dikunci"):
        store.unlock(ADMIN, PASSWORD)
    from datetime import timedelta

    later = db_keys._now() + timedelta(minutes=db_keys.LOCK_MINUTES + 1)
    assert store.unlock(ADMIN, PASSWORD, now=later).db_key


def test_plain_database_of_the_previous_version_is_encrypted_at_the_admin_login(folder):
    """The previous code path made a plain file with users and plain backups; the first
    administrator login encrypts all of it; other users then need a one-time password."""
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.domain.nik import make_nik
    from spm_desktop.core.security.users import create_first_admin, create_user
    from spm_desktop.core.services.persons import PersonDraft, register_person
    from spm_desktop.core.storage.backup import list_backups, make_backup
    from spm_desktop.core.storage.open import open_database

    db_file = folder / "spm.db"
    db = open_database(f"sqlite:///{db_file}")
    try:
        admin = create_first_admin(db, ADMIN, "Admin Kantor", PASSWORD)
        create_user(db, admin.actor(), "budi", "Budi Pratama", "supervisor", "Budi-12345")
        nik = register_person(db, SYSTEM, PersonDraft(name="Siti Rahmawati Lestari", sex="P",
                                                      nik=make_nik("617101", date(1990, 1, 1), "P", 1))).nik
    finally:
        db.dispose()
    make_backup(db_file, "daily")
    assert b"Siti Rahmawati Lestari" in db_file.read_bytes() + (db_file.with_name("spm.db-wal").read_bytes()
                                                               if db_file.with_name("spm.db-wal").exists() else b"")
    budi = spm("check", data_dir=folder, sqlite=True, user="budi", password="Budi-12345")
    assert budi.returncode == 1 and "belum dienkripsi" in budi.stderr
    done = spm("check", data_dir=folder, sqlite=True)
    assert done.returncode == 0, done.stderr
    assert "KUNCI PEMULIHAN" in done.stdout and vault.is_encrypted(db_file)
    unlock_in_process(folder)
    backups = list_backups(folder / "backups")
    assert {b.kind for b in backups} >= {"daily", "before-migration"}
    for path in [db_file, *(b.path for b in backups)]:
        data = path.read_bytes()
        assert b"Siti Rahmawati Lestari" not in data and nik.encode() not in data, path
    assert not list(folder.glob("*.encrypting")) and not db_file.with_name("spm.db-wal").exists() or \
        b"Siti" not in db_file.with_name("spm.db-wal").read_bytes()
    # budi has no wrapped key yet: refused until the administrator sets a one-time password.
    assert spm("check", data_dir=folder, sqlite=True, user="budi", password="Budi-12345").returncode == 1
    from spm_desktop.core.security.users import list_users, reset_password
    from spm_desktop.core.storage.database import Database
    from spm_desktop.core.storage.engine import make_engine

    db = Database(make_engine(f"sqlite:///{db_file}"))
    try:
        budi_id = next(u.id for u in list_users(db, admin.actor()) if u.username == "budi")
        reset_password(db, admin.actor(), budi_id, "Sekali-Pakai-1")
    finally:
        db.dispose()
    once = spm("check", data_dir=folder, sqlite=True, user="budi", password="Sekali-Pakai-1")
    assert once.returncode == 1 and "sekali pakai" in once.stderr
    changed = spm("password", "--new-password-file", str(_secret_file(folder, "budi.txt", "Budi-Sendiri-2")),
                  data_dir=folder, sqlite=True, user="budi", password="Sekali-Pakai-1")
    assert changed.returncode == 0, changed.stderr
    assert spm("check", data_dir=folder, sqlite=True, user="budi", password="Budi-Sendiri-2").returncode == 0


def test_backup_before_an_import_copies_the_encrypted_bytes_with_their_keys(folder, monkeypatch):
    """The importer's backup of an encrypted file is its bytes (no page decrypted and encrypted
    again): still encrypted, carrying the keys trailer, checked good under the file's key."""
    from spm_desktop.core.services import backup as backup_svc
    from spm_desktop.core.storage import backup as bk
    from spm_desktop.core.storage.keyed_files import read_trailer
    from spm_desktop.core.storage.open import open_database

    _init(folder)
    taken = []
    real = bk._copy_quiet_file
    monkeypatch.setattr(bk, "_copy_quiet_file", lambda *a: taken.append(real(*a)) or taken[-1])
    db = open_database(f"sqlite:///{folder / 'spm.db'}")
    try:
        info = bk.backup_before(db, "before-import")
    finally:
        db.dispose()
    assert taken == [True]
    assert not info.path.read_bytes().startswith(b"SQLite format 3")
    assert read_trailer(info.path) is not None
    assert backup_svc.check_backup_file(info.path).ok


def test_reencrypt_brings_a_folder_encrypted_by_an_earlier_version_to_the_current_profile(folder):
    """Decision 0010: ``init`` writes 16 KiB pages with HMAC-SHA256; a folder encrypted by an
    earlier version (SQLCipher 4's defaults) keeps working as it is, and ``reencrypt`` rewrites
    it once, as its administrator, with a backup of the old file first."""
    import os

    from spm_desktop.core.storage.engine import CURRENT_PROFILE, LEGACY_PROFILE, cipher_profile_of, key_for_file

    _init(folder)
    db_file = folder / "spm.db"
    assert spm("demo-data", "--persons", "30", "--events", "80", data_dir=folder, sqlite=True).returncode == 0
    same = spm("reencrypt", data_dir=folder, sqlite=True)
    assert same.returncode == 0 and "sudah memakai format enkripsi terbaru" in same.stdout
    key = key_for_file(db_file)
    people = _people(folder)
    old = db_file.with_name("old.db")  # the same data as an earlier version encrypted it
    con = connect_file(db_file)
    con.isolation_level = None
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute(f"ATTACH DATABASE '{old}' AS enc KEY \"x'{key.hex()}'\"")
    con.execute("SELECT sqlcipher_export('enc')")
    con.execute(f"PRAGMA enc.user_version = {con.execute('PRAGMA user_version').fetchone()[0]}")
    con.execute("DETACH DATABASE enc")
    con.close()
    os.replace(old, db_file)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    assert cipher_profile_of(db_file, key) == LEGACY_PROFILE
    assert spm("check", data_dir=folder, sqlite=True).returncode == 0  # works as it is
    done = spm("reencrypt", data_dir=folder, sqlite=True)
    assert done.returncode == 0 and "ditulis ulang" in done.stdout, done.stderr
    assert cipher_profile_of(db_file, key) == CURRENT_PROFILE
    assert _people(folder) == people
    assert spm("check", data_dir=folder, sqlite=True).returncode == 0
    assert any(p.name.endswith("before-migration.db") for p in (folder / "backups").iterdir())
