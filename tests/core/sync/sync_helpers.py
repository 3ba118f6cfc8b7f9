"""Databases that exchange packages in tests: copies of the template, each its own device."""

from __future__ import annotations

import hashlib

from sqlalchemy import inspect, select, text

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import make_engine
from spm_desktop.core.storage.open import ensure_device
from spm_desktop.core.sync.codec import CODECS, TABLE_ORDER
from spm_desktop.core.sync.identity import set_passphrase

PASSPHRASE = "kopi-susu-pontianak-2026"
ADMIN = Actor(username="admin", role="admin")
SUPERVISOR = Actor(username="sup", role="supervisor")


def make_db(url: str, name: str) -> Database:
    """Open a fresh copy of the template at ``url`` as its own device with the passphrase."""
    db = Database(make_engine(url))
    with db.sessions.begin() as s:
        s.execute(text("DELETE FROM local_device"))
    ensure_device(db, name)
    set_passphrase(db, ADMIN, PASSPHRASE)
    return db


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


def file_digest(db: Database) -> str:
    """A digest of the whole logical content, local tables included (for "nothing changed")."""
    h = hashlib.sha256()
    tables = sorted(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        for t in tables:
            for row in conn.execute(text(f'SELECT * FROM "{t}" ORDER BY 1')):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()
