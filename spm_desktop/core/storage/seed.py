"""Master data from ``resources/`` on first run (and after upgrades that add rows).

A seeded record gets a deterministic id (:func:`seed_id`) and fixed sync columns, so two
databases seeded apart hold identical master records. Seeding inserts what is missing and
never touches a row that exists: what an administrator edited stays as it is.

Regions belong to the office's adopted area (setting ``wilayah.kode``, a kabupaten/kota code;
see :mod:`spm_desktop.core.services.area`): only that kabupaten/kota's kecamatan and
desa/kelurahan are seeded, from the national list ``resources/wilayah_indonesia.csv.gz``
(with the office's own spellings of ``resources/regions.csv`` for Kota Pontianak, which
existing Pontianak databases hold). A database without an adopted area gets no regions, and
no upgrade ever adds another area's rows. The Renstra targets of ``renstra_targets.csv`` are
Kota Pontianak's: seeded only there; another area imports its own (``targets import``).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from spm_desktop.core.paths import resource_path
from spm_desktop.core.storage.base import seed_id
from spm_desktop.core.storage.hlc import from_datetime
from spm_desktop.core.storage.models import PmksCategory, Region, ServiceType, Setting, Target

SEED_TIME = datetime(2026, 1, 1)
SEED_ORIGIN = "seed"
IKK_KEYS = ("ikk1", "ikk2")


@dataclass
class SeedResult:
    inserted: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.inserted.values())


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _stamp(obj):
    obj.created_at = SEED_TIME
    obj.updated_at = SEED_TIME
    obj.updated_by = SEED_ORIGIN
    obj.origin_device = SEED_ORIGIN
    obj.revision = 1
    obj.hlc = from_datetime(SEED_TIME)
    return obj


def _insert_missing(session: Session, model, rows: list[dict]) -> int:
    existing = set(session.scalars(select(model.id)))
    added = 0
    for row in rows:
        if row["id"] in existing:
            continue
        session.add(_stamp(model(**row)))
        existing.add(row["id"])
        added += 1
    session.flush()
    return added


AREA_KEY = "wilayah.kode"
PONTIANAK = "61.71"
LOCAL_SPELLINGS = "regions.csv"


def adopted_area_code(session: Session) -> str | None:
    """The adopted kabupaten/kota code (``61.71``), or None before an area is chosen."""
    value = session.scalar(select(Setting.value).where(Setting.key == AREA_KEY, Setting.deleted_at.is_(None)))
    return str(value) if value else None


def area_region_rows(area_code: str) -> list[dict]:
    """Region rows of one kabupaten/kota: its current kecamatan (level ``kecamatan``) and
    desa/kelurahan (level ``desa`` or ``kelurahan``), kecamatan first."""
    from spm_desktop.core.wilayah import KECAMATAN, area_regions

    spelled = {r["code"]: r["name"] for r in region_rows(resource_path(LOCAL_SPELLINGS))}
    rows: list[dict] = []
    for r in sorted(area_regions(area_code), key=lambda r: (r.level != KECAMATAN, r.code)):
        level = "kecamatan" if r.level == KECAMATAN else r.village_level
        rows.append(dict(id=seed_id("region", r.code), code=r.code, name=spelled.get(r.code, r.name), level=level,
                         parent_code=None if level == "kecamatan" else r.parent))
    return rows


def region_rows(path: Path) -> list[dict]:
    """Rows of a region CSV (kecamatan_code, kecamatan, kelurahan_code, kelurahan)."""
    rows: list[dict] = []
    seen: set[str] = set()
    data = _read_csv(path)
    for r in data:
        code = r["kecamatan_code"].strip()
        if code not in seen:
            seen.add(code)
            rows.append(dict(id=seed_id("region", code), code=code, name=r["kecamatan"].strip(),
                             level="kecamatan", parent_code=None))
    for r in data:
        code = r["kelurahan_code"].strip()
        rows.append(dict(id=seed_id("region", code), code=code, name=r["kelurahan"].strip(),
                         level="kelurahan", parent_code=r["kecamatan_code"].strip()))
    return rows


def category_rows(path: Path) -> list[dict]:
    return [
        dict(id=seed_id("pmks_category", r["code"]), code=r["code"], name=r["name"],
             spm_group=r["spm_group"] or None, sort_order=i + 1, active=True)
        for i, r in enumerate(_read_csv(path))
    ]


def service_type_rows(path: Path) -> list[dict]:
    items = json.loads(path.read_text(encoding="utf-8"))
    return [dict(id=seed_id("service_type", it["code"]), active=True, **it) for it in items]


def target_rows(path: Path) -> list[dict]:
    rows: list[dict] = []
    for r in _read_csv(path):
        baseline = Decimal(r["baseline_2024"]) if r.get("baseline_2024") else None
        for key in r:
            if not key.startswith("target_"):
                continue
            year = int(key.removeprefix("target_"))
            budget = r.get(f"budget_{year}")
            rows.append(dict(id=seed_id("target", f"{year}:{r['code']}"), year=year, key=r["code"],
                             value=Decimal(r[key]), budget=Decimal(budget) if budget else None,
                             baseline=baseline))
    years = sorted({row["year"] for row in rows})
    for year in years:
        for key in IKK_KEYS:
            rows.append(dict(id=seed_id("target", f"{year}:{key}"), year=year, key=key,
                             value=Decimal(100), budget=None, baseline=None))
    other = path.with_name("renstra_targets_other.csv")  # indicators that are no service code (issue 21: dtsen)
    if other.is_file():
        for r in _read_csv(other):
            baseline = Decimal(r["baseline_2024"]) if r.get("baseline_2024") else None
            for key in r:
                if key.startswith("target_") and r[key]:
                    year = int(key.removeprefix("target_"))
                    rows.append(dict(id=seed_id("target", f"{year}:{r['key']}"), year=year, key=r["key"],
                                     value=Decimal(r[key]), budget=None, baseline=baseline))
    return rows


def setting_rows(path: Path) -> list[dict]:
    items = json.loads(path.read_text(encoding="utf-8"))
    return [dict(id=seed_id("setting", key), key=key, value=spec["value"], shared=spec["shared"])
            for key, spec in items.items()]


def seed_master_data(session: Session) -> SeedResult:
    """Insert missing master records from ``resources/``; returns how many per table."""
    applying = session.info.get("sync_apply", False)
    session.info["sync_apply"] = True  # keep the fixed seed stamps
    try:
        result = SeedResult()
        result.inserted["setting"] = _insert_missing(
            session, Setting, setting_rows(resource_path("settings_default.json")))
        area = adopted_area_code(session)
        result.inserted["region"] = _insert_missing(session, Region, area_region_rows(area)) if area else 0
        result.inserted["pmks_category"] = _insert_missing(
            session, PmksCategory, category_rows(resource_path("pmks_categories.csv")))
        result.inserted["service_type"] = _insert_missing(
            session, ServiceType, service_type_rows(resource_path("service_types.json")))
        result.inserted["target"] = (_insert_missing(session, Target, target_rows(resource_path("renstra_targets.csv")))
                                     if area == PONTIANAK else 0)
        return result
    finally:
        session.info["sync_apply"] = applying
