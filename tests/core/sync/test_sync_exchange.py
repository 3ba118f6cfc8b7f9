"""Export/import between two real databases: arrival, idempotence, deletions, conflicts,
persons sharing a NIK, natural-key clashes, history and audit."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from sync_helpers import ADMIN, SUPERVISOR, content, enrol_each_other, file_digest

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import PermissionDenied
from spm_desktop.core.storage.base import new_id
from spm_desktop.core.storage.models import (
    AuditEntry,
    DuplicateCandidate,
    MutuCheck,
    Person,
    ServiceEvent,
    ServiceType,
    Setting,
    SyncConflict,
)
from spm_desktop.core.sync.conflicts import list_conflicts, resolve_conflict
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import list_peers, package_history, set_device_name
from spm_desktop.core.sync.importer import import_package, preview_import

MAKAN = "1.06.04.2.01.0001"


@pytest.fixture
def tksk(make_database, office, tmp_path):
    """The second device, enrolled both ways as an office device: this module is about how
    two databases merge, not about a TKSK's scope (``test_sync_validation`` is)."""
    db = make_database("tksk", "TKSK Pontianak Barat")
    enrol_each_other(office, db, tmp_path, role="office")
    return db


def add_person(db, name, nik=None, actor=ADMIN):
    sex = "P" if nik and int(nik[6:8]) > 40 else "L"  # as the NIK says (digits 7-8: day + 40 for women)
    with db.transaction(actor) as s:
        p = Person(name=name, sex=sex, nik=nik)
        s.add(p)
        s.flush()
        return p.id


def add_event(db, person_id, day=1):
    with db.transaction(ADMIN) as s:
        e = ServiceEvent(person_id=person_id, service_code=MAKAN, event_date=date(2026, 3, day))
        s.add(e)
        s.flush()
        return e.id


def exchange(src, dst, tmp_path, name=None):
    path = tmp_path / f"{name or new_id()}.spmsync"
    dst_name = _device_name(dst)
    export_package(src, ADMIN, path, peer_name=dst_name)
    return import_package(dst, ADMIN, path)


def _device_name(db):
    from spm_desktop.core.sync.identity import device_info

    return device_info(db).name


def synced(a, b):
    ca, cb = content(a), content(b)
    return all(ca[t] == cb[t] for t in ca)


def test_records_arrive_and_both_sides_converge(office, tksk, tmp_path):
    pid = add_person(tksk, "Budi Santoso", "6171010101900001")
    add_event(tksk, pid)
    path = tmp_path / "barat.spmsync"
    exported = export_package(tksk, ADMIN, path, peer_name="Kantor Dinas Sosial")
    assert exported.counts["person"] == 1 and exported.counts["service_event"] == 1
    assert exported.full  # first package to that peer carries everything, master data included
    assert exported.counts["region"] == 35

    preview = preview_import(office, ADMIN, path)
    assert (preview.new, preview.updated, preview.conflicts) == (2, 0, 0)
    with office.reading() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 0  # preview wrote nothing

    result = import_package(office, ADMIN, path)
    assert (result.new, result.updated, result.conflicts) == (2, 0, 0)
    # A copy of the file before the import (a server database backs itself up).
    assert result.backup_file.endswith("-before-import.db") if office.is_sqlite else result.backup_file == ""
    assert synced(office, tksk)
    with office.reading() as s:
        p = s.get(Person, pid)
        assert p.name == "Budi Santoso" and p.revision == 1 and p.origin_device == tksk.device_id
        assert p.change_seq > 0  # stamped with the office's own counter

    # Back the other way: nothing new for the TKSK, and the rows it sent are not echoed.
    back = tmp_path / "back.spmsync"
    again = export_package(office, ADMIN, back, peer_name="TKSK Pontianak Barat")
    assert again.counts.get("person", 0) == 1  # first package to that peer: everything
    assert import_package(tksk, ADMIN, back).new == 0
    # Until the TKSK acknowledges it, the office's next package carries the same changes again.
    third = export_package(office, ADMIN, tmp_path / "third.spmsync", peer_name="TKSK Pontianak Barat")
    assert third.total == again.total
    # The TKSK's next package carries its acknowledgement (and nothing the office sent it).
    answer = export_package(tksk, ADMIN, tmp_path / "answer.spmsync", peer_name="Kantor Dinas Sosial")
    assert answer.total == 0
    import_package(office, ADMIN, tmp_path / "answer.spmsync")
    fourth = export_package(office, ADMIN, tmp_path / "fourth.spmsync", peer_name="TKSK Pontianak Barat")
    assert fourth.total == 0


def test_importing_the_same_package_twice_changes_nothing(office, tksk, tmp_path):
    pid = add_person(tksk, "Siti", "6171014101900002")
    add_event(tksk, pid)
    path = tmp_path / "p.spmsync"
    export_package(tksk, ADMIN, path, peer_name="Kantor Dinas Sosial")
    import_package(office, ADMIN, path)
    before = file_digest(office)
    second = import_package(office, ADMIN, path)
    assert second.already_imported and not second.changes_anything
    assert file_digest(office) == before
    # The same content in a new package (another id) changes no record either.
    path2 = tmp_path / "p2.spmsync"
    export_package(tksk, ADMIN, path2, peer_name="Kantor Dinas Sosial", full=True)  # everything
    before_content = content(office)
    third = import_package(office, ADMIN, path2)
    assert (third.new, third.updated, third.conflicts) == (0, 0, 0)
    assert content(office) == before_content


def test_deletions_travel_as_tombstones(office, tksk, tmp_path):
    pid = add_person(tksk, "Andi")
    eid = add_event(tksk, pid)
    exchange(tksk, office, tmp_path)
    exchange(office, tksk, tmp_path)
    with tksk.transaction(ADMIN) as s:
        s.get(ServiceEvent, eid).deleted_at = date(2026, 3, 2) and __import__("datetime").datetime(2026, 3, 2)
    result = exchange(tksk, office, tmp_path)
    assert result.updated == 1 and result.conflicts == 0
    with office.reading() as s:
        assert s.get(ServiceEvent, eid).deleted_at is not None
    assert synced(office, tksk)


def test_change_on_one_side_only_is_no_conflict(office, tksk, tmp_path):
    pid = add_person(tksk, "Rahmat")
    exchange(tksk, office, tmp_path)
    exchange(office, tksk, tmp_path)
    with office.transaction(ADMIN) as s:
        s.get(Person, pid).address = "Jl. Gajah Mada 1"
    result = exchange(office, tksk, tmp_path)
    assert (result.updated, result.conflicts) == (1, 0)
    result = exchange(tksk, office, tmp_path)
    assert (result.updated, result.conflicts) == (0, 0)
    assert synced(office, tksk)


def _edit_both_sides(office, tksk, tmp_path, pid):
    exchange(tksk, office, tmp_path)
    exchange(office, tksk, tmp_path)
    with tksk.transaction(Actor("tksk1", "tksk")) as s:
        s.get(Person, pid).address = "Jl. Tanjungpura (TKSK)"
    with office.transaction(Actor("rina", "petugas")) as s:
        s.get(Person, pid).address = "Jl. Ahmad Yani (kantor)"


def test_conflict_is_listed_winner_applied_and_resolvable(office, tksk, tmp_path):
    pid = add_person(tksk, "Maria")
    _edit_both_sides(office, tksk, tmp_path, pid)  # office edited last: its version is newer
    result = exchange(tksk, office, tmp_path)
    assert result.conflicts == 1
    [c] = list_conflicts(office, SUPERVISOR)
    assert c.entity == "person" and c.entity_id == pid and c.winner == "local" and c.title == "Maria"
    assert [(d.field, d.local, d.remote) for d in c.differences] == [
        ("address", "Jl. Ahmad Yani (kantor)", "Jl. Tanjungpura (TKSK)")]
    with office.reading() as s:
        assert s.get(Person, pid).address == "Jl. Ahmad Yani (kantor)"  # winner by the rule

    # The TKSK gets the office's newer version. Its own edit already reached the office, where
    # the conflict is listed, so it is not listed a second time on the laptop.
    back = exchange(office, tksk, tmp_path)
    assert back.updated == 1 and back.conflicts == 0
    assert synced(office, tksk)

    # A TKSK may not resolve; a supervisor keeps the TKSK's address ("keep theirs").
    with pytest.raises(PermissionDenied):
        resolve_conflict(office, Actor("tksk1", "tksk"), c.id, "keep_remote")
    done = resolve_conflict(office, SUPERVISOR, c.id, "keep_remote")
    assert done.resolution == "remote" and done.resolved_by == "sup"
    assert list_conflicts(office, SUPERVISOR) == []
    with office.reading() as s:
        p = s.get(Person, pid)
        assert p.address == "Jl. Tanjungpura (TKSK)" and p.revision == 3 and p.origin_device == office.device_id
    # The choice travels as a new revision and wins on the other side without a new conflict.
    final = exchange(office, tksk, tmp_path)
    assert final.updated == 1 and final.conflicts == 0
    assert synced(office, tksk)
    with office.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "resolve_conflict")) == 1


def test_same_conflict_is_not_listed_twice(office, tksk, tmp_path):
    pid = add_person(tksk, "Yohanes")
    _edit_both_sides(office, tksk, tmp_path, pid)
    export_package(tksk, ADMIN, tmp_path / "a.spmsync", peer_name="Kantor Dinas Sosial", full=True)
    export_package(tksk, ADMIN, tmp_path / "b.spmsync", peer_name="Kantor Dinas Sosial", full=True)
    import_package(office, ADMIN, tmp_path / "a.spmsync")
    import_package(office, ADMIN, tmp_path / "b.spmsync")
    with office.reading() as s:
        assert s.scalar(select(func.count()).select_from(SyncConflict)) == 1


def test_same_nik_under_two_ids_becomes_a_duplicate_suggestion(office, tksk, tmp_path):
    nik = "6171010101900009"
    first = add_person(office, "Ahmad Fauzi", nik)
    second = add_person(tksk, "Ahmad Fauzy", nik)
    result = exchange(tksk, office, tmp_path)
    assert result.new == 1 and result.duplicates == 1
    with office.reading() as s:
        a, b = s.get(Person, first), s.get(Person, second)
        assert a.nik == nik and b.nik is None and nik in b.notes  # registered first keeps the NIK
        assert b.deleted_at is None and b.merged_into is None  # never silently dropped or merged
        [cand] = s.scalars(select(DuplicateCandidate)).all()
        assert {cand.person_a_id, cand.person_b_id} == {first, second} and cand.status == "open"
    # The office's decision travels back (the NIK set aside, the suggestion) as ordinary records.
    back = exchange(office, tksk, tmp_path)
    # The office's suggestion arrives: one new suggestion to review on the laptop, not a second one.
    assert back.duplicates == 1 and back.updated == 1 and back.new >= 1
    exchange(tksk, office, tmp_path)
    exchange(office, tksk, tmp_path)
    assert synced(office, tksk)
    with tksk.reading() as s:
        assert s.get(Person, first).nik == nik and s.get(Person, second).nik is None
        assert s.scalar(select(func.count()).select_from(DuplicateCandidate)) == 1
    with office.reading() as s:
        assert s.scalar(select(func.count()).select_from(SyncConflict)) == 0


def test_both_sides_decide_the_same_nik_holder_independently(office, tksk, tmp_path):
    nik = "6171015505800003"
    first = add_person(office, "Nurhayati", nik)
    second = add_person(tksk, "Nur Hayati", nik)
    # Packages cross in the post: each side imports the other's original.
    to_office, to_tksk = tmp_path / "o.spmsync", tmp_path / "t.spmsync"
    export_package(tksk, ADMIN, to_office, peer_name="Kantor Dinas Sosial")
    export_package(office, ADMIN, to_tksk, peer_name="TKSK Pontianak Barat")
    assert import_package(office, ADMIN, to_office).duplicates == 1
    assert import_package(tksk, ADMIN, to_tksk).duplicates == 1
    exchange(tksk, office, tmp_path)
    exchange(office, tksk, tmp_path)
    assert synced(office, tksk)
    for db in (office, tksk):
        with db.reading() as s:
            assert s.get(Person, first).nik == nik and s.get(Person, second).nik is None
            assert s.scalar(select(func.count()).select_from(DuplicateCandidate)) == 1
            assert s.scalar(select(func.count()).select_from(SyncConflict)) == 0


def test_natural_key_made_apart_keeps_one_row(office, tksk, tmp_path):
    def add_mutu(db, note):
        with db.transaction(ADMIN) as s:
            m = MutuCheck(year=2026, spm_group="lansia", kind="sdm", item="Pendamping terlatih", met=True, note=note)
            s.add(m)
            s.flush()
            return m.id

    ids = {add_mutu(office, "kantor"), add_mutu(tksk, "tksk")}
    exchange(tksk, office, tmp_path)
    exchange(office, tksk, tmp_path)
    exchange(tksk, office, tmp_path)
    for db in (office, tksk):
        with db.reading() as s:
            rows = s.scalars(select(MutuCheck)).all()
            assert len(rows) == 1 and rows[0].id == min(ids) and rows[0].note == "tksk"  # newest content
    assert synced(office, tksk)
    # The office's own note lost; the supervisor sees it and keeps it after all.
    [c] = list_conflicts(office, SUPERVISOR)
    assert c.entity == "mutu_check" and c.entity_id == min(ids) and c.winner == "remote"
    resolve_conflict(office, SUPERVISOR, c.id, "keep_local")
    exchange(office, tksk, tmp_path)
    with tksk.reading() as s:
        assert s.scalars(select(MutuCheck.note)).all() == ["kantor"]
    assert synced(office, tksk)


def test_local_settings_never_travel(office, tksk, tmp_path):
    with tksk.transaction(ADMIN) as s:
        s.scalars(select(Setting).where(Setting.key == "office.logo_path")).one().value = "C:/logo-tksk.png"
        s.scalars(select(Setting).where(Setting.key == "office.phone")).one().value = "0561-123"
    exchange(tksk, office, tmp_path)
    with office.reading() as s:
        values = dict(s.execute(select(Setting.key, Setting.value)).all())
    assert values["office.logo_path"] == "" and values["office.phone"] == "0561-123"


def test_history_peers_and_audit(office, tksk, tmp_path):
    add_person(tksk, "Dewi")
    exchange(tksk, office, tmp_path, name="satu")
    out = package_history(tksk)
    assert [(p.direction, p.peer_name, p.file_name) for p in out] == [("out", "Kantor Dinas Sosial", "satu.spmsync")]
    [received] = package_history(office)
    assert received.direction == "in" and received.peer_name == "TKSK Pontianak Barat" and received.total > 0
    assert [p.name for p in list_peers(office)] == ["TKSK Pontianak Barat"]
    assert list_peers(office)[0].device_id == tksk.device_id
    with office.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import")) == 1
    # The laptop renames itself: the office keeps the name its administrator enrolled.
    set_device_name(tksk, ADMIN, "TKSK Pontianak Barat (baru)")
    add_person(tksk, "Eka")
    export_package(tksk, ADMIN, tmp_path / "dua.spmsync", peer_name="Kantor Dinas Sosial")
    import_package(office, ADMIN, tmp_path / "dua.spmsync")
    assert [(p.name, p.device_id) for p in list_peers(office)] == [("TKSK Pontianak Barat", tksk.device_id)]
    with tksk.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "export", AuditEntry.entity == "sync_package")) == 2


def test_package_carries_the_senders_audit_chain_head(office, tksk, tmp_path):
    """The receiver records the head of the sender's audit hash chain (issue 18): the laptop's
    trail cannot later be cut back below what the office has seen."""
    from spm_desktop.core.security.audit_chain import verify_chain

    add_person(tksk, "Dewi")
    with tksk.reading() as s:
        head = verify_chain(s)  # the chain as it stands when the package is made
    exchange(tksk, office, tmp_path, name="satu")
    with office.reading() as s:
        imported = s.scalars(select(AuditEntry).where(AuditEntry.action == "import",
                                                      AuditEntry.entity == "sync_package")).one()
        assert verify_chain(s).ok
    with tksk.reading() as s:
        exported = s.scalars(select(AuditEntry).where(AuditEntry.action == "export",
                                                      AuditEntry.entity == "sync_package")).one()
    assert imported.after["sender_audit_head"] == exported.after["audit_head"] == f"{head.head_seq}:{head.head}"
    assert exported.seq == head.head_seq + 1  # the export's own entry follows the head it carries
    # The answer back carries the acknowledgement; both trails stay intact after applying it.
    exchange(office, tksk, tmp_path, name="jawab")
    for side in (office, tksk):
        with side.reading() as s:
            assert verify_chain(s).ok


def test_viewer_may_not_exchange(office, tmp_path):
    with pytest.raises(PermissionDenied):
        export_package(office, Actor("v", "viewer"), tmp_path / "x.spmsync", peer_name="TKSK Pontianak Barat")


DEMO_TABLES = ("person", "cases", "case_need", "disaster", "household", "household_member", "service_event")


def _stored(db) -> dict[str, dict]:
    """The values as the database holds them (DBAPI values, no type processing), by id."""
    from spm_desktop.core.sync.codec import CODECS

    out = {}
    with db.engine.connect() as conn:
        for name in DEMO_TABLES:
            cols = CODECS[name].columns
            at = cols.index("id")
            sql = f"SELECT {', '.join(cols)} FROM {name}"
            out[name] = {row[at]: tuple(row) for row in conn.exec_driver_sql(sql)}
    return out


def _accepts_no_details(st) -> bool:
    from spm_desktop.core.domain.errors import ValidationError
    from spm_desktop.core.services.events import check_details

    try:
        check_details(st, None)
    except ValidationError:
        return False
    return True


def test_imported_rows_are_stored_exactly_as_in_the_source(office, tksk, tmp_path):
    """The import writes packages in bulk (``writing._executemany``): every value, inserted or
    updated, must be stored exactly as the sender's database stores it."""
    from spm_desktop.core.demo.generator import generate

    generate(tksk, 40, 300, seed=5, until=date(2026, 3, 31))
    exchange(tksk, office, tmp_path)
    assert _stored(office) == _stored(tksk)
    with tksk.transaction(ADMIN) as s:
        for p in s.scalars(select(Person).order_by(Person.id).limit(5)):
            p.name, p.birth_date, p.notes = p.name + " Jr", date(1990, 2, 28), "catatan ✓"
        events = s.scalars(select(ServiceEvent).order_by(ServiceEvent.id)).all()
        types = {t.code: t for t in s.scalars(select(ServiceType))}
        no_details = next(e for e in events[5:] if _accepts_no_details(types[e.service_code]))
        events = [*events[:5], no_details]
        for e in events[:5]:
            e.quantity, e.notes = e.quantity + 1, "diubah ✓"  # details must stay valid for the type
        events[5].details = None  # a JSON column stores None as JSON null, not SQL NULL (a type without
        # required details: a change is held to the catalogue's rules)
        s.scalars(select(ServiceEvent).order_by(ServiceEvent.id.desc()).limit(1)).one().deleted_at = \
            datetime(2026, 4, 1, 8, 30, 15, 123456)
    assert exchange(tksk, office, tmp_path).updated >= 11
    assert _stored(office) == _stored(tksk)


def test_bulk_writes_bind_dates_as_sqlalchemy_would():
    """``writing._executemany`` binds SQLite's DATETIME and DATE values with ``isoformat``
    (faster): the text must be SQLAlchemy's own for every value a column can be given."""
    from datetime import timedelta, timezone

    from sqlalchemy import Date, DateTime
    from sqlalchemy.dialects import sqlite

    from spm_desktop.core.sync.writing import _bind_processor

    dialect = sqlite.dialect()
    values = [None, datetime(2026, 4, 1, 8, 30, 15, 123456), datetime(2026, 4, 1), datetime(999, 1, 2, 3, 4, 5, 6),
              datetime(2026, 4, 1, 8, 30, tzinfo=timezone(timedelta(hours=7))), date(2026, 2, 28), date(5, 1, 1)]
    for column_type, given in ((DateTime(), values), (Date(), [v for v in values if v is None or type(v) is date])):
        impl = column_type.dialect_impl(dialect)
        theirs, ours = impl.bind_processor(dialect), _bind_processor(impl, dialect)
        assert ours is not theirs
        assert [ours(v) for v in given] == [theirs(v) for v in given]
    assert _bind_processor(DateTime().dialect_impl(dialect), dialect)(values[1]) == "2026-04-01 08:30:15.123456"


def test_new_events_and_needs_are_inserted_in_their_index_order(office, tksk, tmp_path):
    """An import inserts new events in (person, code, date) order and new needs in case order
    (the order of their largest random-key index: fewer pages visited in a big database)."""
    from backend_support import ON_POSTGRES

    from spm_desktop.core.demo.generator import generate

    if ON_POSTGRES:
        pytest.skip("the insertion order of SQLite's rowid tables")
    generate(tksk, 30, 200, seed=3, until=date(2026, 3, 31))
    exchange(tksk, office, tmp_path)
    with office.engine.connect() as conn:
        events = conn.exec_driver_sql("SELECT person_id, service_code, event_date FROM service_event "
                                      "ORDER BY rowid").all()
        needs = [r[0] for r in conn.exec_driver_sql("SELECT case_id FROM case_need ORDER BY rowid")]
    assert len(events) == 200 and events == sorted(events)
    assert len(needs) > 10 and needs == sorted(needs)


def test_rollup_summaries_follow_imports(office, tksk, tmp_path):
    """The roll-up's summaries (migration 0002) never travel: the importing database's own
    triggers rebuild them, for new rows and for edits and deletions arriving later."""
    from rollup_builders import CLOTHES, MEALS, Rows
    from summaries import assert_summaries_consistent

    from spm_desktop.core.rollup import Period, compute_rollup
    from spm_desktop.core.storage.models import CaseNeed

    with tksk.transaction(ADMIN) as s:
        r = Rows(s)
        pid = r.person()
        r.case(pid, "gepeng", date(2026, 2, 1), needs=[MEALS, CLOTHES])
        r.event(pid, MEALS, date(2026, 2, 3))
        eid = r.event(pid, CLOTHES, date(2026, 2, 4))
    exchange(tksk, office, tmp_path)
    assert_summaries_consistent(office)
    march = Period.for_month(2026, 3)

    def figures(db):
        result = compute_rollup(db, march)
        return result.group("gepeng"), [(i.code, i.cumulative) for i in result.indicators]

    assert figures(office) == figures(tksk)
    assert (figures(office)[0].sasaran, figures(office)[0].terpenuhi) == (1, 1)
    exchange(office, tksk, tmp_path)
    with tksk.transaction(ADMIN) as s:
        s.get(ServiceEvent, eid).deleted_at = datetime(2026, 3, 2)
        need = s.scalars(select(CaseNeed).where(CaseNeed.service_code == MEALS)).one()
        need.deleted_at = datetime(2026, 3, 2)
    exchange(tksk, office, tmp_path)
    assert_summaries_consistent(office)
    assert figures(office) == figures(tksk)
    assert (figures(office)[0].sasaran, figures(office)[0].terpenuhi) == (1, 0)
