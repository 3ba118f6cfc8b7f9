"""The settings every report and service reads, as one plain frozen value (:class:`AppSettings`),
and how stored ``setting`` rows (key → JSON value) become it. Reading the rows is
:func:`spm_desktop.core.storage.settings.load_settings`; changing them, with their rules, is
:mod:`spm_desktop.core.services.settings`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FULFILMENT_RULES: dict[str, str] = {
    "all_needed": "Semua kebutuhan terlayani (all_needed)",
    "any_item": "Minimal satu kebutuhan terlayani (any_item)",
}
# The rule by its Indonesian name only, for printed reports.
FULFILMENT_RULE_NAMES: dict[str, str] = {
    "all_needed": "terpenuhi bila semua kebutuhan dasar hasil asesmen telah terlayani",
    "any_item": "terpenuhi bila minimal satu kebutuhan dasar hasil asesmen telah terlayani",
}


@dataclass(frozen=True)
class TuntasLevel:
    min: float
    label: str


@dataclass(frozen=True)
class AppSettings:
    """Every setting the reports and services read, with the seeded defaults as fallback."""

    office_government: str = "Pemerintah Kota Pontianak"
    office_name: str = "Dinas Sosial Kota Pontianak"
    office_address: str = ""
    office_phone: str = ""
    office_email: str = ""
    office_city: str = "Pontianak"
    office_logo_path: str = ""
    signatory_title: str = ""
    signatory_name: str = ""
    signatory_nip: str = ""
    signatory_rank: str = ""
    weight_a: float = 0.8
    weight_b: float = 0.2
    fulfilment_rule: str = "all_needed"
    tuntas: tuple[TuntasLevel, ...] = (
        TuntasLevel(100, "Tuntas Paripurna"),
        TuntasLevel(90, "Tuntas Utama"),
        TuntasLevel(80, "Tuntas Madya"),
        TuntasLevel(70, "Tuntas Pratama"),
        TuntasLevel(60, "Tuntas Muda"),
        TuntasLevel(0, "Belum Tuntas"),
    )
    meals_max_per_day: int = 3
    meals_max_days_outside: int = 7
    # Kelompok rentan among disaster victims: children under this age on the disaster's start
    # (5: bayi dan balita, as the Renstra; up to 18: "anak-anak" of UU 24/2007 art. 55).
    usia_rentan_anak: int = 5
    # Exit reasons that end the Dinas's responsibility: a case closed with one of them
    # cancels its unmet needs (architecture §4 v2).
    exit_cancels_needs: tuple[str, ...] = ("meninggal", "rujukan", "reunifikasi")
    # Layanan data dan pengaduan (issue 21): first response due within this many working days;
    # holidays added to resources/hari_libur.csv (cuti bersama, local holidays), ISO dates;
    # an outgoing referral without feedback after this many days is flagged.
    complaint_response_days: int = 5
    extra_holidays: tuple[str, ...] = ()
    referral_feedback_days: int = 14
    # Letter numbers per letter type: {n} the yearly sequence, {tahun} the year, {bulan} the
    # month in Roman numerals.
    letter_format_rujukan: str = "400.9/{n}/Dinsos-RJK/{tahun}"
    letter_format_serah_terima: str = "400.9/{n}/Dinsos-BAST/{tahun}"
    letter_format_keterangan: str = "400.9/{n}/Dinsos-SK/{tahun}"

    def letter_format(self, kind: str) -> str:
        return getattr(self, f"letter_format_{kind}")

    def tuntas_label(self, index: float | None) -> str:
        """Status label of an SPM index (highest level whose minimum it reaches)."""
        if index is None:
            return "belum dinilai"
        for level in sorted(self.tuntas, key=lambda t: t.min, reverse=True):
            if index >= level.min:
                return level.label
        return self.tuntas[-1].label if self.tuntas else ""


# setting key -> AppSettings field
SETTING_FIELDS: dict[str, str] = {
    "office.government": "office_government",
    "office.name": "office_name",
    "office.address": "office_address",
    "office.phone": "office_phone",
    "office.email": "office_email",
    "office.city": "office_city",
    "office.logo_path": "office_logo_path",
    "signatory.title": "signatory_title",
    "signatory.name": "signatory_name",
    "signatory.nip": "signatory_nip",
    "signatory.rank": "signatory_rank",
    "spm.weight_a": "weight_a",
    "spm.weight_b": "weight_b",
    "spm.fulfilment_rule": "fulfilment_rule",
    "spm.tuntas": "tuntas",
    "spm.exit_cancels_needs": "exit_cancels_needs",
    "meals.max_per_day": "meals_max_per_day",
    "meals.max_days_outside": "meals_max_days_outside",
    "disaster.usia_rentan_anak": "usia_rentan_anak",
    "layanan.batas_respons_hari": "complaint_response_days",
    "layanan.hari_libur_tambahan": "extra_holidays",
    "rujukan.batas_umpan_balik_hari": "referral_feedback_days",
    "surat.nomor_rujukan": "letter_format_rujukan",
    "surat.nomor_serah_terima": "letter_format_serah_terima",
    "surat.nomor_keterangan": "letter_format_keterangan",
}


def settings_from_rows(values: dict[str, Any]) -> AppSettings:
    """Build :class:`AppSettings` from ``{key: value}`` (unknown keys ignored); each value takes
    the type of its field's default."""
    kwargs: dict[str, Any] = {}
    for key, attr in SETTING_FIELDS.items():
        if values.get(key) is not None:
            kwargs[attr] = _typed(attr, values[key])
    return AppSettings(**kwargs)


_DEFAULTS = AppSettings()


def _typed(attr: str, value: Any) -> Any:
    if attr == "tuntas":
        return tuple(TuntasLevel(float(item["min"]), str(item["label"])) for item in value)
    default = getattr(_DEFAULTS, attr)
    if isinstance(default, tuple):
        return tuple(str(v) for v in value)
    return type(default)(value)  # str, int or float
