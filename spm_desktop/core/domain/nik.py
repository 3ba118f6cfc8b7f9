"""NIK (Nomor Induk Kependudukan) and No. KK rules (domain.md §3).

NIK: 16 digits. 1–2 province, 3–4 kabupaten/kota, 5–6 kecamatan, 7–8 day of birth (+40 for
women), 9–10 month, 11–12 two-digit year, 13–16 serial (not 0000). A NIK from any region is
valid. Each problem gets its own Indonesian message naming the digits.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from spm_desktop.core.domain.errors import ValidationError

WOMAN_DAY_OFFSET = 40


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

    def birth_date(self, century_hint: date | None = None) -> date:
        """The birth date, choosing the century that does not put it in the future."""
        today = century_hint or date.today()
        year = 2000 + self.year2
        if year > today.year:
            year -= 100
        return date(year, self.month, self.day)

    def birth_date_matches(self, birth: date) -> bool:
        return birth.day == self.day and birth.month == self.month and birth.year % 100 == self.year2


def nik_problem(nik: str) -> str | None:
    """The first thing wrong with ``nik`` as an Indonesian sentence, or None when valid."""
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


def parse_nik(nik: str) -> NikInfo:
    """Parse a NIK, raising ValidationError (field ``nik``) with the reason when invalid."""
    nik = (nik or "").strip()
    problem = nik_problem(nik)
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
            f"{birth_date.strftime('%d/%m/%Y')}; periksa kembali NIK atau tanggal lahir.", field="nik")
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


def kk_problem(no_kk: str) -> str | None:
    if not no_kk.isdigit() or not no_kk.isascii() or len(no_kk) != 16:
        return "No. KK harus 16 digit angka."
    return None


def check_no_kk(no_kk: str) -> str:
    no_kk = (no_kk or "").strip()
    problem = kk_problem(no_kk)
    if problem:
        raise ValidationError(problem, field="no_kk")
    return no_kk
