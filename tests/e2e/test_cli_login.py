"""Every command except init, --help and --self-test runs as a logged-in user: refused
without credentials (exit 2), with a wrong password, a locked account or a missing
permission (exit 1), and the audit trail names that user."""

from __future__ import annotations

import pytest
from cli_helpers import ADMIN, PASSWORD, cli_env, ensure_admin, password_file, spm

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.security import users
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import (
    connect_file,  # noqa: I001
    make_engine,
)


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "data"
    ensure_admin(folder, sqlite=True)
    db = Database(make_engine(f"sqlite:///{folder / 'spm.db'}"))
    try:
        # Not one-time passwords (those allow only ``password``; tested in test_sec_encryption).
        users.create_user(db, SYSTEM, "lihat", "Pemirsa", "viewer", PASSWORD, one_time=False)
        users.create_user(db, SYSTEM, "super", "Supervisor", "supervisor", PASSWORD, one_time=False)
    finally:
        db.dispose()
    return folder


def audit(folder, sql="SELECT username, action, entity FROM audit_entry ORDER BY at, id"):
    con = connect_file(folder / "spm.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# One valid invocation of every command the parser knows (init aside). A command added later
# without a row here fails test_every_command_is_in_the_login_table: give it a row.
EVERY_COMMAND = [
    ("check",), ("check", "--json", "-"), ("recap", "--year", "2026", "--month", "3"),
    ("espm", "--year", "2026", "--quarter", "1", "--xlsx", "x.xlsx"), ("backup",), ("restore", "x.db"),
    ("export", "persons", "--xlsx", "x.xlsx"), ("import", "persons", "x.csv"), ("import", "needs", "x.csv"),
    ("demo-data", "--persons", "1", "--events", "0"),
    ("mutu", "export", "m.csv", "--year", "2026"), ("mutu", "import", "m.csv"),
    ("sync", "identity", "--out", "x.spmid"), ("sync", "enrol", "x.spmid", "--name", "A", "--role", "office"),
    ("sync", "devices"), ("sync", "revoke", "A"), ("sync", "export", "--to", "x.spmsync", "--peer", "A"),
    ("sync", "import", "x.spmsync"), ("sync", "setup"), ("sync", "status"),
    ("targets", "export", "t.csv"), ("targets", "import", "t.csv"), ("duplicates",), ("duplicates", "--json", "-"),
    ("import", "complaints", "x.csv"), ("import", "referrals", "x.csv"), ("import", "dtsen", "x.csv"),
    ("dtsen", "export", "--batch", "B1", "--xlsx", "x.xlsx"), ("letter", "print", "x", "--pdf", "x.pdf"),
    ("password", "--new-password-file", "p.txt"), ("reencrypt",),
]


def _leaf_commands(parser, path=()):
    import argparse

    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path
        return
    for name, child in subs[0].choices.items():
        yield from _leaf_commands(child, (*path, name))


def test_every_command_is_in_the_login_table():
    from spm_desktop.cli import build_parser
    from spm_desktop.commands import NO_LOGIN_COMMANDS

    leaves = {leaf for leaf in _leaf_commands(build_parser()) if leaf[0] not in NO_LOGIN_COMMANDS}
    covered = {leaf for leaf in leaves for args in EVERY_COMMAND if args[:len(leaf)] == leaf}
    assert leaves - covered == set(), "commands without a row in EVERY_COMMAND"
    assert NO_LOGIN_COMMANDS == {"init", "wilayah", "recover"}  # recover: the recovery key instead


@pytest.mark.parametrize("args", EVERY_COMMAND, ids=" ".join)
def test_without_credentials_exit_2(folder, args):
    import subprocess

    done = spm(*args, data_dir=folder, sqlite=True, user=None, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert "--user" in done.stderr and "SPM_PASSWORD_FILE" in done.stderr and "Traceback" not in done.stderr


def test_help_and_init_need_no_user(tmp_path):
    assert spm("--help", data_dir=tmp_path / "d", user=None, sqlite=True).returncode == 0
    assert spm("recap", "--help", data_dir=tmp_path / "d", user=None, sqlite=True).returncode == 0
    # the code init --wilayah needs, looked up before any user exists (no database opened)
    found = spm("wilayah", "--cari", "kubu raya", data_dir=tmp_path / "d", user=None, sqlite=True)
    assert found.returncode == 0 and "61.12" in found.stdout and not (tmp_path / "d" / "spm.db").exists()


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


def test_newer_commands_run_as_the_user(folder, tmp_path):
    """mutu, sync enrolment, check --json, export persons: that user's permissions, that
    user in the audit trail (sync enrol/revoke: administrators; mutu import: supervisors too)."""
    ident = tmp_path / "saya.spmid"
    made = spm("sync", "identity", "--out", str(ident), data_dir=folder, sqlite=True, user="super")
    assert made.returncode == 0, made.stderr
    refused = spm("sync", "enrol", str(ident), "--name", "Mitra", "--role", "office", data_dir=folder, sqlite=True,
                  user="super")
    assert refused.returncode == 1 and "supervisor" in refused.stderr and "tidak berhak" in refused.stderr
    ident.write_text(_other_identity(), encoding="utf-8")
    enrolled = spm("sync", "enrol", str(ident), "--name", "Mitra", "--role", "office", data_dir=folder, sqlite=True)
    assert enrolled.returncode == 0, enrolled.stderr
    assert spm("sync", "revoke", "Mitra", data_dir=folder, sqlite=True, user="super").returncode == 1
    assert spm("sync", "revoke", "Mitra", data_dir=folder, sqlite=True).returncode == 0
    listed = spm("sync", "devices", data_dir=folder, sqlite=True, user="lihat")
    assert listed.returncode == 0 and "Mitra" in listed.stdout and "DICABUT" in listed.stdout

    mutu = tmp_path / "mutu.csv"
    assert spm("mutu", "export", str(mutu), "--year", "2026", data_dir=folder, sqlite=True,
               user="lihat").returncode == 0
    mutu.write_text("tahun,kode,tersedia\n2026,tagana,62\n", encoding="utf-8")
    viewer = spm("mutu", "import", str(mutu), data_dir=folder, sqlite=True, user="lihat")
    assert viewer.returncode == 1 and "viewer" in viewer.stderr
    assert spm("mutu", "import", str(mutu), data_dir=folder, sqlite=True, user="super").returncode == 0
    xlsx = tmp_path / "orang.xlsx"
    assert spm("export", "persons", "--xlsx", str(xlsx), data_dir=folder, sqlite=True, user="super").returncode == 0
    checked = spm("check", "--json", "-", data_dir=folder, sqlite=True, user="lihat")
    assert checked.returncode == 0, checked.stderr
    import json

    chain = json.loads(checked.stdout)["audit_chain"]
    rows = audit(folder)
    assert ("super", "export", "device_identity") in rows
    assert [r[0] for r in rows if r[1] in ("enrol", "revoke")] == [ADMIN, ADMIN]
    assert ("super", "export", "person") in rows
    assert ("super", "create", "mutu_quantity") in rows
    since_init = [r for r in rows if (r[1], r[2]) != ("create", "user")]  # init and the fixture's users
    assert not [r for r in since_init if r[0] in ("system", "")], "an entry without the logged-in user"
    assert chain["ok"] and chain["entries"] == len(rows)  # check logs in (an entry) before it walks the chain


def _other_identity() -> str:
    from spm_desktop.core.storage.base import new_id
    from spm_desktop.core.sync import identity
    from spm_desktop.core.sync.envelope import DeviceKeys

    return identity.identity_document(new_id(), "Mitra", DeviceKeys.generate())
