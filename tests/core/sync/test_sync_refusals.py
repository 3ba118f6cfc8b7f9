"""Every refusal leaves both databases unchanged; an import killed half-way applies nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sync_helpers import ADMIN, data_digest, enrol, enrol_each_other, file_digest, refusals

from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.storage.models import Person, ServiceEvent
from spm_desktop.core.sync import envelope, exporter, identity, payload, writing
from spm_desktop.core.sync.envelope import HEADER, PREAMBLE, PackageRefused
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.importer import import_package, preview_import

MAKAN = "1.06.04.2.01.0001"


@pytest.fixture
def tksk(make_database, office, tmp_path):
    """The second device, enrolled both ways as an office device: this module is about how
    two databases merge, not about a TKSK's scope (``test_sync_validation`` is)."""
    db = make_database("tksk", "TKSK Pontianak Barat")
    enrol_each_other(office, db, tmp_path, role="office")
    return db


def _fill(db, persons=3, events_each=2):
    with db.transaction(ADMIN) as s:
        for i in range(persons):
            p = Person(name=f"Orang {i}", sex="P", nik=f"617101410190{i + 1:04d}")
            s.add(p)
            s.flush()
            for d in range(events_each):
                s.add(ServiceEvent(person_id=p.id, service_code=MAKAN, event_date=date(2026, 4, d + 1)))


@pytest.fixture
def package(tksk, office, tmp_path):
    _fill(tksk)
    path = tmp_path / "barat.spmsync"
    export_package(tksk, ADMIN, path, peer_name="Kantor Dinas Sosial")
    return path


def refused(office, tksk, path, match):
    """Preview and import refuse; no record changes (a package signed by an enrolled sender
    leaves its refusal, answered in the next package to it); the sender is untouched."""
    before = data_digest(office), file_digest(tksk)
    with pytest.raises(PackageRefused, match=match):
        preview_import(office, ADMIN, path)
    with pytest.raises(PackageRefused, match=match):
        import_package(office, ADMIN, path)
    assert (data_digest(office), file_digest(tksk)) == before
    if office.file_path:
        assert not list((Path(office.file_path).parent / "backups").glob("*before-import*"))


def test_package_from_an_unenrolled_device(office, tksk, make_database, tmp_path):
    # A computer that is not enrolled at the office, though it enrolled the office itself.
    stranger = make_database("stranger", "Laptop tak dikenal")
    enrol(stranger, office, tmp_path / "ids", "office")
    _fill(stranger)
    path = tmp_path / "stranger.spmsync"
    export_package(stranger, ADMIN, path, peer_name="Kantor Dinas Sosial")
    refused(office, tksk, path, "tidak terdaftar di komputer ini")


def test_package_from_a_revoked_device(office, tksk, package):
    identity.revoke_device(office, ADMIN, "TKSK Pontianak Barat")
    refused(office, tksk, package, "sudah dicabut")
    with pytest.raises(ValidationError, match="sudah dicabut"):
        export_package(office, ADMIN, package.with_name("back.spmsync"), peer_name="TKSK Pontianak Barat")


def test_package_for_another_device(office, tksk, third, tmp_path):
    _fill(tksk)
    path = tmp_path / "for-third.spmsync"
    export_package(tksk, ADMIN, path, peer_name="TKSK Pontianak Kota")
    refused(office, tksk, path, "untuk komputer lain")


def test_signed_by_one_device_claiming_another(office, tksk, third, tmp_path):
    # An enrolled TKSK laptop signs a package whose manifest names the other laptop.
    _fill(tksk)
    fields, tables = _valid_plain(tksk)
    fields["source_device_id"] = third.device_id
    _manifest, plain = payload.build(fields, tables)
    path = tmp_path / "claims.spmsync"
    _seal_raw(path, plain, tksk, office)
    refused(office, tksk, path, "mengaku dari komputer lain")


@pytest.mark.parametrize("where", ["format", "sender", "recipient", "ephemeral", "nonce", "plain_length", "length",
                                   "signature", "body_start", "body_middle", "tag"])
def test_any_modified_byte(office, tksk, package, where):
    data = bytearray(package.read_bytes())
    offset = {"format": 9, "sender": 20, "recipient": 50, "ephemeral": 80, "nonce": 110,
              "plain_length": HEADER.size - 9, "length": HEADER.size - 1, "signature": HEADER.size + 5,
              "body_start": PREAMBLE,
              "body_middle": (HEADER.size + len(data)) // 2, "tag": len(data) - 1}[where]
    data[offset] ^= 0x01
    package.write_bytes(bytes(data))
    refused(office, tksk, package,
            "berubah atau rusak|terpotong|tidak dikenali|lebih (baru|lama)|telah berubah|terlalu besar|tidak terdaftar")


def test_modified_byte_in_the_body_says_modified(office, tksk, package):
    data = bytearray(package.read_bytes())
    data[PREAMBLE + 40] ^= 0x80
    package.write_bytes(bytes(data))
    refused(office, tksk, package, "Paket telah berubah atau rusak")


@pytest.mark.parametrize("keep", [0, 5, HEADER.size - 1, PREAMBLE - 1, PREAMBLE + 10, -1])
def test_truncated_file(office, tksk, package, keep):
    data = package.read_bytes()
    package.write_bytes(data[: keep if keep >= 0 else len(data) + keep])
    refused(office, tksk, package, "terpotong|bukan paket")


def test_truncated_body_says_truncated(office, tksk, package):
    data = package.read_bytes()
    package.write_bytes(data[: len(data) // 2])
    refused(office, tksk, package, "Berkas paket terpotong")


def test_newer_schema(office, tksk, tmp_path, monkeypatch):
    _fill(tksk)
    monkeypatch.setattr(exporter, "head_revision", lambda: "0099_from_the_future")
    path = tmp_path / "future.spmsync"
    export_package(tksk, ADMIN, path, peer_name="Kantor Dinas Sosial")
    monkeypatch.undo()
    refused(office, tksk, path, "struktur basis data yang lebih baru")


def test_package_from_this_same_device(office, tksk, tmp_path):
    _fill(office)
    path = tmp_path / "own.spmsync"
    export_package(office, ADMIN, path, peer_name="TKSK Pontianak Barat")
    refused(office, tksk, path, "dibuat oleh komputer ini sendiri")


def test_oversized_file_refused_before_reading(office, tksk, package, monkeypatch):
    monkeypatch.setattr(envelope, "MAX_PACKAGE_BYTES", 1024)
    refused(office, tksk, package, "terlalu besar")


def _keys(db):
    with db.sessions.begin() as s:
        return identity.ensure_keys(s)


def _seal_raw(path, plain: bytes, sender=None, recipient=None):
    """A package made by hand with real keys (tksk for the office unless told)."""
    if sender is None:
        sender, recipient = _find_pair()
    path.write_bytes(envelope.seal(plain, _keys(sender), _keys(recipient).box_public))


_PAIR: list = []


def _find_pair():
    return _PAIR[0], _PAIR[1]


@pytest.fixture(autouse=True)
def _pair(request):
    """tksk → office for packages made by hand, when the test has both."""
    if "tksk" in request.fixturenames and "office" in request.fixturenames:
        _PAIR[:] = [request.getfixturevalue("tksk"), request.getfixturevalue("office")]
    yield
    _PAIR.clear()


def test_decompression_bomb_refused(office, tksk, tmp_path, monkeypatch):
    path = tmp_path / "bomb.spmsync"
    _seal_raw(path, b"\0" * (8 * 1024 * 1024))
    assert path.stat().st_size < 64 * 1024
    monkeypatch.setattr(envelope, "MAX_PLAIN_BYTES", 1024 * 1024)
    refused(office, tksk, path, "terlalu besar")


def _valid_plain(tksk):
    with tksk.reading() as s:
        tables = exporter.collect_rows(s, 0)
    fields = dict(package_id="p-1", schema_revision=exporter.head_revision(), source_device_id=tksk.device_id,
                  source_device_name="TKSK", created_at="2026-04-01T00:00:00", to_peer="", full=True,
                  audit_head="0:" + "0" * 64)
    return fields, tables


@pytest.mark.parametrize("damage", ["not_json", "no_manifest", "unknown_table", "bad_value", "wrong_count",
                                    "hash", "extra_column"])
def test_malformed_content_refused(office, tksk, tmp_path, damage):
    _fill(tksk)
    fields, tables = _valid_plain(tksk)
    if damage == "unknown_table":
        tables.append(payload.TableRows("app_user", ("id",), [["x"]]))
    if damage == "bad_value":
        person = next(t for t in tables if t.table == "person")
        person.rows[0][person.columns.index("revision")] = "dua"
    if damage == "extra_column":
        person = next(t for t in tables if t.table == "person")
        tables[tables.index(person)] = payload.TableRows("person", (*person.columns, "password_hash"),
                                                         [[*r, "x"] for r in person.rows])
    manifest, plain = payload.build(fields, tables)
    if damage == "not_json":
        plain = b"\x00\x00\x00\x05hello" + plain
    if damage == "no_manifest":
        plain = b"\x00\x00"
    if damage == "wrong_count":
        head = dict(manifest.as_dict(), counts={**manifest.counts, "person": 99})
        plain = _with_manifest(plain, head)
    if damage == "hash":
        plain = _with_manifest(plain, dict(manifest.as_dict(), content_hash="0" * 64))
    path = tmp_path / f"{damage}.spmsync"
    _seal_raw(path, plain)
    refused(office, tksk, path, "tidak dikenali atau rusak")


def _with_manifest(plain: bytes, head: dict) -> bytes:
    n = int.from_bytes(plain[:4], "big")
    raw = json.dumps(head).encode()
    return len(raw).to_bytes(4, "big") + raw + plain[4 + n:]


def test_not_a_package(office, tksk, tmp_path):
    path = tmp_path / "foto.spmsync"
    path.write_bytes(zlib.compress(b"JFIF" * 100))
    refused(office, tksk, path, "bukan paket sinkronisasi")


def test_a_lost_package_is_carried_again_by_the_next(office, tksk, tmp_path):
    _fill(tksk, persons=1, events_each=0)
    export_package(tksk, ADMIN, tmp_path / "lost.spmsync", peer_name="Kantor Dinas Sosial")  # never arrives
    with tksk.transaction(ADMIN) as s:
        pid = s.scalars(select(Person.id)).one()
        s.add(ServiceEvent(person_id=pid, service_code=MAKAN, event_date=date(2026, 5, 1)))
    path = tmp_path / "second.spmsync"
    export_package(tksk, ADMIN, path, peer_name="Kantor Dinas Sosial")  # not acknowledged: both again
    assert import_package(office, ADMIN, path).new == 2


def test_missing_parent_refused_and_full_package_repairs(office, tksk, tmp_path):
    _fill(tksk, persons=1, events_each=0)
    export_package(tksk, ADMIN, tmp_path / "first.spmsync", peer_name="Kantor Dinas Sosial")
    import_package(office, ADMIN, tmp_path / "first.spmsync")
    export_package(office, ADMIN, tmp_path / "answer.spmsync", peer_name="TKSK Pontianak Barat")
    import_package(tksk, ADMIN, tmp_path / "answer.spmsync")  # the laptop's person is acknowledged
    with office.transaction(ADMIN) as s:  # then the office went back to a backup from before it
        s.execute(text("DELETE FROM person"))
    with tksk.transaction(ADMIN) as s:
        pid = s.scalars(select(Person.id)).one()
        s.add(ServiceEvent(person_id=pid, service_code=MAKAN, event_date=date(2026, 5, 1)))
    path = tmp_path / "second.spmsync"
    export_package(tksk, ADMIN, path, peer_name="Kantor Dinas Sosial")
    before = data_digest(office)
    with pytest.raises(PackageRefused, match="belum ada di komputer ini"):
        import_package(office, ADMIN, path)
    assert data_digest(office) == before
    assert [status for status, _reasons in refusals(office)] == ["refused"]
    full = tmp_path / "full.spmsync"
    export_package(tksk, ADMIN, full, peer_name="Kantor Dinas Sosial", full=True)
    assert import_package(office, ADMIN, full).new == 2


def test_exception_at_the_last_table_applies_nothing(office, tksk, package, monkeypatch):
    real = writing._write_table

    def failing(s, tp, seq, local_seq):
        real(s, tp, seq, local_seq)
        if tp.codec.name == "service_event":
            raise OSError("disk penuh")

    monkeypatch.setattr(writing, "_write_table", failing)
    before = file_digest(office)
    with pytest.raises(OSError):
        import_package(office, ADMIN, package)
    assert file_digest(office) == before
    monkeypatch.undo()
    assert import_package(office, ADMIN, package).new == 9


CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from tests.fixed_clock import install_from_env
    install_from_env()
    from spm_desktop.core.storage.database import Database
    from spm_desktop.core.storage.engine import make_engine
    from spm_desktop.core.sync import importer, writing
    from spm_desktop.core.domain.actor import SYSTEM

    url, package, marker = sys.argv[1:4]
    real = writing._write_table

    def slow(s, tp, seq, local_seq):
        real(s, tp, seq, local_seq)
        if tp.codec.name == "service_event":
            s.flush()
            Path(marker).write_text("half-way")
            time.sleep(120)

    writing._write_table = slow
    importer.import_package(Database(make_engine(url)), SYSTEM, package)
""")


def test_import_killed_half_way_leaves_nothing_applied(office, tksk, package, tmp_path):
    before = file_digest(office)
    marker = tmp_path / "marker"
    office.dispose()
    url = office.engine.url.render_as_string(hide_password=False)
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(package), str(marker)],
                             cwd=Path(__file__).resolve().parents[3])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the import ended before reaching the last table"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    if office.is_sqlite:
        with office.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert file_digest(office) == before
    assert import_package(office, ADMIN, package).new == 9
