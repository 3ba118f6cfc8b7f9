"""Who is acting: passed to every service so it can check permissions and write the audit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    username: str
    role: str  # admin | supervisor | petugas | tksk | viewer | system
    user_id: str | None = None
    full_name: str = ""
    unit: str = ""  # petugas: the unit they work for (UPRS, PLAT, ...)
    kecamatan_code: str | None = None  # tksk: their kecamatan


# The command line and automatic jobs act as this recorded system user.
SYSTEM = Actor(username="system", role="system", full_name="Sistem (baris perintah)")
