"""The database server the suite runs on: SQLite files by default, a PostgreSQL server when
``SPM_TEST_DATABASE_URL`` is set (``make test`` reads it; CI runs the suite once each way).

On PostgreSQL one migrated, seeded template database is made per test session and each test
gets a fresh ``CREATE DATABASE … TEMPLATE …`` of it (fast: a file-level copy), dropped after.
``SPM_TEST_DATABASE_URL`` names a maintenance database on the server, reached by a role that
may ``CREATE DATABASE`` (e.g. ``postgresql+psycopg://spm:spm@localhost/spm``).
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text

PG_URL = os.environ.get("SPM_TEST_DATABASE_URL", "").strip()
ON_POSTGRES = bool(PG_URL)
BACKEND = "postgresql" if ON_POSTGRES else "sqlite"

# Why a test cannot run on a server database; used with ``@sqlite_only(...)``.
FILE_SPECIFIC = "SQLite-file-specific: works on the database file itself"


def sqlite_only(reason: str = FILE_SPECIFIC):
    """Mark a test (or module, via ``pytestmark``) that is inherently about the SQLite file:
    file copies, pragmas, the online backup API, WAL crash safety. Skipped on PostgreSQL."""
    return pytest.mark.sqlite_only(reason=reason)


class PgServer:
    """Creates and drops the test databases on the server named by ``SPM_TEST_DATABASE_URL``."""

    def __init__(self, url: str) -> None:
        self.base = make_url(url)
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT", pool_size=1)
        # Unique per run so two runs against one server (a developer and CI) do not collide.
        self.prefix = f"spmt_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []

    def url_of(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{clause}')
        self.created.append(name)
        return self.url_of(name)

    def new_name(self, label: str = "t") -> str:
        return f"{self.prefix}_{label}_{uuid.uuid4().hex[:10]}"

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def drop_all(self) -> None:
        for name in list(reversed(self.created)):
            self.drop(name)
        self.admin.dispose()

    def database_names(self) -> list[str]:
        with self.admin.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                               {"p": f"{self.prefix}%"})]
