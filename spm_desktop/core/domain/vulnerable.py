"""Disaster victims' needs and kelompok rentan (architecture §4 v2 "Disaster victims";
UU 24/2007 art. 55; domain.md §4).

Every member of a household of a disaster is a victim; their needs, all assessed on the
disaster's start date, follow from the household and the member row:

* permakanan, sandang and tempat penampungan — members of households marked displaced
  (mengungsi);
* penanganan khusus — vulnerable members: under the setting ``disaster.usia_rentan_anak``
  (default 5: bayi dan balita) or 60 and over on the start date, pregnant or breastfeeding,
  or marked with a disability;
* dukungan psikososial — members marked as needing it;

each of them waivable per member with a reason. This module is the plain-value half of the
rule (what a victim needs); :mod:`spm_desktop.core.rollup.victims` is the same rule in SQL,
with when each need is met, for the roll-up, the Bencana page and the family form.
"""

from __future__ import annotations

from datetime import date

from spm_desktop.core.domain.groups import AGE_ELDERLY_FROM, AGE_TODDLER_BELOW

# Service codes of the bencana group's needs (architecture §4).
MEALS_CODE = "1.06.06.2.01.0001"
CLOTHING_CODE = "1.06.06.2.01.0002"
SPECIAL_CARE_CODE = "1.06.06.2.01.0004"
PSYCHOSOCIAL_CODE = "1.06.06.2.01.0005"
SHELTER_CODE = "1.06.06.2.01.0007"
DISPLACED_NEEDS: tuple[str, ...] = (MEALS_CODE, CLOTHING_CODE, SHELTER_CODE)
# Every code a victim may need, in the order lists show them.
VICTIM_NEED_CODES: tuple[str, ...] = (MEALS_CODE, CLOTHING_CODE, SHELTER_CODE, SPECIAL_CARE_CODE, PSYCHOSOCIAL_CODE)
NEED_LABELS: dict[str, str] = {
    MEALS_CODE: "permakanan",
    CLOTHING_CODE: "sandang",
    SHELTER_CODE: "tempat penampungan",
    SPECIAL_CARE_CODE: "penanganan khusus",
    PSYCHOSOCIAL_CODE: "dukungan psikososial",
}

# Vulnerable kinds, in the order the summary shows them, with the label of the special-care
# detail choice (service_types.json, 1.06.06.2.01.0004 "group").
VULNERABLE_KINDS: dict[str, str] = {
    "balita": "Bayi/balita/anak (di bawah batas usia rentan)",
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
    """Completed years on ``on``; from the birth year alone when only that is known (as
    :func:`spm_desktop.core.rollup.sql.age_on`)."""
    if birth_date is not None:
        return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if birth_year is not None:
        return on.year - birth_year
    return None


def vulnerable_kinds(on: date, birth_date: date | None, birth_year: int | None,
                     pregnant_breastfeeding: bool, disability: bool,
                     child_below: int = AGE_TODDLER_BELOW) -> tuple[str, ...]:
    """The vulnerable kinds (keys of :data:`VULNERABLE_KINDS`) of a member on ``on``;
    ``child_below`` is the setting ``disaster.usia_rentan_anak``."""
    kinds: list[str] = []
    age = age_on(on, birth_date, birth_year)
    if age is not None and age < child_below:
        kinds.append("balita")
    if age is not None and age >= AGE_ELDERLY_FROM:
        kinds.append("lansia")
    if pregnant_breastfeeding:
        kinds.append("hamil_menyusui")
    if disability:
        kinds.append("disabilitas")
    return tuple(kinds)


def default_needs(displaced: bool, vulnerable: bool, needs_psychosocial: bool) -> tuple[str, ...]:
    """A victim's default needs (before waivers), in :data:`VICTIM_NEED_CODES` order."""
    wanted = set(DISPLACED_NEEDS if displaced else ())
    if vulnerable:
        wanted.add(SPECIAL_CARE_CODE)
    if needs_psychosocial:
        wanted.add(PSYCHOSOCIAL_CODE)
    return tuple(c for c in VICTIM_NEED_CODES if c in wanted)


def victim_needs(displaced: bool, vulnerable: bool, needs_psychosocial: bool,
                 waived: tuple[str, ...] | frozenset[str] = ()) -> tuple[str, ...]:
    """The needs that count for a victim: the defaults less the waived ones."""
    return tuple(c for c in default_needs(displaced, vulnerable, needs_psychosocial) if c not in set(waived))


def split_codes(text: str | None) -> tuple[str, ...]:
    """Stored waived codes ("a;b") -> codes, in :data:`VICTIM_NEED_CODES` order."""
    given = {c.strip() for c in (text or "").replace(",", ";").split(";") if c.strip()}
    return tuple(c for c in VICTIM_NEED_CODES if c in given) + tuple(sorted(given - set(VICTIM_NEED_CODES)))


def join_codes(codes) -> str:
    """Codes -> the stored form (";"-joined, catalogue order, no duplicates)."""
    return ";".join(split_codes(";".join(codes)))
