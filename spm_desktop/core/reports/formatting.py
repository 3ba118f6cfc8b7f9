"""Indonesian number and date formatting for everything a user reads (reports, GUI).

``1234567`` → ``1.234.567``; ``70.5`` → ``70,5``; ``None`` → ``–`` (empty denominator);
dates ``dd/mm/yyyy`` or ``31 Maret 2026`` (:mod:`spm_desktop.core.domain.dates`, re-exported here);
money ``Rp 1.234.567``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from spm_desktop.core.domain.dates import MONTHS_ID as MONTHS_ID  # the one date formatter, re-exported
from spm_desktop.core.domain.dates import MONTHS_SHORT_ID as MONTHS_SHORT_ID
from spm_desktop.core.domain.dates import date_time as date_time
from spm_desktop.core.domain.dates import long_date as long_date
from spm_desktop.core.domain.dates import short_date as short_date

DASH = "–"  # shown where a figure has no denominator (never 0% and never 100%)


def _group_thousands(digits: str) -> str:
    out = []
    while len(digits) > 3:
        out.append(digits[-3:])
        digits = digits[:-3]
    out.append(digits)
    return ".".join(reversed(out))


def number(value: float | int | Decimal | None, decimals: int = 0) -> str:
    """``1234.5`` → ``1.234,5`` (with ``decimals=1``); ``None`` → ``–``. Half-up rounding."""
    if value is None:
        return DASH
    quant = Decimal(1).scaleb(-decimals)
    d = Decimal(str(value)).quantize(quant, rounding=ROUND_HALF_UP)
    sign = "-" if d < 0 else ""
    text = f"{abs(d):.{decimals}f}"
    whole, _, frac = text.partition(".")
    result = _group_thousands(whole)
    return f"{sign}{result},{frac}" if decimals else f"{sign}{result}"


def percent(value: float | None, decimals: int = 1, sign: bool = True) -> str:
    """``70.5`` → ``70,5%``; ``None`` → ``–``."""
    if value is None:
        return DASH
    return number(value, decimals) + ("%" if sign else "")


def money(value: float | Decimal | None) -> str:
    """``1234567`` → ``Rp 1.234.567``; ``None`` → ``–``."""
    if value is None:
        return DASH
    return f"Rp {number(value)}"
