"""A disaster with 200 households of 4 members and 7 days of meals for all of them, through
the service layer (issue 6; budget 5 s): the families in one call (``register_households``),
and for comparison one call per family as the family form does. Each run starts from a fresh copy of a migrated,
seeded database (victims go through the person services, whose duplicate check compares each
new victim with the persons already in the kecamatan). Half of the members carry a NIK;
names are drawn from the demo-data name lists, so the duplicate check sees realistic names."""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta

from common import DATA, BenchCase

HOUSEHOLDS, MEMBERS, DAYS = 200, 4, 7
KELURAHAN, NIK_REGION = "61.71.04.1001", "617104"


def _setup():
    from spm_desktop.core.storage.open import open_database

    folder = DATA / "work" / "disaster"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    template = folder / "template.db"
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.services.area import AreaChoice, adopt_area

    made = open_database(f"sqlite:///{template}")
    adopt_area(made, SYSTEM, AreaChoice("61.71"))
    made.dispose()
    return folder


def _fresh(folder):
    from spm_desktop.core.storage.database import Database
    from spm_desktop.core.storage.engine import make_engine

    target = folder / "run.db"
    for suffix in ("", "-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(folder / "template.db", target)
    return Database(make_engine(f"sqlite:///{target}"))


def _families(rng: random.Random):
    from spm_desktop.core.demo.names import FAMILY, FEMALE, MALE
    from spm_desktop.core.domain.nik import make_nik
    from spm_desktop.core.services.households import MemberInput

    for h in range(HOUSEHOLDS):
        family = rng.choice(FAMILY)
        head_birth = date(rng.randint(1960, 1995), rng.randint(1, 12), rng.randint(1, 28))
        wife_birth = date(head_birth.year + rng.randint(0, 6), rng.randint(1, 12), rng.randint(1, 28))
        yield f"{NIK_REGION}{h + 1:010d}", (
            MemberInput(f"{rng.choice(MALE)} {family}", "kepala", "L",
                        nik=make_nik(NIK_REGION, head_birth, "L", 2 * h + 1), birth_date=head_birth),
            MemberInput(f"{rng.choice(FEMALE)} {rng.choice(FEMALE)}", "istri", "P",
                        nik=make_nik(NIK_REGION, wife_birth, "P", 2 * h + 2), birth_date=wife_birth,
                        pregnant_breastfeeding=h % 5 == 0),
            MemberInput(f"{rng.choice(MALE)} {family}", "anak", "L", age=rng.randint(0, 17)),
            MemberInput(f"{rng.choice(FEMALE)} {rng.choice(FAMILY)}", "lainnya", "P", age=rng.randint(55, 80),
                        disability=h % 9 == 0),
        )


def _scenario(folder, bulk: bool):
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.services.disaster_aid import record_meals
    from spm_desktop.core.services.disasters import DisasterInput, register_disaster
    from spm_desktop.core.services.households import HouseholdInput, register_household, register_households

    db = _fresh(folder)
    try:
        start = date.today() - timedelta(days=DAYS + 3)
        disaster = register_disaster(db, SYSTEM, DisasterInput("banjir_rob", start, KELURAHAN,
                                                               location="Tepian Kapuas"))
        families = [HouseholdInput(disaster.id, kk, members) for kk, members in _families(random.Random(2026))]
        if bulk:
            infos = register_households(db, SYSTEM, disaster.id, families)
        else:
            infos = [register_household(db, SYSTEM, family) for family in families]
        result = record_meals(db, SYSTEM, disaster.id, start, start + timedelta(days=DAYS - 1),
                              household_ids=[h.id for h in infos])
        assert result.created == HOUSEHOLDS * MEMBERS * DAYS, result
    finally:
        db.dispose()


def cases():
    meal_days = f"{HOUSEHOLDS * MEMBERS * DAYS:_}".replace("_", ".")
    size = f"{HOUSEHOLDS} KK × {MEMBERS} anggota, {meal_days} makan-hari"
    return [
        BenchCase("disaster: families in one call + 7 days of meals (service layer)", size, 5.0,
                  lambda folder: _scenario(folder, bulk=True), _setup, repeat=3),
        BenchCase("disaster: family form ×200 (one call each) + 7 days of meals", size, 5.0,
                  lambda folder: _scenario(folder, bulk=False), _setup, repeat=3),
    ]
