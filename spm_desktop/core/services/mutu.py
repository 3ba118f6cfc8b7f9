"""Mutu minimal by quantity (part B of the SPM index, architecture §4).

The standard items come from ``resources/mutu_standards.csv`` (the Renstra's SPM quality
table, seed lines 1207–1660 and on): each item serves one or more SPM groups and has a
standard quantity per year. Each year the office enters the quantity it has of every item
(:class:`MutuQuantity`). For a group and a year

    B = mean over the group's items of min(available / standard, 1) × 100,

and the group's mutu is *filled in* only when every item has an available quantity; until
then B, the index and the status stay empty ("belum dinilai"). An item whose standard for the
year is missing (unreadable in the source) or 0 is left out.

The person-count rows of the quality table ("Jumlah ... yang menerima paket sandang") are
the output indicators of Table 4.2 (targets), not mutu items, and are not listed here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import NotFoundError, ValidationError
from spm_desktop.core.domain.groups import SPM_GROUPS
from spm_desktop.core.paths import resource_path
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.base import seed_id
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import MutuQuantity

KINDS: dict[str, str] = {"barang_jasa": "B.1 Barang/jasa", "sdm": "B.2 Sumber daya manusia"}
STANDARDS_FILE = "mutu_standards.csv"
FILE_COLUMNS = ("tahun", "kode", "butir", "satuan", "standar", "tersedia", "catatan")
MAX_QUANTITY = Decimal("9999999999")


@dataclass(frozen=True)
class StandardItem:
    """One row of ``resources/mutu_standards.csv``."""

    key: str
    kind: str  # barang_jasa | sdm
    groups: tuple[str, ...]
    item: str
    unit: str
    standards: tuple[tuple[int, Decimal | None], ...]  # (year, standard); None: unreadable
    seed_line: int
    note: str

    def standard(self, year: int) -> Decimal | None:
        return dict(self.standards).get(year)


@dataclass(frozen=True)
class MutuRow:
    """One item of a year as the office sees it."""

    year: int
    key: str
    kind: str
    groups: tuple[str, ...]
    item: str
    unit: str
    renstra_standard: Decimal | None
    standard: Decimal | None  # the office's override, else the Renstra's
    available: Decimal | None  # None: not filled in
    note: str
    seed_line: int

    @property
    def counted(self) -> bool:
        """The item takes part in B (its standard is known and above 0)."""
        return self.standard is not None and self.standard > 0

    @property
    def score(self) -> Decimal | None:
        """min(available / standard, 1) × 100, exact; None when not filled in or not counted."""
        if not self.counted or self.available is None:
            return None
        return min(self.available / self.standard, Decimal(1)) * 100


@dataclass(frozen=True)
class MutuScore:
    """B of one group in one year."""

    group: str
    items: int  # counted items
    filled: int  # counted items with an available quantity
    exact: Decimal | None  # mean score, exact; None until every item is filled in

    @property
    def value(self) -> float | None:
        """B rounded half up to one decimal (as every percentage of the recap)."""
        if self.exact is None:
            return None
        return float(self.exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _decimal(text: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    return Decimal(text)


@cache
def standard_items() -> tuple[StandardItem, ...]:
    """The standard items, in the file's order."""
    with resource_path(STANDARDS_FILE).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        years = sorted(int(k.removeprefix("standard_")) for k in r if k.startswith("standard_"))
        out.append(StandardItem(
            key=r["key"], kind=r["kind"], groups=tuple(g for g in r["groups"].split(";") if g), item=r["item"],
            unit=r["unit"], standards=tuple((y, _decimal(r[f"standard_{y}"])) for y in years),
            seed_line=int(r["seed_line"]), note=r["note"]))
    return tuple(out)


def _item(key: str) -> StandardItem:
    for it in standard_items():
        if it.key == key:
            return it
    raise NotFoundError(f"Butir mutu '{key}' tidak dikenal.")


def _check_year(year: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError("Tahun tidak valid.", "year")


def rows_in_session(s: Session, year: int) -> list[MutuRow]:
    stored = {m.item_key: m for m in s.scalars(
        select(MutuQuantity).where(MutuQuantity.year == year, MutuQuantity.deleted_at.is_(None)))}
    out = []
    for it in standard_items():
        m = stored.get(it.key)
        renstra = it.standard(year)
        override = None if m is None or m.standard is None else Decimal(str(m.standard))
        available = None if m is None or m.available is None else Decimal(str(m.available))
        out.append(MutuRow(year, it.key, it.kind, it.groups, it.item, it.unit, renstra,
                           override if override is not None else renstra, available,
                           "" if m is None else m.note, it.seed_line))
    return out


def list_items(db: Database, year: int, group: str | None = None) -> list[MutuRow]:
    """Every standard item of the year (also those left out of B), in the file's order."""
    _check_year(year)
    with db.reading() as s:
        rows = rows_in_session(s, year)
    return [r for r in rows if group is None or group in r.groups]


def scores_in_session(s: Session, year: int) -> dict[str, MutuScore]:
    """B of every SPM group for ``year`` (read inside an existing session, e.g. the roll-up's)."""
    rows = [r for r in rows_in_session(s, year) if r.counted]
    out = {}
    for g in SPM_GROUPS:
        mine = [r for r in rows if g in r.groups]
        scores = [r.score for r in mine if r.score is not None]
        exact = sum(scores, Decimal(0)) / len(mine) if mine and len(scores) == len(mine) else None
        out[g] = MutuScore(g, len(mine), len(scores), exact)
    return out


def scores(db: Database, year: int) -> dict[str, MutuScore]:
    with db.reading() as s:
        return scores_in_session(s, year)


def _quantity(value, field: str, label: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{label} harus berupa angka.", field)
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(f"{label} harus berupa angka (mis. 3 atau 2,5).", field) from None
    if not number.is_finite() or number < 0 or number > MAX_QUANTITY:
        raise ValidationError(f"{label} harus angka 0 atau lebih.", field)
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError(f"{label} paling banyak dua angka di belakang koma.", field)
    return number


def _write(s: Session, year: int, it: StandardItem, available: Decimal | None, standard: Decimal | None,
           note: str) -> bool:
    """Upsert one item; returns True when something changed (and audits it)."""
    renstra = it.standard(year)
    override = None if standard is None or standard == renstra else standard
    row = s.get(MutuQuantity, seed_id("mutu_quantity", f"{year}:{it.key}"))
    if row is None and available is None and override is None and not note:
        return False
    if row is None:
        row = MutuQuantity(id=seed_id("mutu_quantity", f"{year}:{it.key}"), year=year, item_key=it.key,
                           available=None, standard=None, note="")
        s.add(row)
        before = None
    else:
        current = (None if row.available is None else Decimal(str(row.available)),
                   None if row.standard is None else Decimal(str(row.standard)), row.note)
        if current == (available, override, note) and row.deleted_at is None:
            return False
        before = audit.snapshot(row)
    row.available, row.standard, row.note, row.deleted_at = available, override, note, None
    s.flush()
    audit.record(s, "update" if before else "create", "mutu_quantity", row.id, before=before, after=row)
    return True


def set_available(db: Database, actor: Actor, year: int, key: str, available, note: str = "",
                  standard=...) -> MutuRow:
    """Enter the available quantity of one item for a year (``None`` or "" clears it).
    ``standard`` (optional) overrides the Renstra standard for that year; None restores it."""
    require(actor, "mutu.edit")
    _check_year(year)
    it = _item(key)
    qty = _quantity(available, "available", "Jumlah tersedia")
    if not isinstance(note, str) or len(note) > 2000:
        raise ValidationError("Catatan paling banyak 2.000 karakter.", "note")
    with db.transaction(actor) as s:
        if standard is ...:
            row = s.get(MutuQuantity, seed_id("mutu_quantity", f"{year}:{key}"))
            std = None if row is None or row.standard is None else Decimal(str(row.standard))
        else:
            std = _quantity(standard, "standard", "Standar")
        _write(s, year, it, qty, std, note.strip())
        return next(r for r in rows_in_session(s, year) if r.key == key)


# ---- file exchange ------------------------------------------------------------------------

def export_file(db: Database, actor: Actor, year: int, path: str | Path) -> Path:
    """Write the year's items as CSV (UTF-8, columns :data:`FILE_COLUMNS`) to fill in."""
    require(actor, "report.view")
    p = Path(path)
    if p.is_dir() or not p.parent.exists():
        raise ValidationError(f"Tidak bisa menulis {p}: sebutkan nama berkas .csv di folder yang ada.", "path")
    rows = list_items(db, year)

    def num(d: Decimal | None) -> str:
        return "" if d is None else format(d.normalize(), "f")

    with p.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(FILE_COLUMNS)
        for r in rows:
            w.writerow([year, r.key, r.item, r.unit, num(r.standard), num(r.available), r.note])
    return p


def import_file(db: Database, actor: Actor, path: str | Path) -> int:
    """Read a file written by :func:`export_file` (CSV or XLSX) and store every row: all or
    nothing. Returns the number of items changed."""
    from spm_desktop.core.imports.framework import CellError, ImportRefused, read_table

    require(actor, "mutu.edit")
    headers, rows = read_table(path)
    missing = [c for c in ("tahun", "kode", "tersedia") if c not in headers]
    if missing:
        raise ValidationError(f"Kolom wajib tidak ada: {', '.join(missing)} (kolom: {', '.join(FILE_COLUMNS)}).",
                              "file")
    keys = {it.key: it for it in standard_items()}
    errors: list[CellError] = []
    parsed = []
    seen: set[tuple[int, str]] = set()
    for row in rows:
        year = row.int("tahun", required=True)
        key = row.text("kode", required=True)
        if key and key not in keys:
            row.error("kode", f"'{key}' bukan kode butir mutu ({', '.join(keys)}).")
        if year is not None and not 2000 <= year <= 2100:
            row.error("tahun", f"'{year}' bukan tahun yang valid.")
        values = {}
        for column, label in (("tersedia", "Jumlah tersedia"), ("standar", "Standar")):
            try:
                values[column] = _quantity(row.text(column), column, label)
            except ValidationError as exc:
                row.error(column, exc.message)
        if (year, key) in seen:
            row.error("kode", f"butir '{key}' tahun {year} muncul dua kali.")
        seen.add((year, key))
        errors.extend(row.errors)
        if not row.errors:
            parsed.append((year, keys[key], values["tersedia"], values.get("standar"),
                           row.text("catatan") if row.has("catatan") else None))
    if errors:
        raise ImportRefused(errors)
    changed = 0
    with db.transaction(actor) as s:
        for year, it, available, standard, note in parsed:
            stored = s.get(MutuQuantity, seed_id("mutu_quantity", f"{year}:{it.key}"))
            if note is None:
                note = "" if stored is None else stored.note
            if standard is None and "standar" not in headers and stored is not None and stored.standard is not None:
                standard = Decimal(str(stored.standard))
            changed += _write(s, year, it, available, standard, note)
    return changed
