"""The letters the office signs (issue 21): Surat Rujukan, Berita Acara Serah Terima and
Surat Keterangan, as A4 PDFs with the recap's letterhead. Pure layout of a stored letter's
content (``Letter.content``: title, number, date, paragraphs, field rows, signatures) and
the settings; it never queries, so a reprint of the same content gives the same letter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from spm_desktop.core.domain.settings import AppSettings
from spm_desktop.core.reports import formatting as fmt
from spm_desktop.core.reports.recap_pdf import FONT, MARGIN, _esc, _letterhead, _register_fonts, _styles

DRAFT_NUMBER = "(draf — belum bernomor; nomor diberikan di kantor)"


def write_letter_pdf(content: dict[str, Any], settings: AppSettings, path: str | Path) -> Path:
    """Write the letter ``content`` to ``path``; returns the path."""
    from datetime import date

    _register_fonts()
    path = Path(path)
    st = _styles()
    width = A4[0] - 2 * MARGIN
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=MARGIN + 5 * mm, rightMargin=MARGIN + 5 * mm,
                            topMargin=MARGIN, bottomMargin=MARGIN, title=content["title"],
                            author=settings.office_name, subject=content["title"])
    width -= 10 * mm
    story: list = _letterhead(st, settings, width)
    story.append(Paragraph(f"<u>{_esc(content['title'].upper())}</u>", st["title"]))
    number = content.get("number") or DRAFT_NUMBER
    story.append(Paragraph(f"Nomor: {_esc(number)}", st["subtitle"]))
    for text in content.get("before", []):
        story += [Paragraph(_esc(text), st["base"]), Spacer(1, 2 * mm)]
    rows = [[Paragraph(_esc(k), st["base"]), ":", Paragraph(_esc(v or "–"), st["base"])]
            for k, v in content.get("fields", [])]
    if rows:
        t = Table(rows, colWidths=[45 * mm, 4 * mm, width - 49 * mm])
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), FONT, 9),
                               ("LEFTPADDING", (0, 0), (-1, -1), 2)]))
        story += [t, Spacer(1, 3 * mm)]
    for text in content.get("after", []):
        story += [Paragraph(_esc(text), st["base"]), Spacer(1, 2 * mm)]
    signed_on = date.fromisoformat(content["date"])
    city = settings.office_city
    when = f"{_esc(city)}, {fmt.long_date(signed_on)}" if city else fmt.long_date(signed_on)
    blank = "<br/><br/><br/><br/>"
    cells = []
    for sig in content.get("signatures", []):
        name = _esc(sig.get("name") or "(............................)")
        lines = [sig.get("role", ""), blank, f"<b><u>{name}</u></b>"]
        if sig.get("nip"):
            lines.append(f"NIP. {_esc(sig['nip'])}")
        cells.append(Paragraph("<br/>".join(_esc(x) if i == 0 else x for i, x in enumerate(lines)), st["sign"]))
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph(when, st["sign"]))
    if cells:
        per_row = 2 if len(cells) > 1 else 1
        grid = [cells[i:i + per_row] + [""] * (per_row - len(cells[i:i + per_row]))
                for i in range(0, len(cells), per_row)]
        t = Table(grid, colWidths=[width / per_row] * per_row)
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, 0), 6),
                               ("TOPPADDING", (0, 1), (-1, -1), 9 * mm)]))
        story.append(KeepTogether([t]))
    draft = not content.get("number")

    def decorate(canvas, _doc):
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, 8 * mm, f"{content['title']} — {settings.office_name}")
        if draft:
            canvas.setFont(FONT, 48)
            canvas.setFillColor(colors.Color(0.8, 0.8, 0.8, alpha=0.5))
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(45)
            canvas.drawCentredString(0, 0, "DRAF")
        canvas.restoreState()

    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return path
