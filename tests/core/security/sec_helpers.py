"""Actors of every role for the security tests."""

from __future__ import annotations

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.security.users import create_first_admin

KEC = "61.71.01"  # Pontianak Selatan
ROLE_ACTORS: dict[str, Actor] = {
    "admin": Actor("adm", "admin", user_id="u-admin"),
    "supervisor": Actor("sup", "supervisor", user_id="u-sup"),
    "petugas": Actor("pet", "petugas", user_id="u-pet", unit="UPRS"),
    "tksk": Actor("tk", "tksk", user_id="u-tk", unit="TKSK", kecamatan_code=KEC),
    "viewer": Actor("view", "viewer", user_id="u-view"),
}
PASSWORD = "rahasia123"


def make_admin(db):
    info = create_first_admin(db, "admin", "Admin Dinsos", PASSWORD)
    return info, info.actor()
