"""roll-up summaries kept by the database: service_first, cases.need_mask, service_type.need_bit

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 14:00:00

The roll-up (architecture §4) reads two derived, local summaries instead of grouping every
event and need of the window:

* ``service_first`` — the first live service of each (year, person, service code) with its
  ``date|kelurahan`` key: the output indicators count one row per person and code;
* ``cases.need_mask`` — the bits of a case's live needs (``service_type.need_bit``, 0–62):
  sasaran / terpenuhi test one bitmask per case against the person's served codes.

Both are kept by triggers on ``service_event``, ``case_need``, ``cases`` and ``service_type``
(SQLite and PostgreSQL), so every writer — the services, sync imports, merges, tools outside
the application — keeps them right, in the same transaction. They never travel in sync
packages. A later migration that re-creates one of these tables in batch mode (SQLite
copy-and-move) must re-create its triggers: ``tests/migrations`` checks they exist at head.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MAX_BIT = 62  # bits 0..62 of a signed 64-bit integer

SQLITE_TRIGGERS = ("service_type_need_bit", "cases_need_mask_insert", "case_need_mask_insert",
                   "case_need_mask_update", "case_need_mask_delete", "service_first_insert",
                   "service_first_update", "service_first_delete")
PG_TRIGGERS = {"service_type_need_bit": "service_type", "cases_need_mask": "cases",
               "case_need_mask": "case_need", "service_first_track": "service_event"}
PG_FUNCTIONS = ("service_type_need_bit()", "cases_need_mask()", "case_need_mask()", "service_first_track()",
                "case_need_mask_refresh(varchar)", "service_first_refresh(integer, varchar, varchar)")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("service_type", sa.Column("need_bit", sa.Integer(), nullable=True))
    op.add_column("cases", sa.Column("need_mask", sa.BigInteger(), server_default=sa.text("0"), nullable=True))
    op.create_table(
        "service_first",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("service_code", sa.String(length=30), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("first_key", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("year", "first_date", "service_code", "person_id", name=op.f("pk_service_first")),
        sqlite_with_rowid=False,
    )
    _backfill(dialect)
    op.create_index("ix_service_type_need_bit", "service_type", ["need_bit"], unique=True)
    op.create_index("ux_service_first_person_code", "service_first", ["year", "person_id", "service_code"],
                    unique=True)
    op.drop_index("ix_cases_group_person", table_name="cases")
    op.create_index("ix_cases_live_exit", "cases",
                    ["exit_date", "intake_date", "spm_group", "person_id", "need_mask", "id", "deleted_at"],
                    sqlite_where=sa.text("deleted_at IS NULL"), postgresql_where=sa.text("deleted_at IS NULL"))
    if dialect == "sqlite":
        _sqlite_triggers()
    elif dialect == "postgresql":
        _postgresql_triggers()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for name, table in PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for fn in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.drop_index("ix_cases_live_exit", table_name="cases")
    op.create_index("ix_cases_group_person", "cases",
                    ["spm_group", "person_id", "intake_date", "exit_date", "deleted_at", "id"])
    op.drop_index("ux_service_first_person_code", table_name="service_first")
    op.drop_table("service_first")
    op.drop_index("ix_service_type_need_bit", table_name="service_type")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("need_mask")
    with op.batch_alter_table("service_type") as batch_op:
        batch_op.drop_column("need_bit")


# --- the derived values, as SQL shared by the backfill and the triggers -----------------------

def _one(dialect: str) -> str:
    return "CAST(1 AS BIGINT)" if dialect == "postgresql" else "1"


def _mask_of(case_id: str, dialect: str) -> str:
    """The need mask of one case: NULL when a live need's type has no bit."""
    total = f"sum(DISTINCT {_one(dialect)} << st.need_bit)"
    if dialect == "postgresql":
        total = f"CAST({total} AS BIGINT)"
    return (f"(SELECT CASE WHEN count(st.need_bit) = count(*) THEN coalesce({total}, 0) END "
            f"FROM case_need n LEFT JOIN service_type st ON st.code = n.service_code "
            f"WHERE n.case_id = {case_id} AND n.deleted_at IS NULL)")


def _next_bit() -> str:
    return (f"(SELECT CASE WHEN coalesce(max(need_bit), -1) < {MAX_BIT} THEN coalesce(max(need_bit), -1) + 1 END "
            "FROM service_type)")


def _year(date_sql: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"CAST(extract(year FROM {date_sql}) AS INTEGER)"
    return f"CAST(substr({date_sql}, 1, 4) AS INTEGER)"


def _key(alias: str) -> str:
    """``event_date|kelurahan`` exactly as the roll-up's event pass builds it (both backends)."""
    return f"CAST({alias}.event_date AS VARCHAR) || '|' || coalesce({alias}.kelurahan_code, '')"


def _backfill(dialect: str) -> None:
    op.execute("UPDATE service_type SET need_bit = (SELECT count(*) FROM service_type s2 "
               "WHERE s2.code < service_type.code)")
    op.execute(f"UPDATE service_type SET need_bit = NULL WHERE need_bit > {MAX_BIT}")
    op.execute(f"UPDATE cases SET need_mask = {_mask_of('cases.id', dialect)}")
    op.execute(f"INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
               f"SELECT {_year('e.event_date', dialect)}, e.person_id, e.service_code, min(e.event_date), "
               f"min({_key('e')}) FROM service_event e WHERE e.deleted_at IS NULL "
               f"GROUP BY {_year('e.event_date', dialect)}, e.person_id, e.service_code")


# --- SQLite ------------------------------------------------------------------------------------

def _sqlite_first_refresh(row: str) -> str:
    """Recompute the service_first row of ``row``'s (year, person, code) from the live events."""
    year = _year(f"{row}.event_date", "sqlite")
    y = f"substr({row}.event_date, 1, 4)"
    return (
        f"DELETE FROM service_first WHERE year = {year} AND person_id = {row}.person_id "
        f"AND service_code = {row}.service_code; "
        f"INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
        f"SELECT {year}, {row}.person_id, {row}.service_code, d, k FROM ("
        f"SELECT min(e.event_date) AS d, min({_key('e')}) AS k FROM service_event e "
        f"WHERE e.person_id = {row}.person_id AND e.service_code = {row}.service_code "
        f"AND e.event_date >= {y} || '-01-01' AND e.event_date <= {y} || '-12-31' "
        f"AND e.deleted_at IS NULL) WHERE d IS NOT NULL;"
    )


def _cases_insert_needs_refresh(row: str, dialect: str) -> str:
    """A new case has no needs yet (the usual case: its mask stays the default 0)."""
    differs = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return f"({row}.need_mask {differs} 0 OR EXISTS (SELECT 1 FROM case_need WHERE case_id = {row}.id))"


def _add_need_bit(row: str, dialect: str) -> str:
    """A new live need adds its bit (NULL when its type has none: the mask becomes NULL)."""
    return (f"UPDATE cases SET need_mask = need_mask | (SELECT {_one(dialect)} << need_bit FROM service_type "
            f"WHERE code = {row}.service_code) WHERE id = {row}.case_id;")


def _sqlite_mask_refresh(case_id: str) -> str:
    return f"UPDATE cases SET need_mask = {_mask_of(case_id, 'sqlite')} WHERE id = {case_id};"


def _sqlite_triggers() -> None:
    statements = {
        "service_type_need_bit": "AFTER INSERT ON service_type WHEN NEW.need_bit IS NULL BEGIN "
        f"UPDATE service_type SET need_bit = {_next_bit()} WHERE id = NEW.id; END",
        "cases_need_mask_insert": f"AFTER INSERT ON cases WHEN {_cases_insert_needs_refresh('NEW', 'sqlite')} "
        f"BEGIN {_sqlite_mask_refresh('NEW.id')} END",
        "case_need_mask_insert": "AFTER INSERT ON case_need WHEN NEW.deleted_at IS NULL BEGIN "
        f"{_add_need_bit('NEW', 'sqlite')} END",
        "case_need_mask_update": "AFTER UPDATE OF case_id, service_code, deleted_at ON case_need BEGIN "
        f"{_sqlite_mask_refresh('OLD.case_id')} {_sqlite_mask_refresh('NEW.case_id')} END",
        "case_need_mask_delete": f"AFTER DELETE ON case_need BEGIN {_sqlite_mask_refresh('OLD.case_id')} END",
        "service_first_insert": "AFTER INSERT ON service_event WHEN NEW.deleted_at IS NULL BEGIN "
        "INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
        f"VALUES ({_year('NEW.event_date', 'sqlite')}, NEW.person_id, NEW.service_code, NEW.event_date, "
        f"{_key('NEW')}) ON CONFLICT (year, person_id, service_code) DO UPDATE SET "
        "first_date = min(first_date, excluded.first_date), first_key = min(first_key, excluded.first_key) "
        "WHERE excluded.first_key < first_key; END",
        "service_first_update": "AFTER UPDATE OF person_id, service_code, event_date, kelurahan_code, deleted_at "
        f"ON service_event BEGIN {_sqlite_first_refresh('OLD')} {_sqlite_first_refresh('NEW')} END",
        "service_first_delete": f"AFTER DELETE ON service_event BEGIN {_sqlite_first_refresh('OLD')} END",
    }
    assert tuple(statements) == SQLITE_TRIGGERS
    for name, body in statements.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


# --- PostgreSQL --------------------------------------------------------------------------------

def _postgresql_triggers() -> None:
    key_new = _key("NEW")
    # Concurrent writers of one (year, person, code): an insert is one atomic upsert (it waits
    # for, then merges with, whatever another transaction wrote). A refresh (an event edited,
    # deleted or moved) first locks the person's row, so two refreshes of one person run one
    # after the other; its insert overwrites a row an insert committed meanwhile, from a
    # statement that sees that insert. Row locks live in the rows, so a transaction of a
    # million events (demo data) takes none from the server's lock table (an advisory lock
    # per key did, and the 1M-event demo load failed with "out of shared memory").
    op.execute(
        "CREATE FUNCTION service_first_refresh(y integer, pid varchar, code varchar) RETURNS void AS $$ BEGIN "
        "PERFORM 1 FROM person WHERE id = pid FOR NO KEY UPDATE; "
        "DELETE FROM service_first WHERE year = y AND person_id = pid AND service_code = code; "
        "INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
        f"SELECT y, pid, code, d, k FROM (SELECT min(e.event_date) AS d, min({_key('e')}) AS k "
        "FROM service_event e WHERE e.person_id = pid AND e.service_code = code "
        "AND e.event_date >= make_date(y, 1, 1) AND e.event_date <= make_date(y, 12, 31) "
        "AND e.deleted_at IS NULL) m WHERE d IS NOT NULL "
        "ON CONFLICT (year, person_id, service_code) DO UPDATE SET "
        "first_date = excluded.first_date, first_key = excluded.first_key; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE FUNCTION service_first_track() RETURNS trigger AS $$ BEGIN "
        "IF TG_OP = 'INSERT' THEN "
        "IF NEW.deleted_at IS NULL THEN "
        "INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
        f"VALUES ({_year('NEW.event_date', 'postgresql')}, NEW.person_id, NEW.service_code, NEW.event_date, "
        f"{key_new}) ON CONFLICT (year, person_id, service_code) DO UPDATE SET "
        "first_date = least(service_first.first_date, excluded.first_date), "
        "first_key = least(service_first.first_key, excluded.first_key) "
        "WHERE excluded.first_key < service_first.first_key; "
        "END IF; RETURN NULL; END IF; "
        f"PERFORM service_first_refresh({_year('OLD.event_date', 'postgresql')}, OLD.person_id, OLD.service_code); "
        "IF TG_OP = 'UPDATE' THEN "
        f"PERFORM service_first_refresh({_year('NEW.event_date', 'postgresql')}, NEW.person_id, NEW.service_code); "
        "END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER service_first_track AFTER INSERT OR UPDATE OF person_id, service_code, event_date, "
        "kelurahan_code, deleted_at OR DELETE ON service_event FOR EACH ROW EXECUTE FUNCTION service_first_track()"
    )
    op.execute(
        "CREATE FUNCTION case_need_mask_refresh(cid varchar) RETURNS void AS $$ "
        f"UPDATE cases SET need_mask = {_mask_of('cid', 'postgresql')} WHERE id = cid; $$ LANGUAGE sql"
    )
    op.execute(
        "CREATE FUNCTION case_need_mask() RETURNS trigger AS $$ BEGIN "
        "IF TG_OP = 'INSERT' THEN "
        f"IF NEW.deleted_at IS NULL THEN {_add_need_bit('NEW', 'postgresql')} END IF; RETURN NULL; END IF; "
        "PERFORM case_need_mask_refresh(OLD.case_id); "
        "IF TG_OP = 'UPDATE' THEN PERFORM case_need_mask_refresh(NEW.case_id); END IF; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER case_need_mask AFTER INSERT OR UPDATE OF case_id, service_code, deleted_at OR DELETE "
        "ON case_need FOR EACH ROW EXECUTE FUNCTION case_need_mask()"
    )
    op.execute(
        "CREATE FUNCTION cases_need_mask() RETURNS trigger AS $$ BEGIN "
        f"IF {_cases_insert_needs_refresh('NEW', 'postgresql')} THEN "
        "PERFORM case_need_mask_refresh(NEW.id); END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute("CREATE TRIGGER cases_need_mask AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION cases_need_mask()")
    # A concurrent insert that takes the same bit fails on ix_service_type_need_bit (unique)
    # and is retried by the user; nothing is ever stored with a shared bit.
    op.execute(
        "CREATE FUNCTION service_type_need_bit() RETURNS trigger AS $$ BEGIN "
        f"UPDATE service_type SET need_bit = {_next_bit()} WHERE id = NEW.id; RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER service_type_need_bit AFTER INSERT ON service_type FOR EACH ROW "
        "WHEN (NEW.need_bit IS NULL) EXECUTE FUNCTION service_type_need_bit()"
    )
