"""The yearly mutu minimal checklist (part B of the SPM index): per SPM group, the B.1
goods/services items and B.2 human-resources items, each met yes/no with a note.

A year's checklist is created on demand from ``resources/mutu_checklist.json`` with ids
derived from (year, group, kind, item), so two databases that create the same year agree.
The roll-up reads the table directly: a group's mutu counts once every item is answered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import NotFoundError, ValidationError
from spm_desktop.core.domain.groups import SPM_GROUPS
from spm_desktop.core.paths import resource_path
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.base import seed_id
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import MutuCheck

KINDS: dict[str, str] = {"barang_jasa": "B.1 Barang/jasa", "sdm": "B.2 Sumber daya manusia"}
TEMPLATE_FILE = "mutu_checklist.json"


@dataclass(frozen=True)
class MutuItem:
    id: str
    year: int
    group: str
    kind: str
    item: str
    met: bool | None
    note: str
    sort_order: int


@dataclass(frozen=True)
class MutuSummary:
    group: str
    items: int
    answered: int
    met: int

    @property
    def filled(self) -> bool:
        return self.items > 0 and self.answered == self.items


def template_items() -> list[tuple[str, str, str]]:
    """(group, kind, item) of the template, in order."""
    data = json.loads(resource_path(TEMPLATE_FILE).read_text(encoding="utf-8"))
    out: list[tuple[str, str, str]] = []
    for section in (v for k, v in data.items() if not k.startswith("_")):
        for group in section["groups"]:
            for kind in KINDS:
                out.extend((group, kind, item) for item in section[kind])
    return out


def _item(m: MutuCheck) -> MutuItem:
    return MutuItem(m.id, m.year, m.spm_group, m.kind, m.item, m.met, m.note, m.sort_order)


def _check_year(year: int) -> None:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError("Tahun tidak valid.", "year")


def list_checklist(db: Database, year: int, group: str | None = None) -> list[MutuItem]:
    """The year's items (group order of the standard, then kind and template order)."""
    with db.reading() as s:
        q = select(MutuCheck).where(MutuCheck.year == year, MutuCheck.deleted_at.is_(None))
        if group:
            q = q.where(MutuCheck.spm_group == group)
        rows = [_item(m) for m in s.scalars(q)]
    order = list(SPM_GROUPS)
    kinds = list(KINDS)
    return sorted(rows, key=lambda m: (order.index(m.group) if m.group in order else 99,
                                       kinds.index(m.kind) if m.kind in kinds else 9, m.sort_order, m.item))


def ensure_checklist(db: Database, actor: Actor, year: int) -> list[MutuItem]:
    """Create the year's checklist from the template (items already there are kept)."""
    require(actor, "mutu.edit")
    _check_year(year)
    with db.transaction(actor) as s:
        existing = set(s.scalars(select(MutuCheck.id).where(MutuCheck.year == year)))
        created = []
        for order, (group, kind, item) in enumerate(template_items(), start=1):
            mid = seed_id("mutu_check", f"{year}:{group}:{kind}:{item}")
            if mid in existing:
                continue
            s.add(MutuCheck(id=mid, year=year, spm_group=group, kind=kind, item=item, met=None, note="",
                            sort_order=order))
            created.append({"group": group, "kind": kind, "item": item})
        if created:
            s.flush()
            audit.record(s, "create", "mutu_check", str(year), after={"year": year, "items": created})
    return list_checklist(db, year)


def set_item(db: Database, actor: Actor, item_id: str, met: bool | None, note: str = "") -> MutuItem:
    """Answer one item: met yes (True) / no (False) / not yet assessed (None), with a note."""
    require(actor, "mutu.edit")
    if met is not None and not isinstance(met, bool):
        raise ValidationError("Pilih 'Ya', 'Tidak' atau kosongkan.", "met")
    if not isinstance(note, str) or len(note) > 2000:
        raise ValidationError("Catatan paling banyak 2.000 karakter.", "note")
    with db.transaction(actor) as s:
        row = s.get(MutuCheck, item_id)
        if row is None or row.deleted_at is not None:
            raise NotFoundError("Butir daftar periksa mutu tidak ditemukan.")
        before = audit.snapshot(row)
        row.met = met
        row.note = note.strip()
        s.flush()
        audit.record(s, "update", "mutu_check", row.id, before=before, after=row)
        return _item(row)


def summary(db: Database, year: int) -> list[MutuSummary]:
    """Per group (all five, in standard order): items, answered and met."""
    items = list_checklist(db, year)
    return [
        MutuSummary(g, sum(1 for m in items if m.group == g),
                    sum(1 for m in items if m.group == g and m.met is not None),
                    sum(1 for m in items if m.group == g and m.met))
        for g in SPM_GROUPS
    ]
