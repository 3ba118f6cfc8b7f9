"""Vocabulary and plain rules of layanan data, pengaduan dan rujukan (issue 21).

Working days: Monday–Friday, except the public holidays of ``resources/hari_libur.csv``
(national holidays per the SKB 3 Menteri, 2025–2027; editable as a file) and the dates an
administrator adds in the setting ``layanan.hari_libur_tambahan`` (cuti bersama, a local
holiday). The response time of a complaint is the number of working days *after* the day of
receipt up to and including the day of its first change of status: received on Friday
29 May 2026 and answered on Tuesday 2 June 2026 (Monday 1 June is Hari Lahir Pancasila) is
1 working day.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

CHANNELS: dict[str, str] = {
    "datang_langsung": "Datang langsung",
    "telepon": "Telepon",
    "whatsapp": "WhatsApp",
    "surat": "Surat",
    "lapor": "SP4N-LAPOR!",
    "media_sosial": "Media sosial",
    "lainnya": "Lainnya",
}
CATEGORIES: dict[str, str] = {
    "ppks_terlantar": "Laporan PPKS terlantar",
    "bansos": "Pengaduan bantuan sosial",
    "permohonan_data": "Permohonan data/surat keterangan",
    "usulan_dtsen": "Usulan DTSEN",
    "lainnya": "Lainnya",
}
COMPLAINT_STATUSES: dict[str, str] = {
    "diterima": "Diterima",
    "diverifikasi": "Diverifikasi",
    "ditindaklanjuti": "Ditindaklanjuti",
    "selesai": "Selesai",
    "ditolak": "Ditolak",
}
# diterima → diverifikasi → ditindaklanjuti → selesai; ditolak (with a reason) from any open status.
COMPLAINT_NEXT: dict[str, tuple[str, ...]] = {
    "diterima": ("diverifikasi", "ditindaklanjuti", "selesai", "ditolak"),
    "diverifikasi": ("ditindaklanjuti", "selesai", "ditolak"),
    "ditindaklanjuti": ("selesai", "ditolak"),
    "selesai": (),
    "ditolak": (),
}
COMPLAINT_CLOSED = ("selesai", "ditolak")

REFERRAL_DIRECTIONS: dict[str, str] = {"keluar": "Rujukan keluar", "masuk": "Rujukan masuk"}
REFERRAL_STATUSES: dict[str, str] = {
    "dikirim": "Dikirim",
    "diterima": "Diterima",
    "selesai": "Selesai",
    "ditolak": "Ditolak",
}
REFERRAL_NEXT: dict[str, tuple[str, ...]] = {
    "dikirim": ("diterima", "selesai", "ditolak"),
    "diterima": ("selesai", "ditolak"),
    "selesai": (),
    "ditolak": (),
}
# Who refers a person to the Dinas (incoming referrals, seed lines ~1237, 1866, 2321, 3802).
REFERRAL_ORIGINS: tuple[str, ...] = ("Puskesos/SLRT", "Satpol PP", "Kepolisian", "Rumah sakit", "Masyarakat",
                                     "Lainnya")
REFERRAL_CODE = "1.06.04.2.01.0012"
COMPLAINT_CODE = "1.06.04.2.01.0009"

DTSEN_KINDS: dict[str, str] = {"baru": "Baru", "perubahan": "Perubahan data", "penghapusan": "Penghapusan"}
DTSEN_STATUSES: dict[str, str] = {
    "diusulkan": "Diusulkan",
    "diverifikasi": "Diverifikasi",
    "ditetapkan": "Ditetapkan",
    "ditolak": "Ditolak",
}
DTSEN_NEXT: dict[str, tuple[str, ...]] = {
    "diusulkan": ("diverifikasi", "ditetapkan", "ditolak"),
    "diverifikasi": ("ditetapkan", "ditolak"),
    "ditetapkan": (),
    "ditolak": (),
}
# The Renstra's yearly target of PPKS entered into the national social data (seed line ~1227)
# is the target of this key in the targets table (editable like every target).
DTSEN_TARGET_KEY = "dtsen"
DTSEN_TARGET_NAME = ("Jumlah data penyandang disabilitas terlantar, anak terlantar, lanjut usia terlantar dan "
                     "gepeng yang masuk dalam data terpadu FM dan OTM")

LETTER_KINDS: dict[str, str] = {
    "rujukan": "Surat Rujukan",
    "serah_terima": "Berita Acara Serah Terima",
    "keterangan": "Surat Keterangan",
}


def choice(value: str, options: dict[str, str]) -> str | None:
    """The key of ``options`` that ``value`` names (key or label, case-insensitive), or None."""
    text = " ".join((value or "").split()).lower()
    if not text:
        return None
    for key, label in options.items():
        if text in (key, key.replace("_", " "), label.lower()):
            return key
    return None


# ----- working days --------------------------------------------------------------------


@lru_cache(maxsize=1)
def seeded_holidays() -> frozenset[date]:
    """The public holidays of ``resources/hari_libur.csv``."""
    from spm_desktop.core.paths import resource_path

    with resource_path("hari_libur.csv").open(encoding="utf-8", newline="") as fh:
        return frozenset(date.fromisoformat(r["tanggal"].strip()) for r in csv.DictReader(fh) if r.get("tanggal"))


def holidays(extra: Iterable[str | date] = ()) -> frozenset[date]:
    """Seeded holidays plus ``extra`` (the setting ``layanan.hari_libur_tambahan``)."""
    added = {d if isinstance(d, date) else date.fromisoformat(str(d)) for d in extra}
    return seeded_holidays() | added


def is_working_day(day: date, off: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in off


def working_days_between(start: date, end: date, off: frozenset[date]) -> int:
    """Working days in ``(start, end]`` (0 when ``end`` ≤ ``start``)."""
    if end <= start:
        return 0
    n, day = 0, start + timedelta(days=1)
    while day <= end:
        if is_working_day(day, off):
            n += 1
        day += timedelta(days=1)
    return n


def add_working_days(start: date, days: int, off: frozenset[date]) -> date:
    """The ``days``-th working day after ``start`` (the deadline of a response)."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, off):
            left -= 1
    return day
