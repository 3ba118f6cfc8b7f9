"""The hand-computed fire of issue 6, shared by the core, roll-up and GUI tests of disasters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.services import disaster_aid as aid
from spm_desktop.core.services.disasters import DisasterInput, register_disaster
from spm_desktop.core.services.households import HouseholdInput, MemberInput, register_household
from spm_desktop.core.storage.models import Person

KELURAHAN = "61.71.01.1002"  # Benua Melayu Laut, Pontianak Selatan
FIRE_DAY = date(2026, 3, 2)
KK = ["6171010203260001", "6171010203260002", "6171010203260003"]


def fire_input(**changes) -> DisasterInput:
    values = dict(kind="kebakaran_permukiman", start_date=FIRE_DAY, kelurahan_code=KELURAHAN,
                  location="Jl. Tanjung Raya, gang Amal", houses_heavy=3, name="Kebakaran Gg. Amal")
    values.update(changes)
    return DisasterInput(**values)


@dataclass
class Fire:
    id: str
    households: list  # HouseholdInfo, in the order H1, H2, H3
    person: dict  # first name -> person id
    joko_known_id: str


def build_fire(db) -> Fire:
    """The hand-computed fire of 02/03/2026: 3 households, 9 persons, 6 vulnerable.

    H1 (displaced) Budi (45) kepala, Siti istri pregnant, Ahmad anak born 01/06/2025 (baby).
    H2 (stays home) Hasan kepala aged 66 (age entered), Joko anak with a disability, already
       known by NIK.
    H3 (displaced) Dewi kepala, Rina anak (10, needs psychosocial support), Andi anak born
       03/03/2021 (4 on the start date: balita), Sarni lainnya born 02/03/1966 (exactly 60 on
       the start date: lansia).
    Needs: H1 and H3 members permakanan, sandang, tempat penampungan; penanganan khusus for
    Siti, Ahmad, Hasan, Joko, Andi, Sarni; dukungan psikososial for Rina.
    """
    joko_nik = make_nik("617101", date(1995, 1, 12), "L", 7)
    with db.transaction(SYSTEM) as s:
        joko = Person(nik=joko_nik, name="Joko Santoso", sex="L", birth_date=date(1995, 1, 12), birth_year=1995)
        s.add(joko)
        s.flush()
        joko_id = joko.id
    fire = register_disaster(db, SYSTEM, fire_input())
    members = [
        (KK[0], [MemberInput("Budi", "kepala", "L", birth_date=date(1980, 5, 10)),
                 MemberInput("Siti", "istri", "P", birth_date=date(1985, 8, 20), pregnant_breastfeeding=True),
                 MemberInput("Ahmad", "anak", "L", birth_date=date(2025, 6, 1))]),
        (KK[1], [MemberInput("Hasan", "kepala", "L", age=66),
                 MemberInput("Joko S.", "anak", "L", nik=joko_nik, disability=True)]),
        (KK[2], [MemberInput("Dewi", "kepala", "P", birth_date=date(1990, 11, 30)),
                 MemberInput("Rina", "anak", "P", birth_date=date(2015, 7, 7), needs_psychosocial=True),
                 MemberInput("Andi", "anak", "L", birth_date=date(2021, 3, 3)),
                 MemberInput("Sarni", "lainnya", "P", birth_date=date(1966, 3, 2))]),
    ]
    households = [register_household(db, SYSTEM, HouseholdInput(fire.id, kk, tuple(ms), damage_level="berat",
                                                                displaced=kk != KK[1]))
                  for kk, ms in members]
    person = {m.name.split()[0]: m.person_id for h in households for m in h.members}
    return Fire(fire.id, households, person, joko_id)


def serve_fire(db, fire: Fire) -> None:
    """Meals 02–04/03 (3× a day) for all; clothing 03/03 for all but Rina and Hasan; special
    care 03/03 for H1 (Siti, Ahmad), Andi and Sarni — not Hasan, not Joko; psychosocial for H3;
    two tents for H1 and one for H3 (written on the heads: the whole family is sheltered)."""
    all_h = [h.id for h in fire.households]
    p = fire.person
    aid.record_meals(db, SYSTEM, fire.id, date(2026, 3, 2), date(2026, 3, 4), household_ids=all_h)
    aid.record_clothing(db, SYSTEM, fire.id, date(2026, 3, 3), items=["Pakaian", "Selimut"],
                        person_ids=[p[n] for n in ("Budi", "Siti", "Ahmad", "Joko", "Dewi", "Andi", "Sarni")])
    aid.record_special_care(db, SYSTEM, fire.id, date(2026, 3, 3), household_ids=[fire.households[0].id],
                            person_ids=[p["Andi"], p["Sarni"]])
    aid.record_psychosocial(db, SYSTEM, fire.id, date(2026, 3, 5), household_ids=[fire.households[2].id],
                            session_type="Trauma healing anak")
    aid.record_shelter(db, SYSTEM, fire.id, date(2026, 3, 2), [fire.households[0].id], 2, "Tenda")
    aid.record_shelter(db, SYSTEM, fire.id, date(2026, 3, 2), [fire.households[2].id], 1, "Tenda")


# Hand-computed figures: Y = 9 members (each has a need); X = Budi, Siti, Ahmad, Dewi, Andi,
# Sarni = 6 (Hasan and Joko: no special care; Rina: no clothing — her psychosocial session,
# meals and shelter are met).
SASARAN, TERPENUHI, CAPAIAN = 9, 6, 66.7
