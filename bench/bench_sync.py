"""Sync package export and import with 50,000 service events (budget: each < 10 s).

The source is a demo database of 10,000 persons and 50,000 events made with the real CLI;
the package is a full one (master data, persons, cases, needs, events). The import goes
into a fresh empty database each time, and once into a copy of the 100k/1M demo database
(the office), the backup copy the import makes on a thread meanwhile included.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from common import DATA, BenchCase, run_cli, unlock_bench

PERSONS, EVENTS = 10_000, 50_000


def _source() -> Path:
    folder = DATA / "sync-source"
    path = folder / "spm.db"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        run_cli(folder, "demo-data", "--persons", str(PERSONS), "--events", str(EVENTS), "--seed", "7", "--until",
                "2026-11-28", capture=True)
    unlock_bench(path)  # made by init: encrypted
    return path


def _open(path: Path):
    from spm_desktop.core.storage.open import open_database

    return open_database(f"sqlite:///{path}")


def _enrol(here, there, folder: Path, name: str) -> str:
    """Enrol ``there``'s identity at ``here`` as an office device called ``name``."""
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.sync.identity import enrol_device, write_identity

    path = folder / f"{there.device_id}.spmid"
    write_identity(there, SYSTEM, path)
    return enrol_device(here, SYSTEM, path, name, "office").name


def _enrol_both(source, target, folder: Path) -> str:
    """Source and target enrolled at each other; returns the target's name at the source."""
    _enrol(target, source, folder, "Sumber")
    return _enrol(source, target, folder, f"Tujuan {target.device_id[:8]}")


def _export_setup():
    db = _open(_source())
    out = Path(tempfile.mkdtemp(prefix="bench-sync-")) / "paket.spmsync"
    return db, out


def _export_run(state):
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.sync.exporter import export_package

    db, out, peer = state
    result = export_package(db, SYSTEM, out, peer_name=peer, full=True)
    assert result.counts["service_event"] == EVENTS, result.counts


def _export_state():
    db, out = _export_setup()
    (out.parent / "peer").mkdir()
    peer = _open(out.parent / "peer" / "spm.db")  # an enrolled recipient (the export encrypts for it)
    name = _enrol_both(db, peer, out.parent)
    peer.dispose()
    return db, out, name


def _scoped_export_run(state):
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.sync.exporter import export_package

    db, out, peer = state
    result = export_package(db, SYSTEM, out, peer_name=peer, full=True)
    assert 0 < result.counts["person"] < PERSONS, result.counts


def _scoped_export_state():
    """The same source exporting for a TKSK laptop of kecamatan 61.71.03: only its persons."""
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.sync.identity import enrol_device, write_identity

    db, out = _export_setup()
    (out.parent / "laptop").mkdir()
    laptop = _open(out.parent / "laptop" / "spm.db")
    path = out.parent / "laptop.spmid"
    write_identity(laptop, SYSTEM, path)
    name = enrol_device(db, SYSTEM, path, f"TKSK {laptop.device_id[:8]}", "tksk", kecamatan="61.71.03").name
    laptop.dispose()
    return db, out, name


IMPORT_REPEAT = 3


def _import_setup(encrypted: bool = False):
    """The package, and one fresh empty database (opened, migrated) per timed import; with
    ``encrypted`` a database made by ``init`` (SQLCipher, as every new laptop is)."""
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.sync.exporter import export_package

    db, out = _export_setup()
    empty = out.parent / "empty" / "spm.db"
    if encrypted:
        from common import copy_of

        run_cli(empty.parent, "sync", "devices", capture=True)  # init first: an encrypted file
        unlock_bench(empty)
        target = _open(empty)
    else:
        empty.parent.mkdir()
        from spm_desktop.core.services.area import AreaChoice, adopt_area

        target = _open(empty)  # every target is a copy of this one: the same identity
        adopt_area(target, SYSTEM, AreaChoice("61.71"))  # a laptop set up for the same kabupaten/kota
    export_package(db, SYSTEM, out, peer_name=_enrol_both(db, target, out.parent), full=True)
    target.dispose()
    db.dispose()
    targets = []
    for n in range(IMPORT_REPEAT):
        if encrypted:
            targets.append(_open(copy_of(empty, f"sync-empty-encrypted-{n}")))
            continue
        folder = out.parent / f"target{n}"
        folder.mkdir()
        shutil.copyfile(empty, folder / "spm.db")
        targets.append(_open(folder / "spm.db"))
    return out, targets


def _encrypted_import_setup():
    return _import_setup(encrypted=True)


def _import_run(state):
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.sync.importer import import_package

    package, targets = state
    db = targets.pop(0)
    try:
        summary = import_package(db, SYSTEM, package)
        assert summary.new >= EVENTS + PERSONS, summary.new
    finally:
        db.dispose()


def _office_run(state):
    """The import until it returns (its data committed and durable); the WAL checkpoint its
    commit leaves to a thread (decision 0007) is waited for in :func:`_office_after`."""
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.sync.importer import import_package

    package, targets, done = state
    db = targets.pop(0)
    done.append(db)
    summary = import_package(db, SYSTEM, package)
    assert summary.new >= EVENTS + PERSONS, summary.new


def _office_after(state):
    """Closing the database: waits for the checkpoint thread of the import just timed."""
    state[2].pop().dispose()


def _office_setup():
    """The package, and copies of the 100k-person / 1M-event demo database (the office), one
    per timed import, each in an emptied folder of its own and flushed to disk."""
    from common import big_demo_db, copy_of

    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.sync.exporter import export_package

    db, out = _export_setup()
    first = copy_of(big_demo_db(), "sync-office-0")
    office = _open(first)  # migrated to head here, once; the other copies are copies of it
    export_package(db, SYSTEM, out, peer_name=_enrol_both(db, office, out.parent), full=True)
    db.dispose()
    office.dispose()  # the last connection: its WAL is written back into the file before it is copied
    copies = [first] + [copy_of(first, f"sync-office-{n}") for n in range(1, OFFICE_REPEAT)]
    return out, [_open(path) for path in copies], []


OFFICE_REPEAT = 3


def cases():
    return [
        BenchCase("sync package export (full)", "50,000 events, 10,000 persons", 10.0, _export_run, _export_state,
                  repeat=3),
        BenchCase("sync package export for a TKSK laptop (full, its kecamatan only)", "10,000 persons, 50,000 events",
                  10.0, _scoped_export_run, _scoped_export_state, repeat=3),
        BenchCase("sync package import (one transaction, backup first)", "50,000 events, 10,000 persons", 10.0,
                  _import_run, _import_setup, repeat=IMPORT_REPEAT),
        BenchCase("sync package import into an empty encrypted database (a new laptop, made by init)",
                  "50,000 events, 10,000 persons", 10.0, _import_run, _encrypted_import_setup, repeat=IMPORT_REPEAT),
        BenchCase("sync package import into the office database (backup copy of the big file during it, "
                  "decision 0009)",
                  "50,000 events, 10,000 persons into 100k persons / 1M events", 10.0, _office_run, _office_setup,
                  repeat=OFFICE_REPEAT, after=_office_after),
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import main

    sys.exit(main(["bench_sync"]))
