"""``spm-desktop backup``, ``restore`` and ``check`` as a script would use them."""

from __future__ import annotations

import pytest
from cli_helpers import ensure_admin
from cli_helpers import spm as cli_spm

from spm_desktop.core.storage.engine import connect_file  # noqa: I001


def spm(*args, data_dir, **kw):
    return cli_spm(*args, data_dir=data_dir, sqlite=True, **kw)  # the SQLite file itself


def device_name(db_file):
    con = connect_file(db_file)
    try:
        return con.execute("SELECT name FROM local_device").fetchone()[0]
    finally:
        con.close()


def set_device_name(db_file, name):
    con = connect_file(db_file)
    con.execute("UPDATE local_device SET name=?", (name,))
    con.commit()
    con.close()


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "data"
    ensure_admin(folder, sqlite=True, device_name="Kantor")
    return folder


def test_backup_damage_check_restore(folder, tmp_path):
    made = spm("backup", data_dir=folder)
    assert made.returncode == 0, made.stderr
    assert "Cadangan dibuat" in made.stdout
    copies = list((folder / "backups").glob("spm-*-manual.db"))
    assert len(copies) == 1
    usb = tmp_path / "usb"
    usb.mkdir()
    assert spm("backup", "--to", str(usb / "salinan.db"), data_dir=folder).returncode == 0
    assert (usb / "salinan.db").exists()
    check = spm("check", data_dir=folder)
    assert check.returncode == 0 and "Cadangan terakhir: Manual" in check.stdout

    set_device_name(folder / "spm.db", "Diubah sesudah cadangan")
    db_file = folder / "spm.db"
    data = bytearray(db_file.read_bytes())
    for offset in range(4096, len(data) - 1024, 8192):
        data[offset:offset + 1024] = b"\xff" * 1024
    db_file.write_bytes(bytes(data))
    bad = spm("check", data_dir=folder)
    assert bad.returncode == 1
    assert "Basis data rusak" in bad.stderr and str(copies[0]) in bad.stderr

    restored = spm("restore", str(copies[0]), data_dir=folder)
    assert restored.returncode == 0, restored.stderr
    assert "dipulihkan" in restored.stdout
    assert device_name(db_file) == "Kantor"
    assert list((folder / "backups").glob("spm-*-damaged.db"))
    assert spm("check", data_dir=folder).returncode == 0


def test_restore_refuses_a_bad_file(folder, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"bukan cadangan" * 500)
    result = spm("restore", str(junk), data_dir=folder)
    assert result.returncode == 1
    assert "tidak lolos pemeriksaan keutuhan" in result.stderr
    missing = spm("restore", str(tmp_path / "none.db"), data_dir=folder)
    assert missing.returncode == 1 and "tidak ditemukan" in missing.stderr
