"""needs with an assessment date, "no need" assessments, qualifying meals (roll-up v2)

Revision ID: 0010_needs_v2
Revises: 0009_sync_clock_ack
Create Date: 2026-12-06 08:30:00

Architecture §4 version 2:

* ``case_need.assessed_on`` (every existing need: its case's intake date) and
  ``removed_reason``; the unique (case, service code) constraint is dropped — a
  re-assessment adds a new need even for a code the case already has;
* ``cases.no_need_assessed_on``: an assessment that found no basic-service need;
* ``uncounted_event`` — the live events of a type with a daily standard
  (``service_type.standard_per_day``: the permakanan codes) that do not count: the day's
  ``meals_per_day`` of the person's events of that code (disaster meals: of the same
  disaster) add up to less than the standard (an event without ``meals_per_day`` takes
  the standard), or a disaster meal (a type of program ``bencana``) lies outside its
  disaster's emergency period ``[start, end]`` or is linked to no disaster;
* ``service_first`` now keeps the first *counting* service (uncounted events left out);
* ``ix_service_event_person_code_date`` also covers ``deleted_at`` and ``id``: the roll-up's
  met-date seeks are answered by the index alone.

Both summaries are kept by triggers on ``service_event``, ``disaster`` and
``service_type``, SQLite and PostgreSQL. SQLite re-creates ``case_need`` (batch mode) to
drop the constraint: its need-mask triggers (migration 0002) are saved and re-created.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_needs_v2"
down_revision = "0009_sync_clock_ack"
branch_labels = None
depends_on = None

OLD_TUNTAS = [{"min": 100, "label": "Tuntas Paripurna"}, {"min": 90, "label": "Tuntas Utama"},
              {"min": 80, "label": "Tuntas Madya"}, {"min": 70, "label": "Tuntas Muda"},
              {"min": 60, "label": "Tuntas Pratama"}, {"min": 0, "label": "Belum Tuntas"}]

SQLITE_TRIGGERS = ("service_first_insert", "meal_event_insert", "service_first_update", "service_first_delete",
                   "disaster_meals_update", "service_type_standard_update")
PG_TRIGGERS = {"disaster_meals_update": "disaster", "service_type_standard_update": "service_type"}


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("cases", sa.Column("no_need_assessed_on", sa.Date(), nullable=True))
    saved = _saved_triggers("case_need") if dialect == "sqlite" else []
    with op.batch_alter_table("case_need") as batch_op:
        batch_op.add_column(sa.Column("assessed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("removed_reason", sa.Text(), server_default="", nullable=False))
    op.execute("UPDATE case_need SET assessed_on = (SELECT c.intake_date FROM cases c WHERE c.id = case_need.case_id)")
    with op.batch_alter_table("case_need") as batch_op:
        batch_op.alter_column("assessed_on", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("removed_reason", existing_type=sa.Text(), server_default=None)
        batch_op.drop_constraint("uq_case_need_case_id_service_code", type_="unique")
        batch_op.drop_index("ix_case_need_case_id")
        batch_op.create_index("ix_case_need_case_id", ["case_id", "deleted_at", "service_code", "assessed_on"])
    _restore_triggers(saved)
    op.create_table(
        "uncounted_event",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("service_code", sa.String(length=30), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_uncounted_event")),
    )
    op.create_index("ix_uncounted_event_group", "uncounted_event", ["person_id", "service_code", "event_date"])
    op.create_index("ix_uncounted_event_date", "uncounted_event", ["event_date", "service_code"])
    op.drop_index("ix_service_event_person_code_date", table_name="service_event")
    op.create_index("ix_service_event_person_code_date", "service_event",
                    ["person_id", "service_code", "event_date", "deleted_at", "id"])
    op.execute("UPDATE service_type SET standard_per_day = 3 WHERE code = '1.06.06.2.01.0001' "
               "AND standard_per_day IS NULL")
    _new_tuntas_defaults(bind)
    _drop_first_triggers(dialect)
    op.execute(f"INSERT INTO uncounted_event (event_id, person_id, service_code, event_date) "
               f"{_uncounted_select(dialect, 'TRUE' if dialect == 'postgresql' else '1')}")
    op.execute("DELETE FROM service_first")
    op.execute(f"INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
               f"SELECT {_year('e.event_date', dialect)}, e.person_id, e.service_code, min(e.event_date), "
               f"min({_key('e')}) FROM service_event e WHERE e.deleted_at IS NULL AND {_counts('e')} "
               f"GROUP BY {_year('e.event_date', dialect)}, e.person_id, e.service_code")
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
        op.execute("DROP TRIGGER IF EXISTS service_first_track ON service_event")
        for fn in ("service_first_track()", "service_first_refresh(integer, varchar, varchar)",
                   "uncounted_refresh(varchar, varchar, date)", "disaster_meals_update()",
                   "service_type_standard_update()"):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.drop_index("ix_service_event_person_code_date", table_name="service_event")
    op.create_index("ix_service_event_person_code_date", "service_event", ["person_id", "service_code", "event_date"])
    op.drop_index("ix_uncounted_event_date", table_name="uncounted_event")
    op.drop_index("ix_uncounted_event_group", table_name="uncounted_event")
    op.drop_table("uncounted_event")
    # Back to one need per (case, code): the earliest live one (else the earliest) stays.
    op.execute("DELETE FROM case_need WHERE id NOT IN (SELECT min(id) FROM case_need n "
               "WHERE n.deleted_at IS NULL GROUP BY n.case_id, n.service_code) "
               "AND (case_id, service_code) IN (SELECT case_id, service_code FROM case_need "
               "GROUP BY case_id, service_code HAVING count(*) > 1)")
    saved = _saved_triggers("case_need") if dialect == "sqlite" else []
    with op.batch_alter_table("case_need") as batch_op:
        batch_op.drop_index("ix_case_need_case_id")
        batch_op.create_index("ix_case_need_case_id", ["case_id", "deleted_at", "service_code"])
        batch_op.create_unique_constraint("uq_case_need_case_id_service_code", ["case_id", "service_code"])
        batch_op.drop_column("removed_reason")
        batch_op.drop_column("assessed_on")
    _restore_triggers(saved)
    saved = _saved_triggers("cases") if dialect == "sqlite" else []
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("no_need_assessed_on")
    _restore_triggers(saved)
    # 0002's service_first triggers and its summary of every live event.
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("m0002", Path(__file__).with_name("0002_rollup_summaries.py"))
    m0002 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m0002)
    op.execute("DELETE FROM service_first")
    op.execute(f"INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
               f"SELECT {_year('e.event_date', dialect)}, e.person_id, e.service_code, min(e.event_date), "
               f"min({_key('e')}) FROM service_event e WHERE e.deleted_at IS NULL "
               f"GROUP BY {_year('e.event_date', dialect)}, e.person_id, e.service_code")
    if dialect == "sqlite":
        _sqlite_v1_first_triggers(m0002)
    elif dialect == "postgresql":
        _postgresql_v1_first_triggers(m0002)


def _saved_triggers(table: str) -> list[str]:
    """Every trigger on or mentioning ``table`` (dropped: SQLite refuses to rename the
    re-created table while a trigger refers to it)."""
    rows = op.get_bind().exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND (tbl_name = '{table}' "
        f"OR sql LIKE '%{table}%')").all()
    for name, _sql in rows:
        op.execute(f"DROP TRIGGER {name}")
    return [r[1] for r in rows]


def _restore_triggers(saved: list[str]) -> None:
    for sql in saved:
        op.execute(sql)


def _new_tuntas_defaults(bind) -> None:
    """Default tuntas bands of §4 v2 (Pratama ≥ 70 above Muda ≥ 60) where the old default is
    still stored unchanged; an office's own table is kept."""
    import json

    rows = bind.exec_driver_sql("SELECT id, value FROM setting WHERE key = 'spm.tuntas'").all()
    for row_id, value in rows:
        stored = json.loads(value) if isinstance(value, str) else value
        if stored == OLD_TUNTAS:
            new = [dict(r) for r in OLD_TUNTAS]
            new[3]["label"], new[4]["label"] = "Tuntas Pratama", "Tuntas Muda"
            bind.execute(sa.text("UPDATE setting SET value = :v WHERE id = :i"),
                         {"v": json.dumps(new), "i": row_id})


# --- the derived values, as SQL shared by the backfill and the triggers -----------------------

def _year(date_sql: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"CAST(extract(year FROM {date_sql}) AS INTEGER)"
    return f"CAST(substr({date_sql}, 1, 4) AS INTEGER)"


def _key(alias: str) -> str:
    return f"CAST({alias}.event_date AS VARCHAR) || '|' || coalesce({alias}.kelurahan_code, '')"


def _meals(alias: str, dialect: str) -> str:
    """``meals_per_day`` of an event's details as an integer (NULL when absent)."""
    if dialect == "postgresql":
        raw = f"({alias}.details ->> 'meals_per_day')"
        return f"(CASE WHEN {raw} ~ '^[0-9]+$' THEN CAST({raw} AS INTEGER) END)"
    return f"CAST(json_extract({alias}.details, '$.meals_per_day') AS INTEGER)"


def _not_counting(e: str, st: str, dialect: str) -> str:
    """An event ``e`` of type ``st`` (joined) that does not count (see the module docstring)."""
    return (
        f"{st}.standard_per_day IS NOT NULL AND (("
        f"{st}.program = 'bencana' AND NOT EXISTS (SELECT 1 FROM disaster dz WHERE dz.id = {e}.disaster_id "
        f"AND dz.deleted_at IS NULL AND {e}.event_date >= dz.start_date "
        f"AND (dz.end_date IS NULL OR {e}.event_date <= dz.end_date))) "
        f"OR (SELECT sum(coalesce({_meals('e2', dialect)}, {st}.standard_per_day)) FROM service_event e2 "
        f"WHERE e2.person_id = {e}.person_id AND e2.service_code = {e}.service_code "
        f"AND e2.event_date = {e}.event_date AND e2.deleted_at IS NULL "
        f"AND ({st}.program <> 'bencana' OR e2.disaster_id = {e}.disaster_id)) < {st}.standard_per_day)"
    )


def _uncounted_select(dialect: str, where: str) -> str:
    return (f"SELECT e.id, e.person_id, e.service_code, e.event_date FROM service_event e "
            f"JOIN service_type st ON st.code = e.service_code "
            f"WHERE e.deleted_at IS NULL AND ({where}) AND {_not_counting('e', 'st', dialect)}")


def _counts(alias: str) -> str:
    return f"NOT EXISTS (SELECT 1 FROM uncounted_event u WHERE u.event_id = {alias}.id)"


def _uncounted_refresh(row: str, dialect: str) -> str:
    """Recompute the uncounted events of ``row``'s (person, code, date)."""
    group = (f"person_id = {row}.person_id AND service_code = {row}.service_code "
             f"AND event_date = {row}.event_date")
    egroup = (f"e.person_id = {row}.person_id AND e.service_code = {row}.service_code "
              f"AND e.event_date = {row}.event_date")
    return (f"DELETE FROM uncounted_event WHERE {group}; "
            f"INSERT INTO uncounted_event (event_id, person_id, service_code, event_date) "
            f"{_uncounted_select(dialect, egroup)};")


def _first_of(y: str, pid: str, code: str, dialect: str) -> str:
    """SELECT (first date, first key) of the counting live events of a (year, person, code)."""
    lo, hi = ((f"make_date({y}, 1, 1)", f"make_date({y}, 12, 31)") if dialect == "postgresql"
              else (f"CAST({y} AS TEXT) || '-01-01'", f"CAST({y} AS TEXT) || '-12-31'"))
    return (f"SELECT min(e.event_date) AS d, min({_key('e')}) AS k FROM service_event e "
            f"WHERE e.person_id = {pid} AND e.service_code = {code} AND e.event_date >= {lo} "
            f"AND e.event_date <= {hi} AND e.deleted_at IS NULL AND {_counts('e')}")


def _first_refresh_sqlite(row: str) -> str:
    year = _year(f"{row}.event_date", "sqlite")
    return (
        f"DELETE FROM service_first WHERE year = {year} AND person_id = {row}.person_id "
        f"AND service_code = {row}.service_code; "
        f"INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
        f"SELECT {year}, {row}.person_id, {row}.service_code, d, k FROM "
        f"({_first_of(year, f'{row}.person_id', f'{row}.service_code', 'sqlite')}) WHERE d IS NOT NULL;"
    )


def _keys_refresh(keys_sql: str, dialect: str) -> str:
    """Recompute service_first for every (y, pid, code) that ``keys_sql`` selects."""
    lo, hi = (("make_date(k.y, 1, 1)", "make_date(k.y, 12, 31)") if dialect == "postgresql"
              else ("CAST(k.y AS TEXT) || '-01-01'", "CAST(k.y AS TEXT) || '-12-31'"))
    where = (f"FROM service_event e WHERE e.person_id = k.pid AND e.service_code = k.code "
             f"AND e.event_date >= {lo} AND e.event_date <= {hi} AND e.deleted_at IS NULL AND {_counts('e')}")
    return (
        f"DELETE FROM service_first WHERE (year, person_id, service_code) IN "
        f"(SELECT kk.y, kk.pid, kk.code FROM ({keys_sql}) kk); "
        f"INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
        f"SELECT z.y, z.pid, z.code, z.d, z.fk FROM (SELECT k.y, k.pid, k.code, "
        f"(SELECT min(e.event_date) {where}) AS d, (SELECT min({_key('e')}) {where}) AS fk "
        f"FROM ({keys_sql}) k) z WHERE z.d IS NOT NULL;"
    )


def _disaster_keys(dialect: str, disaster: str) -> str:
    return (f"SELECT DISTINCT {_year('e.event_date', dialect)} AS y, e.person_id AS pid, e.service_code AS code "
            f"FROM service_event e WHERE e.disaster_id = {disaster}")


def _code_keys(dialect: str, code: str) -> str:
    return (f"SELECT DISTINCT {_year('e.event_date', dialect)} AS y, e.person_id AS pid, e.service_code AS code "
            f"FROM service_event e WHERE e.service_code = {code}")


def _drop_first_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for name in ("service_first_insert", "service_first_update", "service_first_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS service_first_track ON service_event")
        op.execute("DROP FUNCTION IF EXISTS service_first_track()")
        op.execute("DROP FUNCTION IF EXISTS service_first_refresh(integer, varchar, varchar)")


# --- SQLite ------------------------------------------------------------------------------------

_HAS_STANDARD = "EXISTS (SELECT 1 FROM service_type WHERE code = NEW.service_code AND standard_per_day IS NOT NULL)"


def _sqlite_triggers() -> None:
    d = "sqlite"
    statements = {
        "service_first_insert": f"AFTER INSERT ON service_event WHEN NEW.deleted_at IS NULL AND NOT {_HAS_STANDARD} "
        "BEGIN INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
        f"VALUES ({_year('NEW.event_date', d)}, NEW.person_id, NEW.service_code, NEW.event_date, "
        f"{_key('NEW')}) ON CONFLICT (year, person_id, service_code) DO UPDATE SET "
        "first_date = min(first_date, excluded.first_date), first_key = min(first_key, excluded.first_key) "
        "WHERE excluded.first_key < first_key; END",
        "meal_event_insert": f"AFTER INSERT ON service_event WHEN NEW.deleted_at IS NULL AND {_HAS_STANDARD} "
        f"BEGIN {_uncounted_refresh('NEW', d)} {_first_refresh_sqlite('NEW')} END",
        "service_first_update": "AFTER UPDATE OF person_id, service_code, event_date, kelurahan_code, deleted_at, "
        f"details, disaster_id ON service_event BEGIN {_uncounted_refresh('OLD', d)} {_uncounted_refresh('NEW', d)} "
        f"{_first_refresh_sqlite('OLD')} {_first_refresh_sqlite('NEW')} END",
        "service_first_delete": f"AFTER DELETE ON service_event BEGIN {_uncounted_refresh('OLD', d)} "
        f"{_first_refresh_sqlite('OLD')} END",
        "disaster_meals_update": "AFTER UPDATE OF start_date, end_date, deleted_at ON disaster BEGIN "
        "DELETE FROM uncounted_event WHERE event_id IN (SELECT id FROM service_event WHERE disaster_id = NEW.id); "
        f"INSERT INTO uncounted_event (event_id, person_id, service_code, event_date) "
        f"{_uncounted_select(d, 'e.disaster_id = NEW.id')}; "
        f"{_keys_refresh(_disaster_keys(d, 'NEW.id'), d)} END",
        "service_type_standard_update": "AFTER UPDATE OF standard_per_day, program ON service_type BEGIN "
        "DELETE FROM uncounted_event WHERE service_code = NEW.code; "
        f"INSERT INTO uncounted_event (event_id, person_id, service_code, event_date) "
        f"{_uncounted_select(d, 'e.service_code = NEW.code')}; "
        f"{_keys_refresh(_code_keys(d, 'NEW.code'), d)} END",
    }
    assert tuple(statements) == SQLITE_TRIGGERS
    for name, body in statements.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


# --- PostgreSQL --------------------------------------------------------------------------------

def _postgresql_triggers() -> None:
    d = "postgresql"
    # A refresh first locks the person's row (as migration 0002 does), so two transactions
    # writing one person's meals of one day recompute that day one after the other.
    op.execute(
        "CREATE FUNCTION uncounted_refresh(p_pid varchar, p_code varchar, p_day date) RETURNS void AS $$ BEGIN "
        "PERFORM 1 FROM person WHERE id = p_pid FOR NO KEY UPDATE; "
        "DELETE FROM uncounted_event WHERE person_id = p_pid AND service_code = p_code AND event_date = p_day; "
        "INSERT INTO uncounted_event (event_id, person_id, service_code, event_date) "
        f"{_uncounted_select(d, 'e.person_id = p_pid AND e.service_code = p_code AND e.event_date = p_day')}; "
        "END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE FUNCTION service_first_refresh(y integer, pid varchar, code varchar) RETURNS void AS $$ BEGIN "
        "PERFORM 1 FROM person WHERE id = pid FOR NO KEY UPDATE; "
        "DELETE FROM service_first WHERE year = y AND person_id = pid AND service_code = code; "
        "INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
        f"SELECT y, pid, code, m.d, m.k FROM ({_first_of('y', 'pid', 'code', d)}) m WHERE m.d IS NOT NULL "
        "ON CONFLICT (year, person_id, service_code) DO UPDATE SET "
        "first_date = excluded.first_date, first_key = excluded.first_key; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE FUNCTION service_first_track() RETURNS trigger AS $$ BEGIN "
        "IF TG_OP = 'INSERT' THEN "
        "IF NEW.deleted_at IS NULL THEN "
        "IF EXISTS (SELECT 1 FROM service_type WHERE code = NEW.service_code AND standard_per_day IS NOT NULL) THEN "
        "PERFORM uncounted_refresh(NEW.person_id, NEW.service_code, NEW.event_date); "
        f"PERFORM service_first_refresh({_year('NEW.event_date', d)}, NEW.person_id, NEW.service_code); "
        "ELSE "
        "INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
        f"VALUES ({_year('NEW.event_date', d)}, NEW.person_id, NEW.service_code, NEW.event_date, "
        f"{_key('NEW')}) ON CONFLICT (year, person_id, service_code) DO UPDATE SET "
        "first_date = least(service_first.first_date, excluded.first_date), "
        "first_key = least(service_first.first_key, excluded.first_key) "
        "WHERE excluded.first_key < service_first.first_key; "
        "END IF; END IF; RETURN NULL; END IF; "
        "PERFORM uncounted_refresh(OLD.person_id, OLD.service_code, OLD.event_date); "
        "IF TG_OP = 'UPDATE' THEN PERFORM uncounted_refresh(NEW.person_id, NEW.service_code, NEW.event_date); "
        "END IF; "
        f"PERFORM service_first_refresh({_year('OLD.event_date', d)}, OLD.person_id, OLD.service_code); "
        "IF TG_OP = 'UPDATE' THEN "
        f"PERFORM service_first_refresh({_year('NEW.event_date', d)}, NEW.person_id, NEW.service_code); "
        "END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER service_first_track AFTER INSERT OR UPDATE OF person_id, service_code, event_date, "
        "kelurahan_code, deleted_at, details, disaster_id OR DELETE ON service_event "
        "FOR EACH ROW EXECUTE FUNCTION service_first_track()"
    )
    op.execute(
        "CREATE FUNCTION disaster_meals_update() RETURNS trigger AS $$ BEGIN "
        "DELETE FROM uncounted_event WHERE event_id IN (SELECT id FROM service_event WHERE disaster_id = NEW.id); "
        "INSERT INTO uncounted_event (event_id, person_id, service_code, event_date) "
        f"{_uncounted_select(d, 'e.disaster_id = NEW.id')}; "
        f"{_keys_refresh(_disaster_keys(d, 'NEW.id'), d)} RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER disaster_meals_update AFTER UPDATE OF start_date, end_date, deleted_at ON disaster "
        "FOR EACH ROW EXECUTE FUNCTION disaster_meals_update()"
    )
    op.execute(
        "CREATE FUNCTION service_type_standard_update() RETURNS trigger AS $$ BEGIN "
        "DELETE FROM uncounted_event WHERE service_code = NEW.code; "
        "INSERT INTO uncounted_event (event_id, person_id, service_code, event_date) "
        f"{_uncounted_select(d, 'e.service_code = NEW.code')}; "
        f"{_keys_refresh(_code_keys(d, 'NEW.code'), d)} RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER service_type_standard_update AFTER UPDATE OF standard_per_day, program ON service_type "
        "FOR EACH ROW EXECUTE FUNCTION service_type_standard_update()"
    )


# --- downgrade: migration 0002's service_first triggers ---------------------------------------

def _sqlite_v1_first_triggers(m0002) -> None:
    statements = {
        "service_first_insert": "AFTER INSERT ON service_event WHEN NEW.deleted_at IS NULL BEGIN "
        "INSERT INTO service_first (year, person_id, service_code, first_date, first_key) "
        f"VALUES ({_year('NEW.event_date', 'sqlite')}, NEW.person_id, NEW.service_code, NEW.event_date, "
        f"{_key('NEW')}) ON CONFLICT (year, person_id, service_code) DO UPDATE SET "
        "first_date = min(first_date, excluded.first_date), first_key = min(first_key, excluded.first_key) "
        "WHERE excluded.first_key < first_key; END",
        "service_first_update": "AFTER UPDATE OF person_id, service_code, event_date, kelurahan_code, deleted_at "
        f"ON service_event BEGIN {m0002._sqlite_first_refresh('OLD')} {m0002._sqlite_first_refresh('NEW')} END",
        "service_first_delete": f"AFTER DELETE ON service_event BEGIN {m0002._sqlite_first_refresh('OLD')} END",
    }
    for name, body in statements.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def _postgresql_v1_first_triggers(m0002) -> None:
    """0002's PostgreSQL service_first functions and trigger (its other triggers stay)."""
    captured: list[str] = []
    real_execute = op.execute
    try:
        op.execute = lambda sql, *a, **k: captured.append(sql)  # type: ignore[assignment]
        m0002._postgresql_triggers()
    finally:
        op.execute = real_execute  # type: ignore[assignment]
    for sql in captured:
        if "service_first" in sql:
            op.execute(sql)
