"""Schema migrations at start-up: copy the file aside, upgrade to head, check foreign keys."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.errors import DomainError
from spm_desktop.core.paths import migrations_path
from spm_desktop.core.storage.engine import is_sqlite, lock_for_setup, make_engine

log = logging.getLogger(__name__)


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> frozenset[str]:
    """Every revision of this program's migration history (all at or below head)."""
    return frozenset(r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _run(engine: Engine, fn, *args) -> None:
    cfg = alembic_config(engine)
    with engine.connect() as conn:
        sqlite = is_sqlite(engine)
        if sqlite:
            # Batch mode re-creates tables (DROP TABLE of a parent would check its children's
            # rows): foreign keys must be off while it does. SQLite ignores this pragma inside
            # a transaction, so it is set on the driver's connection before BEGIN.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                lock_for_setup(conn)  # a second seat starting now waits, then finds the schema at head
                cfg.attributes["connection"] = conn
                fn(cfg, *args)
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def backup_before_migration(db_file: Path, revision: str | None) -> Path | None:
    """Copy an existing database file aside as ``<name>.before-<rev>.<stamp>.db`` beside it,
    with SQLite's backup API (so a WAL file's content is included)."""
    from spm_desktop.core.storage.backup import copy_database

    if not db_file.exists() or db_file.stat().st_size == 0:
        return None
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    target = db_file.with_name(f"{db_file.stem}.before-{revision or 'base'}.{stamp}.db")
    copy_database(db_file, target)
    log.info("Salinan sebelum migrasi: %s", target)
    return target


def _has_tables(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type='table'").scalar())


def upgrade_to_head(url: str, copy_aside: bool = True) -> str:
    """Bring the database at ``url`` to the newest schema on a separate engine; returns head.

    An existing SQLite file that holds tables and is behind is copied aside first (unless
    ``copy_aside`` is False: a staged copy of a backup being restored). After migrating,
    ``PRAGMA foreign_key_check`` must come back empty.
    """
    engine = make_engine(url)
    try:
        current = current_revision(engine)
        head = head_revision()
        if current == head:
            return head
        if copy_aside and is_sqlite(engine) and engine.url.database and _has_tables(engine):
            backup_before_migration(Path(engine.url.database), current)
        _run(engine, command.upgrade, "head")
        if is_sqlite(engine):
            with engine.connect() as conn:
                problems = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
            if problems:
                raise DomainError(
                    f"Pemeriksaan kunci asing setelah migrasi menemukan {len(problems)} masalah; "
                    "pulihkan salinan cadangan sebelum migrasi."
                )
        return head
    finally:
        engine.dispose()


def downgrade(url: str, revision: str = "base") -> None:
    engine = make_engine(url)
    try:
        _run(engine, command.downgrade, revision)
    finally:
        engine.dispose()
