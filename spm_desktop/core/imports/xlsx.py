"""A fast reader of the first sheet of an ``.xlsx`` file, values only.

openpyxl builds a cell object per cell, which made reading a 10,000-row import file the
slowest part of the import (issue 3 budget: 10 s). This reader streams the sheet XML with
``iterparse`` and turns cells into plain values the way openpyxl's ``values_only`` does:
shared and inline strings, numbers (``int`` when whole, read exactly without ``float``),
booleans, and numbers whose cell style is a date format as :class:`datetime.datetime`. :func:`read_first_sheet` raises
:class:`XlsxFormatError` for anything it does not understand; the caller then falls back to
openpyxl.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import iterparse

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Built-in number formats that show a date or time (ECMA-376 §18.8.30).
BUILTIN_DATE_FORMATS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47}
EPOCH_1900 = datetime(1899, 12, 30)
EPOCH_1904 = datetime(1904, 1, 1)
MAX_COLUMNS = 16384  # XFD, the last column Excel has
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


class XlsxFormatError(Exception):
    """The file uses something this reader does not handle."""


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _text(element) -> str:
    """Text of a shared/inline string item: plain ``<t>`` or rich-text runs."""
    return "".join(t.text or "" for t in element.iter(f"{NS}t"))


def _shared_strings(zf: zipfile.ZipFile, path: str | None) -> list[str]:
    if not path or path not in zf.namelist():
        return []
    out: list[str] = []
    with zf.open(path) as fh:
        for _event, el in iterparse(fh):
            if el.tag == f"{NS}si":
                out.append(_text(el))
                el.clear()
    return out


def _is_date_format(code: str) -> bool:
    bare = _QUOTED.sub("", code).lower()
    return any(ch in bare for ch in "dmy") and "general" not in bare


def _date_styles(zf: zipfile.ZipFile, path: str | None) -> set[int]:
    """Indexes of the cell styles (``s`` attribute) that format a number as a date."""
    if not path or path not in zf.namelist():
        return set()
    with zf.open(path) as fh:
        root = _parse(fh)
    custom = {int(f.get("numFmtId")): f.get("formatCode", "") for f in root.iter(f"{NS}numFmt")}
    cell_xfs = root.find(f"{NS}cellXfs")
    dates: set[int] = set()
    if cell_xfs is None:
        return dates
    for index, xf in enumerate(cell_xfs.findall(f"{NS}xf")):
        fmt = int(xf.get("numFmtId", "0"))
        if fmt in BUILTIN_DATE_FORMATS or (fmt in custom and _is_date_format(custom[fmt])):
            dates.add(index)
    return dates


def _parse(fh):
    from xml.etree.ElementTree import parse

    return parse(fh).getroot()


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return str(PurePosixPath(base).parent / target)


def _parts(zf: zipfile.ZipFile) -> tuple[str, str | None, str | None, bool]:
    """(first sheet, shared strings, styles, 1904 date system) part names."""
    with zf.open("xl/workbook.xml") as fh:
        workbook = _parse(fh)
    sheets = workbook.find(f"{NS}sheets")
    if sheets is None or not len(sheets):
        raise XlsxFormatError("no sheets")
    first_rid = sheets[0].get(f"{REL_NS}id")
    pr = workbook.find(f"{NS}workbookPr")
    date1904 = pr is not None and pr.get("date1904") in ("1", "true")
    with zf.open("xl/_rels/workbook.xml.rels") as fh:
        rels = _parse(fh)
    sheet = shared = styles = None
    for rel in rels.iter(f"{PKG_REL_NS}Relationship"):
        target = _resolve("xl/workbook.xml", rel.get("Target", ""))
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        if rel.get("Id") == first_rid:
            sheet = target
        elif kind == "sharedStrings":
            shared = target
        elif kind == "styles":
            styles = target
    if sheet is None:
        raise XlsxFormatError("first sheet not found")
    return sheet, shared, styles, date1904


def _value(cell, strings: list[str], date_styles: set[int], epoch: datetime) -> Any:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(f"{NS}is")
        return _text(inline) if inline is not None else None
    v = cell.find(f"{NS}v")
    if v is None or v.text is None:
        return None
    raw = v.text
    if kind == "s":
        return strings[int(raw)]
    if kind in ("str", "e"):
        return raw
    if kind == "b":
        return raw == "1"
    if kind == "d":
        return datetime.fromisoformat(raw)
    if int(cell.get("s", "0")) in date_styles:
        return epoch + timedelta(days=float(raw))
    # Exact: a 16-digit value must not pass through float() (2^53 < 10^16). Identity columns
    # refuse numeric cells anyway (imports.framework); ids and quantities stay exact.
    number = Decimal(raw)
    if not number.is_finite():
        raise XlsxFormatError(f"not a number: {raw}")
    return int(number) if number == number.to_integral_value() else float(number)


def read_first_sheet(path: str | Path) -> list[list[Any]]:
    """Rows of the first sheet as lists of values; list index = line number - 1 (gaps are
    empty lists). Raises :class:`XlsxFormatError` (or ``zipfile.BadZipFile``)."""
    rows: list[list[Any]] = []
    for line, values in iter_first_sheet(path):
        while len(rows) < line - 1:
            rows.append([])
        rows.append(values)
    return rows


def iter_first_sheet(path: str | Path) -> Iterator[tuple[int, list[Any]]]:
    """(line number, values) of each row element of the first sheet, streamed (rows that are
    not in the file are not produced). Raises :class:`XlsxFormatError` (or ``zipfile.BadZipFile``)."""
    try:
        with zipfile.ZipFile(path) as zf:
            sheet, shared, styles, date1904 = _parts(zf)
            strings = _shared_strings(zf, shared)
            date_styles = _date_styles(zf, styles)
            epoch = EPOCH_1904 if date1904 else EPOCH_1900
            previous = 0
            with zf.open(sheet) as fh:
                for _event, el in iterparse(fh):
                    if el.tag != f"{NS}row":
                        continue
                    line = int(el.get("r", previous + 1))
                    previous = line
                    values: list[Any] = []
                    for position, cell in enumerate(el.findall(f"{NS}c")):
                        ref = _CELL_REF.match(cell.get("r", ""))
                        column = _column_index(ref.group(1)) if ref else position
                        if column >= MAX_COLUMNS:
                            raise XlsxFormatError(f"column {column} beyond the sheet")
                        if column >= len(values):
                            values.extend([None] * (column + 1 - len(values)))
                        values[column] = _value(cell, strings, date_styles, epoch)
                    el.clear()
                    yield line, values
    except (KeyError, ValueError, IndexError, SyntaxError, InvalidOperation) as exc:  # malformed or unexpected parts
        raise XlsxFormatError(str(exc)) from exc
