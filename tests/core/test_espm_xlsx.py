"""The quarterly e-SPM workbook read back with openpyxl, and recalculated by LibreOffice."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from recap_sample import SETTINGS, sample_quarter

from spm_desktop.core.reports.espm_xlsx import write_espm_xlsx


@pytest.fixture
def workbook_path(tmp_path):
    return write_espm_xlsx(sample_quarter(), SETTINGS, tmp_path / "espm.xlsx")


def find_row(ws, column: int, text: str) -> int:
    for row in range(1, ws.max_row + 1):
        value = ws.cell(row, column).value
        if isinstance(value, str) and text in value:
            return row
    raise AssertionError(f"{text!r} not in column {column}")


def test_layout_values_and_formulas(workbook_path):
    wb = load_workbook(workbook_path)
    assert wb.sheetnames == ["Ringkasan", "Disabilitas", "Anak", "Lansia", "Gepeng", "Bencana"]
    ws = wb["Anak"]
    assert ws["A1"].value == "LAPORAN PENERAPAN SPM BIDANG SOSIAL — TRIWULAN I 2026"
    r = find_row(ws, 2, "anak terlantar yang terpenuhi")
    assert ws.cell(r, 3).value == "Orang" and ws.cell(r, 4).value == 1234
    assert [ws.cell(r, c).value for c in range(5, 17)] == [300, 400, 170] + [None] * 9
    assert ws.cell(r, 17).value == f"=SUM(E{r}:P{r})"
    assert ws.cell(r, 18).value == f"=D{r}-Q{r}"
    assert ws.cell(r, 19).value == f'=IF(D{r}=0,"",Q{r}/D{r})'
    b = find_row(ws, 3, "Persentase butir terpenuhi")
    assert [ws.cell(b - 4 + i, 4).value for i in range(4)] == ["Ya", "Tidak", "Ya", "Ya"]
    assert ws.cell(b - 1, 2).value == "B.2 Sumber daya manusia"
    c = find_row(ws, 3, "Jumlah")
    assert ws.cell(c, 4).value.startswith("=SUM(D")
    assert ws.cell(c - 2, 2).value == "1.06.04.2.01.0001" and ws.cell(c - 2, 4).value == 550_000_000
    summary = wb["Ringkasan"]
    anak = find_row(summary, 2, "anak terlantar")
    assert (summary.cell(anak, 3).value, summary.cell(anak, 4).value) == (1234, 870)
    assert summary.cell(anak, 7).value == 71.4 and summary.cell(anak, 8).value == "Tuntas Muda"
    ikk1 = find_row(summary, 2, "IKK 1")
    assert summary.cell(ikk1, 3).value.startswith("=SUM(C")


@pytest.mark.skipif(shutil.which("soffice") is None and not os.environ.get("CI"),
                    reason="LibreOffice (soffice) not installed (CI installs it and never skips)")
def test_libreoffice_recalculates_the_formulas(workbook_path, tmp_path):
    out = tmp_path / "out"
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--calc",
                    "--convert-to", "xlsx", "--outdir", str(out), str(workbook_path)],
                   check=True, capture_output=True, timeout=180)
    wb = load_workbook(out / "espm.xlsx", data_only=True)
    ws = wb["Anak"]
    r = find_row(ws, 2, "anak terlantar yang terpenuhi")
    assert ws.cell(r, 17).value == 870  # total served = terpenuhi at the end of the quarter
    assert ws.cell(r, 18).value == 1234 - 870  # not yet served
    assert ws.cell(r, 19).value == pytest.approx(870 / 1234)
    b = find_row(ws, 3, "Persentase butir terpenuhi")
    assert ws.cell(b, 4).value == pytest.approx(0.75)
    c = find_row(ws, 3, "Jumlah")
    assert ws.cell(c, 4).value == 550_000_000 + 150_000_000
    summary = wb["Ringkasan"]
    ikk1 = find_row(summary, 2, "IKK 1")
    # sasaran 0 + 1234 + 10 + 6, terpenuhi 0 + 870 + 10 + 3
    assert (summary.cell(ikk1, 3).value, summary.cell(ikk1, 4).value) == (1250, 883)
    assert summary.cell(ikk1, 5).value == pytest.approx(883 / 1250)
    ikk2 = find_row(summary, 2, "IKK 2")
    assert summary.cell(ikk2, 5).value in ("", None)  # empty denominator: no percentage
    empty = find_row(wb["Disabilitas"], 2, "penyandang disabilitas terlantar yang")
    assert wb["Disabilitas"].cell(empty, 19).value in ("", None)
