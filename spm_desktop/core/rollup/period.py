"""The reporting period of a roll-up: budget year ``Y`` up to month ``M`` (or a quarter).

The window is always 1 January of ``Y`` to the last day of the period (architecture §4):
figures accumulate over the budget year.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from spm_desktop.core.domain.dates import MONTHS_ID
from spm_desktop.core.domain.errors import ValidationError


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Period:
    year: int
    month: int  # last month of the period (3 × quarter for a quarter)
    quarter: int | None = None

    @classmethod
    def for_month(cls, year: int, month: int) -> Period:
        _check_year(year)
        if not isinstance(month, int) or not 1 <= month <= 12:
            raise ValidationError("Bulan harus 1 sampai 12.", "month")
        return cls(year, month)

    @classmethod
    def for_quarter(cls, year: int, quarter: int) -> Period:
        _check_year(year)
        if not isinstance(quarter, int) or not 1 <= quarter <= 4:
            raise ValidationError("Triwulan harus 1 sampai 4.", "quarter")
        return cls(year, quarter * 3, quarter)

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        return month_end(self.year, self.month)

    @property
    def label(self) -> str:
        """Indonesian label: "Maret 2026" or "Triwulan I 2026"."""
        if self.quarter:
            return f"Triwulan {('I', 'II', 'III', 'IV')[self.quarter - 1]} {self.year}"
        return f"{MONTHS_ID[self.month - 1]} {self.year}"


def _check_year(year: int) -> None:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError("Tahun tidak valid.", "year")
