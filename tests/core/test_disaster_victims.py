"""Hand-computed fixtures of the disaster victims' rule (architecture §4 v2 "Disaster victims"):
needs from the household and member rows, met only by services linked to the disaster
(meals only inside the emergency period, 3 a day), shelter for the whole household, waivers,
the year crossing (emergency ended in December with handling open, handling closed in
December, a fire of 30/12 served on 2–3/1), provincial scale, a victim of two disasters.
The roll-up (group bencana, IKK 2) and the Bencana page's summary use the same rule."""

from __future__ import annotations

from datetime import date

import pytest
from rollup_builders import B_CLOTHES, B_FOOD, B_PSYCHO, B_SHELTER, B_SPECIAL, Rows, d

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.rollup import Period, compute_rollup
from spm_desktop.core.services import settings as settings_svc
from spm_desktop.core.services.disaster_summary import disaster_summary

DEC_2025, JAN_2026, MAR_2026, DEC_2026 = (Period.for_month(2025, 12), Period.for_month(2026, 1),
                                          Period.for_month(2026, 3), Period.for_month(2026, 12))
THREE = {"meals_per_day": 3, "days": 1}


def build(db, fn):
    with db.transaction() as s:
        return fn(Rows(s))


def bencana(db, period):
    g = compute_rollup(db, period).group("bencana")
    return g.sasaran, g.terpenuhi


def missing(db, disaster_id, on):
    """{person id: missing codes} of the Bencana page's summary as of ``on``."""
    return {m.person_id: m.missing for m in disaster_summary(db, SYSTEM, disaster_id, on).members}


def test_fire_of_30_december_fed_and_clothed_in_january_counts_in_2026(db):
    """Issue 15 #2: a fire on 30/12/2025, three displaced victims fed (3×) and clothed on
    2–3/1/2026, sheltered on 30/12. 2025: 0 of 3 (needs open); 2026: 3 of 3."""
    def rows(r):
        fire = r.disaster(d(2025, 12, 30))
        a, b, c = r.person(), r.person(), r.person()
        r.household(fire, [(a, {}), (b, {}), (c, {})], displaced=True)
        r.event(a, B_SHELTER, d(2025, 12, 30), disaster=fire)
        for p in (a, b, c):
            r.event(p, B_FOOD, d(2026, 1, 2), disaster=fire, details=THREE)
            r.event(p, B_CLOTHES, d(2026, 1, 3), disaster=fire)
        return fire, (a, b, c)
    fire, victims = build(db, rows)
    assert bencana(db, DEC_2025) == (3, 0)
    assert bencana(db, JAN_2026) == (3, 3)
    assert bencana(db, DEC_2026) == (3, 3)
    assert missing(db, fire, d(2025, 12, 31)) == {v: (B_FOOD, B_CLOTHES) for v in victims}
    assert missing(db, fire, d(2026, 1, 3)) == {v: () for v in victims}
    ikk = compute_rollup(db, JAN_2026).ikk
    assert (ikk.ikk2_sasaran, ikk.ikk2_terpenuhi, ikk.ikk2) == (3, 3, 100.0)


def test_emergency_ended_in_december_handling_open_carries_only_the_unmet_needs(db):
    """Flood 10/12/2025, emergency ended 15/12, handling still open. Displaced Ani: fed 10/12,
    sheltered 11/12, clothes only on 05/01/2026 → 2025: unmet; 2026: sasaran with the clothing
    need alone, met in January. Displaced Bayu: fed 20/12 only (after the emergency: does not
    count) and never clothed → unmet in both years. Cici (not displaced, 2 years old: penanganan
    khusus) was served 12/12/2025 → met in 2025, not in 2026's sasaran."""
    def rows(r):
        flood = r.disaster(d(2025, 12, 10), end=d(2025, 12, 15))
        ani, bayu = r.person(sex="P"), r.person()
        cici = r.person(birth_date=d(2023, 6, 1))
        r.household(flood, [(ani, {}), (bayu, {})], displaced=True)
        r.household(flood, [(cici, {})])
        r.event(ani, B_FOOD, d(2025, 12, 10), disaster=flood, details=THREE)
        r.event(ani, B_SHELTER, d(2025, 12, 11), disaster=flood)
        r.event(ani, B_CLOTHES, d(2026, 1, 5), disaster=flood)
        r.event(bayu, B_FOOD, d(2025, 12, 20), disaster=flood, details=THREE)
        r.event(cici, B_SPECIAL, d(2025, 12, 12), disaster=flood)
        return flood, ani, bayu, cici
    flood, ani, bayu, cici = build(db, rows)
    assert bencana(db, DEC_2025) == (3, 1)  # Cici met; Ani lacks sandang, Bayu everything
    assert bencana(db, JAN_2026) == (2, 1)  # Ani (sandang, met 05/01) and Bayu
    assert bencana(db, MAR_2026) == (2, 1)
    assert missing(db, flood, d(2026, 3, 31)) == {ani: (), bayu: (B_FOOD, B_CLOTHES), cici: ()}


def test_handling_closed_in_december_drops_the_open_needs_from_the_next_year(db):
    def rows(r):
        storm = r.disaster(d(2025, 12, 1), end=d(2025, 12, 7), closed=d(2025, 12, 20))
        eka = r.person()
        r.household(storm, [(eka, {})], displaced=True)
        r.event(eka, B_FOOD, d(2025, 12, 2), disaster=storm, details=THREE)
        r.event(eka, B_CLOTHES, d(2026, 1, 10), disaster=storm)
        return storm
    build(db, rows)
    assert bencana(db, DEC_2025) == (1, 0)
    assert bencana(db, JAN_2026) == (0, 0)  # handling closed before 2026: not carried over
    assert compute_rollup(db, JAN_2026).indicator(B_CLOTHES).cumulative == 1  # still an output


def test_provincial_disaster_counts_in_outputs_not_in_group_bencana(db):
    def rows(r):
        big = r.disaster(d(2026, 2, 1), scale="provinsi")
        fajar = r.person()
        r.household(big, [(fajar, {})], displaced=True)
        r.event(fajar, B_FOOD, d(2026, 2, 1), disaster=big, details=THREE)
        return big, fajar
    big, fajar = build(db, rows)
    result = compute_rollup(db, MAR_2026)
    assert (result.group("bencana").sasaran, result.ikk.ikk2) == (0, None)
    assert result.indicator(B_FOOD).cumulative == 1
    # The Bencana page still shows what the victims lack.
    assert missing(db, big, d(2026, 3, 31)) == {fajar: (B_CLOTHES, B_SHELTER)}


def test_shelter_through_one_member_waivers_and_psychosocial(db):
    """One displaced family: the tent is recorded on the daughter, so the whole family is
    sheltered; the father's sandang is waived (brought his own); the mother needs
    psychosocial support and got it; the son was served meals linked to no disaster (does not
    count) and clothes. X = father and mother."""
    def rows(r):
        fire = r.disaster(d(2026, 3, 2))
        father, mother, son, daughter = r.person(), r.person(sex="P"), r.person(), r.person(sex="P")
        r.household(fire, [(father, {"waived_codes": B_CLOTHES, "waiver_reason": "Pakaian masih ada"}),
                           (mother, {"needs_psychosocial": True}), (son, {}), (daughter, {})], displaced=True)
        r.event(daughter, B_SHELTER, d(2026, 3, 3), disaster=fire)
        for p in (father, mother):
            r.event(p, B_FOOD, d(2026, 3, 2), disaster=fire, details=THREE)
        r.event(mother, B_CLOTHES, d(2026, 3, 2), disaster=fire)
        r.event(mother, B_PSYCHO, d(2026, 3, 4), disaster=fire)
        r.event(son, B_FOOD, d(2026, 3, 2), details=THREE)  # not linked to the fire
        r.event(son, B_CLOTHES, d(2026, 3, 2), disaster=fire)
        return fire, father, mother, son, daughter
    fire, father, mother, son, daughter = build(db, rows)
    assert bencana(db, MAR_2026) == (4, 2)
    assert missing(db, fire, d(2026, 3, 31)) == {father: (), mother: (), son: (B_FOOD,),
                                                 daughter: (B_FOOD, B_CLOTHES)}
    summary = disaster_summary(db, SYSTEM, fire, d(2026, 3, 31))
    needs = {m.person_id: m.needed for m in summary.members}
    assert needs[father] == (B_FOOD, B_SHELTER)
    assert needs[mother] == (B_FOOD, B_CLOTHES, B_SHELTER, B_PSYCHO)


def test_meals_count_at_three_a_day_inside_the_emergency_and_for_their_disaster(db):
    """Gita: 2 + 1 meals on 02/03 (two events, adds up to 3) → met. Hadi: 2 meals on 02/03 and
    3 on 10/03, after the emergency ended on 05/03 → unmet. Indra: 3 meals linked to another
    disaster → unmet for this one."""
    def rows(r):
        fire = r.disaster(d(2026, 3, 2), end=d(2026, 3, 5))
        other = r.disaster(d(2026, 3, 1))
        gita, hadi, indra = r.person(sex="P"), r.person(), r.person()
        r.household(fire, [(gita, {"waived_codes": f"{B_CLOTHES};{B_SHELTER}", "waiver_reason": "Menumpang"}),
                           (hadi, {"waived_codes": f"{B_CLOTHES};{B_SHELTER}", "waiver_reason": "Menumpang"}),
                           (indra, {"waived_codes": f"{B_CLOTHES};{B_SHELTER}", "waiver_reason": "Menumpang"})],
                    displaced=True)
        r.event(gita, B_FOOD, d(2026, 3, 2), disaster=fire, details={"meals_per_day": 2, "days": 1})
        r.event(gita, B_FOOD, d(2026, 3, 2), disaster=fire, details={"meals_per_day": 1, "days": 1})
        r.event(hadi, B_FOOD, d(2026, 3, 2), disaster=fire, details={"meals_per_day": 2, "days": 7})
        r.event(hadi, B_FOOD, d(2026, 3, 10), disaster=fire, details=THREE)
        r.event(indra, B_FOOD, d(2026, 3, 2), disaster=other, details=THREE)
        return fire, gita, hadi, indra
    fire, gita, hadi, indra = build(db, rows)
    assert bencana(db, MAR_2026) == (3, 1)
    assert missing(db, fire, d(2026, 3, 31)) == {gita: (), hadi: (B_FOOD,), indra: (B_FOOD,)}


def test_victim_of_two_disasters_counts_once_and_stays_served_for_the_year(db):
    """Joni: fire in February (fully served in February), flood in October (not served).
    Sasaran counts him once; terpenuhi from February on, even after the flood."""
    def rows(r):
        fire, flood = r.disaster(d(2026, 2, 3)), r.disaster(d(2026, 10, 1))
        joni = r.person()
        r.household(fire, [(joni, {"needs_psychosocial": True})])
        r.household(flood, [(joni, {"needs_psychosocial": True})])
        r.event(joni, B_PSYCHO, d(2026, 2, 5), disaster=fire)
        return joni
    build(db, rows)
    assert bencana(db, MAR_2026) == (1, 1)
    assert bencana(db, DEC_2026) == (1, 1)


def test_child_age_of_kelompok_rentan_is_a_setting(db):
    def rows(r):
        fire = r.disaster(d(2026, 3, 2))
        kid = r.person(birth_date=d(2016, 1, 1))  # 10 on the start date
        r.household(fire, [(kid, {})])
        return fire, kid
    fire, kid = build(db, rows)
    assert bencana(db, MAR_2026) == (0, 0)  # under 5 only: the child needs nothing
    settings_svc.update_setting(db, SYSTEM, "disaster.usia_rentan_anak", 18)
    assert bencana(db, MAR_2026) == (1, 0)
    assert missing(db, fire, d(2026, 3, 31)) == {kid: (B_SPECIAL,)}
    for bad in (0, 19, "5", True):
        with pytest.raises(ValidationError, match="Batas usia anak"):
            settings_svc.update_setting(db, SYSTEM, "disaster.usia_rentan_anak", bad)
    assert settings_svc.get_settings(db).usia_rentan_anak == 18


def test_any_item_rule_counts_a_victim_with_one_need_met(db):
    def rows(r):
        fire = r.disaster(d(2026, 3, 2))
        lia = r.person(sex="P")
        r.household(fire, [(lia, {})], displaced=True)
        r.event(lia, B_CLOTHES, d(2026, 3, 2), disaster=fire)
    build(db, rows)
    assert bencana(db, MAR_2026) == (1, 0)
    settings_svc.update_setting(db, SYSTEM, "spm.fulfilment_rule", "any_item")
    assert bencana(db, MAR_2026) == (1, 1)


def test_date_judges_missing_too(db):
    def rows(r):
        fire = r.disaster(d(2026, 3, 2))
        m = r.person()
        r.household(fire, [(m, {"needs_psychosocial": True})])
        r.event(m, B_PSYCHO, d(2026, 3, 9), disaster=fire)
        return fire, m
    fire, m = build(db, rows)
    assert missing(db, fire, date(2026, 3, 8)) == {m: (B_PSYCHO,)}
    assert missing(db, fire, date(2026, 3, 9)) == {m: ()}


def test_victim_facts_give_the_needs_and_met_dates_the_judgement_reads(db):
    """:func:`victim_facts` (the roll-up's facts of group bencana): local disasters not closed
    before the window, every need with its met date."""
    from spm_desktop.core.rollup.victims import victim_facts

    def rows(r):
        fire = r.disaster(d(2025, 12, 30))
        closed = r.disaster(d(2025, 12, 1), closed=d(2025, 12, 20))
        big = r.disaster(d(2026, 1, 4), scale="nasional")
        a = r.person()
        r.household(fire, [(a, {})], displaced=True)
        r.household(closed, [(a, {"needs_psychosocial": True})])
        r.household(big, [(a, {"needs_psychosocial": True})])
        r.event(a, B_SHELTER, d(2025, 12, 30), disaster=fire)
        r.event(a, B_FOOD, d(2026, 1, 2), disaster=fire, details={"meals_per_day": 2, "days": 1})
        r.event(a, B_FOOD, d(2026, 1, 3), disaster=fire, details=THREE)
        return fire, a
    fire, a = build(db, rows)
    with db.reading() as s:
        facts = victim_facts(s, d(2026, 1, 1), d(2026, 1, 31), 5)
    assert facts == {(fire, a): (d(2025, 12, 30), ((B_FOOD, d(2026, 1, 3)), (B_CLOTHES, None),
                                                   (B_SHELTER, d(2025, 12, 30))))}


def test_waived_needs_by_reason_for_the_recap_warning(db):
    from spm_desktop.core.rollup.victims import waived_needs

    def rows(r):
        fire = r.disaster(d(2026, 3, 2))
        old = r.disaster(d(2025, 6, 1), closed=d(2025, 7, 1))
        big = r.disaster(d(2026, 3, 5), scale="provinsi")
        a, b, c = r.person(), r.person(), r.person()
        r.household(fire, [(a, {"waived_codes": f"{B_CLOTHES};{B_SHELTER}", "waiver_reason": "Menumpang"}),
                           (b, {"waived_codes": B_SHELTER, "waiver_reason": "Menumpang"})], displaced=True)
        r.household(old, [(c, {"waived_codes": B_CLOTHES, "waiver_reason": "Lama"})], displaced=True)
        r.household(big, [(c, {"waived_codes": B_CLOTHES, "waiver_reason": "Provinsi"})], displaced=True)
    build(db, rows)
    with db.reading() as s:
        assert waived_needs(s, d(2026, 1, 1), d(2026, 3, 31)) == {"Menumpang": 3}
        assert waived_needs(s, d(2025, 1, 1), d(2025, 12, 31)) == {"Lama": 1}
    warnings = compute_rollup(db, MAR_2026).warnings
    assert ("3 kebutuhan korban bencana dikecualikan dan tidak dihitung (alasan — Menumpang: 3); periksa "
            "pengecualiannya di halaman Bencana bila ada yang keliru.") in warnings
    assert not any("dikecualikan" in w for w in compute_rollup(db, Period.for_month(2026, 2)).warnings)


def test_recap_warns_about_victims_served_without_household_data(db):
    def rows(r):
        fire = r.disaster(d(2026, 3, 2))
        member, stranger = r.person(), r.person()
        r.household(fire, [(member, {})])
        r.event(member, B_CLOTHES, d(2026, 3, 3), disaster=fire)
        r.event(stranger, B_CLOTHES, d(2026, 3, 3), disaster=fire)
        r.event(stranger, B_FOOD, d(2026, 3, 4), disaster=fire, details=THREE)
    build(db, rows)
    assert ("1 orang menerima layanan yang dicatat untuk suatu bencana tetapi tidak terdaftar sebagai anggota "
            "keluarga terdampak bencana itu; daftarkan keluarganya di halaman Bencana agar kebutuhannya dihitung."
            ) in compute_rollup(db, MAR_2026).warnings
    february = compute_rollup(db, Period.for_month(2026, 2)).warnings
    assert not any("tidak terdaftar sebagai anggota" in w for w in february)
