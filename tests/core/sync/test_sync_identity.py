"""Device identity, enrolment and revocation, and the change counter of a database that
exchanges packages."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from sync_helpers import ADMIN, enrol

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from spm_desktop.core.storage.models import AuditEntry, LocalDevice, Person
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import (
    device_info,
    enrol_device,
    list_peers,
    read_identity,
    revoke_device,
    set_device_name,
    write_identity,
)
from spm_desktop.core.sync.importer import import_package


def test_device_name_rules(office):
    assert set_device_name(office, ADMIN, "  TKSK Pontianak Timur ").name == "TKSK Pontianak Timur"
    with pytest.raises(ValidationError, match="Nama perangkat wajib diisi"):
        set_device_name(office, ADMIN, "   ")


def test_identity_file_and_fingerprint(office, tmp_path):
    path = tmp_path / "kantor.spmid"
    ident = write_identity(office, ADMIN, path)
    assert ident.fingerprint == device_info(office).fingerprint
    assert len(ident.fingerprint) == 24 and ident.fingerprint.count("-") == 4
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert set(doc) == {"type", "version", "device_id", "name", "sign_public", "box_public", "signature"}
    assert read_identity(path) == ident
    with office.reading() as s:  # no private key in the file or the audit trail
        dev = s.scalars(select(LocalDevice)).one()
        trail = " ".join(repr((e.before, e.after)) for e in s.scalars(select(AuditEntry)))
    assert dev.sign_key not in path.read_text() and dev.box_key not in path.read_text()
    assert dev.sign_key not in trail and dev.box_key not in trail
    doc["name"] = "Kantor Palsu"  # any change breaks the self-signature
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValidationError, match="bukan identitas komputer SPM Desktop yang sah"):
        read_identity(path)


def test_keys_are_made_for_a_device_from_before_enrolment(office):
    with office.sessions.begin() as s:
        s.execute(text("UPDATE local_device SET sign_key = NULL, box_key = NULL"))
    fp = device_info(office).fingerprint
    assert fp and device_info(office).fingerprint == fp  # made once, then kept


def test_enrolment_rules(office, make_database, tmp_path):
    laptop = make_database("laptop", "TKSK Pontianak Barat")
    path = tmp_path / "laptop.spmid"
    write_identity(laptop, ADMIN, path)
    with pytest.raises(ValidationError, match="wajib diberi kecamatan"):
        enrol_device(office, ADMIN, path, "TKSK Barat", "tksk")
    with pytest.raises(ValidationError, match="tidak dikenal"):
        enrol_device(office, ADMIN, path, "TKSK Barat", "tksk", kecamatan="99.99.99")
    with pytest.raises(ValidationError, match="UPRS atau PLAT"):
        enrol_device(office, ADMIN, path, "Shelter", "unit")
    with pytest.raises(ValidationError, match="office, tksk atau unit"):
        enrol_device(office, ADMIN, path, "Shelter", "admin")
    with pytest.raises(PermissionDenied):
        enrol_device(office, Actor("tksk1", "tksk"), path, "TKSK Barat", "tksk", kecamatan="61.71.03")
    own = tmp_path / "own.spmid"
    write_identity(office, ADMIN, own)
    with pytest.raises(ValidationError, match="komputer ini sendiri"):
        enrol_device(office, ADMIN, own, "Saya", "office")
    peer = enrol_device(office, ADMIN, path, "TKSK Barat", "tksk", kecamatan="61.71.03")
    assert (peer.role, peer.kecamatan_code, peer.enrolled) == ("tksk", "61.71.03", True)
    assert peer.fingerprint == device_info(laptop).fingerprint
    # Enrolling again changes the name or scope, never the keys.
    again = enrol_device(office, ADMIN, path, "TKSK Pontianak Barat", "tksk", kecamatan="61.71.05")
    assert (again.id, again.name, again.kecamatan_code) == (peer.id, "TKSK Pontianak Barat", "61.71.05")
    other = make_database("other", "Laptop lain")
    other_path = tmp_path / "other.spmid"
    write_identity(other, ADMIN, other_path)
    with pytest.raises(ConflictError, match="sudah dipakai"):
        enrol_device(office, ADMIN, other_path, "tksk pontianak barat", "tksk", kecamatan="61.71.03")
    unit = enrol_device(office, ADMIN, other_path, "Shelter UPRS", "unit", unit="uprs")
    assert (unit.role, unit.unit, unit.scope_label) == ("unit", "UPRS", "Unit UPRS")
    with office.reading() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.entity == "sync_peer"))]
    assert actions.count("enrol") == 3


def test_revoked_device_stays_revoked(office, tksk, tmp_path):
    with pytest.raises(NotFoundError):
        revoke_device(office, ADMIN, "Tidak Ada")
    with pytest.raises(PermissionDenied):
        revoke_device(office, Actor("sup", "supervisor"), "TKSK Pontianak Barat")
    info = revoke_device(office, ADMIN, "TKSK Pontianak Barat")
    assert info.revoked_at is not None and not info.enrolled
    with pytest.raises(ConflictError, match="sudah dicabut"):
        revoke_device(office, ADMIN, "TKSK Pontianak Barat")
    with pytest.raises(ConflictError, match="tidak bisa didaftarkan lagi"):
        enrol(office, tksk, tmp_path / "again", "tksk", "61.71.03")
    assert [p.name for p in list_peers(office) if p.enrolled] == []


def test_export_only_for_an_enrolled_peer(office, tmp_path):
    with pytest.raises(ValidationError, match="Pilih komputer tujuan"):
        export_package(office, ADMIN, tmp_path / "x.spmsync")
    with pytest.raises(ValidationError, match="belum didaftarkan"):
        export_package(office, ADMIN, tmp_path / "x.spmsync", peer_name="Siapa Saja")
    assert not (tmp_path / "x.spmsync").exists()


def test_a_counter_behind_the_stamps_is_raised_before_a_bookmark(office, tksk, tmp_path):
    # A copied or restored file whose device counter is behind its rows' stamps.
    with office.sessions.begin() as s:
        s.execute(text("UPDATE local_device SET change_seq = 0"))
    export_package(office, ADMIN, tmp_path / "a.spmsync", peer_name="TKSK Pontianak Barat")
    import_package(tksk, ADMIN, tmp_path / "a.spmsync")  # and the laptop acknowledges it
    export_package(tksk, ADMIN, tmp_path / "ack.spmsync", peer_name="Kantor Dinas Sosial")
    import_package(office, ADMIN, tmp_path / "ack.spmsync")
    with office.transaction(ADMIN) as s:
        s.add(Person(name="Baru setelah ekspor", sex="P", kelurahan_code="61.71.03.1001"))  # in the laptop's scope
    again = export_package(office, ADMIN, tmp_path / "b.spmsync", peer_name="TKSK Pontianak Barat")
    assert again.counts == {"person": 1}
