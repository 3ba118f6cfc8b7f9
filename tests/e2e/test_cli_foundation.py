"""The command line as a script would use it: init, check, demo-data, GUI without a display."""

from __future__ import annotations

import pytest
from cli_helpers import spm as cli_spm
from cli_helpers import unlock_in_process

from spm_desktop.core.storage.engine import connect_file  # noqa: I001


def spm(*args, data_dir, **kw):
    return cli_spm(*args, data_dir=data_dir, sqlite=True, **kw)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "data"


def test_init_then_check(folder, tmp_path):
    pw = tmp_path / "pw.txt"
    pw.write_text("rahasia123\n", encoding="utf-8")
    first = spm("init", "--admin", "admin", "--password-file", str(pw), "--device-name", "Kantor Dinsos",
                "--signatory-name", "Drs. Budi Santoso, M.Si", "--signatory-nip", "19700101 199003 1 001",
                "--wilayah", "61.71", data_dir=folder, user=None)
    assert first.returncode == 0, first.stderr
    assert (folder / "spm.db").exists()
    import json

    unlock_in_process(folder)  # init encrypted the file (SQLite run)
    with connect_file(folder / "spm.db") as conn:
        stored = dict(conn.execute("SELECT key, value FROM setting WHERE key LIKE 'signatory.%'").fetchall())
        setting_actors = {user for user, after in conn.execute(
            "SELECT username, after FROM audit_entry WHERE entity = 'setting'")
            if str((json.loads(after) or {}).get("key", "")).startswith("signatory.")}
    assert json.loads(stored["signatory.name"]) == "Drs. Budi Santoso, M.Si"
    assert json.loads(stored["signatory.nip"]) == "19700101 199003 1 001"
    assert setting_actors == {"admin"}  # the administrator init created, not the system user
    again = spm("init", "--admin", "admin2", "--password-file", str(pw), "--wilayah", "61.71", data_dir=folder,
                user=None)
    assert again.returncode == 1
    assert "Administrator sudah dibuat" in again.stderr
    check = spm("check", data_dir=folder)
    assert check.returncode == 0, check.stderr
    assert "Basis data baik" in check.stdout
    assert "Semua NIK dan No. KK tersimpan memenuhi aturan sekarang." in check.stdout


def test_init_refuses_a_weak_password(folder, tmp_path):
    pw = tmp_path / "pw.txt"
    pw.write_text("abc\n", encoding="utf-8")
    result = spm("init", "--admin", "admin", "--password-file", str(pw), "--wilayah", "61.71", data_dir=folder,
                 user=None)
    assert result.returncode == 1
    assert "Kata sandi minimal 8 karakter" in result.stderr


def test_init_without_wilayah_is_a_usage_error_saying_how_to_find_the_code(folder, tmp_path):
    pw = tmp_path / "pw.txt"
    pw.write_text("rahasia123\n", encoding="utf-8")
    result = spm("init", "--admin", "admin", "--password-file", str(pw), data_dir=folder)
    assert result.returncode == 2
    assert "--wilayah KODE wajib diisi" in result.stderr and "spm-desktop wilayah --cari" in result.stderr
    found = spm("wilayah", "--cari", "kubu raya", data_dir=folder)
    assert found.returncode == 0 and found.stdout.splitlines() == ["61.12\tKabupaten Kubu Raya\tKalimantan Barat"]
    unknown = spm("init", "--admin", "admin", "--password-file", str(pw), "--wilayah", "61.99", data_dir=folder)
    assert unknown.returncode == 1 and "61.99" in unknown.stderr


def test_usage_error_exits_2(folder):
    assert spm("demo-data", "--persons", "x", data_dir=folder).returncode == 2
    assert spm("no-such-command", data_dir=folder).returncode == 2


def test_demo_data_and_refusal_to_write_twice(folder):
    result = spm("demo-data", "--persons", "300", "--events", "2000", "--seed", "7", "--until", "2026-06-30",
                 data_dir=folder)
    assert result.returncode == 0, result.stderr
    assert "service_event: 2000" in result.stdout and "person: 300" in result.stdout
    again = spm("demo-data", "--persons", "10", "--events", "10", data_dir=folder)
    assert again.returncode == 1
    assert "--force" in again.stderr
    forced = spm("demo-data", "--persons", "10", "--events", "10", "--force", data_dir=folder)
    assert forced.returncode == 0, forced.stderr


def test_gui_without_display_exits_2_with_indonesian_message(folder):
    result = spm(data_dir=folder, user=None, drop=("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    assert result.returncode == 2
    assert "Tidak ada layar" in result.stderr
