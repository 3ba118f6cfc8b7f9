"""The quarterly e-SPM workbook read back with openpyxl, recalculated by LibreOffice, edited
(an available mutu quantity) and recalculated again, and converted to PDF by LibreOffice."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook
from recap_sample import SETTINGS, sample_quarter

from spm_desktop.core.reports.espm_xlsx import SERVED_TEXT, write_espm_xlsx
from spm_desktop.core.reports.signing import Signing
from spm_desktop.core.services.mutu import standard_items

SIGNING = Signing(date(2026, 4, 2), "Siti Aminah, S.Sos", "198501012010012001")
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None and not os.environ.get("CI"),
                                   reason="LibreOffice (soffice) not installed (CI installs it and never skips)")


@pytest.fixture
def workbook_path(tmp_path):
    return write_espm_xlsx(sample_quarter(), SETTINGS, tmp_path / "espm.xlsx", SIGNING)


def find_row(ws, column: int, text: str) -> int:
    for row in range(1, ws.max_row + 1):
        value = ws.cell(row, column).value
        if isinstance(value, str) and text in value:
            return row
    raise AssertionError(f"{text!r} not in column {column}")


def item_row(ws, key: str) -> int:
    name = next(it.item for it in standard_items() if it.key == key)
    return find_row(ws, 2, name)


def test_layout_values_and_formulas(workbook_path):
    wb = load_workbook(workbook_path)
    assert wb.sheetnames == ["Ringkasan", "Disabilitas", "Anak", "Lansia", "Gepeng", "Bencana", "Anggaran"]
    ws = wb["Anak"]
    assert ws["A1"].value == "LAPORAN PENERAPAN SPM BIDANG SOSIAL — TRIWULAN I 2026"
    r = find_row(ws, 2, SERVED_TEXT["anak"])
    assert ws.cell(r, 3).value == "Orang" and ws.cell(r, 4).value == 1234
    assert [ws.cell(r, c).value for c in range(5, 17)] == [300, 400, 170] + [None] * 9
    assert ws.cell(r, 17).value == f"=SUM(E{r}:P{r})"
    assert ws.cell(r, 18).value == f"=D{r}-Q{r}"
    assert ws.cell(r, 19).value == f'=IF(D{r}=0,"",Q{r}/D{r})'
    # B: the nine rehabilitation items with standard (K), available (M) and score (O)
    rows = [item_row(wb["Disabilitas"], it.key) for it in standard_items() if "anak" in it.groups]
    dis = wb["Disabilitas"]
    assert [dis.cell(x, 11).value for x in rows] == [250, 2, 3, 2, 3, 11, 1, 24, 1]
    assert [dis.cell(x, 13).value for x in rows] == [125, 2, 3, 2, 6, 11, 0, 12, 1]
    assert dis.cell(rows[0], 15).value == f'=IF(OR(M{rows[0]}="",K{rows[0]}=""),"",MIN(M{rows[0]}/K{rows[0]},1))'
    # a shared item is filled in once: the other sheets refer to the first one
    x = item_row(ws, "tenaga_kesehatan")
    assert ws.cell(x, 13).value == "=IF('Disabilitas'!$M$" + str(rows[6]) + "=\"\",\"\",'Disabilitas'!$M$" \
        + str(rows[6]) + ")"
    b = find_row(ws, 2, "Mutu minimal (B)")
    assert ws.cell(b, 15).value.startswith('=IF(COUNT(O') and "AVERAGE(O" in ws.cell(b, 15).value
    index = find_row(ws, 2, "Indeks SPM")
    assert "'Ringkasan'!$C$" in ws.cell(index, 15).value and "ROUND(100*(" in ws.cell(index, 15).value
    status = find_row(ws, 2, "Status penerapan SPM")
    assert ws.cell(status, 15).value.startswith(f'=IF(O{index}="","belum dinilai",INDEX(')
    assert find_row(ws, 1, "PERMASALAHAN DAN SOLUSI")
    # bencana: its own three items and the two shared disaster-related ones, none filled in
    ben = wb["Bencana"]
    assert [ben.cell(item_row(ben, k), 13).value for k in ("tagana", "tempat_penampungan", "paket_rentan")] \
        == [None, None, None]
    summary = wb["Ringkasan"]
    anak = find_row(summary, 2, "anak terlantar")
    assert summary.cell(anak, 3).value == "='Anak'!$D$" + str(r)
    assert summary.cell(anak, 7).value.startswith('=IF(OR(E') and summary.cell(anak, 8).value.startswith("=IF(G")
    ikk1 = find_row(summary, 2, "IKK 1")
    assert (summary.cell(ikk1, 3).value, summary.cell(ikk1, 4).value) == (1250, 883)
    assert find_row(summary, 2, "Mengetahui,") and find_row(summary, 2, "Drs. Budi Santoso, M.Si")
    assert find_row(summary, 5, "Yang membuat,") and find_row(summary, 5, "Pontianak, 2 April 2026")
    budget = wb["Anggaran"]
    total = find_row(budget, 1, "Jumlah")
    assert budget.cell(total, 4).value == f"=SUM(D{total - 5}:D{total - 1})"
    codes = [budget.cell(x, 2).value for x in range(1, total) if str(budget.cell(x, 2).value).startswith("1.06")]
    assert codes == ["1.06.04.2.01.0001", "1.06.04.2.01.0002", "1.06.06.2.01.0007"]  # each once, for the office
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.print_title_rows == "$1:$4"


def soffice(args: list[str], tmp_path) -> None:
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", *args],
                   check=True, capture_output=True, timeout=240)


def recalculated(path, tmp_path, name: str):
    out = tmp_path / name
    soffice(["--calc", "--convert-to", "xlsx", "--outdir", str(out), str(path)], tmp_path)
    return load_workbook(out / path.name, data_only=True)


@needs_soffice
def test_libreoffice_recalculates_and_follows_an_edited_quantity(workbook_path, tmp_path):
    wb = recalculated(workbook_path, tmp_path, "first")
    ws = wb["Anak"]
    r = find_row(ws, 2, SERVED_TEXT["anak"])
    assert (ws.cell(r, 17).value, ws.cell(r, 18).value) == (870, 1234 - 870)
    assert ws.cell(r, 19).value == pytest.approx(870 / 1234)
    b = find_row(ws, 2, "Mutu minimal (B)")
    assert ws.cell(b, 15).value == pytest.approx(7 / 9)
    index = find_row(ws, 2, "Indeks SPM")
    assert ws.cell(index, 15).value == 72.0  # 0.8 × 70.50 + 0.2 × 77.78
    # 72.0: Tuntas Pratama (≥ 70) with the default bands of §4 v2 (Pratama ≥ 70 above Muda ≥ 60)
    assert ws.cell(find_row(ws, 2, "Status penerapan SPM"), 15).value == "Tuntas Pratama"
    summary = wb["Ringkasan"]
    rows = {g: find_row(summary, 2, text) for g, text in (("anak", "anak terlantar"), ("lansia", "lanjut usia"),
                                                          ("bencana", "bencana"), ("disabilitas", "disabilitas"))}
    assert [summary.cell(rows["anak"], c).value for c in (3, 4, 7, 8)] == [1234, 870, 72.0, "Tuntas Pratama"]
    assert summary.cell(rows["lansia"], 7).value == 95.6 and summary.cell(rows["lansia"], 8).value == "Tuntas Utama"
    assert summary.cell(rows["bencana"], 6).value in ("", None)  # bencana items not filled in
    assert summary.cell(rows["bencana"], 8).value == "belum dinilai"
    assert summary.cell(rows["disabilitas"], 8).value == "belum dinilai"  # no sasaran
    mean = find_row(summary, 2, "Rata-rata capaian SPM")
    assert summary.cell(mean, 5).value == pytest.approx((870 / 1234 + 1 + 0.5) / 3)
    ikk1 = find_row(summary, 2, "IKK 1")
    assert summary.cell(ikk1, 5).value == pytest.approx(883 / 1250)
    budget = wb["Anggaran"]
    assert budget.cell(find_row(budget, 1, "Jumlah"), 4).value == 550_000_000 + 150_000_000 + 20_000_000

    # the office fills in the three short items on the first sheet: B = 100 for all four groups
    edited = load_workbook(workbook_path)
    dis = edited["Disabilitas"]
    for key, value in (("layanan_pengaduan", 250), ("tenaga_kesehatan", 1), ("pekerja_sosial", 30)):
        dis.cell(item_row(dis, key), 13).value = value
    edited_path = tmp_path / "edited" / "espm.xlsx"
    edited_path.parent.mkdir()
    edited.save(edited_path)
    again = recalculated(edited_path, tmp_path, "second")
    summary = again["Ringkasan"]
    assert summary.cell(rows["lansia"], 6).value == pytest.approx(1.0)
    assert [summary.cell(rows["lansia"], c).value for c in (7, 8)] == [100.0, "Tuntas Paripurna"]
    assert summary.cell(rows["anak"], 7).value == 76.4  # 0.8 × 70.50 + 20
    lansia = again["Lansia"]
    assert lansia.cell(find_row(lansia, 2, "Status penerapan SPM"), 15).value == "Tuntas Paripurna"


@needs_soffice
def test_libreoffice_pdf_shows_every_title_total_and_no_hash_marks(workbook_path, tmp_path):
    out = tmp_path / "pdf"
    soffice(["--convert-to", "pdf", "--outdir", str(out), str(workbook_path)], tmp_path)
    pdf = out / "espm.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert "###" not in text
    # the title is repeated on every printed page, in one piece
    assert all("LAPORAN PENERAPAN SPM BIDANG SOSIAL — TRIWULAN I 2026" in p for p in pages)
    for heading in ("A. PENERIMA LAYANAN DASAR", "B. MUTU MINIMAL", "INDEKS DAN STATUS PENERAPAN SPM",
                    "D. PERMASALAHAN DAN SOLUSI", "C. ALOKASI DAN REALISASI ANGGARAN", "Mengetahui,",
                    "Yang membuat,", "NIP. 197001011990031001"):
        assert heading in text
    assert re.search(r"Rp 720[.,]000[.,]000", text)  # the budget total, computed and shown in full
    assert "Tuntas Pratama" in text and "belum dinilai" in text
    words = set(re.findall(r"[\w/'()-]+", text))
    for it in standard_items():  # every mutu item printed in full (wrapped, never cut)
        assert set(re.findall(r"[\w/'()-]+", it.item)) <= words, it.item
    sizes = subprocess.run(["pdfinfo", "-f", "1", "-l", str(len(pages)), str(pdf)], capture_output=True,
                           text=True, check=True).stdout
    page_sizes = [ln for ln in sizes.splitlines() if re.match(r"Page\s+\d+ size:", ln)]
    assert len(page_sizes) == len(pages) and all("841.89 x 595.3" in ln for ln in page_sizes)  # A4 landscape
    assert len(pages) <= 10
