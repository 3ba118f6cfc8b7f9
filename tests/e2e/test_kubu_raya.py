"""Issue 20, tried as a new user would for Kabupaten Kubu Raya (61.12) on a fresh data folder:
choose the area, import its targets, import persons with desa names and NIKs from other
provinces (Papua NIKs from an .xlsx whose NIK column is text; a numeric NIK column is refused),
print the recap with the Kubu Raya letterhead and its kecamatan — then a newer build opens the
folder and nothing of Pontianak appears."""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta

from alembic.script import ScriptDirectory
from cli_helpers import ADMIN, password_file
from cli_helpers import spm as cli_spm
from openpyxl import Workbook
from sqlalchemy import text

from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.paths import resource_path
from spm_desktop.core.storage.engine import make_engine
from spm_desktop.core.storage.migrate import alembic_config, downgrade

WILAYAH_MIGRATION = "0008_wilayah_kerja"  # the area, person.import_ref, the name keys


def _before_wilayah() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_revision(WILAYAH_MIGRATION).down_revision


def spm(*args, data_dir, **kw):
    """The CLI on the SQLite file in ``data_dir``, logged in as the administrator (cli_helpers)."""
    return cli_spm(*args, data_dir=data_dir, sqlite=True, drop=("SPM_DATA_DIR",), **kw)


def _xlsx(path, rows, nik_as_number=False):
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "nik", "nama", "jenis_kelamin", "kelurahan"])
    for ref, nik, name, sex, place in rows:
        ws.append([ref, int(nik) if nik_as_number else nik, name, sex, place])
        if not nik_as_number:
            ws.cell(row=ws.max_row, column=2).number_format = "@"
    wb.save(path)
    return path


def test_kubu_raya_from_first_start_to_recap_and_upgrade(tmp_path):
    folder = tmp_path / "data"
    pw = password_file(folder)  # the administrator cli_helpers logs in as
    init = spm("init", "--admin", ADMIN, "--password-file", str(pw), "--wilayah", "61.12",
               "--office-name", "Dinas Sosial Kabupaten Kubu Raya", "--office-address",
               "Jl. Arteri Supadio, Sungai Raya", "--signatory-name", "Drs. H. Marijan",
               "--signatory-nip", "196801011990031001", data_dir=folder, user=None)
    assert init.returncode == 0, init.stderr
    assert "Kabupaten Kubu Raya (61.12)" in init.stdout
    targets = spm("targets", "import", str(resource_path("renstra_targets.csv")), data_dir=folder)
    assert targets.returncode == 0, targets.stderr
    assert targets.stdout.startswith("22 baris dibaca; 22 data telah ditambahkan")
    born = date(1985, 3, 13)
    papua = [("KR-1", make_nik("967101", born, "L", 5), "Yohanes Wenda", "L", "Rasau Jaya Umum"),
             ("KR-2", make_nik("940101", born, "P", 7), "Maria Kogoya", "P", "Sungai Raya Dalam"),
             ("KR-3", make_nik("737101", born, "L", 9), "Andi Baso Amir", "L", "61.12.07.2002")]
    ok = spm("import", "persons", str(_xlsx(tmp_path / "teks.xlsx", papua)), data_dir=folder)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("3 baris dibaca; 3 data telah ditambahkan")
    numeric = spm("import", "persons", str(_xlsx(tmp_path / "angka.xlsx", [("KR-9", papua[0][1], "Yohanes W", "L",
                                                                            "Rasau Jaya Umum")], True)),
                  data_dir=folder)
    assert numeric.returncode == 1
    assert ("baris 2, kolom nik: NIK tersimpan sebagai angka, sehingga digit terakhirnya bisa sudah berubah; "
            "format kolom sebagai Teks lalu ketik ulang") in numeric.stderr
    day = (date.today() - timedelta(days=3)).isoformat()
    events = tmp_path / "layanan.csv"
    events.write_text(f"person,kode_layanan,tanggal,kelurahan,items\n"
                      f"KR-1,1.06.04.2.01.0002,{day},Rasau Jaya Umum,Pakaian;Sandal\n", encoding="utf-8")
    assert spm("import", "events", str(events), data_dir=folder).returncode == 0
    today = date.today() - timedelta(days=3)
    pdf = tmp_path / "rekap.pdf"
    recap = spm("recap", "--year", str(today.year), "--month", str(today.month), "--json", "-", "--pdf", str(pdf),
                data_dir=folder)
    assert recap.returncode == 0, recap.stderr
    data = json.loads(recap.stdout)
    clothes = next(i for i in data["indicators"] if i["code"] == "1.06.04.2.01.0002")
    assert clothes["cumulative"] == 1 and clothes["target"] is not None
    pdf_text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Dinas Sosial Kabupaten Kubu Raya" in pdf_text and "Pontianak" not in pdf_text
    # Its kecamatan in the breakdown, headings never split inside a word (Sungai Ambawang, Terentang).
    assert "Rasau" in pdf_text and "Terentang" in pdf_text and "Ambawang" in pdf_text
    # A newer build over the same folder: migrations and seeding run again, nothing of Pontianak appears.
    downgrade(f"sqlite:///{folder / 'spm.db'}", _before_wilayah())  # the build before issue 20
    check = spm("check", data_dir=folder)
    assert check.returncode == 0, check.stderr
    engine = make_engine(f"sqlite:///{folder / 'spm.db'}")
    with engine.connect() as conn:
        codes = list(conn.scalars(text("SELECT code FROM region")))
        refs = sorted(conn.scalars(text("SELECT name FROM person")))
        keyed = conn.scalar(text("SELECT COUNT(DISTINCT person_id) FROM person_name_key"))
    engine.dispose()
    assert codes and all(c.startswith("61.12.") for c in codes)
    assert refs == ["Andi Baso Amir", "Maria Kogoya", "Yohanes Wenda"]
    assert keyed == 3  # the duplicate search's name keys, built by the newer build
