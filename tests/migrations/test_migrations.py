"""Migrations: empty -> head creates every table; down and up again; models never drift.
On the current backend (SQLite file, or PostgreSQL with SPM_TEST_DATABASE_URL)."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from backend_support import sqlite_only
from sqlalchemy import inspect, text

from spm_desktop.core.storage.database import Database
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


SUMMARY_TRIGGERS = {
    "sqlite": {"service_type_need_bit", "cases_need_mask_insert", "case_need_mask_insert", "case_need_mask_update",
               "case_need_mask_delete", "service_first_insert", "service_first_update", "service_first_delete",
               "meal_event_insert", "disaster_meals_update", "service_type_standard_update",
               "need_met_need_insert", "need_met_need_update", "need_met_need_delete", "need_met_case_insert",
               "need_met_case_update", "need_met_event_insert", "need_met_event_update", "need_met_event_delete",
               "need_met_uncounted_insert", "need_met_uncounted_delete", "need_met_activity_person_insert",
               "need_met_activity_person_update", "need_met_activity_person_delete", "need_met_activity_insert",
               "need_met_activity_update", "case_need_dates_insert", "case_need_dates_update",
               "case_need_dates_delete", "case_need_dates_exit"},
    "postgresql": {"service_type_need_bit", "cases_need_mask", "case_need_mask", "service_first_track",
                   "disaster_meals_update", "service_type_standard_update", "need_met_need", "need_met_case",
                   "need_met_event", "need_met_uncounted", "need_met_activity_person", "need_met_activity",
                   "case_need_dates_met", "case_need_dates_exit"},
}


def test_the_rollup_summaries_triggers_exist_at_head(empty_database_url):
    """Migration 0002's triggers keep the roll-up's summaries; a later migration that
    re-creates one of their tables (SQLite batch mode) must create them again."""
    url = empty_database_url
    upgrade_to_head(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        else:
            names = set(conn.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
        dialect = engine.dialect.name
    engine.dispose()
    assert SUMMARY_TRIGGERS[dialect] <= names


def test_upgrading_an_older_database_fills_the_rollup_summaries(db):
    """Data written before revision 0002 gets its summaries when the database is upgraded."""
    from datetime import date

    from rollup_builders import CLOTHES, MEALS, Rows
    from summaries import assert_summaries_consistent

    with db.transaction() as s:
        r = Rows(s)
        a, b = r.person(), r.person()
        r.case(a, "lansia", date(2025, 12, 1), needs=[MEALS, CLOTHES])
        r.case(b, "anak", date(2026, 1, 5), needs=[CLOTHES])
        r.event(a, MEALS, date(2025, 12, 30))
        r.event(a, MEALS, date(2026, 1, 2), kelurahan="61.71.01.1003")
        r.event(a, MEALS, date(2026, 1, 1), deleted=True)
        r.event(b, CLOTHES, date(2026, 2, 1))
    url = db.engine.url.render_as_string(hide_password=False)
    db.dispose()
    downgrade(url, "0001")
    assert upgrade_to_head(url) == head_revision()
    engine = make_engine(url)
    try:
        from spm_desktop.core.storage.database import Database

        again = Database(engine)
        assert_summaries_consistent(again)
        with again.reading() as s:
            rows = s.execute(text("SELECT year, first_date FROM service_first ORDER BY year, first_date")).all()
        assert [(y, str(d)[:10]) for y, d in rows] == [(2025, "2025-12-30"), (2026, "2026-01-02"), (2026, "2026-02-01")]
    finally:
        engine.dispose()


def test_upgrading_gives_existing_disasters_their_v2_fields(db):
    """Revision 0003: existing disasters are kabupaten/kota scale and their handling closed on
    their end date; households are not displaced, members need no psychosocial support and
    have nothing waived."""
    from datetime import date

    from rollup_builders import Rows

    with db.transaction() as s:
        r = Rows(s)
        ended = r.disaster(date(2025, 12, 1), end=date(2025, 12, 20), closed=date(2025, 12, 20))
        running = r.disaster(date(2026, 2, 1))
        r.household(ended, [(r.person(), {})], displaced=True)
    url = db.engine.url.render_as_string(hide_password=False)
    db.dispose()
    downgrade(url, "0002")
    assert upgrade_to_head(url) == head_revision()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = {i: (str(c)[:10] if c else None, sc, st) for i, c, sc, st in conn.execute(
                text("SELECT id, closed_on, scale, status FROM disaster"))}
            flags = conn.execute(text("SELECT h.displaced, m.needs_psychosocial, m.waived_codes, m.waiver_reason "
                                      "FROM household h JOIN household_member m ON m.household_id = h.id")).all()
    finally:
        engine.dispose()
    assert rows == {ended: ("2025-12-20", "kabupaten_kota", "closed"), running: (None, "kabupaten_kota", "open")}
    assert [tuple(f) for f in flags] == [(False, False, "", "")]


def test_kedaruratan_2026_target_is_corrected_only_where_still_seeded(db):
    """Migration 0004: the Renstra prints 20 (seed line 9473); a seeded 12 becomes 20, an edit stays."""
    query = text("SELECT value, revision FROM target WHERE year = 2026 AND key = '1.06.04.2.01.0010'")
    url = db.engine.url.render_as_string(hide_password=False)
    with db.reading() as s:
        assert float(s.execute(query).one()[0]) == 20  # seeded from the corrected resources
    db.dispose()

    def stored():
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                value, revision = conn.execute(query).one()
                return float(value), revision
        finally:
            engine.dispose()

    downgrade(url, "0003_disaster_victims")
    assert stored() == (12, 1)  # as an older database seeded with 12 holds it
    upgrade_to_head(url)
    assert stored() == (20, 1)
    downgrade(url, "0003_disaster_victims")
    engine = make_engine(url)
    with engine.begin() as conn:  # the office set 12 itself
        conn.execute(text("UPDATE target SET revision = 2, updated_by = 'admin' "
                          "WHERE year = 2026 AND key = '1.06.04.2.01.0010'"))
    engine.dispose()
    upgrade_to_head(url)
    assert stored() == (12, 2)


def test_upgrading_makes_the_defining_detail_fields_required(db):
    """Revision 0005: on an existing catalogue the clothing items and the assistive device's kind
    become required, as resources/service_types.json has them for new databases."""
    import json

    url = db.engine.url.render_as_string(hide_password=False)
    db.dispose()
    downgrade(url, "0004_mutu_quantities")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            before = dict(conn.execute(text("SELECT code, detail_fields FROM service_type")).all())
    finally:
        engine.dispose()

    def required(fields) -> set[str]:
        fields = json.loads(fields) if isinstance(fields, str) else fields
        return {f["key"] for f in fields or [] if f.get("required")}

    assert required(before["1.06.04.2.01.0002"]) == set() and required(before["1.06.04.2.01.0003"]) == set()
    assert upgrade_to_head(url) == head_revision()
    again = Database(make_engine(url))
    try:
        with again.reading() as s:
            after = dict(s.execute(text("SELECT code, detail_fields FROM service_type")).all())
        assert required(after["1.06.04.2.01.0002"]) == {"items"} == required(after["1.06.06.2.01.0002"])
        assert required(after["1.06.04.2.01.0003"]) == {"device"}
        assert {c: required(f) for c, f in after.items() if c not in REQUIRED_NOW} == \
            {c: required(f) for c, f in before.items() if c not in REQUIRED_NOW}  # nothing else changed
    finally:
        again.dispose()


REQUIRED_NOW = ("1.06.04.2.01.0002", "1.06.06.2.01.0002", "1.06.04.2.01.0003")


def test_upgrading_links_the_existing_audit_trail(db):
    """Entries written before revision 0012_audit_chain get their places in the hash chain,
    in the order they were written, and the append-only triggers still refuse changes."""
    from datetime import datetime

    from sqlalchemy.exc import DBAPIError

    from spm_desktop.core.security.audit_chain import verify_chain

    url = db.engine.url.render_as_string(hide_password=False)
    db.dispose()
    downgrade(url, "0011_need_met")
    engine = make_engine(url)
    with engine.begin() as conn:
        for i, at in enumerate((datetime(2026, 3, 2), datetime(2026, 3, 1), datetime(2026, 3, 3))):
            conn.execute(text("INSERT INTO audit_entry (id, at, username, action, entity, entity_id, device_id, "
                              "before, after) VALUES (:id, :at, 'budi', 'create', 'person', :id, '', NULL, :after)"),
                         {"id": f"e{i}", "at": at, "after": '{"nama": "Ani"}'})
    engine.dispose()
    assert upgrade_to_head(url) == head_revision()
    again = Database(make_engine(url))
    try:
        with again.reading() as s:
            report = verify_chain(s)
            order = list(s.scalars(text("SELECT id FROM audit_entry WHERE id LIKE 'e%' ORDER BY seq")))
        assert report.ok and report.entries >= 3
        assert order == ["e1", "e0", "e2"]
        with pytest.raises(DBAPIError, match="append-only"), again.transaction() as s:
            s.execute(text("UPDATE audit_entry SET username = 'x' WHERE id = 'e1'"))
    finally:
        again.dispose()


def test_upgrading_fills_the_need_dates_of_existing_cases(db):
    """Revision 0013: every existing case gets its need dates from need_met and its exit — a
    closed case with a delivery before and one after its exit, a re-assessed case, a case
    without needs."""
    from datetime import date

    from rollup_builders import CLOTHES, MEALS, REUNI, Rows
    from summaries import assert_summaries_consistent

    with db.transaction() as s:
        r = Rows(s)
        a, b = r.person(), r.person()
        closed = r.case(a, "lansia", date(2025, 12, 1), exit=date(2026, 1, 10), needs=[MEALS, CLOTHES, REUNI])
        again = r.case(b, "anak", date(2026, 1, 5), needs=[CLOTHES, (MEALS, date(2026, 2, 1))])
        bare = r.case(b, "gepeng", date(2026, 1, 5))
        r.event(a, MEALS, date(2026, 1, 2))
        r.event(a, CLOTHES, date(2026, 1, 20))
        r.event(b, CLOTHES, date(2026, 1, 6))
    url = db.engine.url.render_as_string(hide_password=False)
    db.dispose()
    downgrade(url, "0012_audit_chain")
    assert upgrade_to_head(url) == head_revision()
    engine = make_engine(url)
    try:
        again_db = Database(engine)
        assert_summaries_consistent(again_db)
        with again_db.reading() as s:
            rows = dict(s.execute(text("SELECT id, need_unmet FROM cases")).all())
        assert (rows[closed], rows[again], rows[bare]) == (2, 1, 0)
    finally:
        engine.dispose()
