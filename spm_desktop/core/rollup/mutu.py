"""Mutu minimal by quantity (part B of the SPM index, architecture §4): the standard items, the
office's available quantities and the score B, read for the roll-up. Entering the quantities
(and the file exchange) is :mod:`spm_desktop.core.services.mutu`.

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
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.groups import SPM_GROUPS
from spm_desktop.core.paths import resource_path
from spm_desktop.core.storage.models import MutuQuantity

KINDS: dict[str, str] = {"barang_jasa": "B.1 Barang/jasa", "sdm": "B.2 Sumber daya manusia"}
STANDARDS_FILE = "mutu_standards.csv"


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
