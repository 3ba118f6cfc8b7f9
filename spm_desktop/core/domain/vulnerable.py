"""Kelompok rentan among disaster victims (UU 24/2007 art. 55; architecture §9).

A household member is vulnerable when, on the disaster's start date, they are under 5 or
60 and over, or they are pregnant or breastfeeding, or they have a disability. Such a
member needs penanganan khusus (1.06.06.2.01.0004) on top of makanan and sandang.
"""

from __future__ import annotations

from datetime import date

from spm_desktop.core.domain.groups import AGE_ELDERLY_FROM, AGE_TODDLER_BELOW

# Service codes of the bencana group's basic needs (architecture §4).
MEALS_CODE = "1.06.06.2.01.0001"
CLOTHING_CODE = "1.06.06.2.01.0002"
SPECIAL_CARE_CODE = "1.06.06.2.01.0004"
PSYCHOSOCIAL_CODE = "1.06.06.2.01.0005"
SHELTER_CODE = "1.06.06.2.01.0007"
BASIC_NEEDS: tuple[str, ...] = (MEALS_CODE, CLOTHING_CODE)
BASIC_NEEDS_VULNERABLE: tuple[str, ...] = (MEALS_CODE, CLOTHING_CODE, SPECIAL_CARE_CODE)
NEED_LABELS: dict[str, str] = {
    MEALS_CODE: "makanan",
    CLOTHING_CODE: "sandang",
    SPECIAL_CARE_CODE: "penanganan khusus",
}

# Vulnerable kinds, in the order the summary shows them, with the label of the special-care
# detail choice (service_types.json, 1.06.06.2.01.0004 "group").
VULNERABLE_KINDS: dict[str, str] = {
    "balita": "Bayi/balita (di bawah 5 tahun)",
    "lansia": "Lanjut usia (60 tahun ke atas)",
    "hamil_menyusui": "Ibu hamil atau menyusui",
    "disabilitas": "Penyandang disabilitas",
}
SPECIAL_CARE_GROUP: dict[str, str] = {
    "balita": "Bayi/balita/anak",
    "lansia": "Lanjut usia",
    "hamil_menyusui": "Ibu hamil atau menyusui",
    "disabilitas": "Penyandang disabilitas",
}


def age_on(on: date, birth_date: date | None, birth_year: int | None) -> int | None:
    """Completed years on ``on``; from the birth year alone when only that is known."""
    if birth_date is not None:
        return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if birth_year is not None:
        return on.year - birth_year
    return None


def vulnerable_kinds(on: date, birth_date: date | None, birth_year: int | None,
                     pregnant_breastfeeding: bool, disability: bool) -> tuple[str, ...]:
    """The vulnerable kinds (keys of :data:`VULNERABLE_KINDS`) of a member on ``on``."""
    kinds: list[str] = []
    age = age_on(on, birth_date, birth_year)
    if age is not None and age < AGE_TODDLER_BELOW:
        kinds.append("balita")
    if age is not None and age >= AGE_ELDERLY_FROM:
        kinds.append("lansia")
    if pregnant_breastfeeding:
        kinds.append("hamil_menyusui")
    if disability:
        kinds.append("disabilitas")
    return tuple(kinds)


def needed_codes(vulnerable: bool) -> tuple[str, ...]:
    """The basic-need service codes of a disaster victim."""
    return BASIC_NEEDS_VULNERABLE if vulnerable else BASIC_NEEDS
