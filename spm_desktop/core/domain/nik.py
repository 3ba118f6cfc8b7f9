"""NIK (Nomor Induk Kependudukan) and No. KK rules (domain.md §3).

NIK: 16 digits. 1–2 province, 3–4 kabupaten/kota, 5–6 kecamatan, 7–8 day of birth (+40 for
women), 9–10 month, 11–12 two-digit year, 13–16 serial (not 0000). Each problem gets its own
Indonesian message naming the digits.

Region digits are checked against the national region list (:mod:`spm_desktop.core.wilayah`,
current and retired codes): a province code that was never in the list, or ``00`` as
kabupaten/kota or kecamatan, refuses the number; a kabupaten/kota or kecamatan code missing
from the lists only warns (:func:`nik_warning`), because a NIK may be older than the lists. A
NIK from any existing region is valid: people served in one city often hold NIKs from elsewhere.

No. KK: the same six region digits, then the issue date DDMMYY (a real date, not in the
future) and a serial that is not 0000.

Identity numbers typed or pasted from spreadsheets are cleaned first (:func:`clean_identity`):
spaces, dots and a leading apostrophe (Excel's "text" marker) are removed.

A rule added here later applies to new and changed values only; ``spm-desktop check`` lists
stored numbers that fail today's rules (:func:`identity_problems`).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.errors import ValidationError

WOMAN_DAY_OFFSET = 40
LANSIA_AGE = 60
CENTURIES = (2000, 1900, 1800)
EARLIEST_KK_YEAR = 1970  # No. KK with an issue date: the computerised family register


def clean_identity(text: str | None) -> str:
    """A NIK or No. KK as typed or pasted: spaces (also non-breaking), dots and a leading
    apostrophe removed (``'6171 0114.0285 0012`` → ``6171011402850012``)."""
    text = (text or "").strip().lstrip("'\u2019`")
    return "".join(ch for ch in text if not ch.isspace() and ch != ".")


@dataclass(frozen=True)
class NikInfo:
    nik: str
    province: str
    regency: str
    kecamatan: str
    day: int
    month: int
    year2: int
    sex: str  # L | P
    serial: str

    def birth_date(self, century_hint: date | None = None, *, min_age: int | None = None) -> date:
        """The birth date in the latest century that puts it on or before today (``century_hint``)
        and, with ``min_age`` (a lansia: 60), makes the person at least that old today."""
        today = century_hint or clock.today()
        fallback: date | None = None
        for century in CENTURIES:
            try:
                birth = date(century + self.year2, self.month, self.day)
            except ValueError:  # 29 February of a year that is not a leap year
                continue
            if birth > today:
                continue
            if min_age is None or _age(birth, today) >= min_age:
                return birth
            fallback = fallback or birth
        if fallback is not None:
            return fallback
        return date(1900 + self.year2, self.month, min(self.day, 28))

    def birth_date_matches(self, birth: date) -> bool:
        return birth.day == self.day and birth.month == self.month and birth.year % 100 == self.year2


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def region_problem(number: str, label: str) -> str | None:
    """What makes digits 1–6 of a NIK or No. KK impossible: a province code that was never in
    the region list (current or retired), or 00 as kabupaten/kota or kecamatan."""
    from spm_desktop.core.wilayah import region_codes

    province = number[0:2]
    if province not in region_codes().provinces:
        return (f"Digit 1–2 {label} = {province}: kode provinsi {province} tidak ada di daftar wilayah "
                "Kepmendagri (termasuk kode lama).")
    if number[2:4] == "00":
        return f"Digit 3–4 {label} = 00: kode kabupaten/kota tidak boleh 00."
    if number[4:6] == "00":
        return f"Digit 5–6 {label} = 00: kode kecamatan tidak boleh 00."
    return None


def region_warning(number: str, label: str = "NIK") -> str | None:
    """A kabupaten/kota or kecamatan code of digits 1–6 that is in neither the current nor the
    retired lists: only a warning (the number may be older than the lists)."""
    from spm_desktop.core.wilayah import region_codes

    if len(number) < 6 or not number[:6].isdigit() or region_problem(number, label):
        return None
    codes = region_codes()
    dotted = f"{number[0:2]}.{number[2:4]}"
    if number[0:4] not in codes.regencies:
        return (f"Digit 3–4 {label}: kabupaten/kota {dotted} tidak ada di daftar wilayah Kepmendagri 2025 maupun "
                f"daftar lama sejak 2018; {label} ini mungkin lebih tua dari daftar itu — periksa kembali.")
    if number[0:6] not in codes.kecamatan:
        return (f"Digit 5–6 {label}: kecamatan {dotted}.{number[4:6]} tidak ada di daftar wilayah Kepmendagri 2025 "
                f"maupun daftar lama sejak 2018; {label} ini mungkin lebih tua dari daftar itu — periksa kembali.")
    return None


def nik_warning(nik: str) -> str | None:
    """A warning about a NIK that is accepted (see :func:`region_warning`), or None."""
    nik = clean_identity(nik)
    return region_warning(nik, "NIK") if nik_problem(nik) is None else None


def nik_problem(nik: str) -> str | None:
    """The first thing wrong with ``nik`` as an Indonesian sentence, or None when valid
    (today's rules, region digits included)."""
    return nik_format_problem(nik) or region_problem(nik, "NIK")


def nik_format_problem(nik: str) -> str | None:
    """The rules of the digits themselves (length, birth date, serial), without the region list:
    what a stored NIK is held to when it is not changed."""
    if not nik.isdigit() or not nik.isascii():
        return "NIK hanya boleh berisi angka 0–9."
    if len(nik) != 16:
        return f"NIK harus 16 digit angka; yang diisi {len(nik)} digit."
    day_raw, month, year2 = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day_raw > WOMAN_DAY_OFFSET + 31:
        return f"Digit 7–8 (tanggal lahir) = {nik[6:8]}: tidak valid, perempuan 41–71."
    if day_raw == 0 or 31 < day_raw <= WOMAN_DAY_OFFSET:
        return (f"Digit 7–8 (tanggal lahir) = {nik[6:8]}: tidak valid, laki-laki 01–31, "
                "perempuan 41–71.")
    if not 1 <= month <= 12:
        return f"Digit 9–10 (bulan lahir) = {nik[8:10]}: tidak valid, harus 01–12."
    day = day_raw - WOMAN_DAY_OFFSET if day_raw > WOMAN_DAY_OFFSET else day_raw
    # A two-digit year: the date must exist in at least one of the two centuries.
    if not any(day <= calendar.monthrange(century + year2, month)[1] for century in (1900, 2000)):
        return (f"Digit 7–12 (tanggal lahir) = {nik[6:12]}: tanggal {day} bulan {month} "
                "tidak ada di kalender.")
    if nik[12:16] == "0000":
        return "Digit 13–16 (nomor urut) tidak boleh 0000."
    return None


def parse_nik(nik: str, *, check_region: bool = True) -> NikInfo:
    """Parse a NIK, raising ValidationError (field ``nik``) with the reason when invalid
    (``check_region`` False: a stored NIK, held to the digit rules only)."""
    nik = clean_identity(nik)
    problem = nik_problem(nik) if check_region else nik_format_problem(nik)
    if problem:
        raise ValidationError(problem, field="nik")
    day_raw = int(nik[6:8])
    sex = "P" if day_raw > WOMAN_DAY_OFFSET else "L"
    day = day_raw - WOMAN_DAY_OFFSET if sex == "P" else day_raw
    return NikInfo(nik, nik[0:2], nik[2:4], nik[4:6], day, int(nik[8:10]), int(nik[10:12]), sex, nik[12:16])


def check_nik_agrees(nik: str, sex: str | None = None, birth_date: date | None = None) -> NikInfo:
    """Parse ``nik`` and check it agrees with the sex and birth date entered with it."""
    info = parse_nik(nik)
    if birth_date is not None and not info.birth_date_matches(birth_date):
        raise ValidationError(
            f"Digit 7–12 NIK ({nik[6:12]}) tidak cocok dengan tanggal lahir "
            f"{short_date(birth_date)}; periksa kembali NIK atau tanggal lahir.", field="nik")
    if sex is not None and sex != info.sex:
        wanted = "41–71 untuk perempuan" if sex == "P" else "01–31 untuk laki-laki"
        raise ValidationError(
            f"Digit 7–8 NIK ({nik[6:8]}) tidak cocok dengan jenis kelamin: tanggal lahir harus "
            f"{wanted}.", field="nik")
    return info


def make_nik(region6: str, birth: date, sex: str, serial: int) -> str:
    """Compose a NIK (used by demo data and tests)."""
    day = birth.day + (WOMAN_DAY_OFFSET if sex == "P" else 0)
    return f"{region6}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def make_kk(region6: str, issued: date, serial: int) -> str:
    """Compose a No. KK (used by demo data and tests)."""
    return f"{region6}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}{serial:04d}"


def kk_issue_date(no_kk: str, today: date | None = None) -> date | None:
    """The issue date of digits 7–12 (DDMMYY): in the 2000s, or in the 1900s from 1970 when the
    2000s would put it after today (then the future date is returned when the 1900s one is
    before 1970); None when it is no real date."""
    today = today or clock.today()
    day, month, year2 = int(no_kk[6:8]), int(no_kk[8:10]), int(no_kk[10:12])
    try:
        issued = date(2000 + year2, month, day)
    except ValueError:
        return None
    if issued <= today:
        return issued
    try:
        older = date(1900 + year2, month, day)
    except ValueError:  # 29 February 2000 is real, 1900 is not a leap year
        return issued
    return older if older.year >= EARLIEST_KK_YEAR else issued


def kk_format_problem(no_kk: str) -> str | None:
    if not no_kk.isdigit() or not no_kk.isascii() or len(no_kk) != 16:
        return "No. KK harus 16 digit angka."
    return None


def kk_problem(no_kk: str, today: date | None = None) -> str | None:
    """The first thing wrong with a No. KK (today's rules), or None when valid."""
    today = today or clock.today()
    problem = kk_format_problem(no_kk) or region_problem(no_kk, "No. KK")
    if problem:
        return problem
    issued = kk_issue_date(no_kk, today)
    if issued is None:
        return (f"Digit 7–12 No. KK (tanggal terbit) = {no_kk[6:12]}: tanggal {no_kk[6:8]} bulan {no_kk[8:10]} "
                "tidak ada di kalender.")
    if issued > today:
        return (f"Digit 7–12 No. KK (tanggal terbit) = {no_kk[6:12]}: tanggal {short_date(issued)} "
                "di masa depan.")
    if no_kk[12:16] == "0000":
        return "Digit 13–16 No. KK (nomor urut) tidak boleh 0000."
    return None


def kk_warning(no_kk: str) -> str | None:
    no_kk = clean_identity(no_kk)
    return region_warning(no_kk, "No. KK") if kk_problem(no_kk) is None else None


def identity_problems(nik: str | None, no_kk: str | None) -> list[tuple[str, str]]:
    """(field, message) for a stored NIK / No. KK failing today's rules (``check`` lists them)."""
    out: list[tuple[str, str]] = []
    if nik:
        problem = nik_problem(nik)
        if problem:
            out.append(("nik", problem))
    if no_kk:
        problem = kk_problem(no_kk)
        if problem:
            out.append(("no_kk", problem))
    return out


def check_no_kk(no_kk: str) -> str:
    no_kk = clean_identity(no_kk)
    problem = kk_problem(no_kk)
    if problem:
        raise ValidationError(problem, field="no_kk")
    return no_kk
