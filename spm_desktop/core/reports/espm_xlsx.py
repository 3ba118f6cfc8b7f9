"""The quarterly e-SPM workbook (Permendagri 59/2021 layout, architecture §5): pure layout of
a quarter result.

* "Ringkasan": the five jenis pelayanan dasar (harus dilayani, terlayani, A, B, index,
  status — all formulas of the group sheets), the rata-rata capaian SPM, the two IKK, the
  weights and the tuntas table the formulas use, the notes and warnings, the signatures.
* One sheet per jenis pelayanan dasar: A (harus dilayani = Y, terlayani per month January–
  December by met date, total, belum terlayani, %), B (the mutu items of the group: standard,
  available, score = min(available / standard, 1); B = their mean), the index and the status as
  formulas of A and B, and "permasalahan dan solusi" rows to fill in. Editing an available
  quantity updates B, the index and the status, here and on "Ringkasan".
* "Anggaran": C once for the office — every subkegiatan of the Renstra with its budget for
  the year, realisation to fill in, totals as formulas.

Every sheet prints on A4 landscape fitted to the page width, with repeated header rows; column
widths and row heights leave room for the text (LibreOffice's PDF shows no cut text and no
"###"; tests/core/test_espm_xlsx.py converts it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import absolute_coordinate
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.groups import SPM_GROUPS
from spm_desktop.core.domain.settings import AppSettings
from spm_desktop.core.reports import formatting as fmt
from spm_desktop.core.reports.signing import Signing
from spm_desktop.core.rollup.mutu import KINDS
from spm_desktop.core.rollup.quarterly import QuarterResult

INT, PCT, MONEY, POINTS = "#,##0", "0.0%", '"Rp" #,##0', "0.0"
FONT_NAME, FONT_SIZE = "Arial", 10
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DFE7F1")
SECTION_FILL = PatternFill("solid", fgColor="EEF2E6")
SHEET_NAMES = {"disabilitas": "Disabilitas", "anak": "Anak", "lansia": "Lansia", "gepeng": "Gepeng",
               "bencana": "Bencana"}
BUDGET_SHEET = "Anggaran"
SUMMARY_SHEET = "Ringkasan"
SERVED_TEXT = {
    "disabilitas": "Jumlah penyandang disabilitas terlantar yang terpenuhi kebutuhan dasarnya di luar panti",
    "anak": "Jumlah anak terlantar yang terpenuhi kebutuhan dasarnya di luar panti",
    "lansia": "Jumlah lanjut usia terlantar yang terpenuhi kebutuhan dasarnya di luar panti",
    "gepeng": "Jumlah gelandangan dan pengemis yang terpenuhi kebutuhan dasarnya di luar panti",
    "bencana": "Jumlah korban bencana yang terpenuhi kebutuhan dasarnya pada saat dan setelah tanggap darurat",
}
PROGRAM_LABELS = {
    "rehab_dasar": "Rehabilitasi sosial dasar penyandang disabilitas terlantar, anak terlantar, lanjut usia "
                   "terlantar, serta gelandangan dan pengemis di luar panti",
    "pmks_lainnya": "Rehabilitasi sosial PMKS lainnya (perbekalan kesehatan dan bimbingan)",
    "bencana": "Perlindungan sosial korban bencana alam dan sosial",
    "tagana": "Taruna Siaga Bencana",
    "migran": "Pemulangan warga negara migran korban tindak kekerasan",
}
# Group sheets: A No, B Uraian, C Satuan, D Harus dilayani, E–P Januari–Desember, Q Total,
# R Belum terlayani, S Persentase.
GROUP_WIDTHS = [5, 30, 9, 11] + [7.5] * 12 + [10, 10, 10]
MONTH_COL0 = 5  # E = January
TOTAL_COL, LEFT_COL, PCT_COL = 17, 18, 19
LAST_GROUP_COL = 19
PROBLEM_ROWS = 3
CHARS_PER_UNIT = 1.3  # characters of a 10-point font per column-width unit (conservative)
LINE_POINTS = 13.0



@dataclass
class _Sheet:
    """A worksheet with known column widths; tracks the lines each row needs."""

    ws: Worksheet
    widths: list[float]
    lines: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for col, width in enumerate(self.widths, start=1):
            self.ws.column_dimensions[get_column_letter(col)].width = width

    @property
    def last_col(self) -> int:
        return len(self.widths)

    def put(self, row: int, col: int, value=None, *, span: int = 1, bold: bool = False, wrap: bool = True,
            number: str | None = None, align: str | None = None, box: bool = True, fill=None, size: int = FONT_SIZE,
            italic: bool = False):
        """Write ``value`` at (row, col), merged over ``span`` columns."""
        cell = self.ws.cell(row, col, value)
        cell.font = Font(name=FONT_NAME, size=size, bold=bold, italic=italic)
        horizontal = align or ("right" if number and not isinstance(value, str) else "left")
        if isinstance(value, str) and value.startswith("=") and number:
            horizontal = align or "right"
        cell.alignment = Alignment(wrap_text=wrap, vertical="top", horizontal=horizontal)
        if number:
            cell.number_format = number
        if fill is not None:
            cell.fill = fill
        last = col + span - 1
        if span > 1:
            self.ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=last)
        if box:
            for c in range(col, last + 1):
                self.ws.cell(row, c).border = BOX
                if fill is not None:
                    self.ws.cell(row, c).fill = fill
        if isinstance(value, str) and not value.startswith("="):
            width = sum(self.widths[col - 1:last]) - 1
            lines = sum(max(1, math.ceil(len(part) * (size / FONT_SIZE) / (width * CHARS_PER_UNIT)))
                        for part in value.split("\n"))
            self.lines[row] = max(self.lines.get(row, 1), lines if wrap else 1)
        return cell

    def header(self, row: int, cells: list[tuple[int, int, str]]) -> None:
        """Header cells ``(column, span, text)``, bold, centred, shaded."""
        for col, span, text in cells:
            self.put(row, col, text, span=span, bold=True, align="center", fill=HEAD_FILL)
            self.ws.cell(row, col).alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")

    def finish(self, title_rows: int) -> None:
        """Row heights, A4 landscape fitted to the page width, repeated title rows, footer."""
        for row, lines in self.lines.items():
            if lines > 1 or row <= title_rows:
                self.ws.row_dimensions[row].height = lines * LINE_POINTS + 4
        ws = self.ws
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.print_title_rows = f"1:{title_rows}"
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.5
        ws.oddFooter.center.text = "Halaman &P dari &N"
        ws.oddFooter.center.size = 8
        ws.sheet_view.showGridLines = False


def _title(sh: _Sheet, q: QuarterResult, settings: AppSettings, subtitle: str) -> int:
    """Rows 1–4: title, office, period, subject (merged over the sheet's width). Returns the
    number of title rows (repeated on every printed page)."""
    p = q.result.period
    span = sh.last_col
    sh.put(1, 1, f"LAPORAN PENERAPAN SPM BIDANG SOSIAL — {p.label.upper()}", span=span, bold=True, size=12,
           box=False)
    sh.put(2, 1, f"{settings.office_government} — {settings.office_name}", span=span, box=False)
    sh.put(3, 1, f"Periode {fmt.long_date(p.start)} s.d. {fmt.long_date(p.end)} (kumulatif tahun anggaran)",
           span=span, box=False)
    sh.put(4, 1, subtitle, span=span, bold=True, box=False)
    return 4


def _ref(sheet: str, cell: str) -> str:
    return f"'{sheet}'!{cell}"


@dataclass(frozen=True)
class _Names:
    """Cells of "Ringkasan" that the formulas of every sheet use."""

    weight_a: str
    weight_b: str
    tuntas_min: str  # range of the lower bounds, ascending
    tuntas_label: str


@dataclass(frozen=True)
class _GroupCells:
    sheet: str
    sasaran: str
    served: str
    capaian: str
    mutu: str
    index: str
    status: str


def _index_formula(a: str, b: str, names: _Names) -> str:
    """wA × A + wB × B in points with one decimal; empty while A or B is empty."""
    return (f'=IF(OR({a}="",{b}=""),"",ROUND(100*({names.weight_a}*{a}+{names.weight_b}*{b}),1))')


def _status_formula(index: str, names: _Names) -> str:
    return f'=IF({index}="","belum dinilai",INDEX({names.tuntas_label},MATCH({index},{names.tuntas_min},1)))'


# ---- group sheets -------------------------------------------------------------------------

def _section_a(sh: _Sheet, row: int, q: QuarterResult, group: str) -> tuple[int, str, str, str]:
    g = q.result.group(group)
    sh.put(row, 1, "A. PENERIMA LAYANAN DASAR", span=sh.last_col, bold=True, box=False)
    row += 1
    months = [m[:3] for m in fmt.MONTHS_ID]
    sh.header(row, [(1, 1, "No"), (2, 1, "Uraian"), (3, 1, "Satuan"), (4, 1, "Harus dilayani")]
              + [(MONTH_COL0 + i, 1, m) for i, m in enumerate(months)]
              + [(TOTAL_COL, 1, "Total terlayani"), (LEFT_COL, 1, "Belum terlayani"), (PCT_COL, 1, "Persen")])
    sh.lines[row] = 2
    row += 1
    sh.put(row, 1, 1, align="center")
    sh.put(row, 2, SERVED_TEXT[group])
    sh.put(row, 3, "Orang")
    sh.put(row, 4, g.sasaran, number=INT)
    served = q.served_by_month(group)
    for m in range(1, 13):
        sh.put(row, MONTH_COL0 + m - 1, served[m - 1] if m <= len(served) else None, number=INT)
    first, last = get_column_letter(MONTH_COL0), get_column_letter(MONTH_COL0 + 11)
    total = sh.put(row, TOTAL_COL, f"=SUM({first}{row}:{last}{row})", number=INT).coordinate
    sh.put(row, LEFT_COL, f"=D{row}-{total}", number=INT)
    pct = sh.put(row, PCT_COL, f'=IF(D{row}=0,"",{total}/D{row})', number=PCT).coordinate
    row += 1
    note = ("Harus dilayani = sasaran (Y) sampai akhir periode; terlayani per bulan = orang yang terpenuhi "
            "kebutuhan dasarnya pada bulan itu (menurut tanggal terpenuhi); total = X.")
    if not g.sasaran:
        note += " Sasaran kosong pada periode ini: persentase tidak dapat dihitung (–)."
    sh.put(row, 2, note, span=sh.last_col - 1, box=False, italic=True, size=9)
    return row + 2, f"$D${row - 1}", f"${get_column_letter(TOTAL_COL)}${row - 1}", pct


# B columns: No | Butir (B:F) | Jenis (G:H) | Satuan (I:J) | Standar (K:L) | Tersedia (M:N) |
# Skor (O:P) | Keterangan (Q:S)
_B_COLS = {"no": (1, 1), "item": (2, 5), "kind": (7, 2), "unit": (9, 2), "standard": (11, 2),
           "available": (13, 2), "score": (15, 2), "note": (17, 3)}


def _section_b(sh: _Sheet, row: int, q: QuarterResult, group: str, inputs: dict[str, str]) -> tuple[int, str]:
    """The group's mutu items. An item several groups share is filled in once, on the first
    sheet that lists it (``inputs``: item key → that cell); later sheets refer to it."""
    sh.put(row, 1, "B. MUTU MINIMAL (barang/jasa dan sumber daya manusia, standar Renstra)", span=sh.last_col,
           bold=True, box=False)
    row += 1
    labels = {"no": "No", "item": "Butir standar", "kind": "Jenis", "unit": "Satuan", "standard": "Standar",
              "available": "Tersedia (isi)", "score": "Skor", "note": "Keterangan"}
    sh.header(row, [(c, s, labels[k]) for k, (c, s) in _B_COLS.items()])
    row += 1
    items = [m for m in q.mutu_items if group in m.groups and m.counted]
    left_out = [m for m in q.mutu_items if group in m.groups and not m.counted]
    first = row
    col = {k: c for k, (c, _) in _B_COLS.items()}
    for n, m in enumerate(items, start=1):
        def put(key, value, row=row, **kw):
            return sh.put(row, col[key], value, span=_B_COLS[key][1], **kw)
        put("no", n, align="center")
        put("item", m.item)
        put("kind", KINDS.get(m.kind, m.kind))
        put("unit", m.unit)
        std = put("standard", float(m.standard), number="#,##0.##").coordinate
        shared_from = inputs.get(m.key)
        if shared_from is None:
            value = None if m.available is None else float(m.available)
            avail = put("available", value, number="#,##0.##").coordinate
            inputs[m.key] = _ref(sh.ws.title, absolute_coordinate(avail))
            note = m.note or None
        else:
            avail = put("available", f'=IF({shared_from}="","",{shared_from})', number="#,##0.##").coordinate
            note = f"Diisi di lembar {shared_from.split('!')[0].strip(chr(39))}" + (f"; {m.note}" if m.note else "")
        put("score", f'=IF(OR({avail}="",{std}=""),"",MIN({avail}/{std},1))', number=PCT)
        put("note", note, size=9)
        row += 1
    score_col = get_column_letter(col["score"])
    rng = f"{score_col}{first}:{score_col}{row - 1}"
    sh.put(row, 2, "Mutu minimal (B) = rata-rata skor; kosong sampai jumlah tersedia setiap butir diisi",
           span=col["score"] - 2, bold=True)
    formula = f'=IF(COUNT({rng})<{len(items)},"",AVERAGE({rng}))' if items else '=""'
    b = sh.put(row, col["score"], formula, span=2, number=PCT, bold=True).coordinate
    sh.put(row, col["note"], None, span=3)
    row += 1
    if left_out:
        sh.put(row, 2, "Tidak dihitung (standar tahun ini tidak terbaca atau 0): "
               + "; ".join(m.item for m in left_out), span=sh.last_col - 1, box=False, italic=True, size=9)
        row += 1
    return row + 1, b


def _section_index(sh: _Sheet, row: int, a: str, b: str, names: _Names) -> tuple[int, str, str]:
    sh.put(row, 1, "INDEKS DAN STATUS PENERAPAN SPM", span=sh.last_col, bold=True, box=False)
    row += 1
    label_span, value_col = 13, 15
    sh.put(row, 2, "Capaian penerima layanan dasar (A)", span=label_span)
    sh.put(row, value_col, f"={a}", span=5, number=PCT)
    row += 1
    sh.put(row, 2, "Mutu minimal (B)", span=label_span)
    sh.put(row, value_col, f"={b}", span=5, number=PCT)
    row += 1
    sh.put(row, 2, "Indeks SPM = bobot A × A + bobot B × B (bobot di lembar Ringkasan)", span=label_span)
    index = sh.put(row, value_col, _index_formula(a, b, names), span=5, number=POINTS, bold=True).coordinate
    row += 1
    sh.put(row, 2, "Status penerapan SPM", span=label_span)
    status = sh.put(row, value_col, _status_formula(index, names), span=5, bold=True).coordinate
    return row + 2, index, status


def _problems(sh: _Sheet, row: int, title: str = "D. PERMASALAHAN DAN SOLUSI") -> int:
    sh.put(row, 1, title, span=sh.last_col, bold=True, box=False)
    row += 1
    half = (sh.last_col - 1) // 2
    rest = sh.last_col - 1 - half
    sh.header(row, [(1, 1, "No"), (2, half, "Permasalahan"), (2 + half, rest, "Solusi / tindak lanjut")])
    row += 1
    for n in range(1, PROBLEM_ROWS + 1):
        sh.put(row, 1, n, align="center")
        sh.put(row, 2, None, span=half)
        sh.put(row, 2 + half, None, span=sh.last_col - 1 - half)
        sh.lines[row] = 3
        row += 1
    return row + 1


def _group_sheet(wb: Workbook, q: QuarterResult, settings: AppSettings, group: str, names: _Names,
                 inputs: dict[str, str]) -> _GroupCells:
    name = SHEET_NAMES[group]
    sh = _Sheet(wb.create_sheet(name), list(GROUP_WIDTHS))
    title_rows = _title(sh, q, settings, f"Jenis pelayanan dasar: {SPM_GROUPS[group]}")
    row, sasaran, served, a = _section_a(sh, title_rows + 2, q, group)
    row, b = _section_b(sh, row, q, group, inputs)
    row, index, status = _section_index(sh, row, a, b, names)
    _problems(sh, row)
    sh.finish(title_rows)
    return _GroupCells(name, _ref(name, sasaran), _ref(name, served), _ref(name, a), _ref(name, b),
                       _ref(name, index), _ref(name, status))


# ---- Anggaran (C) -------------------------------------------------------------------------

def _budget_sheet(wb: Workbook, q: QuarterResult, settings: AppSettings) -> None:
    sh = _Sheet(wb.create_sheet(BUDGET_SHEET), [5, 20, 70, 22, 22, 11])
    year = q.result.period.year
    title_rows = _title(sh, q, settings, f"C. ALOKASI DAN REALISASI ANGGARAN SPM BIDANG SOSIAL TAHUN {year} "
                                         "(pagu menurut Renstra; realisasi diisi)")
    row = title_rows + 2
    sh.header(row, [(1, 1, "No"), (2, 1, "Kode subkegiatan"), (3, 1, "Subkegiatan"), (4, 1, "Pagu tahunan"),
                    (5, 1, "Realisasi (isi)"), (6, 1, "Persen")])
    row += 1
    first = row
    program = None
    n = 0
    for i in q.result.indicators:
        if i.program != program:
            program = i.program
            sh.put(row, 1, PROGRAM_LABELS.get(program, program), span=6, bold=True, fill=SECTION_FILL)
            row += 1
        n += 1
        sh.put(row, 1, n, align="center")
        sh.put(row, 2, i.code)
        sh.put(row, 3, i.name)
        sh.put(row, 4, i.budget, number=MONEY)
        sh.put(row, 5, None, number=MONEY)
        sh.put(row, 6, f'=IF(OR(D{row}="",D{row}=0,E{row}=""),"",E{row}/D{row})', number=PCT)
        row += 1
    sh.put(row, 1, "Jumlah", span=3, bold=True, align="right")
    sh.put(row, 4, f"=SUM(D{first}:D{row - 1})", number=MONEY, bold=True)
    sh.put(row, 5, f'=IF(COUNT(E{first}:E{row - 1})=0,"",SUM(E{first}:E{row - 1}))', number=MONEY, bold=True)
    sh.put(row, 6, f'=IF(OR(D{row}=0,E{row}=""),"",E{row}/D{row})', number=PCT, bold=True)
    row += 1
    sh.put(row, 2, "Pagu dari tabel target Renstra (Pengaturan → Target per tahun); kosong bila tahun ini tidak "
           "mempunyai pagu. Setiap subkegiatan tercantum sekali untuk seluruh kantor.", span=5, box=False,
           italic=True, size=9)
    sh.finish(title_rows)


# ---- Ringkasan ----------------------------------------------------------------------------

SUMMARY_WIDTHS = [5, 46, 13, 13, 12, 12, 11, 20]


def _fill_summary(sh: _Sheet, q: QuarterResult, settings: AppSettings, signing: Signing,
                  cells: dict[str, _GroupCells], names: _Names, rows: dict[str, int]) -> None:
    row = rows["groups_header"]
    sh.header(row, [(1, 1, "No"), (2, 1, "Jenis pelayanan dasar"), (3, 1, "Harus dilayani (Y)"),
                    (4, 1, "Terlayani (X)"), (5, 1, "Capaian (A)"), (6, 1, "Mutu (B)"), (7, 1, "Indeks SPM"),
                    (8, 1, "Status")])
    row += 1
    first = row
    for n, g in enumerate(q.result.spm, start=1):
        c = cells[g.group]
        sh.put(row, 1, n, align="center")
        sh.put(row, 2, SPM_GROUPS[g.group])
        sh.put(row, 3, f"={c.sasaran}", number=INT)
        sh.put(row, 4, f"={c.served}", number=INT)
        sh.put(row, 5, f'=IF(C{row}=0,"",D{row}/C{row})', number=PCT)
        sh.put(row, 6, f"=IF({c.mutu}=\"\",\"\",{c.mutu})", number=PCT)
        sh.put(row, 7, _index_formula(f"E{row}", f"F{row}", names), number=POINTS)
        sh.put(row, 8, _status_formula(f"G{row}", names))
        row += 1
    last = row - 1
    sh.put(row, 2, "Rata-rata capaian SPM (kelompok dengan sasaran)", bold=True)
    for col in (3, 4):
        sh.put(row, col, None)
    sh.put(row, 5, f'=IF(COUNT(E{first}:E{last})=0,"",AVERAGE(E{first}:E{last}))', number=PCT, bold=True)
    for col in (6, 7, 8):
        sh.put(row, col, None)
    row += 2
    k = q.result.ikk
    sh.header(row, [(1, 1, ""), (2, 1, "Indikator Kinerja Kunci"), (3, 1, "Sasaran"), (4, 1, "Terpenuhi"),
                    (5, 1, "Capaian"), (6, 1, "Target")])
    row += 1
    for label, sasaran, terpenuhi in (
            ("IKK 1 — Persentase penyandang disabilitas terlantar, anak terlantar, lanjut usia terlantar, serta "
             "gelandangan dan pengemis yang terpenuhi kebutuhan dasarnya di luar panti (orang berbeda)",
             k.ikk1_sasaran, k.ikk1_terpenuhi),
            ("IKK 2 — Persentase korban bencana alam dan sosial yang terpenuhi kebutuhan dasarnya pada saat dan "
             "setelah tanggap darurat bencana", k.ikk2_sasaran, k.ikk2_terpenuhi)):
        sh.put(row, 1, None)
        sh.put(row, 2, label)
        sh.put(row, 3, sasaran, number=INT)
        sh.put(row, 4, terpenuhi, number=INT)
        sh.put(row, 5, f'=IF(C{row}=0,"",D{row}/C{row})', number=PCT)
        sh.put(row, 6, 1, number="0%")
        row += 1
    row = rows["settings"]
    sh.put(row, 1, "BOBOT DAN TABEL STATUS (dipakai rumus indeks dan status di setiap lembar)", span=8, bold=True,
           box=False)
    row += 1
    sh.put(row, 2, "Bobot A (penerima layanan dasar)", bold=True, fill=HEAD_FILL)
    sh.put(row, 3, settings.weight_a, number="0.00")
    sh.put(row, 4, "Bobot B (mutu minimal)", span=2, bold=True, fill=HEAD_FILL)
    sh.put(row, 6, settings.weight_b, number="0.00")
    row += 1
    levels = sorted(settings.tuntas, key=lambda t: t.min)
    sh.put(row, 2, "Indeks paling rendah", bold=True, fill=HEAD_FILL)
    for n, level in enumerate(levels):
        sh.put(row, 3 + n, level.min, number="0.0")
    row += 1
    sh.put(row, 2, "Status", bold=True, fill=HEAD_FILL)
    for n, level in enumerate(levels):
        sh.put(row, 3 + n, level.label)
    # The notes and the signatures start a printed page of their own: a signature block is
    # never split, whatever the viewer's fonts (Excel and LibreOffice paginate differently).
    sh.ws.row_breaks.append(Break(id=row))
    row += 1
    sh.put(row, 1, "CATATAN DAN PERINGATAN", span=8, bold=True, box=False)
    row += 1
    warnings = list(q.result.warnings) or ["Tidak ada peringatan."]
    for w in warnings:
        sh.put(row, 2, f"• {w}", span=7, box=False)
        row += 1
    sh.put(row, 2, "Angka A dihitung per orang dari catatan layanan; kolom yang berlabel \"(isi)\" diisi kantor. "
           "Mengubah jumlah tersedia di lembar kelompok mengubah B, indeks dan status di lembar itu dan di sini.",
           span=7, box=False, italic=True, size=9)
    row += 2
    _signature(sh, row, settings, signing)


def _signature(sh: _Sheet, row: int, settings: AppSettings, signing: Signing) -> None:
    city = settings.office_city or ""
    when = f"{city}, {fmt.long_date(signing.signed_on)}" if city else fmt.long_date(signing.signed_on)
    left, right = 2, 5
    lines_left = ["", "Mengetahui,", settings.signatory_title or "Kepala Dinas Sosial", "", "", "",
                  settings.signatory_name, settings.signatory_rank, f"NIP. {settings.signatory_nip}"]
    lines_right = [when, "Yang membuat,", "", "", "", "",
                   signing.maker_name or "(.........................................)",
                   "", f"NIP. {signing.maker_nip}" if signing.maker_nip else ""]
    for n, (a, b) in enumerate(zip(lines_left, lines_right, strict=True)):
        bold = n == 6
        if a:
            sh.put(row + n, left, a, bold=bold, box=False, align="center")
        if b:
            sh.put(row + n, right, b, span=4, bold=bold, box=False, align="center")
        if bold:
            for col in (left, right):
                sh.ws.cell(row + n, col).font = Font(name=FONT_NAME, size=FONT_SIZE, bold=True, underline="single")


def write_espm_xlsx(q: QuarterResult, settings: AppSettings, path: str | Path,
                    signing: Signing | None = None) -> Path:
    """Write the workbook of the quarter to ``path``; returns the path."""
    path = Path(path)
    signing = signing or Signing(clock.today())
    wb = Workbook()
    # the tuntas table lies across columns C…: one more column per level beyond six
    summary = _Sheet(wb.active, SUMMARY_WIDTHS + [13] * max(0, len(settings.tuntas) - 6))
    wb.active.title = SUMMARY_SHEET
    title_rows = _title(summary, q, settings, "Ringkasan capaian per jenis pelayanan dasar")
    # fixed places on "Ringkasan": groups table, IKK, then the weights and the tuntas table
    groups_header = title_rows + 2
    settings_row = groups_header + 1 + len(q.result.spm) + 2 + 1 + 2 + 1
    weights, tuntas = settings_row + 1, settings_row + 2
    last = get_column_letter(2 + len(settings.tuntas))
    s = f"'{SUMMARY_SHEET}'!"
    names = _Names(f"{s}$C${weights}", f"{s}$F${weights}", f"{s}$C${tuntas}:${last}${tuntas}",
                   f"{s}$C${tuntas + 1}:${last}${tuntas + 1}")
    inputs: dict[str, str] = {}
    cells = {g: _group_sheet(wb, q, settings, g, names, inputs) for g in SPM_GROUPS}
    _budget_sheet(wb, q, settings)
    _fill_summary(summary, q, settings, signing, cells, names,
                  {"groups_header": groups_header, "settings": settings_row})
    summary.finish(title_rows)
    wb.properties.title = f"e-SPM Bidang Sosial — {q.result.period.label}"
    wb.properties.creator = settings.office_name
    wb.save(path)
    return path

