"""Migration 0003 turns the individual events of the group-activity types into activities.

Two databases that hold the same events (exchanged before the upgrade) are migrated apart: the
rows the migration makes are identical in both (ids and stamps derived from the source
events), so a package between them afterwards adds nothing and nothing is doubled.
"""

from __future__ import annotations

from datetime import date, datetime

from rollup_builders import KEL_SELATAN, MEALS
from sqlalchemy import MetaData, Table, insert, select, text

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.rollup.engine import compute_rollup
from spm_desktop.core.rollup.period import Period
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import make_engine
from spm_desktop.core.storage.migrate import downgrade, upgrade_to_head
from spm_desktop.core.storage.models import Base, ServiceEvent
from spm_desktop.core.sync.codec import CODECS
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import device_info, enrol_device, write_identity
from spm_desktop.core.sync.importer import import_package

ADMIN = Actor(username="admin", role="admin")
FAMILY = "1.06.04.2.01.0006"
TAGANA = "1.06.06.2.02.0002"
MIGRATION = "0006_group_activities"
NEW_TABLES = ("volunteer", "group_activity", "group_activity_person", "group_activity_volunteer")
COMPARED = (*NEW_TABLES, "service_event", "service_type")


def _before_this_migration() -> str:
    from alembic.script import ScriptDirectory

    from spm_desktop.core.storage.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_revision(MIGRATION).down_revision


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _rows(db: Database, table: str) -> dict[str, tuple]:
    codec = CODECS[table]
    t = codec.table
    with db.reading() as s:
        return {r.id: tuple(codec.encode(r)) for r in s.execute(select(*[t.c[c] for c in codec.columns]))}


def _insert(conn, table_name: str, **values) -> str:
    """One row written with the columns the table has at the database's revision (reflected):
    today's models may have columns that revision does not know. Values not given take the
    model's Python-side defaults (ids, stamps), as the ORM would have filled them in."""
    table = Table(table_name, MetaData(), autoload_with=conn)
    model = Base.metadata.tables[table_name]
    row = {}
    for column in table.columns:
        if column.name in values:
            row[column.name] = values[column.name]
        elif column.name in model.c and model.c[column.name].default is not None:
            default = model.c[column.name].default
            row[column.name] = default.arg(None) if default.is_callable else default.arg
    conn.execute(insert(table), [row])
    return row["id"]


def _old_data(db: Database) -> dict[str, str]:
    """Before the migration: a PPKS with a family guidance event, a Tagana volunteer recorded as a
    person with two Tagana events, a meals event, and a deleted family event (written with SQL of
    the old revision's columns)."""
    nik = make_nik("617101", date(1991, 6, 9), "P", 31)
    deleted_at = datetime(2026, 1, 20, 8, 0)

    def event(conn, person, code, day, kelurahan=KEL_SELATAN, details=None, **more):
        return _insert(conn, "service_event", person_id=person, service_code=code, event_date=day, quantity=1,
                       kelurahan_code=kelurahan, details=details or {}, revision=1, **more)

    with db.engine.begin() as conn:
        ppks = _insert(conn, "person", name="Pak Ahmad 1", sex="L", kelurahan_code=KEL_SELATAN, revision=1)
        tagana = _insert(conn, "person", name="Sri Relawan 2", sex="P", kelurahan_code=KEL_SELATAN, nik=nik,
                         revision=1)
        ids = dict(ppks=ppks, tagana=tagana,
                   family=event(conn, ppks, FAMILY, date(2026, 1, 10), officer="Bu Lina",
                                details={"participants": "istri dan anak"}),
                   tagana1=event(conn, tagana, TAGANA, date(2026, 2, 1), kelurahan=None),
                   tagana2=event(conn, tagana, TAGANA, date(2026, 3, 1)),
                   meals=event(conn, ppks, MEALS, date(2026, 1, 11)),
                   deleted=event(conn, ppks, FAMILY, date(2026, 1, 12), deleted_at=deleted_at))
    return ids


def _copy_rows(src: Database, dst: Database) -> None:
    """What an exchange before the upgrade did: the same rows, stamps included, in ``dst``
    (the tables as they are at the old revision)."""
    with src.engine.connect() as conn:
        tables = [Table(name, MetaData(), autoload_with=conn) for name in ("person", "service_event")]
        rows = [[dict(r._mapping) for r in conn.execute(select(t))] for t in tables]
    with dst.engine.begin() as conn:
        for table, table_rows in zip(tables, rows, strict=True):
            conn.execute(insert(table), table_rows)


def test_two_databases_migrated_apart_agree_and_do_not_double_after_sync(make_database, tmp_path):
    office, laptop = make_database("office", "Kantor"), make_database("laptop", "Laptop TKSK")
    urls = [_url(office), _url(laptop)]
    for db in (office, laptop):
        db.dispose()
    before = _before_this_migration()
    for url in urls:
        downgrade(url, before)
    old = [Database(make_engine(url)) for url in urls]
    ids = _old_data(old[0])
    _copy_rows(old[0], old[1])
    for db in old:
        db.dispose()
    for url in urls:
        upgrade_to_head(url)
    office, laptop = (Database(make_engine(url)) for url in urls)
    try:
        for table in COMPARED:
            assert _rows(office, table) == _rows(laptop, table), table
        activities = _rows(office, "group_activity")
        codec = CODECS["group_activity"]
        got = sorted((r[codec.index("service_code")], r[codec.index("activity_date")], r[codec.index("kelurahan_code")],
                      r[codec.index("participants_male")], r[codec.index("participants_female")],
                      r[codec.index("facilitator")], r[codec.index("notes")], r[codec.index("origin_device")])
                     for r in activities.values())
        origin = "migrasi-kegiatan-kelompok"
        assert got == [
            (FAMILY, "2026-01-10", KEL_SELATAN, 1, 0, "Bu Lina", "Peserta: istri dan anak", origin),
            (TAGANA, "2026-02-01", KEL_SELATAN, 0, 1, "", "", origin),  # the person's kelurahan
            (TAGANA, "2026-03-01", KEL_SELATAN, 0, 1, "", "", origin),
        ]
        volunteers = _rows(office, "volunteer")
        vc = CODECS["volunteer"]
        assert [(v[vc.index("name")], v[vc.index("sex")], v[vc.index("nik")], v[vc.index("organisation")])
                for v in volunteers.values()] == [("Sri Relawan 2", "P", make_nik("617101", date(1991, 6, 9), "P", 31),
                                                   "Tagana")]
        pc = CODECS["group_activity_person"]
        assert [p[pc.index("person_id")] for p in _rows(office, "group_activity_person").values()] == [ids["ppks"]]
        assert len(_rows(office, "group_activity_volunteer")) == 2
        with office.reading() as s:
            live = set(s.scalars(select(ServiceEvent.id).where(ServiceEvent.deleted_at.is_(None))))
            rules = dict(s.execute(text("SELECT code, counting_rule FROM service_type WHERE code IN "
                                        f"('{FAMILY}', '{TAGANA}')")).all())
        assert live == {ids["meals"]}
        assert rules == {FAMILY: "participants", TAGANA: "named_participants"}
        # An exchange after the upgrade: nothing new, nothing doubled, nothing in conflict.
        for here, there in ((office, laptop), (laptop, office)):  # enrolled both ways (sync format 3)
            write_identity(there, ADMIN, tmp_path / "id.spmid")
            enrol_device(here, ADMIN, tmp_path / "id.spmid", device_info(there).name, "office")
        package = tmp_path / "after.spmsync"
        export_package(office, ADMIN, package, peer_name=device_info(laptop).name)
        summary = import_package(laptop, ADMIN, package)
        changes = {t.table: t for t in summary.tables}
        for table in (*NEW_TABLES, "service_event"):
            assert (changes[table].new, changes[table].updated, changes[table].conflicts) == (0, 0, 0), table
        for table in COMPARED:
            assert _rows(office, table) == _rows(laptop, table), table
        # The figures: one attendance in January, one volunteer counted once in March.
        march = compute_rollup(laptop, Period.for_month(2026, 3))
        assert (march.indicator(FAMILY).cumulative, march.indicator(TAGANA).cumulative,
                march.indicator(TAGANA).monthly) == (1, 1, (0, 1, 0))
        # And back down: the events are individual events again, the tables gone.
        office.dispose()
        downgrade(urls[0], before)
        again = Database(make_engine(urls[0]))
        with again.reading() as s:
            live = set(s.scalars(select(ServiceEvent.id).where(ServiceEvent.deleted_at.is_(None))))
        again.dispose()
        assert live == {ids["meals"], ids["family"], ids["tagana1"], ids["tagana2"]}
    finally:
        office.dispose()
        laptop.dispose()
