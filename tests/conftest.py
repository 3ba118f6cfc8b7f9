"""Shared fixtures. One migrated, seeded template database per test session; each test
gets its own copy (style.md habit 7). Qt runs offscreen.

The suite runs on SQLite files by default and on a PostgreSQL server when
``SPM_TEST_DATABASE_URL`` is set (see ``backend_support``): then ``db``, ``make_database`` and
``data_dir`` hand out fresh server databases made from a template database, and tests marked
``sqlite_only`` (or asking for the SQLite file through ``db_file``) are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keys wrapped in spm.keys by the tests (and the CLI subprocesses they start) use the smallest
# Argon2id cost the program accepts (db_keys.FLOOR: real Argon2id, 19 MiB, 2 passes) instead of
# the default (64 MiB, 3 passes, 4 lanes): hundreds of logins stay fast. Documented in README.
os.environ.setdefault("SPM_KDF_COST", "minimum")

from backend_support import BACKEND, FILE_SPECIFIC, ON_POSTGRES, PG_URL, PgServer  # noqa: E402
from sqlalchemy import text  # noqa: E402

from spm_desktop.core.storage.database import Database  # noqa: E402
from spm_desktop.core.storage.engine import make_engine  # noqa: E402
from spm_desktop.core.storage.open import ensure_device, open_database  # noqa: E402


def pytest_configure(config) -> None:
    # SPM_TEST_TODAY=YYYY-MM-DD moves the program's one clock (core.clock) to that day for the
    # whole run, so a test that passes only on the day it was written fails (issue 22 item 6).
    # Read only by the tests (tests/fixed_clock.py, also for the helper processes they start).
    from fixed_clock import install_from_env

    install_from_env()
    config.addinivalue_line(
        "markers", "sqlite_only(reason): the test is about the SQLite file itself; skipped on PostgreSQL")


def pytest_report_header(config) -> str:
    from spm_desktop.core import clock

    return f"spm_desktop test database: {BACKEND}; today: {clock.today().isoformat()}"


def pytest_collection_modifyitems(config, items) -> None:
    if not ON_POSTGRES:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else FILE_SPECIFIC)
            item.add_marker(pytest.mark.skip(reason=f"PostgreSQL run: {reason}"))


def open_pontianak_database(url: str) -> Database:
    """A migrated, seeded database of Kota Pontianak (61.71), the area most tests use: the area
    setting and office texts as ``adopt_area`` writes them, the regions and targets seeded — but
    as seed data, without the audit entries of an administrator's adoption (tests count those)."""
    from sqlalchemy import update

    from spm_desktop.core.services.area import AreaChoice, find_area, office_texts
    from spm_desktop.core.storage.models import Setting
    from spm_desktop.core.storage.seed import AREA_KEY, seed_master_data

    db = open_database(url)
    values = {AREA_KEY: "61.71", **office_texts(find_area("61.71"), AreaChoice("61.71"))}
    with db.transaction() as s:
        for key, value in values.items():
            s.execute(update(Setting).where(Setting.key == key).values(value=value))
        seed_master_data(s)
    return db


@pytest.fixture(scope="session")
def template_db_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = open_pontianak_database(f"sqlite:///{path}")
    db.dispose()
    # Fold the WAL into the main file so a plain copy is complete.
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return path


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    if not ON_POSTGRES:
        yield None
        return
    server = PgServer(PG_URL)
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str | None:
    """Name of the migrated, seeded template database on the server (PostgreSQL runs only)."""
    if pg_server is None:
        return None
    name = pg_server.new_name("tmpl")
    db = open_pontianak_database(pg_server.create(name))
    db.dispose()
    pg_server.start_pool(name)
    return name


def copy_template(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    return target


@pytest.fixture
def new_database_url(request, tmp_path, pg_server, pg_template) -> Callable[[str], str]:
    """``new_database_url(label)``: the URL of a fresh migrated, seeded database of this test
    (a template copy on the current backend), removed after the test."""
    made: list[str] = []

    def make(label: str = "db") -> str:
        if pg_server is not None:
            name = pg_server.new_name(label)
            made.append(name)
            return pg_server.create(name, template=pg_template)
        folder = tmp_path / label
        folder.mkdir(parents=True, exist_ok=True)
        template = request.getfixturevalue("template_db_file")
        return f"sqlite:///{copy_template(template, folder / 'spm.db')}"

    yield make
    for name in made:
        pg_server.drop(name)


@pytest.fixture
def empty_database_url(tmp_path, pg_server) -> Iterator[str]:
    """The URL of an empty database (no tables) on the current backend, removed after the test."""
    if pg_server is None:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = pg_server.new_name("empty")
    yield pg_server.create(name)
    pg_server.drop(name)


@pytest.fixture
def make_database(new_database_url) -> Iterator[Callable[..., Database]]:
    """``make_database(label, device_name=None)``: an open fresh database that is its own device."""
    opened: list[Database] = []

    def make(label: str = "db", device_name: str | None = None) -> Database:
        database = Database(make_engine(new_database_url(label)))
        opened.append(database)
        # Each copy is its own device, as two real databases would be.
        with database.sessions.begin() as s:
            s.execute(text("DELETE FROM local_device"))
        ensure_device(database, device_name)
        return database

    yield make
    for database in opened:
        database.dispose()


@pytest.fixture
def db_file(template_db_file, tmp_path) -> Path:
    """A fresh copy of the migrated, seeded template database file (SQLite runs only)."""
    if ON_POSTGRES:
        pytest.skip(f"PostgreSQL run: {FILE_SPECIFIC} (fixture db_file)")
    return copy_template(template_db_file, tmp_path / "spm.db")


@pytest.fixture
def db(request, make_database) -> Iterator[Database]:
    """An open, migrated and seeded database of its own for one test."""
    if ON_POSTGRES:
        yield make_database("db")
        return
    # On SQLite the database lives in ``db_file`` (tests that ask for both get the same file).
    db_file = request.getfixturevalue("db_file")
    database = Database(make_engine(f"sqlite:///{db_file}"))
    with database.sessions.begin() as s:
        s.execute(text("DELETE FROM local_device"))
    ensure_device(database)
    yield database
    database.dispose()


@pytest.fixture
def data_dir(request, tmp_path, monkeypatch, new_database_url) -> Path:
    """A data folder holding a migrated database, selected through SPM_DATA_DIR (and, on
    PostgreSQL, a fresh server database selected through SPM_DATABASE_URL)."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("SPM_DATA_DIR", str(folder))
    if ON_POSTGRES:
        monkeypatch.setenv("SPM_DATABASE_URL", new_database_url("data"))
    else:
        copy_template(request.getfixturevalue("template_db_file"), folder / "spm.db")
        monkeypatch.delenv("SPM_DATABASE_URL", raising=False)
    return folder
