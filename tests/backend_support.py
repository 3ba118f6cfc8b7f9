"""The database server the suite runs on: SQLite files by default, a PostgreSQL server when
``SPM_TEST_DATABASE_URL`` is set (``make test`` reads it; CI runs the suite once each way).

On PostgreSQL one migrated, seeded template database is made per test session and each test
gets a fresh ``CREATE DATABASE … TEMPLATE …`` of it, dropped after. Copying a template still
costs the server about a second on a busy 2-core machine, so a background thread keeps a few
copies ready ahead of the tests (renamed when handed out) and drops used ones behind them.
``SPM_TEST_DATABASE_URL`` names a maintenance database on the server, reached by a role that
may ``CREATE DATABASE`` (e.g. ``postgresql+psycopg://spm:spm@localhost/spm``).
"""

from __future__ import annotations

import os
import queue
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

PG_URL = os.environ.get("SPM_TEST_DATABASE_URL", "").strip()
ON_POSTGRES = bool(PG_URL)
BACKEND = "postgresql" if ON_POSTGRES else "sqlite"

# Why a test cannot run on a server database; used with ``@sqlite_only(...)``.
FILE_SPECIFIC = "SQLite-file-specific: works on the database file itself"

POOL_DEPTH = 3  # template copies kept ready ahead of the tests
POOL_WAIT_S = 300


def sqlite_only(reason: str = FILE_SPECIFIC):
    """Mark a test (or module, via ``pytestmark``) that is inherently about the SQLite file:
    file copies, pragmas, the online backup API, WAL crash safety. Skipped on PostgreSQL."""
    return pytest.mark.sqlite_only(reason=reason)


class PgServer:
    """Creates and drops the test databases on the server named by ``SPM_TEST_DATABASE_URL``."""

    def __init__(self, url: str) -> None:
        self.base = make_url(url)
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        # Unique per run so two runs against one server (a developer and CI) do not collide.
        self.prefix = f"spmt_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._lock = threading.Lock()
        self._created: set[str] = set()
        self._pool_template: str | None = None
        self._ready: queue.Queue[str] = queue.Queue()
        self._to_drop: queue.Queue[str] = queue.Queue()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._worker_error: BaseException | None = None

    # ----- names and plain statements ------------------------------------------------------

    def url_of(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def new_name(self, label: str = "t") -> str:
        return f"{self.prefix}_{label}_{uuid.uuid4().hex[:10]}"

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(sql)

    def _create_now(self, name: str, template: str | None) -> None:
        clause = f' TEMPLATE "{template}"' if template else ""
        self._execute(f'CREATE DATABASE "{name}"{clause}')
        with self._lock:
            self._created.add(name)

    def _drop_now(self, name: str) -> None:
        # A plain DROP waits for an autovacuum worker to leave; WITH (FORCE) would refuse to
        # terminate it for a non-superuser role. FORCE is only the fallback for a connection a
        # test left open ("being accessed by other users").
        last: Exception | None = None
        for attempt in range(20):
            try:
                force = " WITH (FORCE)" if attempt % 2 else ""
                self._execute(f'DROP DATABASE IF EXISTS "{name}"{force}')
                break
            except DBAPIError as exc:
                last = exc
                time.sleep(0.1 * (attempt + 1))
        else:
            raise RuntimeError(f"could not drop test database {name}") from last
        with self._lock:
            self._created.discard(name)

    # ----- what the fixtures use -----------------------------------------------------------

    def create(self, name: str, template: str | None = None) -> str:
        """A new database ``name`` (a copy of ``template``); returns its URL."""
        if template is not None and template == self._pool_template:
            ready = self._take_ready()
            self._execute(f'ALTER DATABASE "{ready}" RENAME TO "{name}"')
            with self._lock:
                self._created.discard(ready)
                self._created.add(name)
        else:
            self._create_now(name, template)
        return self.url_of(name)

    def drop(self, name: str) -> None:
        """Drop ``name`` (in the background once the pool runs)."""
        if self._worker is not None and self._worker.is_alive():
            self._to_drop.put(name)
            self._wake.set()
        else:
            self._drop_now(name)

    def start_pool(self, template: str) -> None:
        """Keep ``POOL_DEPTH`` copies of ``template`` ready from now on."""
        self._pool_template = template
        self._worker = threading.Thread(target=self._work, name="pg-template-pool", daemon=True)
        self._worker.start()

    def drop_all(self) -> None:
        """End of session: stop the pool, drop every database this run made."""
        self._stop.set()
        self._wake.set()
        if self._worker is not None:
            self._worker.join(timeout=120)
        while True:
            try:
                self._drop_now(self._to_drop.get_nowait())
            except queue.Empty:
                break
        with self._lock:
            leftovers = sorted(self._created)
        for name in leftovers:
            self._drop_now(name)
        self.admin.dispose()

    def database_names(self) -> list[str]:
        with self.admin.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                               {"p": f"{self.prefix}%"})]

    # ----- the background worker -----------------------------------------------------------

    def _take_ready(self) -> str:
        self._wake.set()
        for _ in range(POOL_WAIT_S):
            try:
                name = self._ready.get(timeout=1)
            except queue.Empty:
                if self._worker_error is not None or not (self._worker and self._worker.is_alive()):
                    raise RuntimeError("the template-copy worker stopped") from self._worker_error
                continue
            self._wake.set()  # make the next one
            return name
        raise RuntimeError(f"no template copy ready after {POOL_WAIT_S} s")

    def _work(self) -> None:
        n = 0
        try:
            while not self._stop.is_set():
                try:
                    name = self._to_drop.get_nowait()
                except queue.Empty:
                    name = None
                if name is not None:
                    try:
                        self._drop_now(name)
                    except RuntimeError:
                        pass  # still listed in _created: drop_all tries again at the end
                    continue
                if self._ready.qsize() < POOL_DEPTH:
                    n += 1
                    name = f"{self.prefix}_pool{n}"
                    self._create_now(name, self._pool_template)
                    self._ready.put(name)
                    continue
                self._wake.wait(timeout=0.5)
                self._wake.clear()
        except BaseException as exc:  # surfaced by _take_ready
            self._worker_error = exc
