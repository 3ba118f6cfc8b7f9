"""A disaster with 200 households of 4 members and 7 days of meals for all of them, through
the service layer (issue 6; budget 5 s). Each run registers a new disaster with new persons
on the same database (half of the members carry a NIK), as a busy week would."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from common import DATA, BenchCase

HOUSEHOLDS, MEMBERS, DAYS = 200, 4, 7
_runs = itertools.count()


def _setup():
    from spm_desktop.core.storage.open import open_database

    path = DATA / "work" / "disaster" / "spm.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    return open_database(f"sqlite:///{path}")


def _run(db):
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.domain.nik import make_nik
    from spm_desktop.core.services.disaster_aid import record_meals
    from spm_desktop.core.services.disasters import DisasterInput, register_disaster
    from spm_desktop.core.services.households import HouseholdInput, MemberInput, register_household

    run = next(_runs)
    start = date.today() - timedelta(days=DAYS + 3)
    disaster = register_disaster(db, SYSTEM, DisasterInput("banjir_rob", start, "61.71.04.1001",
                                                           location="Tepian Kapuas"))
    household_ids = []
    for h in range(HOUSEHOLDS):
        serial = run * HOUSEHOLDS + h + 1
        head_birth = date(1970 + h % 30, 1 + h % 12, 1 + h % 28)
        members = (
            MemberInput(f"Kepala {serial}", "kepala", "L", nik=make_nik("617104", head_birth, "L", serial),
                        birth_date=head_birth),
            MemberInput(f"Istri {serial}", "istri", "P", nik=make_nik("617104", head_birth, "P", serial),
                        birth_date=head_birth, pregnant_breastfeeding=h % 5 == 0),
            MemberInput(f"Anak {serial}", "anak", "L", age=h % 17),
            MemberInput(f"Nenek {serial}", "lainnya", "P", age=55 + h % 20, disability=h % 9 == 0),
        )
        info = register_household(db, SYSTEM, HouseholdInput(disaster.id, f"617104{serial:010d}", members))
        household_ids.append(info.id)
    result = record_meals(db, SYSTEM, disaster.id, start, start + timedelta(days=DAYS - 1),
                          household_ids=household_ids)
    assert result.created == HOUSEHOLDS * MEMBERS * DAYS, result


def cases():
    meal_days = f"{HOUSEHOLDS * MEMBERS * DAYS:_}".replace("_", ".")
    return [BenchCase("disaster: register + 7 days of meals (service layer)",
                      f"{HOUSEHOLDS} KK × {MEMBERS} anggota, {meal_days} makan-hari", 5.0, _run, _setup, repeat=3)]
