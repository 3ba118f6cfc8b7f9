"""Migrations: empty -> head creates every table; down and up again; models never drift.
On the current backend (SQLite file, or PostgreSQL with SPM_TEST_DATABASE_URL)."""

from __future__ import annotations

import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from backend_support import sqlite_only
from sqlalchemy import inspect, text

from spm_desktop.core.storage.engine import make_engine
from spm_desktop.core.storage.migrate import downgrade, head_revision, upgrade_to_head
from spm_desktop.core.storage.models import Base


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_empty_to_head_creates_every_table(empty_database_url):
    url = empty_database_url
    assert upgrade_to_head(url) == head_revision()
    assert set(Base.metadata.tables) <= _tables(url)


def test_down_to_base_and_up_again(empty_database_url):
    url = empty_database_url
    upgrade_to_head(url)
    downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}
    upgrade_to_head(url)
    assert set(Base.metadata.tables) <= _tables(url)


def test_autogenerate_finds_no_difference(empty_database_url):
    url = empty_database_url
    upgrade_to_head(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == []


@sqlite_only("the copy made before migrating is a copy of the SQLite file")
def test_existing_file_is_copied_aside_before_migrating(tmp_path):
    path = tmp_path / "spm.db"
    url = f"sqlite:///{path}"
    upgrade_to_head(url)
    assert list(tmp_path.glob("spm.before-*.db")) == []  # a new file has nothing to keep
    downgrade(url, "base")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE keep_me (x)")
    con.execute("INSERT INTO keep_me VALUES (42)")
    con.commit()
    con.close()
    upgrade_to_head(url)
    copies = list(tmp_path.glob("spm.before-base.*.db"))
    assert len(copies) == 1
    con = sqlite3.connect(copies[0])
    assert con.execute("SELECT x FROM keep_me").fetchall() == [(42,)]
    con.close()


@sqlite_only("PRAGMA foreign_key_check (PostgreSQL enforces foreign keys while migrating)")
def test_foreign_keys_hold_after_migration(db):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []


def test_live_event_index_is_partial_on_both_backends(empty_database_url):
    """The roll-up's window pass reads ``ix_service_event_live_date``: live events only."""
    url = empty_database_url
    upgrade_to_head(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'ix_service_event_live_date'"))
        else:
            sql = conn.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_service_event_live_date'"))
    engine.dispose()
    assert sql is not None
    assert "deleted_at IS NULL" in sql.replace("(", "").replace(")", "")
