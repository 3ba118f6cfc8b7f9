"""The open database: engine, session factory, this device's id.

Services receive a :class:`Database` and open their one transaction with
:meth:`Database.transaction`; that session carries the actor and device id so the flush
listener and the audit trail know who did what, where.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

import spm_desktop.core.storage.name_keys  # noqa: F401  (registers the name-key listener)
import spm_desktop.core.storage.tracking  # noqa: F401  (registers the flush listener)
from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import DomainError
from spm_desktop.core.storage.engine import AUDIT_LOCK_KEY, READ_ONLY_OPTION, is_sqlite
from spm_desktop.core.storage.models import LocalDevice


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker = field(init=False)
    device_id: str = field(init=False, default="")
    # The wall clock (naive UTC) stamped on records and packages; tests inject a wrong one.
    clock: Callable[[], datetime] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.refresh_device()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    @property
    def file_path(self) -> str | None:
        """The SQLite file, or None for a server database."""
        if not self.is_sqlite:
            return None
        name = self.engine.url.database or ""
        return unquote(name.removeprefix("file:")) if name.startswith("file:") else name

    @property
    def read_only(self) -> bool:
        """Opened for reading only (a data folder the process cannot write, storage.engine.read_only_url)."""
        return self.is_sqlite and self.engine.url.query.get("mode") == "ro"

    def now(self) -> datetime:
        from spm_desktop.core.storage import base

        return (self.clock or base.utcnow)()

    def refresh_device(self) -> None:
        with self.sessions() as s:
            try:
                device = s.scalars(select(LocalDevice)).first()
            except Exception:  # table not there yet (before migrations)
                device = None
            self.device_id = device.id if device else ""

    @contextmanager
    def transaction(self, actor: Actor = SYSTEM) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any exception."""
        if self.read_only:
            raise DomainError("Folder data atau berkas basis data hanya bisa dibaca (read-only); perubahan tidak "
                              "dapat disimpan. Perintah yang hanya membaca (check, recap --json) tetap bisa dipakai.")
        with self.sessions.begin() as session:
            if not self.is_sqlite:  # SQLite writers are already serialised (BEGIN IMMEDIATE)
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
            session.info["actor"] = actor
            session.info["device_id"] = self.device_id
            if self.clock is not None:
                session.info["clock"] = self.clock
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for queries only; it never commits. Loaded objects stay readable after
        the block (closing detaches without expiring), but return dataclasses, not ORM objects.
        On SQLite it begins a deferred transaction, so it never waits for a writer."""
        with self.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY_OPTION: True})
            with Session(bind=conn) as session:
                yield session

    def dispose(self) -> None:
        if self.is_sqlite and self.file_path:
            from spm_desktop.core.storage.checkpoint import wait_for_checkpoint

            wait_for_checkpoint(self.file_path)  # a bulk write's WAL is in the file (decision 0007)
        self.engine.dispose()

    def reopen(self) -> None:
        """A new engine for the same file (after it was encrypted in place: the key is now
        registered, storage.engine.register_key); the same object stays in use."""
        from spm_desktop.core.storage.engine import make_engine

        url = self.engine.url.render_as_string(hide_password=False)
        self.engine.dispose()
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.refresh_device()
