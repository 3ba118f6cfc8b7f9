"""The monthly recap PDF (architecture §5): pure layout of a finished roll-up and the settings.

A4 portrait for the letterhead, the SPM achievement and the IKK; A4 landscape, flowing
without forced page breaks, for the wide tables (output indicators, kecamatan breakdown), the
trend chart with its key (code and full name of every line), the warnings and the signatures
("Mengetahui, Kepala Dinas Sosial" and "Yang membuat"). DejaVu Sans from ``resources/fonts``
is embedded. Numbers in Indonesian format; "–" where a denominator is 0. No English: the
fulfilment rule is printed by its Indonesian name. This module never queries the database.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    Image,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.settings import FULFILMENT_RULE_NAMES, AppSettings
from spm_desktop.core.paths import resource_path
from spm_desktop.core.reports import formatting as fmt
from spm_desktop.core.reports.signing import Signing
from spm_desktop.core.rollup.result import IndicatorFigure, RollupResult
from spm_desktop.core.rollup.result import main_indicators as rollup_main_indicators

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
MARGIN = 15 * mm
CHART_LINES = 5  # main indicators drawn in the trend chart
CHART_COLOURS = (colors.HexColor("#1f77b4"), colors.HexColor("#d62728"), colors.HexColor("#2ca02c"),
                 colors.HexColor("#9467bd"), colors.HexColor("#ff7f0e"))
PROGRAM_LABELS = {
    "rehab_dasar": "Rehabilitasi sosial dasar di luar panti",
    "pmks_lainnya": "Rehabilitasi sosial PMKS lainnya",
    "bencana": "Perlindungan dan jaminan sosial korban bencana",
    "tagana": "Taruna Siaga Bencana",
    "migran": "Pemulangan warga negara migran",
}
ATTENDANCE_UNIT = "orang (kehadiran)"  # counting rule "participants": attendances, not distinct persons


def unit_label(i: IndicatorFigure) -> str:
    """The unit as printed: attendance indicators say so."""
    return ATTENDANCE_UNIT if i.counting_rule == "participants" else i.unit


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(resource_path("fonts", "DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(resource_path("fonts", "DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=11.5)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "num": ParagraphStyle("num", parent=base, fontSize=7.5, leading=9, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=7.5, leading=9,
                               alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=13, leading=17,
                                alignment=TA_CENTER, spaceBefore=4, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, alignment=TA_CENTER, spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=13,
                             spaceBefore=8, spaceAfter=4),
        "gov": ParagraphStyle("gov", parent=base, fontName=FONT_BOLD, fontSize=12, leading=15, alignment=TA_CENTER),
        "office": ParagraphStyle("office", parent=base, fontName=FONT_BOLD, fontSize=15, leading=19,
                                 alignment=TA_CENTER),
        "address": ParagraphStyle("address", parent=base, fontSize=8.5, leading=11, alignment=TA_CENTER),
        "sign": ParagraphStyle("sign", parent=base, alignment=TA_CENTER),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _NumberedCanvas(Canvas):
    """Defers page output so the footer can say "Halaman x dari y"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):  # noqa: N802 (ReportLab API)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            width, _height = self._pagesize
            self.setFont(FONT, 7.5)
            self.setFillColor(colors.grey)
            self.drawRightString(width - MARGIN, 8 * mm, f"Halaman {number} dari {total}")
            self.drawString(MARGIN, 8 * mm, self._doc_footer)
            super().showPage()
        super().save()


CELL_PADDING = 6  # ReportLab's default left/right cell padding (points), kept by _table


def _table(rows, widths, header_rows=1, number_cols=(), zebra=True) -> Table:
    t = Table(rows, colWidths=widths, repeatRows=header_rows)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 7.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9a9a9a")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header_rows:
        style.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#dfe7f1")))
    else:
        style.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f5f7fa")))
    for col in number_cols:
        style.append(("ALIGN", (col, header_rows), (col, -1), "RIGHT"))
    if zebra:
        for r in range(header_rows + 1, len(rows), 2):
            style.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f5f7fa")))
    t.setStyle(TableStyle(style))
    return t


def _letterhead(st: dict, settings: AppSettings, width: float) -> list:
    lines = [Paragraph(_esc(settings.office_government.upper()), st["gov"]) if settings.office_government else None,
             Paragraph(_esc(settings.office_name.upper()), st["office"])]
    phone = f"Telp. {settings.office_phone}" if settings.office_phone else ""
    contact = " · ".join(x for x in (settings.office_address, phone, settings.office_email) if x)
    if contact:
        lines.append(Paragraph(_esc(contact), st["address"]))
    text = [x for x in lines if x is not None]
    logo_path = Path(settings.office_logo_path) if settings.office_logo_path else None
    if logo_path and logo_path.is_file():
        try:
            ImageReader(str(logo_path)).getRGBData()  # decode now: a broken file must not stop the report
            logo = Image(str(logo_path), width=20 * mm, height=20 * mm, kind="proportional")
        except Exception:
            logo = Spacer(20 * mm, 20 * mm)
    else:
        logo = Spacer(20 * mm, 20 * mm)
    head = Table([[logo, text, ""]], colWidths=[24 * mm, width - 48 * mm, 24 * mm])
    head.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, 0), 1.5, colors.black),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    return [head, Spacer(1, 4 * mm)]


def _group_sections(st, result: RollupResult, settings: AppSettings, width: float) -> list:
    out = [Paragraph("A. Capaian SPM per jenis pelayanan dasar", st["h2"])]
    rows = [[Paragraph(h, st["head"]) for h in
             ("No", "Jenis pelayanan dasar", "Sasaran (Y)", "Terpenuhi (X)", "Capaian (A)",
              "Mutu (B)", "Indeks SPM", "Status")]]
    for n, g in enumerate(result.spm, start=1):
        mutu = fmt.percent(g.mutu) if g.mutu is not None else "belum diisi"
        rows.append([str(n), Paragraph(_esc(g.label), st["cell"]), fmt.number(g.sasaran),
                     fmt.number(g.terpenuhi), fmt.percent(g.capaian), mutu, fmt.number(g.index, 1),
                     Paragraph(_esc(g.status), st["cell"])])
    widths = [10 * mm, width - 10 * mm - 5 * 21 * mm - 24 * mm, 21 * mm, 21 * mm, 21 * mm, 21 * mm, 21 * mm, 24 * mm]
    out.append(_table(rows, widths, number_cols=(2, 3, 4, 5, 6)))
    wa, wb = fmt.number(settings.weight_a * 100), fmt.number(settings.weight_b * 100)
    notes = [
        "Y = orang (sasaran) yang membutuhkan layanan dasar pada tahun anggaran sampai akhir periode; X = mereka yang "
        f"kebutuhan dasarnya terpenuhi ({_esc(FULFILMENT_RULE_NAMES.get(result.fulfilment_rule, ''))}); "
        "A = X / Y × 100.",
        "B = rata-rata min(jumlah tersedia / standar, 1) × 100 atas butir mutu (barang/jasa dan SDM) standar "
        "Renstra tahun ini; \"belum diisi\" sampai jumlah tersedia setiap butir diisi.",
        f"Indeks SPM = {wa}% × A + {wb}% × B; status menurut tabel tuntas di Pengaturan; \"belum dinilai\" bila "
        "A atau B belum ada.",
    ]
    empty = [g.label for g in result.spm if not g.sasaran]
    if empty:
        notes.append("Sasaran kosong pada periode ini untuk " + _esc(", ".join(empty)) + ": capaian ditulis "
                     "\"–\" (bukan 0% dan bukan 100%).")
    out.append(Spacer(1, 1.5 * mm))
    out += [Paragraph(f"• {n}", st["small"]) for n in notes]
    return out


def _ikk_section(st, result: RollupResult, width: float) -> list:
    k = result.ikk
    rows = [[Paragraph(h, st["head"]) for h in ("Indikator Kinerja Kunci", "Terpenuhi", "Sasaran", "Capaian",
                                                 "Target")],
            [Paragraph("IKK 1 — Persentase penyandang disabilitas terlantar, anak terlantar, lanjut usia terlantar, "
                       "serta gelandangan dan pengemis yang terpenuhi kebutuhan dasarnya di luar panti", st["cell"]),
             fmt.number(k.ikk1_terpenuhi), fmt.number(k.ikk1_sasaran), fmt.percent(k.ikk1), "100%"],
            [Paragraph("IKK 2 — Persentase korban bencana alam dan sosial yang terpenuhi kebutuhan dasarnya pada "
                       "saat dan setelah tanggap darurat bencana", st["cell"]),
             fmt.number(k.ikk2_terpenuhi), fmt.number(k.ikk2_sasaran), fmt.percent(k.ikk2), "100%"]]
    widths = [width - 4 * 20 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm]
    return [KeepTogether([Paragraph("B. Indikator Kinerja Kunci (IKK)", st["h2"]),
                          _table(rows, widths, number_cols=(1, 2, 3, 4))])]


def _indicator_table(st, result: RollupResult, width: float) -> list:
    month = fmt.MONTHS_ID[result.period.month - 1]
    heads = ("No", "Kode", "Subkegiatan / indikator keluaran", "Satuan", f"Bulan ini ({month})", "Kumulatif",
             "Target tahunan", "% target", "Pagu tahunan")
    fixed = [10 * mm, 28 * mm, None, 28 * mm, 20 * mm, 20 * mm, 18 * mm, 17 * mm, 32 * mm]
    fixed[2] = width - sum(w for w in fixed if w)
    rows = [[_head_fitting(st["head"], h, w) for h, w in zip(heads, fixed, strict=True)]]
    program = None
    spans = []
    for n, i in enumerate(result.indicators, start=1):
        if i.program != program:
            program = i.program
            rows.append([Paragraph(f"<b>{_esc(PROGRAM_LABELS.get(program, program))}</b>", st["cell"])] + [""] * 8)
            spans.append(len(rows) - 1)
        rows.append([str(n), i.code, Paragraph(_esc(i.name), st["cell"]), Paragraph(_esc(unit_label(i)), st["cell"]),
                     fmt.number(i.month),
                     fmt.number(i.cumulative), fmt.number(i.target), fmt.percent(i.percent_of_target),
                     fmt.money(i.budget)])
    t = _table(rows, fixed, number_cols=(4, 5, 6, 7, 8), zebra=False)
    t.setStyle(TableStyle([("SPAN", (0, r), (-1, r)) for r in spans]
                          + [("BACKGROUND", (0, r), (-1, r), colors.HexColor("#eef2e6")) for r in spans]))
    return [Paragraph("C. Indikator keluaran (output) per subkegiatan", st["h2"]),
            Paragraph(f"Bulan ini = penerima baru pada bulan {month}; kumulatif = 1 Januari s.d. akhir periode; "
                      "satuan Orang dihitung per orang (sekali setahun), satuan Unit dijumlahkan, "
                      f"{ATTENDANCE_UNIT} = jumlah kehadiran peserta kegiatan kelompok.", st["small"]),
            Spacer(1, 2 * mm), t]


def _head_fitting(style: ParagraphStyle, text: str, col_width: float) -> Paragraph:
    """A column heading whose every word fits the column (a long kecamatan name such as
    "Sungai Ambawang" is never split inside a word): the font shrinks, down to 5 pt."""
    room = col_width - 2 * CELL_PADDING
    longest = max((pdfmetrics.stringWidth(w, style.fontName, style.fontSize) for w in text.split()), default=0)
    if longest <= room:
        return Paragraph(_esc(text), style)
    size = max(5.0, style.fontSize * room / longest)
    return Paragraph(_esc(text), ParagraphStyle(f"{style.name}-fit", parent=style, fontSize=size,
                                                leading=size * style.leading / style.fontSize))


def _kecamatan_table(st, result: RollupResult, width: float) -> list:
    b = result.breakdown("kecamatan")
    if b is None:
        return []
    n = len(b.rows) + 1
    col = min(22 * mm, (width - 28 * mm - 60 * mm) / n)
    widths = [28 * mm, width - 28 * mm - n * col] + [col] * n
    heads = [Paragraph(_esc(h), st["head"]) for h in ("Kode", "Subkegiatan")]
    heads += [_head_fitting(st["head"], h, col) for h in [r.label for r in b.rows] + ["Jumlah"]]
    rows = [heads]
    for i in result.indicators:
        values = [r.value(i.code) for r in b.rows]
        rows.append([i.code, Paragraph(_esc(i.name), st["cell"])] + [fmt.number(v) for v in values]
                    + [fmt.number(sum(values))])
    return [Paragraph("D. Rincian per kecamatan (kumulatif)", st["h2"]),
            Paragraph("Setiap orang dihitung sekali per subkegiatan, di kecamatan tempat ia pertama kali dilayani "
                      "pada tahun ini; jumlah baris sama dengan angka kumulatif.", st["small"]),
            Spacer(1, 2 * mm), _table(rows, widths, number_cols=tuple(range(2, 2 + n)))]


def main_indicators(result: RollupResult) -> list[IndicatorFigure]:
    """Indicators drawn in the trend chart."""
    return rollup_main_indicators(result, CHART_LINES)


def trend_chart(result: RollupResult, width: float, height: float = 52 * mm) -> Drawing:
    """Cumulative % of the yearly target per month, with the straight target line. The lines
    are explained by :func:`chart_key` (code and full name), never by a cut legend."""
    d = Drawing(width, height)
    months = result.period.month
    chosen = main_indicators(result)
    plot = LinePlot()
    plot.x, plot.y = 34, 28
    plot.width, plot.height = width - 50, height - 36
    target_line = [(0, 0)] + [(m, 100 * m / 12) for m in range(1, months + 1)]
    data = [target_line] + [[(0, 0)] + [(m, 100 * v / i.target) for m, v in enumerate(i.series, start=1)]
                            for i in chosen]
    plot.data = data
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 0, max(months, 1)
    plot.xValueAxis.valueSteps = list(range(0, months + 1))
    plot.xValueAxis.labelTextFormat = lambda v: fmt.MONTHS_SHORT_ID[int(v) - 1] if v >= 1 else ""
    top = max([100 * months / 12] + [p[1] for line in data for p in line])
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = 0, max(10.0, top * 1.1)
    plot.yValueAxis.labelTextFormat = lambda v: fmt.number(v) + "%"
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName, axis.labels.fontSize = FONT, 7
    plot.lines[0].strokeColor = colors.black
    plot.lines[0].strokeDashArray = (3, 2)
    plot.lines[0].strokeWidth = 1
    for n, _ in enumerate(chosen, start=1):
        plot.lines[n].strokeColor = CHART_COLOURS[(n - 1) % len(CHART_COLOURS)]
        plot.lines[n].strokeWidth = 1.4
        plot.lines[n].symbol = makeMarker("FilledCircle", size=3)
    d.add(plot)
    d.add(String(plot.x, 4, "Persentase kumulatif terhadap target tahunan per akhir bulan", fontName=FONT,
                 fontSize=7))
    return d


def _swatch(colour, dashed: bool = False) -> Drawing:
    d = Drawing(12 * mm, 3 * mm)
    line = Line(0, 1.5 * mm, 12 * mm, 1.5 * mm, strokeColor=colour, strokeWidth=1.6)
    if dashed:
        line.strokeDashArray = (3, 2)
    d.add(line)
    return d


def chart_key(st, result: RollupResult, width: float) -> Table:
    """Key of the trend chart: line, code, full name and program of every indicator drawn."""
    rows = [[Paragraph(h, st["head"]) for h in ("Garis", "Kode", "Subkegiatan (program)")],
            [_swatch(colors.black, dashed=True), "", Paragraph("Target proporsional bulan (target tahunan × bulan "
                                                               "/ 12)", st["cell"])]]
    for n, i in enumerate(main_indicators(result)):
        program = PROGRAM_LABELS.get(i.program, i.program)
        rows.append([_swatch(CHART_COLOURS[n % len(CHART_COLOURS)]), i.code,
                     Paragraph(f"{_esc(i.name)} ({_esc(program)})", st["cell"])])
    t = _table(rows, [18 * mm, 30 * mm, width - 48 * mm], zebra=False)
    t.setStyle(TableStyle([("VALIGN", (0, 1), (0, -1), "MIDDLE")]))
    return t


def _layanan_section(st, result: RollupResult, width: float) -> list:
    """F. The month's complaints, referrals and DTSEN proposals (rollup/layanan.py)."""
    lay = result.layanan
    if lay is None:
        return []
    days = "hari kerja"
    avg = "–" if lay.response_avg_days is None else f"{fmt.number(lay.response_avg_days, 1)} {days}"
    longest = "–" if lay.response_max_days is None else f"{fmt.number(lay.response_max_days)} {days}"
    target = "–" if lay.dtsen_target is None else fmt.number(lay.dtsen_target)
    by_status = ", ".join(f"{k} {fmt.number(v)}" for k, v in lay.dtsen_by_status.items())
    rows = [[Paragraph(h, st["head"]) for h in ("Uraian", "Jumlah")],
            ["Pengaduan dan permohonan data diterima bulan ini", fmt.number(lay.complaints_received)],
            ["Pengaduan ditutup bulan ini (selesai / ditolak)",
             f"{fmt.number(lay.complaints_selesai)} / {fmt.number(lay.complaints_closed - lay.complaints_selesai)}"],
            ["Waktu tanggapan pertama rata-rata / terlama", f"{avg} / {longest}"],
            [f"Pengaduan belum ditanggapi lebih dari {lay.response_limit_days} hari kerja (akhir periode)",
             fmt.number(lay.complaints_overdue)],
            ["Rujukan keluar dikirim / mendapat umpan balik bulan ini",
             f"{fmt.number(lay.referrals_sent)} / {fmt.number(lay.referrals_answered)}"],
            [f"Rujukan menunggu umpan balik (lebih dari {lay.referral_limit_days} hari)",
             f"{fmt.number(lay.referrals_waiting)} ({fmt.number(lay.referrals_waiting_flagged)})"],
            [Paragraph("Usulan DTSEN tahun ini menurut status", st["cell"]), Paragraph(_esc(by_status), st["cell"])],
            ["PPKS ditetapkan masuk DTSEN tahun ini / target Renstra",
             f"{fmt.number(lay.dtsen_ditetapkan_year)} / {target} ({fmt.percent(lay.dtsen_percent_of_target)})"]]
    head = f"F. Layanan data, pengaduan dan rujukan — {fmt.long_date(lay.month_start)} s.d. " \
           f"{fmt.long_date(lay.month_end)}"
    return [KeepTogether([Paragraph(_esc(head), st["h2"]), _table(rows, [width - 70 * mm, 70 * mm])])]


def _warnings(st, result: RollupResult) -> list:
    items = list(result.warnings) or ["Tidak ada peringatan."]
    out = [Paragraph("G. Catatan dan peringatan", st["h2"])]
    out += [Paragraph(f"• {_esc(w)}", st["base"]) for w in items]
    out.append(Paragraph("Tanda \"–\" berarti penyebut kosong (sasaran atau target 0), bukan 0% atau 100%.",
                         st["small"]))
    return out


def _signature(st, settings: AppSettings, signing: Signing, width: float) -> list:
    """"Mengetahui, Kepala Dinas Sosial" on the left, place/date and "Yang membuat" on the right."""
    city = settings.office_city or ""
    when = f"{_esc(city)}, {fmt.long_date(signing.signed_on)}" if city else fmt.long_date(signing.signed_on)
    blank = "<br/><br/><br/><br/>"
    head = [f"<b><u>{_esc(settings.signatory_name)}</u></b>"]
    if settings.signatory_rank:
        head.append(_esc(settings.signatory_rank))
    head.append(f"NIP. {_esc(settings.signatory_nip)}")
    left = ["", "Mengetahui,", _esc(settings.signatory_title or "Kepala Dinas Sosial"), blank, *head]
    maker = [f"<b><u>{_esc(signing.maker_name)}</u></b>" if signing.maker_name
             else "(.........................................)"]
    if signing.maker_nip:
        maker.append(f"NIP. {_esc(signing.maker_nip)}")
    right = [when, "Yang membuat,", "", blank, *maker]
    t = Table([[Paragraph("<br/>".join(left), st["sign"]), "", Paragraph("<br/>".join(right), st["sign"])]],
              colWidths=[width * 0.42, width * 0.16, width * 0.42])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [Spacer(1, 6 * mm), KeepTogether([Paragraph("H. Pengesahan", st["h2"]), t])]


def write_recap_pdf(result: RollupResult, settings: AppSettings, path: str | Path,
                    signing: Signing | None = None, audit_head: tuple[int, str] | None = None) -> Path:
    """Write the recap of ``result`` to ``path``; returns the path. Signed on ``signing``'s
    date (default today) by its maker and the settings' Kepala Dinas. ``audit_head`` (seq, hash)
    of the audit trail's hash chain is printed in every page's footer: the signed paper fixes
    the trail as it was."""
    _register_fonts()
    path = Path(path)
    st = _styles()
    signing = signing or Signing(clock.today())
    portrait_w = A4[0] - 2 * MARGIN
    land_w = landscape(A4)[0] - 2 * MARGIN
    doc = BaseDocTemplate(str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                          bottomMargin=MARGIN + 4 * mm, title=f"Rekapitulasi Capaian SPM — {result.period.label}",
                          author=settings.office_name, subject="Rekapitulasi Capaian SPM Bidang Sosial")
    doc.addPageTemplates([
        PageTemplate("portrait", [Frame(MARGIN, MARGIN + 4 * mm, portrait_w, A4[1] - 2 * MARGIN - 4 * mm,
                                        id="p")], pagesize=A4),
        PageTemplate("landscape", [Frame(MARGIN, MARGIN + 4 * mm, land_w, A4[0] - 2 * MARGIN - 4 * mm,
                                         id="l")], pagesize=landscape(A4)),
    ])
    p = result.period
    story: list = _letterhead(st, settings, portrait_w)
    story.append(Paragraph(f"Rekapitulasi Capaian SPM Bidang Sosial — {_esc(p.label)}", st["title"]))
    story.append(Paragraph(f"Periode {fmt.long_date(p.start)} s.d. {fmt.long_date(p.end)} "
                           "(kumulatif tahun anggaran)", st["subtitle"]))
    story += _group_sections(st, result, settings, portrait_w)
    story += _ikk_section(st, result, portrait_w)
    story += [NextPageTemplate("landscape"), PageBreak()]
    story += _indicator_table(st, result, land_w)
    story += [Spacer(1, 4 * mm)]
    story += _kecamatan_table(st, result, land_w)
    story += [Spacer(1, 4 * mm), KeepTogether([
        Paragraph("E. Tren capaian kumulatif terhadap target (indikator utama)", st["h2"]),
        trend_chart(result, land_w), chart_key(st, result, land_w)])]
    story += _layanan_section(st, result, land_w)
    story += _warnings(st, result)
    story += _signature(st, settings, signing, land_w)

    footer = f"Rekapitulasi Capaian SPM — {p.label} — {settings.office_name}"
    if audit_head is not None:
        footer += f" — Jejak audit #{audit_head[0]} {audit_head[1][:16]}"

    def make_canvas(*args, **kwargs):
        kwargs["initialFontName"] = FONT  # no unembedded Helvetica anywhere
        c = _NumberedCanvas(*args, **kwargs)
        c._doc_footer = footer
        return c

    doc.build(story, canvasmaker=make_canvas)
    return path
