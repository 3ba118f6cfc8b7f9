"""The one permission table. Services call :func:`require`; the UI asks :func:`can`."""

from __future__ import annotations

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import PermissionDenied

# The roles of users (their Indonesian names: core/domain/groups.ROLES). Code outside this table
# names a role through these constants, never as a literal.
ADMIN, SUPERVISOR, PETUGAS, TKSK, VIEWER = "admin", "supervisor", "petugas", "tksk", "viewer"
SYSTEM = "system"  # the application itself (set-up, migrations), never a login
UNIT_ROLE = PETUGAS  # works for one unit (UPRS, PLAT): cases and services of that unit only
KECAMATAN_ROLE = TKSK  # works for one kecamatan: data of that kecamatan only

_ALL = {ADMIN, SUPERVISOR, PETUGAS, TKSK, VIEWER, SYSTEM}
_WRITERS = {ADMIN, SUPERVISOR, PETUGAS, TKSK, SYSTEM}
_SUPERVISORS = {ADMIN, SUPERVISOR, SYSTEM}
_ADMINS = {ADMIN, SYSTEM}

PERMISSIONS: dict[str, set[str]] = {
    "person.view": _ALL,
    "person.write": _WRITERS,
    "person.delete": _SUPERVISORS | {PETUGAS},
    "person.merge": _SUPERVISORS,
    "case.write": _WRITERS,
    "event.write": _WRITERS,
    "disaster.write": _SUPERVISORS | {PETUGAS, TKSK},
    "activity.write": _WRITERS,
    "volunteer.write": _SUPERVISORS | {PETUGAS},
    "complaint.view": _ALL,
    "complaint.write": _WRITERS,
    "complaint.delete": _SUPERVISORS,
    "referral.write": _WRITERS,
    "dtsen.propose": _WRITERS,
    "dtsen.decide": _SUPERVISORS,
    "letter.print": _SUPERVISORS | {PETUGAS, TKSK},
    "letter.void": _SUPERVISORS,
    "import.run": _SUPERVISORS,
    "report.view": _ALL,
    "report.export": _SUPERVISORS,
    "personal_data.export": _SUPERVISORS,
    "sync.run": _SUPERVISORS | {TKSK},
    "sync.resolve": _SUPERVISORS,
    "settings.edit": _ADMINS,
    "master.edit": _ADMINS,
    "mutu.edit": _SUPERVISORS,
    "users.manage": _ADMINS,
    "audit.view": _SUPERVISORS,
    "audit.export": _SUPERVISORS,
    "backup.run": _SUPERVISORS,
    "backup.restore": _ADMINS,
    "diagnostics.view": _ALL,
}

PERMISSION_LABELS: dict[str, str] = {
    "person.view": "melihat data penerima layanan",
    "person.write": "mendaftarkan atau mengubah penerima layanan",
    "person.delete": "menghapus penerima layanan",
    "person.merge": "menggabungkan data ganda",
    "case.write": "membuka, mengubah atau menutup kasus",
    "event.write": "mencatat layanan",
    "disaster.write": "mencatat data bencana",
    "activity.write": "mencatat kegiatan kelompok",
    "volunteer.write": "mengelola daftar relawan",
    "complaint.view": "melihat pengaduan dan permohonan data",
    "complaint.write": "mencatat atau menindaklanjuti pengaduan",
    "complaint.delete": "menghapus pengaduan",
    "referral.write": "mencatat rujukan dan umpan baliknya",
    "dtsen.propose": "mengusulkan data ke DTSEN",
    "dtsen.decide": "memverifikasi atau menetapkan usulan DTSEN",
    "letter.print": "mencetak surat",
    "letter.void": "membatalkan nomor surat",
    "import.run": "mengimpor berkas",
    "report.view": "melihat rekap",
    "report.export": "mengekspor rekap",
    "personal_data.export": "mengekspor data pribadi",
    "sync.run": "melakukan sinkronisasi",
    "sync.resolve": "menyelesaikan konflik sinkronisasi",
    "settings.edit": "mengubah pengaturan",
    "master.edit": "mengubah data induk",
    "mutu.edit": "mengisi daftar periksa mutu",
    "users.manage": "mengelola pengguna",
    "audit.view": "melihat jejak audit",
    "audit.export": "mengekspor jejak audit",
    "backup.run": "membuat cadangan",
    "backup.restore": "memulihkan cadangan",
    "diagnostics.view": "melihat informasi diagnostik",
}


def can(actor: Actor, permission: str) -> bool:
    """Whether the actor's role has ``permission``; an unknown key is a programming error (KeyError)."""
    return actor.role in PERMISSIONS[permission]


def permissions_of(role: str) -> list[str]:
    """Every permission key the role holds, in table order (shown on the Users page)."""
    return [key for key, roles in PERMISSIONS.items() if role in roles]


def require(actor: Actor, permission: str) -> None:
    """Raise :class:`PermissionDenied` unless the actor's role has ``permission``."""
    if not can(actor, permission):
        label = PERMISSION_LABELS.get(permission, permission)
        raise PermissionDenied(f"Peran Anda ({actor.role}) tidak berhak {label}.")
