"""Dates and times as a user reads them, in one place (reports, messages, the GUI, the CLI):
``31/03/2026``, ``31/03/2026 14:05`` (``:07`` with seconds), ``31 Maret 2026``.

Files that other programs read (ISO dates in CSV and JSON, stamps in file names) keep their
own machine formats; parsing typed dates is :func:`spm_desktop.core.imports.framework.parse_date`.
"""

from __future__ import annotations

from datetime import date, datetime

MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
MONTHS_SHORT_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def short_date(d: date | None) -> str:
    """``dd/mm/yyyy`` (the date of a datetime); empty for None."""
    return d.strftime("%d/%m/%Y") if d else ""


def date_time(at: datetime | None, seconds: bool = False) -> str:
    """``dd/mm/yyyy HH:MM`` (``HH:MM:SS`` with ``seconds``) of the time as given; empty for None."""
    return at.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M") if at else ""


def long_date(d: date) -> str:
    """``31 Maret 2026``."""
    return f"{d.day} {MONTHS_ID[d.month - 1]} {d.year}"
