"""What the quarterly e-SPM workbook needs: the quarter's roll-up, the SPM groups at the end
of every month of the year so far (for "served per month"), and the year's mutu items."""

from __future__ import annotations

from dataclasses import dataclass

from spm_desktop.core.rollup.engine import rollup_in_session
from spm_desktop.core.rollup.period import Period
from spm_desktop.core.rollup.result import GroupFigure, RollupResult
from spm_desktop.core.services.mutu import MutuRow, rows_in_session
from spm_desktop.core.services.settings import AppSettings, load_settings
from spm_desktop.core.storage.database import Database


@dataclass(frozen=True)
class QuarterResult:
    result: RollupResult  # 1 January to the end of the quarter
    monthly_groups: tuple[tuple[GroupFigure, ...], ...]  # cumulative groups at the end of months 1..3Q
    mutu_items: tuple[MutuRow, ...]  # every standard item of the year (counted or not)

    def served_by_month(self, group: str) -> tuple[int, ...]:
        """Terlayani per month 1..3Q of ``group`` — the one place the workbook reads it.

        Today: cumulative X at the end of each month minus the previous month's. (The roll-up
        of architecture §4 v2 gives ``served_by_month`` by met date; this accessor moves to it.)
        """
        def x(m: int) -> int:
            return 0 if m < 1 else next(g.terpenuhi for g in self.monthly_groups[m - 1] if g.group == group)
        return tuple(x(m) - x(m - 1) for m in range(1, len(self.monthly_groups) + 1))


def compute_quarter(db: Database, year: int, quarter: int) -> tuple[QuarterResult, AppSettings]:
    period = Period.for_quarter(year, quarter)
    with db.reading() as s:
        settings = load_settings(s)
        result = rollup_in_session(s, period, settings)
        monthly = tuple(
            result.spm if m == period.month else rollup_in_session(s, Period(year, m), settings, ()).spm
            for m in range(1, period.month + 1)
        )
        items = tuple(rows_in_session(s, year))
    return QuarterResult(result, monthly, items), settings
