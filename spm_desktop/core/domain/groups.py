"""SPM groups (jenis pelayanan dasar), service units and other closed vocabularies.

These are the keys of the national standard, not master data: the rules in the roll-up
depend on them. Labels are what the user sees.
"""

from __future__ import annotations

SPM_GROUPS: dict[str, str] = {
    "disabilitas": "Rehabilitasi sosial dasar penyandang disabilitas terlantar di luar panti",
    "anak": "Rehabilitasi sosial dasar anak terlantar di luar panti",
    "lansia": "Rehabilitasi sosial dasar lanjut usia terlantar di luar panti",
    "gepeng": "Rehabilitasi sosial dasar gelandangan dan pengemis di luar panti",
    "bencana": "Perlindungan dan jaminan sosial pada saat dan setelah tanggap darurat bencana",
}
SPM_GROUP_SHORT: dict[str, str] = {
    "disabilitas": "Penyandang Disabilitas Terlantar",
    "anak": "Anak Terlantar",
    "lansia": "Lanjut Usia Terlantar",
    "gepeng": "Gelandangan dan Pengemis",
    "bencana": "Korban Bencana",
}
# Groups whose persons come through cases (intake); bencana comes through households.
CASE_GROUPS: tuple[str, ...] = ("disabilitas", "anak", "lansia", "gepeng")

UNITS: dict[str, str] = {
    "UPRS": "UPRS (Unit Pelayanan Rehabilitasi Sosial)",
    "PLAT": "PLAT",
    "TKSK": "TKSK (Tenaga Kesejahteraan Sosial Kecamatan)",
    "BIDANG": "Bidang Rehabilitasi Sosial",
}

SEXES: dict[str, str] = {"L": "Laki-laki", "P": "Perempuan"}

REFERRED_BY: dict[str, str] = {
    "satpol_pp": "Satpol PP",
    "kepolisian": "Kepolisian",
    "masyarakat": "Masyarakat",
    "keluarga": "Keluarga",
    "rumah_sakit": "Rumah sakit",
    "penjangkauan": "Penjangkauan (outreach)",
    "lainnya": "Lainnya",
}

EXIT_REASONS: dict[str, str] = {
    "reunifikasi": "Dikembalikan ke keluarga (reunifikasi)",
    "rujukan": "Dirujuk",
    "pulang": "Pulang sendiri ke daerah asal",
    "kabur": "Melarikan diri",
    "meninggal": "Meninggal dunia",
    "lainnya": "Lainnya",
}

DISASTER_KINDS: dict[str, str] = {
    "kebakaran_permukiman": "Kebakaran permukiman",
    "puting_beliung": "Puting beliung",
    "banjir_rob": "Banjir rob",
    "angin_kencang": "Angin kencang",
    "banjir": "Banjir",
    "tanah_longsor": "Tanah longsor",
    "bencana_sosial": "Bencana sosial (konflik)",
    "lainnya": "Lainnya",
}
DISASTER_PHASES: dict[str, str] = {
    "tanggap_darurat": "Tanggap darurat",
    "pasca_bencana": "Pasca bencana",
}
# Scale of a disaster: only kabupaten/kota disasters count in SPM group bencana (architecture §4).
DISASTER_SCALES: dict[str, str] = {
    "kabupaten_kota": "Kabupaten/kota",
    "provinsi": "Provinsi",
    "nasional": "Nasional",
}
LOCAL_SCALE = "kabupaten_kota"
HOUSEHOLD_RELATIONS: dict[str, str] = {
    "kepala": "Kepala keluarga",
    "istri": "Istri",
    "suami": "Suami",
    "anak": "Anak",
    "lainnya": "Lainnya",
}

ROLES: dict[str, str] = {
    "admin": "Administrator",
    "supervisor": "Supervisor (Kepala Bidang / Kepala Dinas)",
    "petugas": "Petugas layanan (unit sendiri)",
    "tksk": "TKSK (kecamatan sendiri)",
    "viewer": "Hanya melihat",
}

# Age groups on the service date.
AGE_CHILD_BELOW = 18
AGE_ELDERLY_FROM = 60
AGE_TODDLER_BELOW = 5  # default of the setting disaster.usia_rentan_anak (kelompok rentan)
AGE_VULNERABLE_CHILD_MAX = 18  # UU 24/2007 art. 55 "anak-anak": the setting's largest value

# Counting rules whose service types are recorded as group activities (kegiatan kelompok),
# never as a person's service event.
ACTIVITY_RULES: tuple[str, ...] = ("participants", "named_participants")
# How a report names the unit of an indicator counted by these rules.
RULE_UNIT_LABELS: dict[str, str] = {"participants": "orang (kehadiran)"}
VOLUNTEER_DEFAULT_ORGANISATION = "Tagana"
