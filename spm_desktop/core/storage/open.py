"""Opening the application's database: migrate, seed, make sure this device has an id."""

from __future__ import annotations

import socket

from sqlalchemy import select

from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import lock_for_setup, make_engine
from spm_desktop.core.storage.migrate import upgrade_to_head
from spm_desktop.core.storage.models import LocalDevice
from spm_desktop.core.storage.seed import seed_master_data


def ensure_device(db: Database, name: str | None = None) -> str:
    """Create this database's device identity on first run; returns its id."""
    with db.sessions.begin() as s:
        lock_for_setup(s)  # two seats opening a new server database make one device, not two
        device = s.scalars(select(LocalDevice)).first()
        if device is None:
            device = LocalDevice(name=name or f"Komputer {socket.gethostname()}")
            s.add(device)
            s.flush()
    db.refresh_device()
    return db.device_id


def open_database(url: str, *, migrate: bool = True, seed: bool = True) -> Database:
    """Open ``url``: upgrade the schema to head (with a copy aside first), seed master data."""
    if migrate:
        upgrade_to_head(url)
    db = Database(make_engine(url))
    ensure_device(db)
    if seed:
        with db.transaction() as s:
            lock_for_setup(s)
            seed_master_data(s)
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
