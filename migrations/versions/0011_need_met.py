"""need_met: each live need's first counting delivery, kept by triggers (roll-up v2 budget)

Revision ID: 0011_need_met
Revises: 0010_needs_v2
Create Date: 2026-12-06 11:30:00

Architecture §4 v2: a need (person ``p``, code ``s``, assessed ``a``) is met at the first
counting delivery of ``s`` to ``p`` dated on or after ``a`` — a live service event that is
not in ``uncounted_event``, or a live group activity of ``s`` listing ``p``. The roll-up
sought that date need by need (two index seeks per need, ~39k needs in every window of the
demo data). ``need_met`` keeps it for every live need, so the roll-up reads one range of
this table per case (``ix_cases_live_exit`` now also covers the exit reason and the no-need
date, and two partial indexes make the recap's warnings small ranges:
``ix_service_event_disaster_date``, ``ix_case_need_removed``):

* ``need_met(case_id, need_id, person_id, service_code, assessed_on, first_date)`` — one row
  per live ``case_need``; ``person_id`` is the case's person (not resolved through merges:
  the roll-up still judges the few merged persons from every alias's deliveries);
  ``first_date`` is NULL while nothing has been delivered; it is *not* capped at the case's
  exit (the roll-up does that, so closing a case changes nothing here).

Kept by triggers on ``case_need`` (insert, update, delete), ``cases`` (a case inserted after
its needs, a case moved to another person), ``service_event`` (a new counting event lowers
the date; an edited or deleted one recomputes its person and code), ``uncounted_event``
(an event starting or stopping to count: meals of a day, disaster periods, a standard
changed) and ``group_activity`` / ``group_activity_person``, on SQLite and PostgreSQL. Bulk
writers set the insert triggers aside on SQLite and refresh set-wise
(``storage/summaries.bulk_inserts``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_need_met"
down_revision = "0010_needs_v2"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = ("need_met_need_insert", "need_met_need_update", "need_met_need_delete", "need_met_case_insert",
                   "need_met_case_update", "need_met_event_insert", "need_met_event_update", "need_met_event_delete",
                   "need_met_uncounted_insert", "need_met_uncounted_delete", "need_met_activity_person_insert",
                   "need_met_activity_person_update", "need_met_activity_person_delete", "need_met_activity_insert",
                   "need_met_activity_update")
PG_TRIGGERS = {"need_met_need": "case_need", "need_met_case": "cases", "need_met_event": "service_event",
               "need_met_uncounted": "uncounted_event", "need_met_activity_person": "group_activity_person",
               "need_met_activity": "group_activity"}
PG_FUNCTIONS = ("need_met_need()", "need_met_case()", "need_met_event()", "need_met_uncounted()",
                "need_met_activity_person()", "need_met_activity()", "need_met_refresh(varchar, varchar)",
                "need_met_case_refresh(varchar)")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "need_met",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("need_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("service_code", sa.String(length=30), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("case_id", "need_id", name=op.f("pk_need_met")),
        sqlite_with_rowid=False,
    )
    op.execute(f"INSERT INTO need_met (case_id, need_id, person_id, service_code, assessed_on, first_date) "
               f"{need_rows('1 = 1', dialect)}")
    op.create_index("ix_need_met_person_code", "need_met", ["person_id", "service_code", "assessed_on"])
    # The recap's warnings: events linked to a disaster (victims without household data) and
    # needs removed in the window, each a small range instead of every event / need.
    op.create_index("ix_service_event_disaster_date", "service_event",
                    ["disaster_id", "event_date", "person_id", "deleted_at"],
                    sqlite_where=sa.text("disaster_id IS NOT NULL"),
                    postgresql_where=sa.text("disaster_id IS NOT NULL"))
    op.create_index("ix_case_need_removed", "case_need", ["deleted_at", "removed_reason"],
                    sqlite_where=sa.text("deleted_at IS NOT NULL"), postgresql_where=sa.text("deleted_at IS NOT NULL"))
    _live_exit_index(["exit_date", "intake_date", "spm_group", "person_id", "need_mask", "id", "exit_reason",
                      "no_need_assessed_on", "deleted_at"])
    if dialect == "sqlite":
        _sqlite_triggers()
    elif dialect == "postgresql":
        _postgresql_triggers()


def _live_exit_index(columns: list[str]) -> None:
    """The roll-up's two ranges of the window's cases, covering what §4 v2 reads of them."""
    op.drop_index("ix_cases_live_exit", table_name="cases")
    op.create_index("ix_cases_live_exit", "cases", columns, sqlite_where=sa.text("deleted_at IS NULL"),
                    postgresql_where=sa.text("deleted_at IS NULL"))


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
    _live_exit_index(["exit_date", "intake_date", "spm_group", "person_id", "need_mask", "id", "deleted_at"])
    op.drop_index("ix_case_need_removed", table_name="case_need")
    op.drop_index("ix_service_event_disaster_date", table_name="service_event")
    op.drop_index("ix_need_met_person_code", table_name="need_met")
    op.drop_table("need_met")


# --- the derived value, as SQL shared by the backfill, the triggers and the bulk path ---------
# (storage/summaries.py keeps a copy of these strings for SQLite: a migration is frozen.)

def first_met(pid: str, code: str, assessed: str, dialect: str) -> str:
    """The first counting delivery of ``code`` to ``pid`` on or after ``assessed`` (NULL: none)."""
    event = (f"(SELECT min(fe.event_date) FROM service_event fe WHERE fe.person_id = {pid} "
             f"AND fe.service_code = {code} AND fe.event_date >= {assessed} AND fe.deleted_at IS NULL "
             f"AND NOT EXISTS (SELECT 1 FROM uncounted_event fu WHERE fu.event_id = fe.id))")
    activity = (f"(SELECT min(fa.activity_date) FROM group_activity_person fl "
                f"JOIN group_activity fa ON fa.id = fl.activity_id WHERE fl.person_id = {pid} "
                f"AND fl.deleted_at IS NULL AND fa.deleted_at IS NULL AND fa.service_code = {code} "
                f"AND fa.activity_date >= {assessed})")
    if dialect == "postgresql":
        return f"least({event}, {activity})"
    return f"min(coalesce({event}, {activity}), coalesce({activity}, {event}))"


def need_rows(where: str, dialect: str) -> str:
    """SELECT the need_met rows of the live needs ``n`` (joined to their case ``c``) matching ``where``."""
    return (f"SELECT n.case_id, n.id, c.person_id, n.service_code, n.assessed_on, "
            f"{first_met('c.person_id', 'n.service_code', 'n.assessed_on', dialect)} "
            f"FROM case_need n JOIN cases c ON c.id = n.case_id WHERE n.deleted_at IS NULL AND ({where})")


def refresh(where: str, dialect: str) -> str:
    """UPDATE the first dates of the need_met rows matching ``where``."""
    return (f"UPDATE need_met SET first_date = "
            f"{first_met('need_met.person_id', 'need_met.service_code', 'need_met.assessed_on', dialect)} "
            f"WHERE {where};")


def _insert(where: str, dialect: str) -> str:
    return (f"INSERT INTO need_met (case_id, need_id, person_id, service_code, assessed_on, first_date) "
            f"{need_rows(where, dialect)};")


def _case_refresh(case_id: str, dialect: str) -> str:
    return f"DELETE FROM need_met WHERE case_id = {case_id}; {_insert(f'n.case_id = {case_id}', dialect)}"


def _lower(row: str) -> str:
    """A new live event that counts lowers the first date of its person's needs of its code."""
    return (f"UPDATE need_met SET first_date = {row}.event_date WHERE person_id = {row}.person_id "
            f"AND service_code = {row}.service_code AND assessed_on <= {row}.event_date "
            f"AND (first_date IS NULL OR first_date > {row}.event_date) "
            f"AND NOT EXISTS (SELECT 1 FROM uncounted_event WHERE event_id = {row}.id);")


def _pc(row: str, person: str = "person_id", code: str = "service_code") -> str:
    return f"person_id = {row}.{person} AND service_code = {row}.{code}"


def _activity_persons(row: str, code: str) -> str:
    """The need_met rows of the persons listed on activity ``row`` for ``code``."""
    return (f"service_code = {code} AND person_id IN "
            f"(SELECT person_id FROM group_activity_person WHERE activity_id = {row}.id)")


def _link_code(row: str) -> str:
    return f"(SELECT service_code FROM group_activity WHERE id = {row}.activity_id)"


def _listed(row: str) -> str:
    """The need_met rows of the person of activity link ``row`` for its activity's code."""
    return f"person_id = {row}.person_id AND service_code = {_link_code(row)}"


# --- SQLite ------------------------------------------------------------------------------------

def _sqlite_triggers() -> None:
    d = "sqlite"
    statements = {
        "need_met_need_insert": "AFTER INSERT ON case_need WHEN NEW.deleted_at IS NULL BEGIN "
        f"{_insert('n.id = NEW.id', d)} END",
        "need_met_need_update": "AFTER UPDATE OF case_id, service_code, assessed_on, deleted_at ON case_need BEGIN "
        f"DELETE FROM need_met WHERE case_id = OLD.case_id AND need_id = OLD.id; {_insert('n.id = NEW.id', d)} END",
        "need_met_need_delete": "AFTER DELETE ON case_need BEGIN "
        "DELETE FROM need_met WHERE case_id = OLD.case_id AND need_id = OLD.id; END",
        "need_met_case_insert": "AFTER INSERT ON cases WHEN EXISTS (SELECT 1 FROM case_need WHERE case_id = NEW.id) "
        f"BEGIN {_case_refresh('NEW.id', d)} END",
        "need_met_case_update": "AFTER UPDATE OF person_id ON cases BEGIN "
        f"{_case_refresh('NEW.id', d)} END",
        "need_met_event_insert": f"AFTER INSERT ON service_event WHEN NEW.deleted_at IS NULL BEGIN {_lower('NEW')} END",
        "need_met_event_update": "AFTER UPDATE OF person_id, service_code, event_date, deleted_at ON service_event "
        f"BEGIN {refresh(_pc('OLD'), d)} {refresh(_pc('NEW'), d)} END",
        "need_met_event_delete": f"AFTER DELETE ON service_event BEGIN {refresh(_pc('OLD'), d)} END",
        "need_met_uncounted_insert": f"AFTER INSERT ON uncounted_event BEGIN {refresh(_pc('NEW'), d)} END",
        "need_met_uncounted_delete": f"AFTER DELETE ON uncounted_event BEGIN {refresh(_pc('OLD'), d)} END",
        "need_met_activity_person_insert": "AFTER INSERT ON group_activity_person BEGIN "
        f"{refresh(_listed('NEW'), d)} END",
        "need_met_activity_person_update": "AFTER UPDATE OF activity_id, person_id, deleted_at "
        f"ON group_activity_person BEGIN "
        f"{refresh(_listed('OLD'), d)} "
        f"{refresh(_listed('NEW'), d)} END",
        "need_met_activity_person_delete": "AFTER DELETE ON group_activity_person BEGIN "
        f"{refresh(_listed('OLD'), d)} END",
        "need_met_activity_insert": "AFTER INSERT ON group_activity "
        "WHEN EXISTS (SELECT 1 FROM group_activity_person WHERE activity_id = NEW.id) BEGIN "
        f"{refresh(_activity_persons('NEW', 'NEW.service_code'), d)} END",
        "need_met_activity_update": "AFTER UPDATE OF service_code, activity_date, deleted_at ON group_activity BEGIN "
        f"{refresh(_activity_persons('NEW', 'OLD.service_code'), d)} "
        f"{refresh(_activity_persons('NEW', 'NEW.service_code'), d)} END",
    }
    assert tuple(statements) == SQLITE_TRIGGERS
    for name, body in statements.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


# --- PostgreSQL --------------------------------------------------------------------------------

def _postgresql_triggers() -> None:
    d = "postgresql"
    # A refresh first locks the person's row (as migrations 0002 and 0010 do), so two
    # transactions recomputing one person's needs run one after the other; a new event only
    # lowers dates (one atomic UPDATE, re-checked on the row it waited for).
    op.execute(
        "CREATE FUNCTION need_met_refresh(p_pid varchar, p_code varchar) RETURNS void AS $$ BEGIN "
        "PERFORM 1 FROM person WHERE id = p_pid FOR NO KEY UPDATE; "
        f"{refresh('person_id = p_pid AND service_code = p_code', d)} END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE FUNCTION need_met_case_refresh(p_case varchar) RETURNS void AS $$ BEGIN "
        f"{_case_refresh('p_case', d)} END $$ LANGUAGE plpgsql"
    )
    functions = {
        "need_met_need": (
            "IF TG_OP <> 'INSERT' THEN DELETE FROM need_met WHERE case_id = OLD.case_id AND need_id = OLD.id; "
            "END IF; "
            f"IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN {_insert('n.id = NEW.id', d)} END IF;",
            "AFTER INSERT OR UPDATE OF case_id, service_code, assessed_on, deleted_at OR DELETE ON case_need"),
        "need_met_case": (
            "IF TG_OP = 'INSERT' AND NOT EXISTS (SELECT 1 FROM case_need WHERE case_id = NEW.id) THEN RETURN NULL; "
            "END IF; PERFORM need_met_case_refresh(NEW.id);",
            "AFTER INSERT OR UPDATE OF person_id ON cases"),
        "need_met_event": (
            f"IF TG_OP = 'INSERT' THEN IF NEW.deleted_at IS NULL THEN {_lower('NEW')} END IF; RETURN NULL; END IF; "
            "PERFORM need_met_refresh(OLD.person_id, OLD.service_code); "
            "IF TG_OP = 'UPDATE' THEN PERFORM need_met_refresh(NEW.person_id, NEW.service_code); END IF;",
            "AFTER INSERT OR UPDATE OF person_id, service_code, event_date, deleted_at OR DELETE ON service_event"),
        "need_met_uncounted": (
            "IF TG_OP = 'INSERT' THEN PERFORM need_met_refresh(NEW.person_id, NEW.service_code); "
            "ELSE PERFORM need_met_refresh(OLD.person_id, OLD.service_code); END IF;",
            "AFTER INSERT OR DELETE ON uncounted_event"),
        "need_met_activity_person": (
            f"IF TG_OP <> 'INSERT' THEN PERFORM need_met_refresh(OLD.person_id, {_link_code('OLD')}); END IF; "
            f"IF TG_OP <> 'DELETE' THEN PERFORM need_met_refresh(NEW.person_id, {_link_code('NEW')}); END IF;",
            "AFTER INSERT OR UPDATE OF activity_id, person_id, deleted_at OR DELETE ON group_activity_person"),
        "need_met_activity": (
            "PERFORM need_met_refresh(l.person_id, c.code) FROM (SELECT DISTINCT person_id FROM "
            "group_activity_person WHERE activity_id = NEW.id) l, "
            "(SELECT NEW.service_code AS code UNION SELECT OLD.service_code WHERE TG_OP = 'UPDATE') c;",
            "AFTER INSERT OR UPDATE OF service_code, activity_date, deleted_at ON group_activity"),
    }
    for name, (body, when) in functions.items():
        op.execute(f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN {body} RETURN NULL; END $$ "
                   "LANGUAGE plpgsql")
        op.execute(f"CREATE TRIGGER {name} {when} FOR EACH ROW EXECUTE FUNCTION {name}()")
    assert set(functions) == set(PG_TRIGGERS)
