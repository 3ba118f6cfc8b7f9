"""Mutu minimal by quantity (part B of the SPM index, architecture §4): entering the available
quantities and the file exchange. The items, their reading and the score B are
:mod:`spm_desktop.core.rollup.mutu`.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import NotFoundError, ValidationError
from spm_desktop.core.rollup.mutu import (
    MutuRow,
    MutuScore,
    StandardItem,
    rows_in_session,
    scores_in_session,
    standard_items,
)
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.base import seed_id
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import MutuQuantity

FILE_COLUMNS = ("tahun", "kode", "butir", "satuan", "standar", "tersedia", "catatan")
MAX_QUANTITY = Decimal("9999999999")


def _item(key: str) -> StandardItem:
    for it in standard_items():
        if it.key == key:
            return it
    raise NotFoundError(f"Butir mutu '{key}' tidak dikenal.")


def _check_year(year: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError("Tahun tidak valid.", "year")


def list_items(db: Database, year: int, group: str | None = None) -> list[MutuRow]:
    """Every standard item of the year (also those left out of B), in the file's order."""
    _check_year(year)
    with db.reading() as s:
        rows = rows_in_session(s, year)
    return [r for r in rows if group is None or group in r.groups]


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
