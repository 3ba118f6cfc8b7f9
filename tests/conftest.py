"""Shared fixtures. One migrated, seeded template database per test session; each test
gets its own copy (style.md habit 7). Qt runs offscreen."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from spm_desktop.core.storage.database import Database  # noqa: E402
from spm_desktop.core.storage.engine import make_engine  # noqa: E402
from spm_desktop.core.storage.open import ensure_device, open_database  # noqa: E402


@pytest.fixture(scope="session")
def template_db_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = open_database(f"sqlite:///{path}")
    db.dispose()
    # Fold the WAL into the main file so a plain copy is complete.
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return path


def copy_template(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    return target


@pytest.fixture
def db_file(template_db_file, tmp_path) -> Path:
    """A fresh copy of the migrated, seeded template database file."""
    return copy_template(template_db_file, tmp_path / "spm.db")


@pytest.fixture
def db(db_file) -> Iterator[Database]:
    """An open, migrated and seeded database of its own for one test."""
    database = Database(make_engine(f"sqlite:///{db_file}"))
    # Each copy is its own device, as two real databases would be.
    with database.sessions.begin() as s:
        s.execute(__import__("sqlalchemy").text("DELETE FROM local_device"))
    ensure_device(database)
    yield database
    database.dispose()


@pytest.fixture
def data_dir(template_db_file, tmp_path, monkeypatch) -> Path:
    """A data folder holding a migrated database, selected through SPM_DATA_DIR."""
    folder = tmp_path / "data"
    folder.mkdir()
    copy_template(template_db_file, folder / "spm.db")
    monkeypatch.setenv("SPM_DATA_DIR", str(folder))
    monkeypatch.delenv("SPM_DATABASE_URL", raising=False)
    return folder
