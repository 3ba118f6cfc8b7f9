"""SPM roll-up: indicator, SPM and IKK arithmetic of architecture §4, as SQL aggregation."""

from spm_desktop.core.rollup.engine import DEFAULT_BREAKDOWNS, compute_rollup, percent, rollup_in_session
from spm_desktop.core.rollup.period import Period
from spm_desktop.core.rollup.result import (
    Breakdown,
    BreakdownRow,
    GroupFigure,
    IkkFigure,
    IndicatorFigure,
    RollupResult,
    WarningItem,
)
from spm_desktop.core.rollup.scan import DIMENSIONS

__all__ = [
    "DEFAULT_BREAKDOWNS",
    "DIMENSIONS",
    "Breakdown",
    "BreakdownRow",
    "GroupFigure",
    "IkkFigure",
    "IndicatorFigure",
    "Period",
    "RollupResult",
    "WarningItem",
    "compute_rollup",
    "percent",
    "rollup_in_session",
]
