"""Opening the application's database: migrate, seed, make sure this device has an id."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from sqlalchemy import make_url, select

from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.device import give_keys
from spm_desktop.core.storage.engine import is_sqlite, lock_for_setup, make_engine, read_only_url
from spm_desktop.core.storage.migrate import upgrade_to_head
from spm_desktop.core.storage.models import LocalDevice
from spm_desktop.core.storage.name_keys import ensure_name_keys
from spm_desktop.core.storage.seed import seed_master_data


def ensure_device(db: Database, name: str | None = None) -> str:
    """Create this database's device identity (id, name, sync key pairs) on first run, and
    the key pairs of a device from before enrolment; returns its id."""
    with db.sessions.begin() as s:
        lock_for_setup(s)  # two seats opening a new server database make one device, not two
        device = s.scalars(select(LocalDevice)).first()
        if device is None:
            device = LocalDevice(name=name or f"Komputer {socket.gethostname()}")
            s.add(device)
            s.flush()
        if give_keys(device):
            s.flush()
    db.refresh_device()
    return db.device_id


def open_database(url: str, *, migrate: bool = True, seed: bool = True) -> Database:
    """Open ``url``: upgrade the schema to head (with a copy aside first), seed master data,
    build the name keys of the duplicate search when they are missing or made with older rules."""
    if migrate:
        upgrade_to_head(url)
    db = Database(make_engine(url))
    ensure_device(db)
    if seed:
        with db.transaction() as s:
            lock_for_setup(s)
            seed_master_data(s)
            ensure_name_keys(s)
    return db


def rename_device(db: Database, name: str) -> None:
    """Give this database its human name ("TKSK Pontianak Barat")."""
    from spm_desktop.core.domain.errors import ValidationError

    name = name.strip()
    if not name:
        raise ValidationError("Nama perangkat wajib diisi.", "device_name")
    with db.sessions.begin() as s:
        device = s.scalars(select(LocalDevice)).one()
        device.name = name


def read_only_file(url: str) -> Path | None:
    """The SQLite file of ``url`` when it exists but this process cannot write it or its folder
    (a read-only data folder, a write-protected USB stick); None otherwise."""
    if not is_sqlite(url):
        return None
    db_file = Path(make_url(url).database or "")
    if not db_file.is_file():
        return None
    if os.access(db_file, os.W_OK) and os.access(db_file.parent, os.W_OK):
        return None
    return db_file


def open_read_only(db_file: Path) -> Database:
    """Open a file that cannot be written, for the commands that only read. It is not migrated
    (that would write): a file whose schema is not this program's is refused."""
    from spm_desktop.core.domain.errors import DomainError
    from spm_desktop.core.storage.migrate import current_revision, head_revision

    engine = make_engine(read_only_url(db_file), read_only=True)
    revision = current_revision(engine)
    if revision != head_revision():
        engine.dispose()
        raise DomainError(f"Basis data di folder hanya-baca memakai versi skema {revision}, bukan {head_revision()}; "
                          "skemanya tidak dapat dinaikkan tanpa izin menulis. Periksa izin folder data.")
    return Database(engine)
