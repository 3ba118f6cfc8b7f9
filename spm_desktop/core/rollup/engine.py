"""Compute the whole roll-up of a period (architecture §4) into a :class:`RollupResult`.

Only aggregated rows leave the database: the loops here run over service types, groups,
months and breakdown values, never over events or persons.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.groups import CASE_GROUPS, SEXES, SPM_GROUP_SHORT, SPM_GROUPS, UNITS
from spm_desktop.core.reports.formatting import number
from spm_desktop.core.rollup.activities import apply_activity_counts
from spm_desktop.core.rollup.period import Period
from spm_desktop.core.rollup.result import (
    Breakdown,
    BreakdownRow,
    GroupFigure,
    IkkFigure,
    IndicatorFigure,
    RollupResult,
)
from spm_desktop.core.rollup.scan import DIMENSIONS, ScanCounts, scan
from spm_desktop.core.rollup.victims import victims_without_household, waived_needs
from spm_desktop.core.services.mutu import MutuScore, scores_in_session
from spm_desktop.core.services.settings import AppSettings, load_settings
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import DuplicateCandidate, PmksCategory, Region, ServiceType, Target

DEFAULT_BREAKDOWNS: tuple[str, ...] = ("kecamatan",)
AGE_GROUP_LABELS = {"anak": "Anak (< 18 tahun)", "dewasa": "Dewasa (18–59 tahun)", "lansia": "Lansia (≥ 60 tahun)"}
UNKNOWN_LABEL = "Tidak diketahui"


def percent(numerator: float | int | Decimal, denominator: float | int | Decimal | None) -> float | None:
    """``numerator / denominator × 100`` with one decimal (half up); None for a zero denominator."""
    if not denominator:
        return None
    value = Decimal(str(numerator)) * 100 / Decimal(str(denominator))
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def compute_rollup(
    db: Database, period: Period, breakdowns: tuple[str, ...] = DEFAULT_BREAKDOWNS
) -> RollupResult:
    """The roll-up of ``period``, read in one session (consistent snapshot on PostgreSQL)."""
    unknown = [d for d in breakdowns if d not in DIMENSIONS]
    if unknown:
        raise ValidationError(f"Rincian '{unknown[0]}' tidak dikenal; pilih: {', '.join(DIMENSIONS)}.", "breakdown")
    with db.reading() as s:
        return rollup_in_session(s, period, load_settings(s), breakdowns)


def rollup_in_session(
    s: Session, period: Period, settings: AppSettings, breakdowns: tuple[str, ...] = DEFAULT_BREAKDOWNS
) -> RollupResult:
    types = list(s.execute(
        select(ServiceType.code, ServiceType.name, ServiceType.program, ServiceType.unit, ServiceType.counting_rule)
        .where(ServiceType.active.is_(True), ServiceType.deleted_at.is_(None))
        .order_by(ServiceType.sort_order, ServiceType.code)))
    quantity_codes = [t.code for t in types if t.counting_rule == "sum_quantity"]
    counts = scan(s, period.start, period.end, quantity_codes, settings.fulfilment_rule, breakdowns,
                  settings.usia_rentan_anak)
    apply_activity_counts(s, counts, period.start, period.end, {t.code: t.counting_rule for t in types}, breakdowns)
    targets = {t.key: t for t in s.scalars(select(Target).where(Target.year == period.year,
                                                                Target.deleted_at.is_(None)))}
    indicators = tuple(_indicator(t, counts, targets.get(t.code), period.month) for t in types)
    mutu = scores_in_session(s, period.year)
    groups = tuple(_group(g, counts.groups, mutu, settings) for g in SPM_GROUPS)
    ikk = _ikk(groups)
    duplicates = s.scalar(select(func.count()).select_from(DuplicateCandidate).where(
        DuplicateCandidate.status == "open", DuplicateCandidate.deleted_at.is_(None))) or 0
    labels = _labels(s)
    _kecamatan_from_kelurahan(counts, labels["parent"])
    built = tuple(_breakdown(d, counts, [t.code for t in types], labels) for d in breakdowns)
    warnings = _warnings(period, groups, ikk, mutu, duplicates, indicators) + _waiver_warnings(
        waived_needs(s, period.start, period.end)) + _unregistered_victims(
        victims_without_household(s, period.start, period.end))
    return RollupResult(period, settings.fulfilment_rule, indicators, groups, ikk, built, warnings, duplicates)


def _indicator(t, served: ScanCounts, target: Target | None, last_month: int) -> IndicatorFigure:
    per_month = served.monthly.get(t.code, {})
    series, running = [], 0
    for m in range(1, last_month + 1):
        running += per_month.get(m, 0)
        series.append(running)
    value = None if target is None else float(target.value)
    budget = None if target is None or target.budget is None else float(target.budget)
    return IndicatorFigure(
        code=t.code, name=t.name, program=t.program, unit=t.unit, counting_rule=t.counting_rule,
        month=per_month.get(last_month, 0), cumulative=running, target=value,
        percent_of_target=percent(running, value), budget=budget, series=tuple(series))


def _group(g: str, counts, mutu: dict[str, MutuScore], st: AppSettings) -> GroupFigure:
    y, x = counts.get(g, (0, 0))
    capaian = percent(x, y)
    b = mutu[g]
    index = None
    if y and b.exact is not None:
        exact = (Decimal(str(st.weight_a)) * Decimal(x) * 100 / Decimal(y) + Decimal(str(st.weight_b)) * b.exact)
        index = float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return GroupFigure(g, SPM_GROUP_SHORT[g], y, x, capaian, b.value, index, st.tuntas_label(index), b.items,
                       b.filled)


def _ikk(groups: tuple[GroupFigure, ...]) -> IkkFigure:
    four = [g for g in groups if g.group in CASE_GROUPS]
    x1, y1 = sum(g.terpenuhi for g in four), sum(g.sasaran for g in four)
    b = next(g for g in groups if g.group == "bencana")
    return IkkFigure(percent(x1, y1), percent(b.terpenuhi, b.sasaran), x1, y1, b.terpenuhi, b.sasaran)


def _labels(s: Session) -> dict[str, dict[str, str]]:
    regions = list(s.execute(select(Region.code, Region.name, Region.level, Region.parent_code)
                             .where(Region.deleted_at.is_(None)).order_by(Region.code)))
    cats = s.execute(select(PmksCategory.code, PmksCategory.name).order_by(PmksCategory.sort_order))
    return {
        "kecamatan": {c: n for c, n, lv, _ in regions if lv == "kecamatan"},
        "kelurahan": {c: n for c, n, lv, _ in regions if lv in ("kelurahan", "desa")},
        "parent": {c: (parent or c) for c, _, _, parent in regions},
        "sex": dict(SEXES),
        "age_group": dict(AGE_GROUP_LABELS),
        "unit": dict(UNITS),
        "pmks_category": dict(cats.all()),
    }


# Dimensions whose every known value is listed even with zero persons.
_ALWAYS_LISTED = {"kecamatan", "sex", "age_group", "unit"}


def _kecamatan_from_kelurahan(counts: ScanCounts, parent: dict[str, str]) -> None:
    """Kecamatan cells are the sums of their kelurahan cells (a person counts in one place)."""
    kec: dict[tuple[str, str], int] = {}
    for (kel, code), n in counts.by_dim.get("kelurahan", {}).items():
        key = (parent.get(kel, "") if kel else "", code)
        kec[key] = kec.get(key, 0) + n
    counts.by_dim["kecamatan"] = kec


def _breakdown(dim: str, counts: ScanCounts, codes: list[str], labels) -> Breakdown:
    known = labels[dim]
    values = counts.by_dim.get(dim, {})
    present = {v for v, _ in values}
    keys = [k for k in known if k in present or dim in _ALWAYS_LISTED]
    keys += sorted(k for k in present if k and k not in known)
    if "" in present:
        keys.append("")
    rows = tuple(
        BreakdownRow(key=k, label=known.get(k, k) if k else UNKNOWN_LABEL,
                     values=tuple((c, values.get((k, c), 0)) for c in codes))
        for k in keys
    )
    return Breakdown(dim, DIMENSIONS[dim], rows)


def _unregistered_victims(n: int) -> tuple[str, ...]:
    """Persons given disaster services without household data (architecture §4 v2, warnings)."""
    if not n:
        return ()
    return (f"{number(n)} orang menerima layanan yang dicatat untuk suatu bencana tetapi tidak terdaftar sebagai "
            "anggota keluarga terdampak bencana itu; daftarkan keluarganya di halaman Bencana agar kebutuhannya "
            "dihitung.",)


def _waiver_warnings(waived: dict[str, int]) -> tuple[str, ...]:
    """Needs of disaster victims waived, with their reasons (architecture §4 v2, warnings)."""
    if not waived:
        return ()
    reasons = "; ".join(f"{reason}: {number(n)}" for reason, n in waived.items())
    return (f"{number(sum(waived.values()))} kebutuhan korban bencana dikecualikan dan tidak dihitung (alasan — "
            f"{reasons}); periksa pengecualiannya di halaman Bencana bila ada yang keliru.",)


def _warnings(period, groups, ikk, mutu, duplicates, indicators) -> tuple[str, ...]:
    out: list[str] = []
    if duplicates:
        out.append(f"Ada {number(duplicates)} pasangan kemungkinan data ganda yang belum ditinjau; "
                   "angka dapat berubah setelah data ganda diperiksa.")
    unfilled = [g.label for g in groups if g.mutu is None]
    if unfilled:
        out.append(f"Mutu (B) tahun {period.year} belum diisi lengkap untuk: {', '.join(unfilled)}; indeks dan "
                   "status kelompok tersebut belum dinilai. Isi jumlah tersedia setiap butir mutu di Pengaturan → "
                   "Mutu (jumlah tersedia) atau dengan perintah spm-desktop mutu import.")
    for g in groups:
        if not g.sasaran:
            out.append(f"Sasaran {g.label} kosong (0 orang) pada periode ini: capaian ditampilkan \"–\".")
    if ikk.ikk1 is None:
        out.append("IKK 1 tidak dapat dihitung: sasaran keempat kelompok rehabilitasi sosial kosong.")
    if ikk.ikk2 is None:
        out.append("IKK 2 tidak dapat dihitung: tidak ada korban bencana terdaftar pada periode ini.")
    no_target = [i.code for i in indicators if not i.target]
    if no_target:
        out.append(f"Target tahun {period.year} belum ada untuk: {', '.join(no_target)}.")
    return tuple(out)
