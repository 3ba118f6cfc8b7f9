"""``targets import|export FILE``: the office's Renstra targets as a file (issue 20).

The columns are those of ``renstra_targets.csv``: **code** (a service code of the catalogue, or
a key of :data:`OTHER_KEYS` — ``dtsen``, the Renstra's yearly DTSEN target, issue 21), name,
indicator, unit, spm_service (informational: the catalogue keeps its own texts), note,
and per year ``target_YYYY`` (the yearly target), ``budget_YYYY`` (the indicative pagu) and
one ``baseline_YYYY`` (the baseline year's figure). An empty ``target_YYYY`` cell leaves that
year as it is. Every year in the file also gets the IKK targets (100 %) when it has none.
Same contract as every import: all or nothing, ``--dry-run``, ``baris N, kolom X: pesan``.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.layanan import DTSEN_TARGET_KEY, DTSEN_TARGET_NAME
from spm_desktop.core.imports.framework import Column, ImportContext, ImportKind, Row, register_kind
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage import catalogue
from spm_desktop.core.storage.base import seed_id
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Setting, Target

COLUMNS = (Column("code", required=True), Column("name"), Column("indicator"), Column("unit"),
           Column("spm_service"), Column("note"))
YEAR_COLUMN = re.compile(r"^(target|budget|baseline)_(\d{4})$")
IKK_KEYS = ("ikk1", "ikk2")
BASELINE_KEY = "renstra.baseline_year"
# Targets of indicators that are no service code: key -> (indicator, unit) as the file shows them.
OTHER_KEYS = {DTSEN_TARGET_KEY: (DTSEN_TARGET_NAME, "Orang")}


def _year_columns(_session) -> set[str]:
    """Any ``target_YYYY`` / ``budget_YYYY`` / ``baseline_YYYY`` header is allowed."""
    return _YearColumns()


class _YearColumns(set):
    def __contains__(self, item: object) -> bool:
        match = YEAR_COLUMN.match(str(item))
        return bool(match) and 2000 <= int(match.group(2)) <= 2100


def _number(row: Row, column: str) -> Decimal | None:
    text = row.text(column).replace(" ", "")
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # 5764972,5 as an Indonesian spreadsheet writes it
    try:
        value = Decimal(text)
    except InvalidOperation:
        row.error(column, f"'{row.text(column)}' bukan angka.")
        return None
    if not value.is_finite() or value < 0:
        row.error(column, f"'{row.text(column)}' harus angka 0 atau lebih.")
        return None
    return value


def prepare(ctx: ImportContext, rows: list[Row]) -> None:
    s = ctx.session
    ctx.cache["codes"] = set(catalogue.by_code(s)) | set(
        OTHER_KEYS)
    ctx.cache["targets"] = {(t.year, t.key): t for t in s.scalars(select(Target))}
    ctx.cache["years"] = set()
    baselines = sorted({int(m.group(2)) for h in ctx.headers if (m := YEAR_COLUMN.match(h))
                        and m.group(1) == "baseline"})
    ctx.cache["baseline_column"] = f"baseline_{baselines[0]}" if baselines else None
    if len(baselines) > 1:
        ctx.cache["baseline_error"] = "hanya satu kolom baseline_TAHUN yang boleh ada."


def _upsert(ctx: ImportContext, year: int, key: str, value: Decimal, budget: Decimal | None,
            baseline: Decimal | None, keep_budget: bool, keep_baseline: bool) -> str:
    targets: dict = ctx.cache["targets"]
    row = targets.get((year, key))
    if row is None:
        row = Target(id=seed_id("target", f"{year}:{key}"), year=year, key=key, value=value, budget=budget,
                     baseline=baseline)
        ctx.session.add(row)
        targets[(year, key)] = row
        audit.record(ctx.session, "create", "target", row.id, after=row)
        return "created"
    new_budget = row.budget if keep_budget else budget
    new_baseline = row.baseline if keep_baseline else baseline
    same = (Decimal(row.value) == value and _same(row.budget, new_budget) and _same(row.baseline, new_baseline)
            and row.deleted_at is None)
    if same:
        return "unchanged"
    before = audit.snapshot(row)
    row.value, row.budget, row.baseline, row.deleted_at = value, new_budget, new_baseline, None
    audit.record(ctx.session, "update", "target", row.id, before=before, after=row)
    return "updated"


def _same(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and Decimal(a) == Decimal(b))


def apply(ctx: ImportContext, row: Row) -> str:
    code = row.text("code", required=True)
    if code and code not in ctx.cache["codes"]:
        row.error("code", f"kode layanan {code} tidak ada dalam katalog layanan (kode lain yang diterima: "
                          f"{', '.join(OTHER_KEYS)}).")
    if ctx.cache.get("baseline_error"):
        row.error(ctx.cache["baseline_column"], ctx.cache["baseline_error"])
    baseline_column = ctx.cache["baseline_column"]
    baseline = _number(row, baseline_column) if baseline_column else None
    years: dict[int, tuple[Decimal | None, Decimal | None, bool]] = {}
    for header in ctx.headers:
        match = YEAR_COLUMN.match(header)
        if not match or match.group(1) != "target":
            continue
        year = int(match.group(2))
        value = _number(row, header)
        budget_column = f"budget_{year}"
        budget = _number(row, budget_column) if budget_column in ctx.headers else None
        if value is None and budget is not None:
            row.error(header, f"wajib diisi bila {budget_column} diisi.")
        years[year] = (value, budget, budget_column not in ctx.headers)
    for header in ctx.headers:
        match = YEAR_COLUMN.match(header)
        if match and match.group(1) == "budget" and int(match.group(2)) not in years:
            row.error(header, f"kolom target_{match.group(2)} tidak ada untuk anggaran ini.")
    if not years:
        row.error("code", "berkas tidak berisi kolom target_TAHUN.")
    row.check()
    outcomes = []
    for year, (value, budget, keep_budget) in sorted(years.items()):
        if value is None:
            continue
        ctx.cache["years"].add(year)
        outcomes.append(_upsert(ctx, year, code, value, budget, baseline, keep_budget, baseline_column is None))
    if "created" in outcomes:
        return "created"
    return "updated" if "updated" in outcomes else "unchanged"


def finish(ctx: ImportContext) -> None:
    for year in sorted(ctx.cache["years"]):
        for key in IKK_KEYS:
            if (year, key) not in ctx.cache["targets"]:
                _upsert(ctx, year, key, Decimal(100), None, None, False, False)
    column = ctx.cache["baseline_column"]
    if column:
        year = int(column.removeprefix("baseline_"))
        setting = ctx.session.scalars(select(Setting).where(Setting.key == BASELINE_KEY)).first()
        if setting is None:
            ctx.session.add(Setting(id=seed_id("setting", BASELINE_KEY), key=BASELINE_KEY, value=year, shared=True))
        elif setting.value != year:
            setting.value = year


def export_targets(db: Database, actor: Actor, path: str | Path) -> int:
    """Write every service code's targets, then those of :data:`OTHER_KEYS`, as a
    ``renstra_targets.csv`` file; returns the rows written."""
    require(actor, "report.export")
    path = Path(path)
    with db.reading() as s:
        types = catalogue.service_types(s)
        targets = list(s.scalars(select(Target).where(Target.deleted_at.is_(None))))
        baseline_year = s.scalar(select(Setting.value).where(Setting.key == BASELINE_KEY))
    years = sorted({t.year for t in targets})
    if baseline_year is None:  # no file imported: the targets are the seed's, with its baseline year
        baseline_year = _seed_baseline_year()
    by_key = {(t.year, t.key): t for t in targets}
    header = (["code", "name", "indicator", "unit", "spm_service", f"baseline_{baseline_year}"]
              + [f"target_{y}" for y in years] + [f"budget_{y}" for y in years] + ["note"])
    written = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(header)
        for st in types:
            mine = [by_key.get((y, st.code)) for y in years]
            if not any(mine):
                continue
            baseline = next((t.baseline for t in mine if t is not None and t.baseline is not None), None)
            out.writerow([st.code, st.name, st.indicator, st.unit, st.program, _text(baseline)]
                         + [_text(t.value if t else None) for t in mine]
                         + [_text(t.budget if t else None) for t in mine] + [""])
            written += 1
        for key, (indicator, unit) in OTHER_KEYS.items():
            mine = [by_key.get((y, key)) for y in years]
            if not any(mine):
                continue
            baseline = next((t.baseline for t in mine if t is not None and t.baseline is not None), None)
            out.writerow([key, indicator, indicator, unit, "", _text(baseline)]
                         + [_text(t.value if t else None) for t in mine]
                         + [_text(t.budget if t else None) for t in mine] + [""])
            written += 1
    return written


def _seed_baseline_year() -> int:
    from spm_desktop.core.paths import resource_path

    with resource_path("renstra_targets.csv").open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    return next(int(m.group(2)) for h in header if (m := YEAR_COLUMN.match(h)) and m.group(1) == "baseline")


def _text(value) -> str:
    if value is None:
        return ""
    number = Decimal(value)
    return str(int(number)) if number == number.to_integral_value() else format(number.normalize(), "f")


KIND = register_kind(ImportKind(name="targets", title="target Renstra", columns=COLUMNS, apply=apply,
                                permission="master.edit", extra_columns=_year_columns, prepare=prepare,
                                finish=finish))
