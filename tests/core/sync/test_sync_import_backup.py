"""The backup copy before a sync import is taken on a thread while the import runs, under the
import's own write lock: it holds the database exactly as it was before the import, whatever
the import writes meanwhile (pages spilled into the WAL included), and it falls back to
SQLite's online backup API when the WAL could not be emptied first."""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import date
from pathlib import Path

import pytest
from sync_helpers import ADMIN, enrol_each_other

from spm_desktop.core.storage import backup as bk
from spm_desktop.core.storage import summaries
from spm_desktop.core.storage.models import Person, ServiceEvent
from spm_desktop.core.sync import importer
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.importer import import_package

MAKAN = "1.06.04.2.01.0001"


@pytest.fixture
def office(make_database):
    db = make_database("office", "Kantor Dinas Sosial")
    if not db.is_sqlite:
        pytest.skip("a backup copy of the file: SQLite only (a server backs itself up)")
    return db


def _counts(path: Path) -> tuple[int, int]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("person", "service_event"))
    finally:
        con.close()


def _local_person(db, name: str) -> None:
    with db.transaction(ADMIN) as s:
        s.add(Person(name=name, sex="L"))


@pytest.fixture
def tksk(make_database, office, tmp_path):
    """A second device enrolled as an office device: this module is about the copy, not scope."""
    db = make_database("tksk", "TKSK Pontianak Barat")
    enrol_each_other(office, db, tmp_path, role="office")
    return db


@pytest.fixture
def package(tksk, tmp_path):
    with tksk.transaction(ADMIN) as s:
        for i in range(40):
            p = Person(name=f"Orang Barat {i}", sex="P", nik=f"617101410190{i + 1:04d}")
            s.add(p)
            s.flush()
            for d in range(5):
                s.add(ServiceEvent(person_id=p.id, service_code=MAKAN, event_date=date(2026, 4, d + 1)))
    path = tmp_path / "barat.spmsync"
    export_package(tksk, ADMIN, path, peer_name="Kantor Dinas Sosial")
    return path


def _backups(db) -> list[Path]:
    return sorted((Path(db.file_path).parent / "backups").glob("*-before-import.db"))


def test_the_copy_runs_while_the_import_writes_and_holds_the_database_before_it(office, package, monkeypatch):
    _local_person(office, "Orang Kantor")
    before = _counts(Path(office.file_path))
    written = threading.Event()
    seen: dict[str, object] = {}
    real_apply, real_copy = importer.apply_plan, bk.copy_file_to_disk

    def apply_then_tell(*args, **kwargs):
        count = real_apply(*args, **kwargs)
        written.set()
        return count

    def copy_after_the_writes(source, target):
        # The copy is held back until the import has written every row, so the import's
        # uncommitted pages are in the WAL (the page cache below is too small to keep them).
        seen["waited"] = written.wait(30)
        seen["wal"] = os.path.getsize(f"{source}-wal")
        other = sqlite3.connect(source, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # the import holds the write lock: refused at once
            seen["lock"] = "free"
            other.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            seen["lock"] = str(exc)
        finally:
            other.close()
        real_copy(source, target)

    monkeypatch.setattr(importer, "apply_plan", apply_then_tell)
    monkeypatch.setattr(bk, "copy_file_to_disk", copy_after_the_writes)
    monkeypatch.setattr(summaries, "BULK_CACHE_KIB", 16)  # four pages: the import spills into the WAL

    summary = import_package(office, ADMIN, package)

    assert seen["waited"] is True and seen["lock"] == "database is locked"
    assert seen["wal"] > 0  # the import's own pages were in the WAL while the file was copied
    assert summary.new >= 40 + 200
    made = _backups(office)
    assert [str(p) for p in made] == [summary.backup_file]
    assert bk.check_file(made[0]).ok
    assert _counts(made[0]) == before  # the database before the import, nothing of it
    assert _counts(Path(office.file_path)) == (before[0] + 40, before[1] + 200)


def test_a_reader_keeping_the_wal_makes_the_copy_go_through_the_online_backup(office, package, monkeypatch):
    taken = []
    real = bk._copy_quiet_file
    monkeypatch.setattr(bk, "_copy_quiet_file", lambda *a: taken.append(real(*a)) or taken[-1])
    _local_person(office, "Orang Kantor A")
    reader = sqlite3.connect(office.file_path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM person").fetchone()
    _local_person(office, "Orang Kantor B")  # frames the reader's snapshot keeps in the WAL
    before = _counts(Path(office.file_path))
    try:
        summary = import_package(office, ADMIN, package)
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert taken == [False]  # the WAL was not empty when the import took the lock
    made = _backups(office)
    assert [str(p) for p in made] == [summary.backup_file]
    assert bk.check_file(made[0]).ok and _counts(made[0]) == before  # "B" included, the import not


def test_a_package_imported_before_costs_no_second_copy(office, package):
    import_package(office, ADMIN, package)
    assert len(_backups(office)) == 1
    again = import_package(office, ADMIN, package)
    assert again.already_imported and len(_backups(office)) == 1
