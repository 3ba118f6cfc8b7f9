"""The finished roll-up: plain frozen values that the PDF, the workbook, the JSON and the GUI
all read. ``to_json()`` gives the contract of architecture §9 (deterministic ordering)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spm_desktop.core.domain.groups import RULE_UNIT_LABELS
from spm_desktop.core.rollup.period import Period


@dataclass(frozen=True)
class IndicatorFigure:
    """Output indicator of one active service type."""

    code: str
    name: str
    program: str
    unit: str
    counting_rule: str  # distinct_persons | sum_quantity | participants | named_participants
    month: int  # in the period's last month
    cumulative: int  # 1 January to the end of the period
    target: float | None
    percent_of_target: float | None  # None when there is no (or a zero) target
    budget: float | None
    series: tuple[int, ...]  # cumulative at the end of each month 1..M

    @property
    def unit_label(self) -> str:
        """The unit a report shows: "orang (kehadiran)" for attendances (rule ``participants``)."""
        return RULE_UNIT_LABELS.get(self.counting_rule, self.unit)

    @property
    def monthly(self) -> tuple[int, ...]:
        """Figure of each month 1..M (they add up to ``cumulative``)."""
        return tuple(b - a for a, b in zip((0, *self.series[:-1]), self.series, strict=True))


@dataclass(frozen=True)
class GroupFigure:
    """SPM achievement of one jenis pelayanan dasar."""

    group: str
    label: str
    sasaran: int  # Y_g
    terpenuhi: int  # X_g
    capaian: float | None  # X/Y × 100 with one decimal; None when Y = 0
    mutu: float | None  # B: mean of min(available / standard, 1) × 100; None until every item is filled in
    index: float | None  # wA × A + wB × B; None when either part is missing
    status: str  # tuntas label or "belum dinilai"
    mutu_items: int = 0  # standard mutu items of the group this year
    mutu_filled: int = 0  # of which the office entered the available quantity
    unassessed: int = 0  # persons of sasaran with a case not yet assessed (0 for bencana)
    served_by_month: tuple[int, ...] = (0,) * 12  # persons of terpenuhi by the month of their met date


@dataclass(frozen=True)
class WarningItem:
    """A warning for programs: what (``kind``), how many, and what to do about it."""

    kind: str
    count: int
    action: str
    group: str | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "count": self.count, "action": self.action}
        if self.group:
            out["group"] = self.group
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True)
class Notice:
    """One sentence of the warnings with its kind (a :class:`WarningItem` kind, or ``mutu_unfilled``,
    ``empty_sasaran``, ``ikk1_missing``, ``ikk2_missing``, ``no_target``), so a page picks warnings
    by kind, never by searching their words."""

    kind: str
    text: str
    group: str | None = None


@dataclass(frozen=True)
class IkkFigure:
    ikk1: float | None
    ikk2: float | None
    ikk1_terpenuhi: int
    ikk1_sasaran: int
    ikk2_terpenuhi: int
    ikk2_sasaran: int


@dataclass(frozen=True)
class BreakdownRow:
    key: str  # code of the value ("" when unknown)
    label: str
    # (service code, figure), codes in catalogue order. A person counts once per indicator,
    # in the value of their first service of the year, so a column adds up to the cumulative.
    values: tuple[tuple[str, int], ...]

    def value(self, code: str) -> int:
        return dict(self.values).get(code, 0)


@dataclass(frozen=True)
class Breakdown:
    dimension: str  # kecamatan | kelurahan | sex | age_group | unit | pmks_category
    label: str
    rows: tuple[BreakdownRow, ...]


@dataclass(frozen=True)
class RollupResult:
    period: Period
    fulfilment_rule: str
    indicators: tuple[IndicatorFigure, ...]
    spm: tuple[GroupFigure, ...]
    ikk: IkkFigure
    breakdowns: tuple[Breakdown, ...]
    warnings: tuple[str, ...]
    open_duplicates: int = 0
    rata_rata_capaian: float | None = None  # mean of the exact capaian of the groups with Y > 0
    warning_items: tuple[WarningItem, ...] = ()
    # Layanan data, pengaduan dan rujukan of the period's month (rollup/layanan.py, issue 21).
    layanan: Any = None
    notices: tuple[Notice, ...] = ()  # ``warnings`` with their kinds, in the same order

    def notices_of(self, *kinds: str) -> list[Notice]:
        return [n for n in self.notices if n.kind in kinds]

    def indicator(self, code: str) -> IndicatorFigure:
        return next(i for i in self.indicators if i.code == code)

    def group(self, key: str) -> GroupFigure:
        return next(g for g in self.spm if g.group == key)

    def breakdown(self, dimension: str) -> Breakdown | None:
        return next((b for b in self.breakdowns if b.dimension == dimension), None)

    def to_json(self) -> dict[str, Any]:
        p = self.period
        period: dict[str, Any] = {"year": p.year, "month": p.month, "start": p.start.isoformat(),
                                  "end": p.end.isoformat()}
        if p.quarter:
            period["quarter"] = p.quarter
        return {
            "period": period,
            "fulfilment_rule": self.fulfilment_rule,
            "indicators": [
                {"code": i.code, "name": i.name, "program": i.program, "unit": i.unit,
                 "counting_rule": i.counting_rule, "month": i.month, "cumulative": i.cumulative,
                 "target": i.target, "percent_of_target": i.percent_of_target, "budget": i.budget,
                 "monthly": list(i.monthly), "series": list(i.series)}
                for i in self.indicators
            ],
            "spm": [
                {"group": g.group, "label": g.label, "sasaran": g.sasaran, "terpenuhi": g.terpenuhi,
                 "capaian": g.capaian, "mutu": g.mutu, "index": g.index, "status": g.status,
                 "unassessed": g.unassessed, "served_by_month": list(g.served_by_month)}
                for g in self.spm
            ],
            "ikk": {"ikk1": self.ikk.ikk1, "ikk2": self.ikk.ikk2,
                    "ikk1_terpenuhi": self.ikk.ikk1_terpenuhi, "ikk1_sasaran": self.ikk.ikk1_sasaran,
                    "ikk2_terpenuhi": self.ikk.ikk2_terpenuhi, "ikk2_sasaran": self.ikk.ikk2_sasaran},
            "breakdowns": {
                b.dimension: [{"key": r.key, "label": r.label, "indicators": dict(r.values)}
                              for r in b.rows]
                for b in self.breakdowns
            },
            "rata_rata_capaian": self.rata_rata_capaian,
            "open_duplicates": self.open_duplicates,
            "warnings": list(self.warnings),
            "warning_items": [w.to_json() for w in self.warning_items],
            **({"layanan_data": self.layanan.as_json()} if self.layanan is not None else {}),
        }


def main_indicators(result: RollupResult, count: int = 5) -> list[IndicatorFigure]:
    """The indicators a chart shows first: person-counted ones with the largest yearly targets."""
    eligible = [i for i in result.indicators if i.target and i.counting_rule != "sum_quantity"]
    return sorted(eligible, key=lambda i: (-(i.target or 0), i.code))[:count]
