"""NIK and No. KK rules (domain.md §3): every valid NIK accepted, each mutation refused with
its own Indonesian message naming the digits."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.nik import check_nik_agrees, check_no_kk, make_nik, nik_problem, parse_nik

regions = st.text(alphabet="0123456789", min_size=6, max_size=6)  # any region: never rejected
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
    assert check_no_kk(" 6171010101010001 ") == "6171010101010001"
    for bad in ("617101010101000", "61710101010100011", "61710101010100A1"):
        with pytest.raises(ValidationError, match="No. KK harus 16 digit"):
            check_no_kk(bad)
