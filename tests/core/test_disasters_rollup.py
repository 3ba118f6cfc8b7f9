"""The roll-up's bencana group and IKK 2 on the hand-computed fire (architecture §4).

Sasaran = the 9 members of the 3 households of the fire of 02/03/2026; terpenuhi = 6 (Hasan
and Joko lack penanganan khusus, Rina sandang); a flood of 20/12/2025 whose handling was closed
on 31/12/2025 does not carry its victims' open needs into 2026, though their January clothing
counts in the output indicators (their January meals do not: closing the handling on 31/12 ended
its emergency period that day, and disaster meals count only inside it — §4 v2)."""

from __future__ import annotations

from datetime import date

from bencana_scenario import CAPAIAN, SASARAN, TERPENUHI, build_fire, serve_fire

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.domain.vulnerable import CLOTHING_CODE, MEALS_CODE, SHELTER_CODE, SPECIAL_CARE_CODE
from spm_desktop.core.rollup import Period, compute_rollup
from spm_desktop.core.services import disaster_aid as aid
from spm_desktop.core.services.disaster_summary import disaster_summary
from spm_desktop.core.services.disasters import DisasterInput, close_disaster, register_disaster
from spm_desktop.core.services.households import HouseholdInput, MemberInput, register_household
from spm_desktop.core.services.settings import update_setting


def last_year_flood(db) -> str:
    flood = register_disaster(db, SYSTEM, DisasterInput("banjir_rob", date(2025, 12, 20), "61.71.04.1001"))
    hh = register_household(db, SYSTEM, HouseholdInput(flood.id, "6171040212250001", (
        MemberInput("Usman", "kepala", "L", age=40), MemberInput("Ijah", "istri", "P", age=38)), displaced=True))
    aid.record_meals(db, SYSTEM, flood.id, date(2025, 12, 30), date(2026, 1, 2), household_ids=[hh.id])
    aid.record_clothing(db, SYSTEM, flood.id, date(2026, 1, 2), household_ids=[hh.id])
    close_disaster(db, SYSTEM, flood.id, date(2025, 12, 31))
    return flood.id


def test_rollup_bencana_and_ikk2_match_the_hand_computed_fire(db):
    fire = build_fire(db)
    serve_fire(db, fire)
    last_year_flood(db)
    result = compute_rollup(db, Period.for_month(2026, 3))
    bencana = result.group("bencana")
    assert (bencana.sasaran, bencana.terpenuhi, bencana.capaian) == (SASARAN, TERPENUHI, CAPAIAN)
    assert (result.ikk.ikk2_sasaran, result.ikk.ikk2_terpenuhi, result.ikk.ikk2) == (SASARAN, TERPENUHI, CAPAIAN)
    # The per-disaster summary agrees with the roll-up.
    summary = disaster_summary(db, SYSTEM, fire.id)
    assert (summary.with_needs, summary.met, summary.share_met) == (SASARAN, TERPENUHI, CAPAIAN)
    # Output indicators count everyone served in 2026; the flood's victims fed on 1–2 January,
    # after its emergency period ended (31/12), are not counted (qualifying meals, §4 v2).
    assert result.indicator(MEALS_CODE).cumulative == 9
    assert result.indicator(MEALS_CODE).series == (0, 0, 9)
    assert next(w for w in result.warning_items if w.kind == "uncounted_events").count == 4
    assert result.indicator(CLOTHING_CODE).cumulative == 7 + 2
    assert result.indicator(SPECIAL_CARE_CODE).cumulative == 4
    assert result.indicator(SHELTER_CODE).cumulative == 3  # units, not persons


def test_previous_year_disaster_alone_gives_no_ikk2(db):
    last_year_flood(db)
    result = compute_rollup(db, Period.for_month(2026, 12))
    assert (result.group("bencana").sasaran, result.ikk.ikk2) == (0, None)
    assert (compute_rollup(db, Period.for_month(2025, 12)).group("bencana").sasaran) == 2


def test_any_item_rule_counts_every_fed_victim(db):
    fire = build_fire(db)
    serve_fire(db, fire)
    update_setting(db, SYSTEM, "spm.fulfilment_rule", "any_item")
    result = compute_rollup(db, Period.for_month(2026, 3))
    # Hasan and Joko (not displaced) need only penanganan khusus, which they did not get.
    assert (result.ikk.ikk2_sasaran, result.ikk.ikk2_terpenuhi, result.ikk.ikk2) == (9, 7, 77.8)


def test_fire_is_not_yet_in_a_period_ending_before_it(db):
    fire = build_fire(db)
    serve_fire(db, fire)
    assert compute_rollup(db, Period.for_month(2026, 2)).group("bencana").sasaran == 0
