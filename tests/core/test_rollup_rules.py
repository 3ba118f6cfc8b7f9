"""Hand-computed fixtures for every roll-up rule of architecture §4."""

from __future__ import annotations

import json

import pytest
from rollup_builders import (
    B_CLOTHES,
    B_FOOD,
    B_SHELTER,
    B_SPECIAL,
    CLOTHES,
    KEC_SELATAN,
    MEALS,
    REUNI,
    TENT,
    Rows,
    d,
)

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.reports.formatting import percent as fmt_percent
from spm_desktop.core.rollup import Period, compute_rollup
from spm_desktop.core.services import settings as settings_svc

ADMIN = Actor("admin", "admin")
MARCH = Period.for_month(2026, 3)


def build(db, fn):
    with db.transaction() as s:
        out = fn(Rows(s))
    return out


def rollup(db, period=MARCH, breakdowns=("kecamatan",)):
    return compute_rollup(db, period, breakdowns)


def test_window_edges_first_january_and_last_day_of_month(db):
    def rows(r):
        inside_first, inside_last, before, after, repeat = (r.person() for _ in range(5))
        r.event(inside_first, MEALS, d(2026, 1, 1))
        r.event(inside_last, MEALS, d(2026, 3, 31))
        r.event(before, MEALS, d(2025, 12, 31))
        r.event(after, MEALS, d(2026, 4, 1))
        r.event(repeat, MEALS, d(2026, 2, 10))
        r.event(repeat, MEALS, d(2026, 3, 5))  # already counted in February
    build(db, rows)
    ind = rollup(db).indicator(MEALS)
    assert ind.cumulative == 3
    assert ind.month == 1
    assert ind.series == (1, 2, 3)
    assert ind.monthly == (1, 1, 1)
    assert ind.target == 200 and ind.percent_of_target == 1.5
    assert ind.budget == 550_000_000
    feb = rollup(db, Period.for_month(2026, 2)).indicator(MEALS)
    assert (feb.cumulative, feb.month) == (2, 1)
    assert rollup(db, Period.for_month(2026, 4)).indicator(MEALS).cumulative == 4


def test_case_spanning_two_years(db):
    """v2: a carried-over case whose needs were all met before 1 January counted in the year
    it was served, not again; one still unmet at 31 December is sasaran of the new year and
    met by a delivery inside it."""
    def rows(r):
        p, q = r.person(), r.person()
        c = r.case(p, "lansia", d(2025, 11, 1), needs=[MEALS])
        r.event(p, MEALS, d(2025, 12, 1), case=c)  # met in December 2025
        cq = r.case(q, "lansia", d(2025, 11, 1), needs=[MEALS, CLOTHES])
        r.event(q, MEALS, d(2025, 12, 1), case=cq)  # clothing still missing at the year's end
        return q, cq
    q, cq = build(db, rows)
    dec = rollup(db, Period.for_month(2025, 12)).group("lansia")
    assert (dec.sasaran, dec.terpenuhi, dec.served_by_month[11]) == (2, 1, 1)
    g = rollup(db).group("lansia")
    assert (g.sasaran, g.terpenuhi, g.capaian) == (1, 0, 0.0)
    build(db, lambda r: r.event(q, CLOTHES, d(2026, 2, 1), case=cq))
    g = rollup(db).group("lansia")
    assert (g.sasaran, g.terpenuhi, g.capaian) == (1, 1, 100.0)
    assert g.served_by_month == (0, 1) + (0,) * 10


def test_case_closed_before_the_year_is_no_sasaran(db):
    def rows(r):
        closed_before, closed_on_first = r.person(), r.person()
        r.case(closed_before, "anak", d(2025, 5, 1), exit=d(2025, 12, 31), needs=[MEALS])
        r.case(closed_on_first, "anak", d(2025, 5, 1), exit=d(2026, 1, 1), needs=[MEALS])
        future = r.person()
        r.case(future, "anak", d(2026, 4, 1), needs=[MEALS])  # after the window
        no_needs = r.person()
        r.case(no_needs, "anak", d(2026, 1, 5))  # not yet assessed: sasaran, not terpenuhi (v2)
        nothing_needed = r.person()
        r.case(nothing_needed, "anak", d(2026, 1, 5), no_need=d(2026, 1, 6))  # assessed, needs nothing
    build(db, rows)
    g = rollup(db).group("anak")
    assert (g.sasaran, g.terpenuhi, g.unassessed) == (2, 0, 1)


def test_person_in_two_groups_counts_in_each_and_ikk1_sums(db):
    def rows(r):
        p = r.person()
        r.case(p, "lansia", d(2026, 1, 10), needs=[MEALS])
        r.case(p, "disabilitas", d(2026, 1, 10), needs=[CLOTHES])
        r.event(p, MEALS, d(2026, 1, 11))
    build(db, rows)
    res = rollup(db)
    assert (res.group("lansia").sasaran, res.group("lansia").terpenuhi) == (1, 1)
    assert (res.group("disabilitas").sasaran, res.group("disabilitas").terpenuhi) == (1, 0)
    # IKK 1 counts distinct persons: terpenuhi only when terpenuhi in both groups (v2)
    assert (res.ikk.ikk1_terpenuhi, res.ikk.ikk1_sasaran, res.ikk.ikk1) == (0, 1, 0.0)


def test_needs_met_across_two_cases(db):
    def rows(r):
        p = r.person()
        a = r.case(p, "gepeng", d(2026, 1, 2), exit=d(2026, 1, 20), needs=[MEALS])
        r.case(p, "gepeng", d(2026, 2, 1), needs=[CLOTHES])
        r.event(p, MEALS, d(2026, 1, 3), case=a)
        r.event(p, CLOTHES, d(2026, 3, 1))  # recorded on no case: still counts
    build(db, rows)
    g = rollup(db).group("gepeng")
    assert (g.sasaran, g.terpenuhi, g.capaian) == (1, 1, 100.0)
    jan = rollup(db, Period.for_month(2026, 1)).group("gepeng")
    assert (jan.sasaran, jan.terpenuhi) == (1, 1)  # the February case is not yet in the window


def test_merged_person_counts_as_final_survivor(db):
    def rows(r):
        survivor = r.person("Survivor")
        middle = r.person("Middle", merged_into=survivor, deleted=True)
        first = r.person("First", merged_into=middle, deleted=True)
        r.event(first, MEALS, d(2026, 1, 5))
        r.event(middle, MEALS, d(2026, 2, 5))
        r.event(survivor, MEALS, d(2026, 3, 5))
        r.event(first, CLOTHES, d(2026, 3, 6))
        r.case(first, "gepeng", d(2026, 1, 1), needs=[MEALS, CLOTHES])
        r.case(survivor, "gepeng", d(2026, 1, 1), needs=[MEALS])
        # a merge whose survivor was deleted afterwards counts nowhere
        gone = r.person("Gone", deleted=True)
        lost = r.person("Lost", merged_into=gone, deleted=True)
        r.event(lost, MEALS, d(2026, 1, 5))
        r.case(lost, "gepeng", d(2026, 1, 1), needs=[MEALS])
        return survivor
    build(db, rows)
    res = rollup(db)
    meals = res.indicator(MEALS)
    assert (meals.cumulative, meals.series) == (1, (1, 1, 1))
    assert res.indicator(CLOTHES).cumulative == 1
    g = res.group("gepeng")
    assert (g.sasaran, g.terpenuhi) == (1, 1)


def test_deleted_rows_are_ignored(db):
    def rows(r):
        p = r.person()
        r.event(p, MEALS, d(2026, 1, 5), deleted=True)
        r.event(p, CLOTHES, d(2026, 1, 5))
        r.case(p, "anak", d(2026, 1, 1), needs=[MEALS], deleted=True)  # deleted case
        r.case(p, "lansia", d(2026, 1, 1), needs=[CLOTHES], deleted_needs=[MEALS])  # deleted need
        ghost = r.person(deleted=True)  # deleted, not merged
        r.event(ghost, CLOTHES, d(2026, 1, 6))
        r.case(ghost, "lansia", d(2026, 1, 1), needs=[CLOTHES])
    build(db, rows)
    res = rollup(db)
    assert res.indicator(MEALS).cumulative == 0
    assert res.indicator(CLOTHES).cumulative == 1
    assert res.group("anak").sasaran == 0
    assert (res.group("lansia").sasaran, res.group("lansia").terpenuhi) == (1, 1)


def test_any_item_versus_all_needed(db):
    def rows(r):
        p, q = r.person(), r.person()
        r.case(p, "disabilitas", d(2026, 1, 1), needs=[MEALS, CLOTHES, REUNI])
        r.event(p, MEALS, d(2026, 1, 2))
        r.case(q, "disabilitas", d(2026, 1, 1), needs=[MEALS])
    build(db, rows)
    g = rollup(db).group("disabilitas")
    assert (g.sasaran, g.terpenuhi, g.capaian) == (2, 0, 0.0)
    settings_svc.update_setting(db, ADMIN, "spm.fulfilment_rule", "any_item")
    res = rollup(db)
    assert res.fulfilment_rule == "any_item"
    g = res.group("disabilitas")
    assert (g.sasaran, g.terpenuhi, g.capaian) == (2, 1, 50.0)


def test_unit_counted_type_sums_quantity(db):
    def rows(r):
        p, q = r.person(), r.person()
        r.event(p, TENT, d(2026, 1, 10), qty=5)
        r.event(p, TENT, d(2026, 3, 10), qty=3)
        r.event(q, TENT, d(2026, 3, 11), qty=2)
        r.event(q, TENT, d(2026, 3, 12), qty=4, deleted=True)
        r.event(q, TENT, d(2026, 4, 1), qty=9)
    build(db, rows)
    res = rollup(db)
    tent = res.indicator(TENT)
    assert (tent.unit, tent.cumulative, tent.month, tent.series) == ("Unit", 10, 5, (5, 5, 10))
    assert tent.percent_of_target == 10.0
    row = res.breakdown("kecamatan").rows[0]
    assert row.key == KEC_SELATAN and row.value(TENT) == 10


def test_empty_denominators_are_null_and_dash(db):
    settings_svc.update_target(db, ADMIN, 2026, CLOTHES, 0)
    res = rollup(db)
    data = res.to_json()
    assert all(g["capaian"] is None and g["index"] is None for g in data["spm"])
    assert all(g["sasaran"] == 0 for g in data["spm"])
    assert data["ikk"]["ikk1"] is None and data["ikk"]["ikk2"] is None
    clothes = next(i for i in data["indicators"] if i["code"] == CLOTHES)
    assert clothes["percent_of_target"] is None and clothes["target"] == 0
    assert fmt_percent(res.group("anak").capaian) == "–"
    assert fmt_percent(res.ikk.ikk1) == "–"
    assert any("Sasaran Anak Terlantar kosong" in w for w in res.warnings)
    assert any("IKK 1 tidak dapat dihitung" in w for w in res.warnings)
    assert all(g["status"] == "belum dinilai" for g in data["spm"])


def test_bencana_members_and_vulnerable_needs(db):
    def rows(r):
        dis = r.disaster(d(2026, 2, 10))
        toddler = r.person(birth_date=d(2024, 3, 1))  # 1 year old on the start date
        pregnant = r.person(sex="P", birth_date=d(1995, 5, 5))
        adult = r.person(birth_date=d(1980, 1, 1))
        elder = r.person(birth_date=d(1966, 2, 10))  # turns 60 exactly on the start date
        r.household(dis, [(adult, {}), (toddler, {}), (pregnant, {"pregnant_breastfeeding": True}),
                          (elder, {})], displaced=True)
        r.event(adult, B_SHELTER, d(2026, 2, 10), disaster=dis)  # shelters the whole household
        for p in (toddler, pregnant, adult, elder):
            r.event(p, B_FOOD, d(2026, 2, 10), disaster=dis)
            r.event(p, B_CLOTHES, d(2026, 2, 11), disaster=dis)
        r.event(toddler, B_SPECIAL, d(2026, 2, 12), disaster=dis)
        r.event(elder, B_SPECIAL, d(2026, 2, 12), disaster=dis)
        old = r.disaster(d(2025, 12, 20))  # started before the window: its victims are not sasaran
        r.household(old, [(r.person(), {})])
        gone = r.disaster(d(2026, 1, 20), deleted=True)
        r.household(gone, [(r.person(), {})])
    build(db, rows)
    res = rollup(db)
    b = res.group("bencana")
    assert (b.sasaran, b.terpenuhi, b.capaian) == (4, 3, 75.0)
    assert (res.ikk.ikk2, res.ikk.ikk2_terpenuhi, res.ikk.ikk2_sasaran) == (75.0, 3, 4)
    assert res.indicator(B_FOOD).cumulative == 4
    assert res.indicator(B_SPECIAL).cumulative == 2
    jan = rollup(db, Period.for_month(2026, 1)).group("bencana")
    assert jan.sasaran == 0 and jan.capaian is None


REHAB_MUTU = {"layanan_pengaduan": 125, "tim_reaksi_cepat": 2, "kendaraan_kedaruratan": 3, "rumah_singgah": 2,
              "alat_bantu": 6, "perbekalan_kesehatan": 11, "tenaga_kesehatan": 0, "pekerja_sosial": 12,
              "bimbingan_sosial": 1}


def test_mutu_index_and_tuntas_label(db):
    # 2026 standards 250, 2, 3, 2, 3, 11, 1, 24, 1: scores 0.5, 1, 1, 1, 1 (6 of 3 capped), 1, 0, 0.5, 1
    def rows(r):
        p = r.person()
        r.case(p, "lansia", d(2026, 1, 1), needs=[MEALS])
        r.event(p, MEALS, d(2026, 1, 2))
        r.mutu(2026, REHAB_MUTU)
        r.mutu(2026, {"tagana": 62, "tempat_penampungan": None})  # bencana: not every item filled in
        r.mutu(2025, {"paket_rentan": 31})  # another year
    build(db, rows)
    res = rollup(db)
    lansia = res.group("lansia")
    # B = 7 / 9 × 100 = 77.78; index = 0.8 × 100 + 0.2 × 77.78 = 95.56
    assert (lansia.capaian, lansia.mutu, lansia.index, lansia.status) == (100.0, 77.8, 95.6, "Tuntas Utama")
    assert (lansia.mutu_items, lansia.mutu_filled) == (9, 9)
    anak = res.group("anak")  # the rehabilitation items are shared: B is there, A is not (no sasaran)
    assert (anak.mutu, anak.index, anak.status) == (77.8, None, "belum dinilai")
    bencana = res.group("bencana")  # Tim Reaksi Cepat, kendaraan and tagana of 5 items
    assert (bencana.mutu, bencana.mutu_items, bencana.mutu_filled, bencana.status) == (None, 5, 3, "belum dinilai")
    assert any("Mutu (B) tahun 2026 belum diisi lengkap untuk: Korban Bencana" in w and "Pengaturan" in w
               for w in res.warnings)
    settings_svc.update_settings(db, ADMIN, {"spm.weight_a": 0.5, "spm.weight_b": 0.5})
    assert rollup(db).group("lansia").index == 88.9  # 50 + 38.89
    assert rollup(db).group("lansia").status == "Tuntas Madya"


def test_open_duplicates_are_warned_with_their_count(db):
    def rows(r):
        a, b, c = r.person(), r.person(), r.person()
        r.duplicate(a, b)
        r.duplicate(a, c)
        r.duplicate(b, c, status="not_duplicate")
    build(db, rows)
    res = rollup(db)
    assert res.open_duplicates == 2
    assert res.warnings[0].startswith("Ada 2 pasangan kemungkinan data ganda")


def test_breakdowns_by_every_dimension(db):
    def rows(r):
        girl = r.person(sex="P", birth_date=d(2015, 6, 1), category="anak_terlantar")
        man = r.person(sex="L", birth_year=1950, kelurahan="61.71.02.1001", category="gelandangan")
        c = r.case(girl, "anak", d(2026, 1, 1), unit="PLAT", needs=[MEALS])
        r.event(girl, MEALS, d(2026, 1, 3), case=c)
        r.event(girl, CLOTHES, d(2026, 1, 3), unit="UPRS")
        r.event(man, MEALS, d(2026, 2, 3), kelurahan="61.71.02.1001", unit="TKSK")
        r.event(man, MEALS, d(2026, 2, 2), kelurahan=None, unit="TKSK")  # first service: place unknown
    build(db, rows)
    res = rollup(db, breakdowns=("kecamatan", "kelurahan", "sex", "age_group", "unit", "pmks_category"))
    kec = {r.key: r for r in res.breakdown("kecamatan").rows}
    assert kec["61.71.01"].value(MEALS) == 1 and kec["61.71.01"].value(CLOTHES) == 1
    assert kec["61.71.02"].value(MEALS) == 0  # counted where first served this year
    assert sum(r.value(MEALS) for r in kec.values()) == res.indicator(MEALS).cumulative == 2
    assert kec[""].label == "Tidak diketahui" and kec[""].value(MEALS) == 1
    assert len([k for k in kec if k]) == 6  # every kecamatan listed
    sex = {r.key: (r.value(MEALS), r.value(CLOTHES)) for r in res.breakdown("sex").rows}
    assert sex == {"L": (1, 0), "P": (1, 1)}
    age = {r.key: r.value(MEALS) for r in res.breakdown("age_group").rows}
    assert age == {"anak": 1, "dewasa": 0, "lansia": 1}
    unit = {r.key: (r.value(MEALS), r.value(CLOTHES)) for r in res.breakdown("unit").rows}
    assert unit["PLAT"] == (1, 0) and unit["UPRS"] == (0, 1) and unit["TKSK"] == (1, 0)
    cat = {r.key: r.value(MEALS) for r in res.breakdown("pmks_category").rows}
    assert cat == {"anak_terlantar": 1, "gelandangan": 1}
    kel = {r.key: r.value(MEALS) for r in res.breakdown("kelurahan").rows}
    assert kel == {"61.71.01.1002": 1, "": 1}


def test_quarter_period_and_json_contract(db):
    def rows(r):
        p = r.person()
        r.case(p, "lansia", d(2026, 4, 1), needs=[MEALS])
        r.event(p, MEALS, d(2026, 5, 1))
    build(db, rows)
    res = rollup(db, Period.for_quarter(2026, 2))
    data = res.to_json()
    assert data["period"] == {"year": 2026, "month": 6, "start": "2026-01-01", "end": "2026-06-30", "quarter": 2}
    assert {"period", "indicators", "spm", "ikk", "warnings"} <= set(data)
    assert [g["group"] for g in data["spm"]] == ["disabilitas", "anak", "lansia", "gepeng", "bencana"]
    assert len(data["indicators"]) == 22
    first = data["indicators"][0]
    assert {"code", "unit", "month", "cumulative", "target", "percent_of_target"} <= set(first)
    assert data["ikk"]["ikk1"] == 100.0 and data["ikk"]["ikk2"] is None
    lansia = data["spm"][2]
    assert {"group", "sasaran", "terpenuhi", "capaian", "mutu", "index", "status"} <= set(lansia)
    assert (lansia["sasaran"], lansia["terpenuhi"], lansia["capaian"], lansia["mutu"]) == (1, 1, 100.0, None)


def test_inactive_service_types_are_left_out(db):
    settings_svc.update_service_type(db, ADMIN, REUNI, active=False)
    codes = [i.code for i in rollup(db).indicators]
    assert REUNI not in codes and len(codes) == 21


def test_same_fixture_gives_same_json_twice(db):
    def rows(r):
        for i in range(6):
            p = r.person(sex="LP"[i % 2])
            r.case(p, ("anak", "lansia", "gepeng")[i % 3], d(2026, 1, 1 + i), needs=[MEALS, CLOTHES][: 1 + i % 2])
            r.event(p, MEALS, d(2026, 1 + i % 3, 2))
    build(db, rows)
    first = json.dumps(rollup(db).to_json(), sort_keys=False)
    second = json.dumps(rollup(db).to_json(), sort_keys=False)
    assert first == second


@pytest.mark.parametrize("month", [0, 13])
def test_invalid_period_refused(month):
    from spm_desktop.core.domain.errors import ValidationError

    with pytest.raises(ValidationError):
        Period.for_month(2026, month)
