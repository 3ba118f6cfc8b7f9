"""Read-only lists of master data for pick lists: regions and PMKS categories.

Any thread, no transaction; deleted rows are left out. (The catalogue for editing is
:func:`spm_desktop.core.services.settings.list_service_types`; :func:`list_service_forms`
adds what an entry form needs: the detail fields of each type.)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from spm_desktop.core.domain.detail_fields import DetailField, detail_fields
from spm_desktop.core.domain.groups import ACTIVITY_RULES
from spm_desktop.core.storage import catalogue
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


@dataclass(frozen=True)
class ServiceForm:
    """An active service type with the detail fields its entry form shows."""

    code: str
    name: str
    program: str
    unit: str
    standard_per_day: int | None
    fields: tuple[DetailField, ...]


def list_service_forms(db: Database) -> list[ServiceForm]:
    """Active service types recorded per person, in catalogue order, each with its
    detail fields (group-activity types are recorded on their own page)."""
    with db.reading() as s:
        rows = catalogue.service_types(s, active_only=True, except_rules=ACTIVITY_RULES)
        return [ServiceForm(t.code, t.name, t.program, t.unit, t.standard_per_day,
                            detail_fields(t.detail_fields)) for t in rows]
