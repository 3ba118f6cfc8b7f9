"""The command line under faults and with hostile data: export persons, check --json, a
restore of a newer-schema file, a locked database, a closed pipe, a read-only data folder,
one backup per import."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
from backend_support import sqlite_only
from cli_helpers import ADMIN, cli_env, ensure_admin, password_file, spm
from openpyxl import load_workbook

from spm_desktop import cli
from spm_desktop.core.storage import open as storage_open
from spm_desktop.core.storage.engine import connect_file  # noqa: I001

PERSONS = ("nama,jenis_kelamin,perkiraan_tahun_lahir,kelurahan\n"
           '"=HYPERLINK(""http://x"",""klik"")",L,1970,61.71.01.1002\n'
           "Siti Aminah,P,1975,61.71.01.1002\n")


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "data"
    ensure_admin(folder, sqlite=True)
    return folder


def test_export_persons_xlsx_keeps_formulas_as_text_and_is_audited(data_dir, tmp_path):
    persons = tmp_path / "penerima.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    assert spm("import", "persons", str(persons), data_dir=data_dir).returncode == 0
    out = tmp_path / "daftar.xlsx"
    done = spm("export", "persons", "--xlsx", str(out), data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert "2 penerima layanan" in done.stderr
    ws = load_workbook(out).active
    names = {ws.cell(r, 3).value: ws.cell(r, 3) for r in (2, 3)}
    cell = names['=HYPERLINK("http://x","klik")']
    assert cell.data_type == "s" and cell.quotePrefix
    check = spm("check", "--json", "-", data_dir=data_dir)
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["tables"]["person"] == 2
    missing = spm("export", "persons", data_dir=data_dir)
    assert missing.returncode == 2


def test_one_backup_per_import(folder, tmp_path):
    persons = tmp_path / "penerima.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    assert spm("import", "persons", str(persons), data_dir=folder, sqlite=True).returncode == 0
    assert len(list((folder / "backups").glob("*-before-import.db"))) == 1


def test_check_json_to_a_file_and_old_bad_names_listed(folder, tmp_path):
    con = connect_file(folder / "spm.db")
    con.execute("UPDATE app_user SET full_name='Admin\u202eniMdA'")
    con.commit()
    con.close()
    out = tmp_path / "check.json"
    done = spm("check", "--json", str(out), data_dir=folder, sqlite=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["integrity"]["ok"] and report["schema"]["revision"] == report["schema"]["head"]
    assert report["tables"]["app_user"] == 1 and "alembic_version" not in report["tables"]
    assert report["bad_text"] == [{"table": "app_user", "id": report["bad_text"][0]["id"], "column": "full_name",
                                   "characters": ["U+202E"]}]
    human = spm("check", data_dir=folder, sqlite=True)
    assert "karakter kendali" in human.stdout and "U+202E" in human.stdout


def test_restore_of_a_newer_schema_leaves_the_live_database_untouched(folder, tmp_path):
    assert spm("backup", "--to", str(tmp_path / "copy.db"), data_dir=folder, sqlite=True).returncode == 0
    con = connect_file(tmp_path / "copy.db")
    con.execute("UPDATE alembic_version SET version_num='0099_dari_versi_baru'")
    con.commit()
    con.close()
    before = (folder / "spm.db").read_bytes()
    refused = spm("restore", str(tmp_path / "copy.db"), data_dir=folder, sqlite=True)
    assert refused.returncode == 1
    assert "0099_dari_versi_baru" in refused.stderr and "Traceback" not in refused.stderr
    assert (folder / "spm.db").read_bytes() == before
    assert spm("check", data_dir=folder, sqlite=True).returncode == 0


def test_locked_database_is_explained(folder, tmp_path):
    persons = tmp_path / "penerima.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    holder = connect_file(folder / "spm.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        done = spm("import", "persons", str(persons), data_dir=folder, sqlite=True)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 1
    assert "terkunci" in done.stderr and "Traceback" not in done.stderr


def test_closed_pipe_after_the_work_exits_0_quietly(folder):
    login = ["--user", ADMIN, "--password-file", str(password_file(folder))]
    proc = subprocess.Popen([sys.executable, "-m", "spm_desktop", "--data-dir", str(folder), *login, "check", "--json",
                             "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(sqlite=True))
    proc.stdout.close()  # the reader went away (| head)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert err == b""


@sqlite_only("a read-only SQLite data folder")
def test_read_only_folder_check_and_recap_work_writes_are_explained(folder, monkeypatch, capsys):
    # The tests run as root, for whom chmod does not forbid writing: the folder is reported
    # unwritable instead, and the file is opened read-only as it would be.
    real_access = storage_open.os.access
    monkeypatch.setattr(storage_open.os, "access",
                        lambda path, mode: False if mode == storage_open.os.W_OK else real_access(path, mode))
    monkeypatch.delenv("SPM_DATABASE_URL", raising=False)
    base = ["--data-dir", str(folder), "--user", ADMIN, "--password-file", str(password_file(folder))]
    logins = _count_logins(folder)
    assert cli.main([*base, "check"]) == 0
    assert "Basis data baik" in capsys.readouterr().out
    assert cli.main([*base, "recap", "--year", "2026", "--month", "3", "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["period"]["year"] == 2026
    assert _count_logins(folder) == logins  # verified, nothing written
    assert cli.main([*base, "backup"]) == 1
    err = capsys.readouterr().err
    assert "hanya bisa dibaca" in err and "Traceback" not in err


def _count_logins(folder):
    con = connect_file(folder / "spm.db")
    try:
        return con.execute("SELECT count(*) FROM audit_entry WHERE action='login'").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("exc, words", [
    (OSError(28, "No space left on device"), "Disk penuh"),
    (sqlite3.OperationalError("database or disk is full"), "Disk penuh"),
    (sqlite3.OperationalError("database is locked"), "terkunci"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "hanya bisa dibaca"),
])
def test_faults_are_explained_in_indonesian(exc, words):
    assert words in cli.explain_fault(exc)


def test_check_reports_a_row_deleted_from_the_audit_trail(folder):
    assert spm("backup", data_dir=folder, sqlite=True).returncode == 0  # more entries
    good = spm("check", "--json", "-", data_dir=folder, sqlite=True)
    assert good.returncode == 0 and json.loads(good.stdout)["audit_chain"]["ok"]
    con = connect_file(folder / "spm.db")
    con.execute("DROP TRIGGER audit_entry_no_delete")
    con.execute("DELETE FROM audit_entry WHERE seq = 2")
    con.commit()
    con.close()
    bad = spm("check", "--json", "-", data_dir=folder, sqlite=True)
    assert bad.returncode == 1
    report = json.loads(bad.stdout)["audit_chain"]
    assert report["first_broken"]["seq"] == 3 and "hilang" in report["first_broken"]["reason"]
    assert "Jejak audit rusak mulai entri #3" in bad.stderr


def test_files_and_folders_are_owner_only_and_leftovers_go(folder):
    import os
    import stat
    import time

    assert spm("backup", data_dir=folder, sqlite=True).returncode == 0
    copy = next((folder / "backups").glob("*-manual.db"))
    for path in (folder, folder / "backups", folder / "logs"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for path in (folder / "spm.db", copy, folder / "logs" / "spm-desktop.log"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    old, fresh = folder / "backups" / "spm-1-manual.db.part", folder / "backups" / "spm-2-manual.db.part"
    staged = folder / "spm.db.restore"
    for path in (old, fresh, staged):
        path.write_bytes(b"NIK 6171010101800001")
    hour_ago = time.time() - 2 * 3600
    os.utime(old, (hour_ago, hour_ago))
    os.utime(staged, (hour_ago, hour_ago))
    assert spm("check", data_dir=folder, sqlite=True).returncode == 0
    assert not old.exists() and not staged.exists() and fresh.exists()  # a copy maybe still being written
