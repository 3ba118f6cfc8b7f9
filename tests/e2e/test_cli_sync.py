"""``spm-desktop sync identity/enrol/devices/revoke/export/import/status`` as a TKSK and the
office would script them."""

from __future__ import annotations

import shutil

import pytest
from cli_helpers import spm as cli_spm

from spm_desktop.core.storage.engine import connect_file  # noqa: I001


def spm(*args, data_dir, **kw):
    return cli_spm(*args, data_dir=data_dir, sqlite=True, **kw)


def folder_from(template, path):
    path.mkdir()
    shutil.copyfile(template, path / "spm.db")
    con = connect_file(path / "spm.db")
    con.execute("DELETE FROM local_device")  # its own identity, as a real second computer
    con.commit()
    con.close()
    return path


def count(folder, sql):
    con = connect_file(folder / "spm.db")
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def enrol(here, there, tmp_path, name, *role):
    ident = tmp_path / f"{there.name}.spmid"
    out = spm("sync", "identity", "--out", str(ident), data_dir=there)
    assert out.returncode == 0, out.stderr
    fingerprint = out.stdout.split("Sidik: ")[1].split()[0]
    done = spm("sync", "enrol", str(ident), "--name", name, "--role", *role, data_dir=here)
    assert done.returncode == 0, done.stderr
    assert f"sidik {fingerprint}" in done.stdout  # the same fingerprint on both screens
    return done


@pytest.fixture
def pair(template_db_file, tmp_path):
    office = folder_from(template_db_file, tmp_path / "kantor")
    tksk = folder_from(template_db_file, tmp_path / "tksk")
    done = enrol(office, tksk, tmp_path, "TKSK Pontianak Barat", "tksk", "--kecamatan", "61.71.03")
    assert "Terdaftar: TKSK Pontianak Barat (TKSK, kecamatan 61.71.03)" in done.stdout
    enrol(tksk, office, tmp_path, "Kantor Dinsos", "office")
    con = connect_file(tksk / "spm.db")
    con.execute("INSERT INTO person (id, created_at, updated_at, updated_by, origin_device, revision, change_seq, "
                "name, alias, sex, birth_year_estimated, birth_place, address, disability_type, phone, notes, "
                "search_name, kelurahan_code) VALUES ('p-1', '2026-03-01 08:00:00', '2026-03-01 08:00:00', 'tksk', "
                "(SELECT id FROM local_device), 1, 999, 'Budi', '', 'L', 0, '', '', '', '', '', 'budi', "
                "'61.71.03.1001')")
    con.execute("UPDATE local_device SET change_seq = 999")
    con.commit()
    con.close()
    return office, tksk


def test_export_then_import_with_preview(pair, tmp_path):
    office, tksk = pair
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


def test_refusals_exit_1_with_indonesian_message(pair, template_db_file, tmp_path):
    office, tksk = pair
    package = tmp_path / "barat.spmsync"
    assert spm("sync", "export", "--to", str(package), "--peer", "Kantor Dinsos", data_dir=tksk).returncode == 0
    # A computer the office never enrolled (it enrolled the office, though).
    stranger = folder_from(template_db_file, tmp_path / "asing")
    enrol(stranger, office, tmp_path, "Kantor Dinsos", "office")
    forged = tmp_path / "asing.spmsync"
    assert spm("sync", "export", "--to", str(forged), "--peer", "Kantor Dinsos", data_dir=stranger).returncode == 0
    refused = spm("sync", "import", str(forged), data_dir=office)
    assert refused.returncode == 1 and refused.stderr.startswith("Ditolak: Paket berasal dari komputer yang tidak "
                                                                 "terdaftar")
    data = bytearray(package.read_bytes())
    data[-20] ^= 0xFF
    package.write_bytes(bytes(data))
    refused = spm("sync", "import", str(package), data_dir=office)
    assert refused.returncode == 1 and "Paket telah berubah atau rusak" in refused.stderr
    assert count(office, "SELECT COUNT(*) FROM person") == 0
    usage = spm("sync", "export", data_dir=office)
    assert usage.returncode == 2
    unknown = spm("sync", "export", "--to", str(tmp_path / "x.spmsync"), "--peer", "Siapa", data_dir=office)
    assert unknown.returncode == 1 and "belum didaftarkan" in unknown.stderr


def test_revoked_laptop_is_refused(pair, tmp_path):
    office, tksk = pair
    package = tmp_path / "barat.spmsync"
    assert spm("sync", "export", "--to", str(package), "--peer", "Kantor Dinsos", data_dir=tksk).returncode == 0
    listed = spm("sync", "devices", data_dir=office)
    assert listed.returncode == 0 and "TKSK Pontianak Barat\tTKSK, kecamatan 61.71.03" in listed.stdout
    assert "aktif" in listed.stdout
    revoked = spm("sync", "revoke", "TKSK Pontianak Barat", data_dir=office)
    assert revoked.returncode == 0 and "dicabut" in revoked.stdout
    assert "DICABUT" in spm("sync", "devices", data_dir=office).stdout
    refused = spm("sync", "import", str(package), data_dir=office)
    assert refused.returncode == 1 and "sudah dicabut" in refused.stderr
    assert count(office, "SELECT COUNT(*) FROM person") == 0


def test_passphrase_commands_are_gone(pair, tmp_path):
    office, _tksk = pair
    secret = tmp_path / "frasa.txt"
    secret.write_text("garam-dan-gula-2026\n", encoding="utf-8")
    for args in (("sync", "setup", "--passphrase-file", str(secret)),
                 ("sync", "setup", "--device-name", "Kantor"),
                 ("sync", "export", "--to", str(tmp_path / "x.spmsync"), "--peer", "TKSK Pontianak Barat",
                  "--passphrase-file", str(secret)),
                 ("sync", "import", str(tmp_path / "x.spmsync"), "--passphrase-file", str(secret))):
        out = spm(*args, data_dir=office)
        assert out.returncode == 2, args
        assert "tidak dipakai lagi" in out.stderr and "sync enrol" in out.stderr
    assert not (tmp_path / "x.spmsync").exists()
