"""Seed data: counts, targets equal the CSV, idempotent, never overwrites an edit."""

from __future__ import annotations

import csv
from decimal import Decimal

from sqlalchemy import func, select

from spm_desktop.core.paths import resource_path
from spm_desktop.core.storage.base import seed_id
from spm_desktop.core.storage.models import PmksCategory, Region, ServiceType, Setting, Target
from spm_desktop.core.storage.seed import seed_master_data


def _count(s, model, *where):
    return s.scalar(select(func.count()).select_from(model).where(*where))


def test_seeded_counts(db):
    with db.reading() as s:
        assert _count(s, Region, Region.level == "kecamatan") == 6
        assert _count(s, Region, Region.level == "kelurahan") == 29
        assert _count(s, ServiceType) == 22
        assert _count(s, PmksCategory) == 26
        assert _count(s, PmksCategory, PmksCategory.spm_group == "gepeng") == 2
        assert s.scalar(select(Setting.value).where(Setting.key == "spm.fulfilment_rule")) == "all_needed"
        assert s.scalar(select(Setting.value).where(Setting.key == "spm.weight_a")) == 0.8


def test_2026_targets_equal_the_csv(db):
    with open(resource_path("renstra_targets.csv"), encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 22
    with db.reading() as s:
        for row in rows:
            target = s.scalars(select(Target).where(Target.year == 2026, Target.key == row["code"])).one()
            assert target.value == Decimal(row["target_2026"]), row["code"]
            assert target.budget == Decimal(row["budget_2026"]), row["code"]


def _snapshot(s):
    return {m.__tablename__: _count(s, m) for m in (Region, ServiceType, PmksCategory, Target, Setting)}


def test_seeding_twice_changes_nothing(db):
    with db.reading() as s:
        before = _snapshot(s)
    with db.transaction() as s:
        result = seed_master_data(s)
    assert result.total == 0
    with db.reading() as s:
        assert _snapshot(s) == before


def test_edited_target_survives_a_reseed(db):
    with db.transaction() as s:
        t = s.get(Target, seed_id("target", "2026:1.06.04.2.01.0001"))
        t.value = Decimal(999)
        s.delete(s.get(Target, seed_id("target", "2027:1.06.04.2.01.0001")))
    with db.transaction() as s:
        result = seed_master_data(s)
    assert result.inserted["target"] == 1  # the deleted one comes back, nothing else
    with db.reading() as s:
        assert s.get(Target, seed_id("target", "2026:1.06.04.2.01.0001")).value == Decimal(999)


def test_seeded_ids_are_deterministic(db, empty_database_url):
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.services.area import AreaChoice, adopt_area
    from spm_desktop.core.storage.open import open_database

    other = open_database(empty_database_url)
    adopt_area(other, SYSTEM, AreaChoice("61.71"))
    try:
        with db.reading() as a, other.reading() as b:
            for model in (Region, ServiceType, Target, PmksCategory):
                ids_a = set(a.scalars(select(model.id)))
                ids_b = set(b.scalars(select(model.id)))
                assert ids_a == ids_b
            reg = a.get(Region, seed_id("region", "61.71.01"))
            assert reg.name == "Pontianak Selatan"
            assert (reg.updated_at, reg.revision, reg.origin_device) == (
                b.get(Region, reg.id).updated_at, 1, "seed")
    finally:
        other.dispose()
