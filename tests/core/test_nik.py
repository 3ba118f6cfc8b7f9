"""NIK and No. KK rules (domain.md §3): every valid NIK accepted, each mutation refused with
its own Indonesian message naming the digits."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.nik import (
    check_nik_agrees,
    check_no_kk,
    clean_identity,
    identity_problems,
    kk_problem,
    kk_warning,
    make_nik,
    nik_problem,
    nik_warning,
    parse_nik,
)
from spm_desktop.core.wilayah import region_codes

# Any kecamatan of the national list, current or retired: a NIK from any region is valid.
regions = st.sampled_from(sorted(region_codes().kecamatan))
births = st.dates(min_value=date(1901, 1, 1), max_value=date(2026, 11, 28))
sexes = st.sampled_from(["L", "P"])
serials = st.integers(min_value=1, max_value=9999)


@settings(max_examples=300, deadline=None)
@given(regions, births, sexes, serials)
def test_every_valid_nik_is_accepted(region, birth, sex, serial):
    nik = make_nik(region, birth, sex, serial)
    assert nik_problem(nik) is None
    info = check_nik_agrees(nik, sex=sex, birth_date=birth)
    assert (info.sex, info.day, info.month, info.year2) == (sex, birth.day, birth.month, birth.year % 100)
    assert info.birth_date_matches(birth)
    assert info.province == region[:2] and info.serial == f"{serial:04d}"


@settings(max_examples=100, deadline=None)
@given(regions, births, sexes, serials)
def test_wrong_sex_is_refused(region, birth, sex, serial):
    nik = make_nik(region, birth, sex, serial)
    other = "P" if sex == "L" else "L"
    with pytest.raises(ValidationError) as exc:
        check_nik_agrees(nik, sex=other)
    assert "jenis kelamin" in exc.value.message and exc.value.field == "nik"


VALID = make_nik("617101", date(1985, 2, 14), "L", 12)  # 6171011402850012


def _with(digits: str, start: int, end: int) -> str:
    """VALID with digits start..end (1-based, inclusive) replaced."""
    return VALID[:start - 1] + digits + VALID[end:]


MUTATIONS = {
    "15 digit": (VALID[:15], "16 digit angka; yang diisi 15 digit"),
    "17 digit": (VALID + "1", "16 digit angka; yang diisi 17 digit"),
    "huruf": (VALID[:10] + "8A" + VALID[12:], "hanya boleh berisi angka"),
    "tanggal 00": (_with("00", 7, 8), "Digit 7–8 (tanggal lahir) = 00: tidak valid"),
    "tanggal 32": (_with("32", 7, 8), "Digit 7–8 (tanggal lahir) = 32: tidak valid"),
    "tanggal 40": (_with("40", 7, 8), "Digit 7–8 (tanggal lahir) = 40: tidak valid"),
    "tanggal 72": (_with("72", 7, 8), "Digit 7–8 (tanggal lahir) = 72: tidak valid, perempuan 41–71"),
    "bulan 00": (_with("00", 9, 10), "Digit 9–10 (bulan lahir) = 00: tidak valid"),
    "bulan 13": (_with("13", 9, 10), "Digit 9–10 (bulan lahir) = 13: tidak valid"),
    "31 Februari": (_with("3102", 7, 10), "tanggal 31 bulan 2 tidak ada di kalender"),
    "71 Februari (perempuan)": (_with("7102", 7, 10), "tanggal 31 bulan 2 tidak ada di kalender"),
    "nomor urut 0000": (_with("0000", 13, 16), "Digit 13–16 (nomor urut) tidak boleh 0000"),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_each_mutation_refused_with_its_message(name):
    nik, expected = MUTATIONS[name]
    with pytest.raises(ValidationError) as exc:
        parse_nik(nik)
    assert expected in exc.value.message, exc.value.message
    assert exc.value.field == "nik"


def test_mutation_messages_differ():
    messages = {name: nik_problem(nik) for name, (nik, _) in MUTATIONS.items()}
    # Same problem class, different digits: still a message naming the wrong value.
    assert len(set(messages.values())) == len(messages)
    assert messages["tanggal 32"] != messages["tanggal 72"]


def test_sex_and_birth_date_must_agree():
    woman = make_nik("617101", date(1975, 8, 3), "P", 5)
    assert woman[6:8] == "43"
    assert check_nik_agrees(woman, sex="P", birth_date=date(1975, 8, 3)).sex == "P"
    with pytest.raises(ValidationError, match="tidak cocok dengan jenis kelamin"):
        check_nik_agrees(woman, sex="L")
    with pytest.raises(ValidationError, match="tidak cocok dengan tanggal lahir 04/08/1975"):
        check_nik_agrees(woman, birth_date=date(1975, 8, 4))
    with pytest.raises(ValidationError, match="tidak cocok dengan tanggal lahir"):
        check_nik_agrees(woman, birth_date=date(1976, 8, 3))


def test_nik_from_outside_pontianak_is_valid():
    assert parse_nik(make_nik("320101", date(1990, 1, 1), "L", 1)).province == "32"


def test_leap_day_in_a_two_digit_year():
    assert nik_problem(_with("2902", 7, 10)[:10] + "00" + VALID[12:]) is None  # 2000 was a leap year
    assert "tidak ada di kalender" in nik_problem(_with("2902", 7, 10)[:10] + "01" + VALID[12:])


def test_no_kk():
    assert check_no_kk(" 6171010101100001 ") == "6171010101100001"
    for bad in ("617101010101000", "61710101010100011", "61710101010100A1"):
        with pytest.raises(ValidationError, match="No. KK harus 16 digit"):
            check_no_kk(bad)


# ----- region digits (issue 20) -----------------------------------------------------------

IMPOSSIBLE_REGIONS = {
    # 12 impossible regions: provinces never in the list, and 00 as kabupaten or kecamatan
    "990101": "kode provinsi 99 tidak ada",
    "000101": "kode provinsi 00 tidak ada",
    "200101": "kode provinsi 20 tidak ada",
    "370101": "kode provinsi 37 tidak ada",
    "100101": "kode provinsi 10 tidak ada",
    "300101": "kode provinsi 30 tidak ada",
    "450101": "kode provinsi 45 tidak ada",
    "980101": "kode provinsi 98 tidak ada",
    "610001": "Digit 3–4 NIK = 00: kode kabupaten/kota tidak boleh 00",
    "617100": "Digit 5–6 NIK = 00: kode kecamatan tidak boleh 00",
    "320000": "Digit 3–4 NIK = 00",
    "960100": "Digit 5–6 NIK = 00",
}


@pytest.mark.parametrize("region", list(IMPOSSIBLE_REGIONS))
def test_impossible_region_refused_with_the_reason(region):
    nik = make_nik(region, date(1985, 2, 14), "L", 12)
    with pytest.raises(ValidationError) as exc:
        parse_nik(nik)
    assert IMPOSSIBLE_REGIONS[region] in exc.value.message and exc.value.field == "nik"
    assert nik_warning(nik) is None  # refused, not warned


def test_unknown_kabupaten_or_kecamatan_only_warns():
    unknown_regency = make_nik("619901", date(1985, 2, 14), "L", 12)
    unknown_kecamatan = make_nik("617199", date(1985, 2, 14), "L", 12)
    assert nik_problem(unknown_regency) is None and nik_problem(unknown_kecamatan) is None
    assert "kabupaten/kota 61.99 tidak ada" in nik_warning(unknown_regency)
    assert "mungkin lebih tua" in nik_warning(unknown_regency)
    assert "kecamatan 61.71.99 tidak ada" in nik_warning(unknown_kecamatan)
    assert nik_warning(VALID) is None


def test_retired_codes_and_papua_are_valid_without_warning():
    retired = sorted(region_codes().retired)
    assert "9101" in retired  # Kabupaten Merauke moved to Papua Selatan (2022)
    nik = make_nik("910101", date(1970, 5, 5), "L", 3)
    assert nik_problem(nik) is None and nik_warning(nik) is None
    papua = "9671011303030005"
    assert nik_problem(papua) is None and nik_warning(papua) is None


def test_identity_numbers_cleaned_of_spaces_dots_and_apostrophe():
    assert clean_identity("'6171 0114.0285\u00a00012") == VALID
    assert clean_identity(" 6171.01.140285.0012 ") == VALID
    assert parse_nik("'6171011402850012").nik == VALID
    assert check_no_kk("'6171 0101 1000 0001") == "6171010110000001"


def test_birth_century_latest_not_in_future_and_lansia():
    nik = make_nik("617101", date(2025, 1, 13), "L", 1)  # year digits 25
    today = date(2026, 12, 6)
    assert parse_nik(nik).birth_date(today) == date(2025, 1, 13)
    assert parse_nik(nik).birth_date(today, min_age=60) == date(1925, 1, 13)  # 101 years old, not an infant
    later = make_nik("617101", date(2026, 12, 31), "L", 1)  # later this year: the century before
    assert parse_nik(later).birth_date(today) == date(1926, 12, 31)
    leap = make_nik("617101", date(2000, 2, 29), "L", 1)
    assert parse_nik(leap).birth_date(today) == date(2000, 2, 29)
    # 29 February exists in 2000 only (1900 and 1800 were no leap years): it stays there
    assert parse_nik(leap).birth_date(today, min_age=60) == date(2000, 2, 29)


KK_CASES = {
    "0000000000000000": "kode provinsi 00 tidak ada",
    "9900010101100001": "kode provinsi 99 tidak ada",
    "6100010101100001": "kode kabupaten/kota tidak boleh 00",
    "6171000101100001": "kode kecamatan tidak boleh 00",
    "6171013102200001": "tanggal 31 bulan 02 tidak ada di kalender",
    "6171010013200001": "tidak ada di kalender",
    "6171013112300001": "31/12/2030 di masa depan",
    "6171010101200000": "nomor urut) tidak boleh 0000",
}


@pytest.mark.parametrize("kk", list(KK_CASES))
def test_no_kk_rules(kk):
    problem = kk_problem(kk, date(2026, 12, 6))
    assert problem is not None and KK_CASES[kk] in problem
    with pytest.raises(ValidationError):
        check_no_kk(kk)


def test_no_kk_valid_dates_and_warning():
    today = date(2026, 12, 6)
    assert kk_problem("6171011512150003", today) is None  # 15/12/2015
    assert kk_problem("6171010105990003", today) is None  # 01/05/1999
    assert kk_problem("6171010612260003", today) is None  # today
    assert "31/12/2026 di masa depan" in kk_problem("6171013112260003", today)  # 1926 is before any KK
    assert "kecamatan 61.71.99" in kk_warning("6171990105990003")


def test_identity_problems_lists_both_fields():
    assert identity_problems("9971011402850012", "0000000000000000") == [
        ("nik", nik_problem("9971011402850012")), ("no_kk", kk_problem("0000000000000000"))]
    assert identity_problems(VALID, None) == []
