"""Read-only lists of master data for pick lists: regions and PMKS categories.

Any thread, no transaction; deleted rows are left out. Service types are listed by
:func:`spm_desktop.core.services.settings.list_service_types`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import PmksCategory, Region


@dataclass(frozen=True)
class RegionItem:
    code: str
    name: str
    level: str  # kecamatan | kelurahan
    parent_code: str | None


@dataclass(frozen=True)
class CategoryItem:
    code: str
    name: str
    spm_group: str | None
    active: bool


def list_regions(db: Database) -> list[RegionItem]:
    """Every kecamatan and kelurahan, kecamatan first, each level by name."""
    with db.reading() as s:
        rows = s.scalars(select(Region).where(Region.deleted_at.is_(None)).order_by(Region.level, Region.name))
        items = [RegionItem(r.code, r.name, r.level, r.parent_code) for r in rows]
    return sorted(items, key=lambda r: (r.level != "kecamatan", r.name))


def list_categories(db: Database, active_only: bool = True) -> list[CategoryItem]:
    """PMKS categories in their catalogue order."""
    with db.reading() as s:
        q = select(PmksCategory).where(PmksCategory.deleted_at.is_(None))
        if active_only:
            q = q.where(PmksCategory.active.is_(True))
        rows = s.scalars(q.order_by(PmksCategory.sort_order, PmksCategory.name))
        return [CategoryItem(c.code, c.name, c.spm_group, c.active) for c in rows]
