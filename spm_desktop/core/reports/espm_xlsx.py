"""The quarterly e-SPM workbook (Permendagri 59/2021 layout), pure layout of a quarter result.

One sheet "Ringkasan" (the five jenis pelayanan dasar and the IKK) and one sheet per jenis
pelayanan dasar with section A (penerima layanan dasar: to be served, served per month
January–December, total, not yet served, %), B (mutu: B.1 barang/jasa, B.2 SDM) and C
(budget of the group's subkegiatan from the targets table, realisation to be filled in).
Totals, remainders and percentages are formulas that Excel and LibreOffice compute.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from spm_desktop.core.domain.groups import CASE_GROUPS, SPM_GROUP_SHORT, SPM_GROUPS
from spm_desktop.core.reports import formatting as fmt
from spm_desktop.core.rollup.quarterly import QuarterResult
from spm_desktop.core.security.safe_export import set_text
from spm_desktop.core.services.mutu import KINDS
from spm_desktop.core.services.settings import AppSettings

INT, PCT, MONEY = "#,##0", "0.0%", '"Rp" #,##0'
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DFE7F1")
THIN = Side(style="thin", color="9A9A9A")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
# Programs whose subkegiatan budget belongs to a jenis pelayanan dasar (section C).
GROUP_PROGRAMS = {g: ("rehab_dasar",) for g in CASE_GROUPS} | {"bencana": ("bencana",)}
SHEET_NAMES = {"disabilitas": "Disabilitas", "anak": "Anak", "lansia": "Lansia", "gepeng": "Gepeng",
               "bencana": "Bencana"}
MONTH_COL0 = 5  # column E = January


def _header(ws: Worksheet, row: int, values: list[str]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row, col, value)
        cell.font, cell.fill, cell.border = BOLD, HEAD_FILL, BOX
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")


def _text(ws: Worksheet, row: int, col: int, value):
    """A cell of text typed by users (mutu items and notes, catalogue names): text, never a
    formula (core/security/safe_export)."""
    cell = ws.cell(row, col)
    set_text(cell, value)
    return cell


def _box(ws: Worksheet, row: int, first: int, last: int) -> None:
    for col in range(first, last + 1):
        ws.cell(row, col).border = BOX


def _title(ws: Worksheet, q: QuarterResult, settings: AppSettings, subtitle: str) -> int:
    p = q.result.period
    ws["A1"] = f"LAPORAN PENERAPAN SPM BIDANG SOSIAL — {p.label.upper()}"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = f"{settings.office_government} — {settings.office_name}"
    ws["A3"] = f"Periode {fmt.long_date(p.start)} s.d. {fmt.long_date(p.end)}"
    ws["A4"] = subtitle
    ws["A4"].font = BOLD
    return 6


def _section_a(ws: Worksheet, row: int, q: QuarterResult, group: str) -> int:
    g = q.result.group(group)
    ws.cell(row, 1, "A. PENERIMA LAYANAN DASAR").font = BOLD
    row += 1
    months = [m[:3] for m in fmt.MONTHS_ID]
    _header(ws, row, ["No", "Uraian", "Satuan", "Jumlah yang harus dilayani", *months, "Total terlayani",
                      "Belum terlayani", "Persentase"])
    row += 1
    ws.cell(row, 1, 1)
    ws.cell(row, 2, f"Jumlah {SPM_GROUP_SHORT[group].lower()} yang terpenuhi kebutuhan dasarnya").alignment = WRAP
    ws.cell(row, 3, "Orang")
    ws.cell(row, 4, g.sasaran).number_format = INT
    for m in range(1, 13):
        if m <= q.result.period.month:
            ws.cell(row, MONTH_COL0 + m - 1, q.served_in_month(group, m)).number_format = INT
    first, last = get_column_letter(MONTH_COL0), get_column_letter(MONTH_COL0 + 11)
    total = ws.cell(row, MONTH_COL0 + 12, f"=SUM({first}{row}:{last}{row})")
    total.number_format = INT
    tot = total.coordinate
    ws.cell(row, MONTH_COL0 + 13, f"=D{row}-{tot}").number_format = INT
    ws.cell(row, MONTH_COL0 + 14, f'=IF(D{row}=0,"",{tot}/D{row})').number_format = PCT
    _box(ws, row, 1, MONTH_COL0 + 14)
    row += 1
    if not g.sasaran:
        note = ws.cell(row, 2, "Sasaran kosong pada periode ini: persentase tidak dapat dihitung (–).")
        note.font = Font(italic=True)
        row += 1
    return row + 1


def _section_b(ws: Worksheet, row: int, q: QuarterResult, group: str) -> int:
    ws.cell(row, 1, "B. MUTU MINIMAL (barang/jasa dan sumber daya manusia)").font = BOLD
    row += 1
    _header(ws, row, ["No", "Jenis", "Butir standar", "Terpenuhi (Ya/Tidak)", "Keterangan"])
    row += 1
    items = [m for m in q.mutu_items if m.group == group]
    start = row
    for n, m in enumerate(items, start=1):
        ws.cell(row, 1, n)
        ws.cell(row, 2, KINDS.get(m.kind, m.kind))
        _text(ws, row, 3, m.item).alignment = WRAP
        ws.cell(row, 4, {True: "Ya", False: "Tidak", None: ""}[m.met])
        _text(ws, row, 5, m.note).alignment = WRAP
        _box(ws, row, 1, 5)
        row += 1
    if not items:
        ws.cell(row, 3, "Daftar periksa mutu tahun ini belum dibuat.").font = Font(italic=True)
        row += 1
    ws.cell(row, 3, "Persentase butir terpenuhi (B)").font = BOLD
    if items:
        rng = f"D{start}:D{row - 1}"
        ws.cell(row, 4, f'=IF(COUNTA({rng})<{len(items)},"",COUNTIF({rng},"Ya")/{len(items)})').number_format = PCT
    _box(ws, row, 1, 5)
    return row + 2


def _section_c(ws: Worksheet, row: int, q: QuarterResult, group: str) -> int:
    ws.cell(row, 1, "C. ANGGARAN (pagu dari target Renstra; realisasi diisi)").font = BOLD
    row += 1
    _header(ws, row, ["No", "Kode subkegiatan", "Subkegiatan", "Pagu tahunan", "Realisasi", "Persentase"])
    row += 1
    start = row
    indicators = [i for i in q.result.indicators if i.program in GROUP_PROGRAMS[group]]
    for n, i in enumerate(indicators, start=1):
        ws.cell(row, 1, n)
        ws.cell(row, 2, i.code)
        _text(ws, row, 3, i.name).alignment = WRAP
        ws.cell(row, 4, i.budget).number_format = MONEY
        ws.cell(row, 5).number_format = MONEY
        ws.cell(row, 6, f'=IF(OR(D{row}="",D{row}=0),"",E{row}/D{row})').number_format = PCT
        _box(ws, row, 1, 6)
        row += 1
    ws.cell(row, 3, "Jumlah").font = BOLD
    ws.cell(row, 4, f"=SUM(D{start}:D{row - 1})").number_format = MONEY
    ws.cell(row, 5, f"=SUM(E{start}:E{row - 1})").number_format = MONEY
    ws.cell(row, 6, f'=IF(D{row}=0,"",E{row}/D{row})').number_format = PCT
    _box(ws, row, 1, 6)
    if group in CASE_GROUPS:
        row += 1
        ws.cell(row, 3, "Pagu subkegiatan rehabilitasi sosial dasar dipakai bersama oleh keempat jenis pelayanan "
                        "dasar rehabilitasi.").font = Font(italic=True)
    return row + 2


def _group_sheet(wb: Workbook, q: QuarterResult, settings: AppSettings, group: str) -> None:
    ws = wb.create_sheet(SHEET_NAMES[group])
    row = _title(ws, q, settings, SPM_GROUPS[group])
    row = _section_a(ws, row, q, group)
    row = _section_b(ws, row, q, group)
    _section_c(ws, row, q, group)
    widths = {1: 5, 2: 40, 3: 48, 4: 14, 5: 22, 6: 12}
    for col in range(1, MONTH_COL0 + 15):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(col, 9)


def _summary_sheet(ws: Worksheet, q: QuarterResult, settings: AppSettings) -> None:
    ws.title = "Ringkasan"
    row = _title(ws, q, settings, "Ringkasan capaian per jenis pelayanan dasar")
    _header(ws, row, ["No", "Jenis pelayanan dasar", "Sasaran (orang)", "Terpenuhi (orang)", "Capaian (A)",
                      "Mutu (B)", "Indeks SPM", "Status"])
    row += 1
    first = row
    for n, g in enumerate(q.result.spm, start=1):
        ws.cell(row, 1, n)
        ws.cell(row, 2, SPM_GROUPS[g.group]).alignment = WRAP
        ws.cell(row, 3, g.sasaran).number_format = INT
        ws.cell(row, 4, g.terpenuhi).number_format = INT
        ws.cell(row, 5, f'=IF(C{row}=0,"",D{row}/C{row})').number_format = PCT
        ws.cell(row, 6, None if g.mutu is None else g.mutu / 100).number_format = PCT
        ws.cell(row, 7, g.index).number_format = "0.0"
        ws.cell(row, 8, g.status)
        _box(ws, row, 1, 8)
        row += 1
    four = f"{first}:{first + len(CASE_GROUPS) - 1}"
    a, b = four.split(":")
    bencana = first + list(SPM_GROUPS).index("bencana")
    row += 1
    _header(ws, row, ["", "Indikator Kinerja Kunci", "Sasaran", "Terpenuhi", "Capaian", "Target"])
    row += 1
    ws.cell(row, 2, "IKK 1 — disabilitas, anak, lansia, gelandangan-pengemis terpenuhi kebutuhan dasarnya")
    ws.cell(row, 3, f"=SUM(C{a}:C{b})").number_format = INT
    ws.cell(row, 4, f"=SUM(D{a}:D{b})").number_format = INT
    ws.cell(row, 5, f'=IF(C{row}=0,"",D{row}/C{row})').number_format = PCT
    ws.cell(row, 6, 1).number_format = PCT
    _box(ws, row, 1, 6)
    row += 1
    ws.cell(row, 2, "IKK 2 — korban bencana terpenuhi kebutuhan dasarnya")
    ws.cell(row, 3, f"=C{bencana}").number_format = INT
    ws.cell(row, 4, f"=D{bencana}").number_format = INT
    ws.cell(row, 5, f'=IF(C{row}=0,"",D{row}/C{row})').number_format = PCT
    ws.cell(row, 6, 1).number_format = PCT
    _box(ws, row, 1, 6)
    row += 2
    for w in q.result.warnings:
        ws.cell(row, 2, f"Catatan: {w}").alignment = Alignment(wrap_text=False)
        row += 1
    for col, width in {1: 5, 2: 60, 3: 14, 4: 14, 5: 12, 6: 12, 7: 11, 8: 18}.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def write_espm_xlsx(q: QuarterResult, settings: AppSettings, path: str | Path) -> Path:
    """Write the workbook of the quarter to ``path``; returns the path."""
    path = Path(path)
    wb = Workbook()
    _summary_sheet(wb.active, q, settings)
    for group in SPM_GROUPS:
        _group_sheet(wb, q, settings, group)
    wb.properties.title = f"e-SPM Bidang Sosial — {q.result.period.label}"
    wb.properties.creator = settings.office_name
    wb.save(path)
    return path
