"""``spm-desktop sync setup/export/import/status`` as a TKSK and the office would script them."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from cli_helpers import spm as cli_spm


def spm(*args, data_dir, **kw):
    return cli_spm(*args, data_dir=data_dir, sqlite=True, **kw)


def folder_from(template, path):
    path.mkdir()
    shutil.copyfile(template, path / "spm.db")
    con = sqlite3.connect(path / "spm.db")
    con.execute("DELETE FROM local_device")  # its own identity, as a real second computer
    con.commit()
    con.close()
    return path


def count(folder, sql):
    con = sqlite3.connect(folder / "spm.db")
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def pair(template_db_file, tmp_path):
    office = folder_from(template_db_file, tmp_path / "kantor")
    tksk = folder_from(template_db_file, tmp_path / "tksk")
    secret = tmp_path / "frasa.txt"
    secret.write_text("garam-dan-gula-2026\n", encoding="utf-8")
    assert spm("sync", "setup", "--device-name", "Kantor Dinsos", "--passphrase-file", str(secret),
               data_dir=office).returncode == 0
    done = spm("sync", "setup", "--device-name", "TKSK Pontianak Barat", "--passphrase-file", str(secret),
               data_dir=tksk)
    assert done.returncode == 0, done.stderr
    assert "TKSK Pontianak Barat" in done.stdout and "sudah diatur" in done.stdout
    con = sqlite3.connect(tksk / "spm.db")
    con.execute("INSERT INTO person (id, created_at, updated_at, updated_by, origin_device, revision, change_seq, "
                "name, alias, sex, birth_year_estimated, birth_place, address, disability_type, phone, notes, "
                "search_name) VALUES ('p-1', '2026-03-01 08:00:00', '2026-03-01 08:00:00', 'tksk', "
                "(SELECT id FROM local_device), 1, 999, 'Budi', '', 'L', 0, '', '', '', '', '', 'budi')")
    con.execute("UPDATE local_device SET change_seq = 999")
    con.commit()
    con.close()
    return office, tksk, secret


def test_export_then_import_with_preview(pair, tmp_path):
    office, tksk, _secret = pair
    package = tmp_path / "barat.spmsync"
    out = spm("sync", "export", "--to", str(package), "--peer", "Kantor Dinsos", data_dir=tksk)
    assert out.returncode == 0, out.stderr
    assert "Paket dibuat" in out.stdout and "Penerima layanan: 1" in out.stdout
    preview = spm("sync", "import", str(package), "--preview", data_dir=office)
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout.startswith("Pratinjau: paket dari TKSK Pontianak Barat") and "1 baru" in preview.stdout
    assert count(office, "SELECT COUNT(*) FROM person") == 0
    done = spm("sync", "import", str(package), data_dir=office)
    assert done.returncode == 0, done.stderr
    assert "Diimpor" in done.stdout and "Cadangan sebelum impor" in done.stdout
    assert count(office, "SELECT name FROM person WHERE id='p-1'") == "Budi"
    again = spm("sync", "import", str(package), data_dir=office)
    assert again.returncode == 0 and "sudah pernah diimpor" in again.stdout
    status = spm("sync", "status", data_dir=office)
    assert "Mitra TKSK Pontianak Barat" in status.stdout and "Konflik terbuka: 0" in status.stdout


def test_refusals_exit_1_with_indonesian_message(pair, tmp_path):
    office, tksk, _secret = pair
    package = tmp_path / "barat.spmsync"
    assert spm("sync", "export", "--to", str(package), data_dir=tksk).returncode == 0
    wrong = tmp_path / "salah.txt"
    wrong.write_text("bukan-frasa-kantor\n", encoding="utf-8")
    refused = spm("sync", "import", str(package), "--passphrase-file", str(wrong), data_dir=office)
    assert refused.returncode == 1 and refused.stderr.startswith("Ditolak: Frasa sandi sinkronisasi salah")
    data = bytearray(package.read_bytes())
    data[-20] ^= 0xFF
    package.write_bytes(bytes(data))
    refused = spm("sync", "import", str(package), data_dir=office)
    assert refused.returncode == 1 and "Paket telah berubah atau rusak" in refused.stderr
    assert count(office, "SELECT COUNT(*) FROM person") == 0
    usage = spm("sync", "export", data_dir=office)
    assert usage.returncode == 2
