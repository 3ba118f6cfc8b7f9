"""What the quarterly e-SPM workbook needs: the quarter's roll-up (its groups carry the
persons served per month, by met date: architecture §4 v2) and the year's mutu items."""

from __future__ import annotations

from dataclasses import dataclass

from spm_desktop.core.domain.settings import AppSettings
from spm_desktop.core.rollup.engine import rollup_in_session
from spm_desktop.core.rollup.mutu import MutuRow, rows_in_session
from spm_desktop.core.rollup.period import Period
from spm_desktop.core.rollup.result import RollupResult
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.settings import load_settings


@dataclass(frozen=True)
class QuarterResult:
    result: RollupResult  # 1 January to the end of the quarter
    mutu_items: tuple[MutuRow, ...]  # every standard item of the year (counted or not)

    def served_by_month(self, group: str) -> tuple[int, ...]:
        """Terlayani per month 1..3Q of ``group`` — the one place the workbook reads it: the
        persons of terpenuhi whose met date falls in that month (never negative; they add up
        to terpenuhi)."""
        return self.result.group(group).served_by_month[:self.result.period.month]


def compute_quarter(db: Database, year: int, quarter: int) -> tuple[QuarterResult, AppSettings]:
    period = Period.for_quarter(year, quarter)
    with db.reading() as s:
        settings = load_settings(s)
        result = rollup_in_session(s, period, settings)
        items = tuple(rows_in_session(s, year))
    return QuarterResult(result, items), settings
