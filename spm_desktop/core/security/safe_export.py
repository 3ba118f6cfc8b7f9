"""Spreadsheet cells that stay data (OWASP "CSV injection").

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel and LibreOffice when the file is opened (``=HYPERLINK(…)``, ``=cmd|…``, DDE).
Every CSV export writes its text through :func:`neutralise` (an apostrophe in front of such
a value, as OWASP recommends); every XLSX export writes text as a cell of type text with
Excel's own "quote prefix" mark on such a value (:func:`text_cell`, :func:`set_text`), which
keeps the value exactly as stored. A value typed by anyone — a person's name, a username
typed at the login — never becomes a live formula in the office's spreadsheets.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` unchanged unless it is text starting like a formula; then ``'`` + value."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values) -> list:
    """One CSV row with every text value neutralised."""
    return [neutralise(v) for v in values]


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def set_text(cell, value: Any) -> None:
    """Put ``value`` into an openpyxl cell: text is stored as text (type ``s``, never a
    formula) and marked with the quote prefix when it starts like a formula; other values
    (numbers, dates, None) are kept as they are."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True


def text_cell(ws, value: Any):
    """A write-only cell holding ``value`` (see :func:`set_text`)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws)
    set_text(cell, value)
    return cell


def xlsx_row(ws, values) -> list:
    """A row of write-only cells: text as text, neutralised; other values unchanged. Cells
    already made (styled) are passed through."""
    from openpyxl.cell.cell import Cell

    return [v if isinstance(v, Cell) else text_cell(ws, v) for v in values]


def export_sheet(title: str, header, widths):
    """A write-only workbook with one sheet ``title``: the column ``widths`` and a bold
    ``header`` row. Returns (workbook, sheet); append the rows with :func:`xlsx_row`."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    header_cells = []
    for text in header:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    ws.append(header_cells)
    return wb, ws
