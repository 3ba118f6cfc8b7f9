"""Compute the whole roll-up of a period (architecture §4 v2) into a :class:`RollupResult`.

The output indicators and breakdowns come from aggregated rows (:mod:`scan`); the SPM
groups from the overlapping cases and disaster victims judged person by person
(:mod:`met` — a few thousand spans, never the events).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spm_desktop.core.collector import collector_paused
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.groups import CASE_GROUPS, EXIT_REASONS, SEXES, SPM_GROUP_SHORT, SPM_GROUPS, UNITS
from spm_desktop.core.domain.settings import AppSettings
from spm_desktop.core.reports.formatting import number
from spm_desktop.core.rollup.activities import apply_activity_counts
from spm_desktop.core.rollup.layanan import apply_complaint_counts, layanan_summary
from spm_desktop.core.rollup.met import GroupTally, tally_window
from spm_desktop.core.rollup.mutu import MutuScore, scores_in_session
from spm_desktop.core.rollup.period import Period
from spm_desktop.core.rollup.result import (
    Breakdown,
    BreakdownRow,
    GroupFigure,
    IkkFigure,
    IndicatorFigure,
    Notice,
    RollupResult,
    WarningItem,
)
from spm_desktop.core.rollup.scan import DIMENSIONS, ScanCounts, scan
from spm_desktop.core.rollup.victims import victims_without_household, waived_needs
from spm_desktop.core.storage import catalogue
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import (
    CaseNeed,
    DuplicateCandidate,
    PmksCategory,
    Region,
    ServiceEvent,
    Target,
    UncountedEvent,
)
from spm_desktop.core.storage.settings import load_settings

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


@collector_paused()  # tens of thousands of tuples, none in a cycle (core/collector.py)
def rollup_in_session(
    s: Session, period: Period, settings: AppSettings, breakdowns: tuple[str, ...] = DEFAULT_BREAKDOWNS
) -> RollupResult:
    types = catalogue.service_types(s, active_only=True)
    quantity_codes = [t.code for t in types if t.counting_rule == "sum_quantity"]
    counts = scan(s, period.start, period.end, quantity_codes, settings.fulfilment_rule, breakdowns)
    rules = {t.code: t.counting_rule for t in types}
    apply_activity_counts(s, counts, period.start, period.end, rules, breakdowns)
    apply_complaint_counts(s, counts, period.start, period.end, rules, breakdowns)
    targets = {t.key: t for t in s.scalars(select(Target).where(Target.year == period.year,
                                                                Target.deleted_at.is_(None)))}
    indicators = tuple(_indicator(t, counts, targets.get(t.code), period.month) for t in types)
    mutu = scores_in_session(s, period.year)
    tallies = tally_window(s, period.start, period.end, settings.exit_cancels_needs, settings.fulfilment_rule,
                           child_below=settings.usia_rentan_anak)
    groups = tuple(_group(g, tallies[g], mutu, settings) for g in SPM_GROUPS)
    ikk = _ikk(groups, tallies)
    duplicates = s.scalar(select(func.count()).select_from(DuplicateCandidate).where(
        DuplicateCandidate.status == "open", DuplicateCandidate.deleted_at.is_(None))) or 0
    labels = _labels(s)
    _kecamatan_from_kelurahan(counts, labels["parent"])
    built = tuple(_breakdown(d, counts, [t.code for t in types], labels) for d in breakdowns)
    items = _warning_items(s, period, tallies, duplicates, {t.code: t.program for t in types},
                           waived_needs(s, period.start, period.end),
                           victims_without_household(s, period.start, period.end))
    notices = _notices(period, groups, ikk, indicators, items)
    return RollupResult(period, settings.fulfilment_rule, indicators, groups, ikk, built,
                        tuple(n.text for n in notices), duplicates, rata_rata_capaian(groups), items,
                        layanan_summary(s, period, settings), notices)


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


def _group(g: str, tally: GroupTally, mutu: dict[str, MutuScore], st: AppSettings) -> GroupFigure:
    y, x = len(tally.sasaran), len(tally.met_on)
    capaian = percent(x, y)
    b = mutu[g]
    index = None
    if y and b.exact is not None:
        exact = (Decimal(str(st.weight_a)) * Decimal(x) * 100 / Decimal(y) + Decimal(str(st.weight_b)) * b.exact)
        index = float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return GroupFigure(g, SPM_GROUP_SHORT[g], y, x, capaian, b.value, index, st.tuntas_label(index), b.items,
                       b.filled, len(tally.unassessed_persons), tally.served_by_month())


def _ikk(groups: tuple[GroupFigure, ...], tallies: dict[str, GroupTally]) -> IkkFigure:
    """IKK 1 over distinct persons of the four rehabilitation groups: sasaran in any of them,
    terpenuhi when terpenuhi in every group where they are sasaran."""
    sasaran: set[str] = set()
    for g in CASE_GROUPS:
        sasaran |= tallies[g].sasaran
    x1 = sum(1 for p in sasaran
             if all(p in tallies[g].met_on for g in CASE_GROUPS if p in tallies[g].sasaran))
    y1 = len(sasaran)
    b = next(g for g in groups if g.group == "bencana")
    return IkkFigure(percent(x1, y1), percent(b.terpenuhi, b.sasaran), x1, y1, b.terpenuhi, b.sasaran)


def rata_rata_capaian(groups: tuple[GroupFigure, ...]) -> float | None:
    """Mean of the exact capaian of the groups whose sasaran is not empty, rounded once."""
    exact = [Decimal(g.terpenuhi) * 100 / Decimal(g.sasaran) for g in groups if g.sasaran]
    if not exact:
        return None
    mean = sum(exact, Decimal(0)) / len(exact)
    return float(mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


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


IDLE_DAYS = 365  # an unassessed case without any service for this long is "idle"


def _warning_items(s: Session, period: Period, tallies: dict[str, GroupTally], duplicates: int,
                   programs: dict[str, str], waived: dict[str, int], unregistered: int) -> tuple[WarningItem, ...]:
    """The warnings of architecture §4 v2 as items (kind, count, action) for programs."""
    items: list[WarningItem] = []
    for g in CASE_GROUPS:
        t = tallies[g]
        if not t.unassessed_cases:
            continue
        idle = _idle_cases(s, t.unassessed_cases, period.end)
        items.append(WarningItem(
            "unassessed", len(t.unassessed_cases),
            "Lakukan asesmen kebutuhan (atau catat \"tidak ada kebutuhan layanan dasar\") pada kasus tersebut "
            "di halaman Kasus.", g))
        if idle:
            items.append(WarningItem(
                "unassessed_idle", idle,
                "Periksa kasus yang belum diasesmen dan tanpa layanan selama 12 bulan: asesmen atau tutup kasusnya.",
                g))
    end_next = period.end + timedelta(days=1)
    u = UncountedEvent.__table__
    for code, n in s.execute(select(u.c.service_code, func.count())
                             .where(u.c.event_date >= period.start, u.c.event_date <= period.end)
                             .group_by(u.c.service_code).order_by(u.c.service_code)):
        disaster = programs.get(code) == "bencana"
        items.append(WarningItem(
            "uncounted_events", int(n),
            ("Makan korban bencana di luar masa tanggap darurat, tanpa kejadian bencana, atau kurang dari standar "
             "harian tidak dihitung; periksa tanggal kejadian dan jumlah makan per hari." if disaster else
             "Permakanan yang kurang dari standar harian (3 kali sehari) tidak dihitung; lengkapi catatan makan "
             "hari itu bila sebenarnya diberikan."), None, code))
    removed = s.execute(
        select(CaseNeed.removed_reason, func.count())
        .where(CaseNeed.deleted_at >= period.start, CaseNeed.deleted_at < end_next)
        .group_by(CaseNeed.removed_reason).order_by(func.count().desc(), CaseNeed.removed_reason)).all()
    if removed:
        reasons = "; ".join(f"{r or 'tanpa alasan'} ({n})" for r, n in removed[:5])
        items.append(WarningItem("needs_removed", sum(int(n) for _, n in removed),
                                 "Periksa kebutuhan yang dihapus dan alasannya.", None, reasons))
    for g in (*CASE_GROUPS, "bencana"):
        t = tallies[g]
        if t.left_before_served:
            detail = "; ".join(f"{EXIT_REASONS.get(r, r or 'lainnya')} ({n})"
                               for r, n in sorted(t.left_before_served.items()))
            items.append(WarningItem("left_before_served", sum(t.left_before_served.values()),
                                     "Orang keluar sebelum terlayani: pastikan alasan keluar benar.", g, detail))
        if t.open_after_met:
            items.append(WarningItem("met_with_open_needs", len(t.open_after_met),
                                     "Orang sudah terpenuhi tahun ini tetapi memiliki kebutuhan baru yang belum "
                                     "terlayani: layani kebutuhan tersebut.", g))
    if waived:
        items.append(WarningItem(
            "needs_waived", sum(waived.values()),
            "Periksa pengecualiannya di halaman Bencana bila ada yang keliru.", "bencana",
            "; ".join(f"{reason}: {number(n)}" for reason, n in waived.items())))
    if unregistered:
        items.append(WarningItem(
            "victims_without_household", unregistered,
            "Daftarkan keluarganya di halaman Bencana agar kebutuhannya dihitung.", "bencana"))
    if duplicates:
        items.append(WarningItem("duplicates", duplicates,
                                 "Tinjau daftar kemungkinan data ganda (menu Data Ganda)."))
    return tuple(items)


def _idle_cases(s: Session, cases: list[tuple[str, str, date]], end: date) -> int:
    since = end - timedelta(days=IDLE_DAYS)
    old = [(cid, pid) for cid, pid, intake in cases if intake <= since]
    if not old:
        return 0
    persons = sorted({pid for _, pid in old})
    active: set[str] = set()
    for i in range(0, len(persons), 500):
        chunk = persons[i:i + 500]
        active.update(s.scalars(select(ServiceEvent.person_id).distinct().where(
            ServiceEvent.person_id.in_(chunk), ServiceEvent.deleted_at.is_(None),
            ServiceEvent.event_date > since, ServiceEvent.event_date <= end)))
    return sum(1 for _, pid in old if pid not in active)


_GROUP_LABEL = dict(SPM_GROUP_SHORT)


def _notices(period, groups, ikk, indicators, items) -> tuple[Notice, ...]:
    """The warnings as sentences with their kinds: one per warning item, then those of the figures."""
    return (*(_item_notice(w) for w in items), *_mutu_unfilled(period, groups), *_empty_sasaran(groups),
            *_ikk_missing(ikk), *_no_target(period, indicators))


def _item_notice(w: WarningItem) -> Notice:
    where = f" ({_GROUP_LABEL[w.group]})" if w.group else ""
    sentence = _ITEM_SENTENCES.get(w.kind)
    n = number(w.count)
    text = sentence(w, n, where) if sentence else f"{w.kind}: {n}{where}. {w.action}"
    return Notice(w.kind, text, w.group)


def _duplicates(w: WarningItem, n: str, where: str) -> str:
    return (f"Ada {n} pasangan kemungkinan data ganda yang belum ditinjau; "
            "angka dapat berubah setelah data ganda diperiksa.")


def _unassessed(w: WarningItem, n: str, where: str) -> str:
    return f"{n} kasus belum diasesmen{where}: orangnya dihitung sebagai sasaran yang belum terpenuhi. {w.action}"


def _unassessed_idle(w: WarningItem, n: str, where: str) -> str:
    return f"{n} kasus belum diasesmen tanpa layanan selama 12 bulan{where}. {w.action}"


def _uncounted_events(w: WarningItem, n: str, where: str) -> str:
    return f"{n} catatan layanan {w.detail} tidak dihitung. {w.action}"


def _needs_removed(w: WarningItem, n: str, where: str) -> str:
    return f"{n} kebutuhan dihapus pada periode ini (alasan: {w.detail}). {w.action}"


def _left_before_served(w: WarningItem, n: str, where: str) -> str:
    return f"{n} orang keluar sebelum terlayani{where}: {w.detail}. {w.action}"


def _needs_waived(w: WarningItem, n: str, where: str) -> str:
    return (f"{n} kebutuhan korban bencana dikecualikan dan tidak dihitung (alasan — {w.detail}); "
            f"{w.action[0].lower()}{w.action[1:]}")


def _victims_without_household(w: WarningItem, n: str, where: str) -> str:
    return (f"{n} orang menerima layanan yang dicatat untuk suatu bencana tetapi tidak terdaftar sebagai "
            "anggota keluarga terdampak bencana itu; daftarkan keluarganya di halaman Bencana agar "
            "kebutuhannya dihitung.")


def _met_with_open_needs(w: WarningItem, n: str, where: str) -> str:
    return f"{n} orang terpenuhi{where} masih memiliki kebutuhan yang belum terlayani. {w.action}"


# The sentence of each warning item kind: (item, its count written out, " (group)" or "") -> text.
_ITEM_SENTENCES = {
    "duplicates": _duplicates,
    "unassessed": _unassessed,
    "unassessed_idle": _unassessed_idle,
    "uncounted_events": _uncounted_events,
    "needs_removed": _needs_removed,
    "left_before_served": _left_before_served,
    "needs_waived": _needs_waived,
    "victims_without_household": _victims_without_household,
    "met_with_open_needs": _met_with_open_needs,
}


def _mutu_unfilled(period: Period, groups) -> list[Notice]:
    unfilled = [g.label for g in groups if g.mutu is None]
    if not unfilled:
        return []
    return [Notice("mutu_unfilled",
                   f"Mutu (B) tahun {period.year} belum diisi lengkap untuk: {', '.join(unfilled)}; indeks dan "
                   "status kelompok tersebut belum dinilai. Isi jumlah tersedia setiap butir mutu di Pengaturan → "
                   "Mutu (jumlah tersedia) atau dengan perintah spm-desktop mutu import.")]


def _empty_sasaran(groups) -> list[Notice]:
    return [Notice("empty_sasaran", f"Sasaran {g.label} kosong (0 orang) pada periode ini: capaian ditampilkan "
                                    "\"–\".", g.group) for g in groups if not g.sasaran]


def _ikk_missing(ikk: IkkFigure) -> list[Notice]:
    out = []
    if ikk.ikk1 is None:
        out.append(Notice("ikk1_missing", "IKK 1 tidak dapat dihitung: sasaran keempat kelompok rehabilitasi "
                                          "sosial kosong."))
    if ikk.ikk2 is None:
        out.append(Notice("ikk2_missing", "IKK 2 tidak dapat dihitung: tidak ada korban bencana terdaftar pada "
                                          "periode ini."))
    return out


def _no_target(period: Period, indicators) -> list[Notice]:
    no_target = [i.code for i in indicators if not i.target]
    if not no_target:
        return []
    return [Notice("no_target", f"Target tahun {period.year} belum ada untuk: {', '.join(no_target)}.")]
