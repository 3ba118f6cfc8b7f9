"""Databases that exchange packages in tests: copies of the template, each its own device."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import inspect, select, text

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import make_engine
from spm_desktop.core.storage.open import ensure_device
from spm_desktop.core.sync.codec import CODECS, TABLE_ORDER
from spm_desktop.core.sync.identity import device_info, enrol_device, write_identity

ADMIN = Actor(username="admin", role="admin")
SUPERVISOR = Actor(username="sup", role="supervisor")


def make_db(url: str, name: str) -> Database:
    """Open a fresh copy of the template at ``url`` as its own device (new key pairs)."""
    db = Database(make_engine(url))
    with db.sessions.begin() as s:
        s.execute(text("DELETE FROM local_device"))
    ensure_device(db, name)
    return db


def enrol(here: Database, other: Database, folder: Path, role: str = "office", kecamatan: str | None = None,
          unit: str | None = None, name: str | None = None):
    """Enrol ``other``'s identity at ``here`` (under ``other``'s own device name)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{other.device_id}.spmid"
    write_identity(other, ADMIN, path)
    return enrol_device(here, ADMIN, path, name or device_info(other).name, role, kecamatan=kecamatan, unit=unit)


def enrol_each_other(office: Database, other: Database, folder: Path, role: str = "tksk",
                     kecamatan: str | None = None, here_role: str = "office", here_kecamatan: str | None = None):
    """The enrolment both ways: ``other`` at ``office`` with ``role``, ``office`` at ``other``."""
    enrol(office, other, folder / "ids", role, kecamatan if role == "tksk" else None,
          "UPRS" if role == "unit" else None)
    enrol(other, office, folder / "ids", here_role, here_kecamatan if here_role == "tksk" else None)


def enrol_all(dbs: list[Database], folder: Path) -> None:
    """Every database enrolled at every other (as office devices: no scope)."""
    for i, a in enumerate(dbs):
        for b in dbs[i + 1:]:
            enrol_each_other(a, b, folder, role="office")


def content(db: Database) -> dict[str, dict[str, tuple]]:
    """Every travelling record (all columns but the local change counter), by table and id."""
    out: dict[str, dict[str, tuple]] = {}
    with db.reading() as s:
        for name in TABLE_ORDER:
            codec = CODECS[name]
            t = codec.table
            stmt = select(*[t.c[c] for c in codec.columns])
            if name == "setting":
                stmt = stmt.where(t.c.shared.is_(True))
            out[name] = {r.id: tuple(codec.encode(r)) for r in s.execute(stmt)}
    return out


# What a refused package leaves: its refusal and reasons (answered in the next package to its
# sender), the audit entry, and the acknowledgement it carried.
BOOKKEEPING = ("sync_package", "audit_entry", "sync_peer")


def file_digest(db: Database, bookkeeping: bool = True) -> str:
    """A digest of the whole logical content, local tables included (for "nothing changed");
    ``bookkeeping=False``: without the sync bookkeeping a refusal writes."""
    h = hashlib.sha256()
    tables = sorted(t for t in inspect(db.engine).get_table_names() if bookkeeping or t not in BOOKKEEPING)
    with db.engine.connect() as conn:
        for t in tables:
            for row in conn.execute(text(f'SELECT * FROM "{t}" ORDER BY 1')):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def data_digest(db: Database) -> str:
    return file_digest(db, bookkeeping=False)


def refusals(db: Database) -> list[tuple[str, list]]:
    """(status, reasons) of the packages recorded as refused here."""
    from spm_desktop.core.storage.models import SyncPackage

    with db.reading() as s:
        return [(p.status, p.reasons) for p in s.scalars(select(SyncPackage).where(SyncPackage.direction == "in",
                                                                                   SyncPackage.status == "refused"))]
