"""``spm-desktop recap`` and ``spm-desktop espm`` as a script would use them (architecture §9)."""

from __future__ import annotations

import json
import subprocess
from datetime import date

from cli_helpers import ensure_admin, spm
from openpyxl import load_workbook
from rollup_builders import CLOTHES, MEALS, Rows

from spm_desktop.core.paths import database_url
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import make_engine


def set_signatory(data_dir, name="Drs. Budi Santoso, M.Si", nip="197001011990031001") -> None:
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.services.settings import update_settings

    db = Database(make_engine(database_url(data_dir)))
    update_settings(db, SYSTEM, {"signatory.name": name, "signatory.nip": nip})
    db.dispose()


def fill(data_dir, signatory: bool = True) -> None:
    ensure_admin(data_dir)  # init (area, administrator) first: it sets the office texts
    if signatory:
        set_signatory(data_dir)
    db = Database(make_engine(database_url(data_dir)))
    with db.transaction() as s:
        r = Rows(s)
        for i in range(4):
            p = r.person()
            r.case(p, "lansia", date(2026, 1, 5), needs=[MEALS, CLOTHES])
            r.event(p, MEALS, date(2026, 1 + i % 3, 10))
            if i < 3:
                r.event(p, CLOTHES, date(2026, 2, 1))
    db.dispose()


def test_recap_json_to_stdout_and_pdf(data_dir, tmp_path):
    fill(data_dir)
    pdf = tmp_path / "rekap.pdf"
    out = spm("recap", "--year", "2026", "--month", "3", "--json", "-", "--pdf", str(pdf), "--signed-on",
              "2026-04-03", "--prepared-by", "Rina Wulandari", "--prepared-by-nip", "199001012015032002",
              data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["period"] == {"year": 2026, "month": 3, "start": "2026-01-01", "end": "2026-03-31"}
    lansia = next(g for g in data["spm"] if g["group"] == "lansia")
    assert (lansia["sasaran"], lansia["terpenuhi"], lansia["capaian"]) == (4, 3, 75.0)
    assert (lansia["mutu"], lansia["index"], lansia["status"]) == (None, None, "belum dinilai")
    assert data["ikk"]["ikk1"] == 75.0 and data["ikk"]["ikk2"] is None
    meals = next(i for i in data["indicators"] if i["code"] == MEALS)
    assert (meals["month"], meals["cumulative"], meals["target"], meals["percent_of_target"]) == (1, 4, 200.0, 2.0)
    assert pdf.stat().st_size > 10_000
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    row = next(ln for ln in text.splitlines() if "Lanjut Usia Terlantar  " in ln)
    assert "4" in row.split() and "3" in row.split() and "75,0%" in row
    assert "Pontianak, 3 April 2026" in text and "Rina Wulandari" in text and "NIP. 199001012015032002" in text
    check = json.loads(spm("check", "--json", "-", data_dir=data_dir).stdout)["audit_chain"]
    assert "Jejak audit #" in text  # the audit trail's chain head as it was when the recap was made
    seq = int(text.split("Jejak audit #")[1].split()[0])
    assert seq < check["head_seq"]  # later entries: the PDF's own export entry, the logins


def test_recap_json_file_is_deterministic(data_dir, tmp_path):
    fill(data_dir)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert spm("recap", "--year", "2026", "--month", "3", "--json", str(a), data_dir=data_dir).returncode == 0
    assert spm("recap", "--year", "2026", "--month", "3", "--json", str(b), data_dir=data_dir).returncode == 0
    assert a.read_bytes() == b.read_bytes()


def test_espm_workbook_and_refusals(data_dir, tmp_path):
    fill(data_dir)
    xlsx = tmp_path / "q1.xlsx"
    out = spm("espm", "--year", "2026", "--quarter", "1", "--xlsx", str(xlsx), data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    ws = load_workbook(xlsx)["Lansia"]
    row = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 2).value).startswith("Jumlah lanjut usia"))
    assert ws.cell(row, 4).value == 4
    # both needs met: nobody in January, persons 0 and 1 in February, person 2 in March
    assert [ws.cell(row, c).value for c in (5, 6, 7)] == [0, 2, 1]
    bad = spm("recap", "--year", "2026", "--month", "13", data_dir=data_dir)
    assert bad.returncode == 1 and "Bulan harus 1 sampai 12" in bad.stderr
    bad = spm("espm", "--year", "2026", "--quarter", "5", "--xlsx", str(xlsx), data_dir=data_dir)
    assert bad.returncode == 1 and "Triwulan" in bad.stderr


def test_exports_are_refused_while_the_signatory_is_empty(data_dir, tmp_path):
    fill(data_dir, signatory=False)
    pdf, xlsx = tmp_path / "rekap.pdf", tmp_path / "q1.xlsx"
    out = spm("recap", "--year", "2026", "--month", "3", "--pdf", str(pdf), data_dir=data_dir)
    assert out.returncode == 1 and "Nama dan NIP Kepala Dinas" in out.stderr and "--signatory-name" in out.stderr
    assert not pdf.exists()
    out = spm("espm", "--year", "2026", "--quarter", "1", "--xlsx", str(xlsx), data_dir=data_dir)
    assert out.returncode == 1 and "Kepala Dinas" in out.stderr and not xlsx.exists()
    set_signatory(data_dir, nip="")
    out = spm("recap", "--year", "2026", "--month", "3", "--pdf", str(pdf), data_dir=data_dir)
    assert out.returncode == 1 and "Ditolak: NIP Kepala Dinas" in out.stderr
    set_signatory(data_dir)
    out = spm("recap", "--year", "2026", "--month", "3", "--pdf", str(pdf), "--signed-on", "3/4/2026",
              data_dir=data_dir)
    assert out.returncode == 1 and "YYYY-MM-DD" in out.stderr
    assert spm("recap", "--year", "2026", "--month", "3", "--pdf", str(pdf), data_dir=data_dir).returncode == 0


def test_mutu_export_fill_in_import_and_the_workbook(data_dir, tmp_path):
    import csv

    fill(data_dir)
    path = tmp_path / "mutu-2026.csv"
    out = spm("mutu", "export", str(path), "--year", "2026", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["tersedia"] = r["standar"]
    next(r for r in rows if r["kode"] == "pekerja_sosial")["tersedia"] = "12"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    out = spm("mutu", "import", str(path), data_dir=data_dir)
    assert out.returncode == 0 and "12 butir mutu berubah" in out.stdout, out.stderr
    data = json.loads(spm("recap", "--year", "2026", "--month", "3", "--json", "-", data_dir=data_dir).stdout)
    lansia = next(g for g in data["spm"] if g["group"] == "lansia")
    # B = (8 × 100 + 50) / 9 = 94.4; index = 0.8 × 75 + 0.2 × 94.44 = 78.9
    assert (lansia["mutu"], lansia["index"]) == (94.4, 78.9)
    bencana = next(g for g in data["spm"] if g["group"] == "bencana")
    assert bencana["mutu"] == 100.0 and bencana["status"] == "belum dinilai"  # no victims: no A
    xlsx = tmp_path / "q1.xlsx"
    assert spm("espm", "--year", "2026", "--quarter", "1", "--xlsx", str(xlsx), data_dir=data_dir).returncode == 0
    budget = load_workbook(xlsx)["Anggaran"]
    codes = [budget.cell(r, 2).value for r in range(1, budget.max_row + 1)]
    assert codes.count("1.06.04.2.02.0006") == 1 and codes.count("1.06.04.2.01.0001") == 1
    row = codes.index("1.06.04.2.02.0006") + 1
    assert budget.cell(row, 4).value == 15_000_000  # perbekalan kesehatan (PMKS lainnya)
    lansia_ws = load_workbook(xlsx)["Disabilitas"]
    found = [r for r in range(1, lansia_ws.max_row + 1) if lansia_ws.cell(r, 2).value and
             str(lansia_ws.cell(r, 2).value).startswith("Pekerja sosial profesional")]
    assert lansia_ws.cell(found[0], 13).value == 12
    bad = tmp_path / "bad.csv"
    bad.write_text("tahun,kode,tersedia\n2026,kursi_roda,3\n", encoding="utf-8")
    out = spm("mutu", "import", str(bad), data_dir=data_dir)
    assert out.returncode == 1 and "baris 2, kolom kode" in out.stderr
