"""Device name, passphrase and the change counter of a database that exchanges packages."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sync_helpers import ADMIN, PASSPHRASE

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import PermissionDenied, ValidationError
from spm_desktop.core.storage.models import AuditEntry, Person
from spm_desktop.core.sync.envelope import PackageRefused
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import device_info, set_device_name, set_passphrase


def test_device_name_and_passphrase_rules(office):
    assert set_device_name(office, ADMIN, "  TKSK Pontianak Timur ").name == "TKSK Pontianak Timur"
    with pytest.raises(ValidationError, match="Nama perangkat wajib diisi"):
        set_device_name(office, ADMIN, "   ")
    with pytest.raises(ValidationError, match="minimal 8 karakter"):
        set_passphrase(office, ADMIN, "pendek")
    with pytest.raises(PermissionDenied):
        set_passphrase(office, Actor("tksk1", "tksk"), "frasa-sandi-baru-2026")
    set_passphrase(office, ADMIN, "frasa-sandi-baru-2026")
    assert device_info(office).passphrase_set
    with office.reading() as s:
        trail = [repr(e.after) for e in s.scalars(select(AuditEntry))]
    assert not any("frasa-sandi-baru-2026" in t or PASSPHRASE in t for t in trail)  # never in the audit


def test_export_without_a_passphrase_is_refused(make_database, tmp_path):
    db = make_database("bare", "Tanpa frasa")
    with pytest.raises(PackageRefused, match="belum diatur"):
        export_package(db, ADMIN, tmp_path / "x.spmsync")
    assert not (tmp_path / "x.spmsync").exists()
    assert export_package(db, ADMIN, tmp_path / "x.spmsync", passphrase="dari-berkas-2026").total > 0


def test_a_counter_behind_the_stamps_is_raised_before_a_bookmark(office, tmp_path):
    # A copied or restored file whose device counter is behind its rows' stamps.
    with office.sessions.begin() as s:
        s.execute(text("UPDATE local_device SET change_seq = 0"))
    export_package(office, ADMIN, tmp_path / "a.spmsync", peer_name="TKSK")
    with office.transaction(ADMIN) as s:
        s.add(Person(name="Baru setelah ekspor", sex="P"))
    again = export_package(office, ADMIN, tmp_path / "b.spmsync", peer_name="TKSK")
    assert again.counts == {"person": 1}
