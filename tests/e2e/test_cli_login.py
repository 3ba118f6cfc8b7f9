"""Every command except init, --help and --self-test runs as a logged-in user: refused
without credentials (exit 2), with a wrong password, a locked account or a missing
permission (exit 1), and the audit trail names that user."""

from __future__ import annotations

import sqlite3

import pytest
from cli_helpers import ADMIN, PASSWORD, cli_env, ensure_admin, password_file, spm

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.security import users
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import make_engine


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "data"
    ensure_admin(folder, sqlite=True)
    db = Database(make_engine(f"sqlite:///{folder / 'spm.db'}"))
    try:
        users.create_user(db, SYSTEM, "lihat", "Pemirsa", "viewer", PASSWORD)
        users.create_user(db, SYSTEM, "super", "Supervisor", "supervisor", PASSWORD)
    finally:
        db.dispose()
    return folder


def audit(folder, sql="SELECT username, action, entity FROM audit_entry ORDER BY at, id"):
    con = sqlite3.connect(folder / "spm.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("args", [("check",), ("recap", "--year", "2026", "--month", "3"), ("backup",),
                                  ("export", "persons", "--xlsx", "x.xlsx"), ("sync", "status"),
                                  ("restore", "x.db"), ("import", "persons", "x.csv")])
def test_without_credentials_exit_2(folder, args):
    done = spm(*args, data_dir=folder, sqlite=True, user=None, stdin=None)
    assert done.returncode == 2, done.stderr
    assert "--user" in done.stderr and "SPM_PASSWORD_FILE" in done.stderr and "Traceback" not in done.stderr


def test_help_and_init_need_no_user(tmp_path):
    assert spm("--help", data_dir=tmp_path / "d", user=None, sqlite=True).returncode == 0
    assert spm("recap", "--help", data_dir=tmp_path / "d", user=None, sqlite=True).returncode == 0


def test_wrong_password_and_lock_out_exit_1(folder):
    for _ in range(users.MAX_FAILED_LOGINS):
        wrong = spm("check", data_dir=folder, sqlite=True, user="super", password="salah-sandi-1")
        assert wrong.returncode == 1 and "kata sandi salah" in wrong.stderr
    locked = spm("check", data_dir=folder, sqlite=True, user="super")
    assert locked.returncode == 1 and "dikunci" in locked.stderr
    unknown = spm("check", data_dir=folder, sqlite=True, user="siapa", password="apa-saja-1")
    assert unknown.returncode == 1 and "kata sandi salah" in unknown.stderr


def test_permissions_are_the_users_and_the_audit_names_them(folder, tmp_path):
    refused = spm("export", "persons", "--xlsx", str(tmp_path / "d.xlsx"), data_dir=folder, sqlite=True, user="lihat")
    assert refused.returncode == 1 and "viewer" in refused.stderr
    assert not (tmp_path / "d.xlsx").exists()
    assert spm("backup", data_dir=folder, sqlite=True, user="lihat").returncode == 1
    made = spm("backup", data_dir=folder, sqlite=True, user="super")
    assert made.returncode == 0, made.stderr
    assert spm("check", data_dir=folder, sqlite=True, user="lihat").returncode == 0
    rows = audit(folder)
    assert ("super", "export", "backup") in rows
    assert ("lihat", "login", "user") in rows
    assert not [r for r in rows if r[0] == "system" and r[1] == "export"]


def test_options_before_or_after_the_command_and_environment(folder):
    pw = str(password_file(folder))
    before = spm("--user", "super", "--password-file", pw, "check", data_dir=folder, sqlite=True, user=None)
    after = spm("check", "--user", "super", "--password-file", pw, data_dir=folder, sqlite=True, user=None)
    env = spm("check", data_dir=folder, sqlite=True, user=None,
              env_extra={"SPM_USER": ADMIN, "SPM_PASSWORD_FILE": pw})
    assert before.returncode == after.returncode == env.returncode == 0, (before.stderr, after.stderr, env.stderr)
    assert audit(folder, "SELECT count(*) FROM audit_entry WHERE action='login' AND username='super'")[0][0] == 2


def test_restore_of_a_damaged_database_logs_in_against_the_backup(folder, tmp_path):
    copy = tmp_path / "copy.db"
    assert spm("backup", "--to", str(copy), data_dir=folder, sqlite=True).returncode == 0
    (folder / "spm.db").write_bytes(b"rusak" * 5000)
    wrong = spm("restore", str(copy), data_dir=folder, sqlite=True, user=ADMIN, password="bukan-sandinya-1")
    assert wrong.returncode == 1
    done = spm("restore", str(copy), data_dir=folder, sqlite=True)
    assert done.returncode == 0, done.stderr
    assert audit(folder, "SELECT username FROM audit_entry WHERE action='restore'") == [(ADMIN,)]
    assert cli_env(sqlite=True).get("SPM_USER") is None
