"""Case work (issue 3): person search over 100,000 persons (< 30 ms), the duplicate candidate
search of the registration form (issue 20, < 30 ms), import of a 10,000-row persons XLSX
(< 10 s), recording one service event (< 20 ms).

Search and event recording run on a private copy of the 100k-person / 1M-event demo
database (``common.big_demo_db()``: ``SPM_BENCH_DB`` when set, else built once under
``bench/.data/``). The copy gets the indexes of the current schema that an
older demo file may lack, and its ``search_name`` values are recomputed with the current
normalisation rules (what :func:`persons.rebuild_search_names` does after an upgrade).
The import runs into a fresh migrated database each time.
"""

from __future__ import annotations

import itertools
import random
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

from common import DATA, BenchCase, big_demo_db, unlock_bench

IMPORT_ROWS = 10_000
# A mix of what the front desk types: name parts, two words, spelling variants, NIK/KK prefixes.
QUERIES = ["budi", "siti nur", "santoso", "mohamad rizki", "yanti", "agus s", "nur hajati", "6171", "617104",
           "6171010", "ahmad", "dewi lestari", "hendra", "putri", "wahyu"]
_state: dict = {}


def _demo_copy() -> Path:
    if "path" in _state:
        return _state["path"]
    source = big_demo_db()
    target = DATA / "work" / "casework" / "spm.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o644)
    key = unlock_bench(source)
    if key is not None:  # the encrypted twin (bench/make_encrypted.py): same key for the copy
        from spm_desktop.core.storage.db_keys import keys_path_for
        from spm_desktop.core.storage.engine import register_key

        shutil.copyfile(keys_path_for(source), keys_path_for(target))
        register_key(target, key)
    _state["path"] = target
    return target


def _demo_db():
    if "db" in _state:
        return _state["db"]
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.services.persons import rebuild_search_names
    from spm_desktop.core.storage.models import Base
    from spm_desktop.core.storage.open import open_database

    db = open_database(f"sqlite:///{_demo_copy()}")
    for table in Base.metadata.sorted_tables:
        for index in table.indexes:
            index.create(db.engine, checkfirst=True)
    rebuild_search_names(db, SYSTEM)
    _state["db"] = db
    return db


# ----- search ---------------------------------------------------------------------------

_query_cycle = itertools.cycle(QUERIES)


def _search_setup():
    db = _demo_db()
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.services.person_search import search_persons

    for q in QUERIES:  # warm the page cache as a running application has it
        search_persons(db, SYSTEM, q)
    return db


def _search_run(db):
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.services.person_search import search_persons

    search_persons(db, SYSTEM, next(_query_cycle))


# ----- one event ------------------------------------------------------------------------


def _event_setup():
    db = _demo_db()
    from sqlalchemy import select

    from spm_desktop.core.storage.models import Case, Person

    with db.reading() as s:
        rows = s.execute(select(Case.id, Case.person_id, Case.intake_date).join(Person, Person.id == Case.person_id)
                         .where(Case.status == "open", Case.deleted_at.is_(None), Person.merged_into.is_(None),
                                Person.deleted_at.is_(None)).limit(200)).all()
    return db, itertools.cycle(rows)


def _event_run(state):
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.services.events import EventDraft, record_event

    db, rows = state
    case_id, person_id, intake = next(rows)
    on = max(intake, date.today() - timedelta(days=1))
    record_event(db, SYSTEM, EventDraft(person_id=person_id, service_code="1.06.04.2.01.0002", event_date=on,
                                        case_id=case_id, details={"items": ["Pakaian", "Sandal"]}))


# ----- import ---------------------------------------------------------------------------


def _name(rng: random.Random, *parts: list[str]) -> str:
    return " ".join(p for p in (rng.choice(options) for options in parts) if p)


def _write_xlsx(path: Path, rows: int) -> Path:
    from openpyxl import Workbook

    from spm_desktop.core.domain.nik import make_kk, make_nik

    rng = random.Random(3)
    first = ["Budi", "Siti", "Agus", "Dewi", "Ahmad", "Nur", "Rina", "Joko", "Yanti", "Hendra", "Putri", "Wahyu",
             "Muhammad", "Rudi", "Fitri", "Andi", "Lina", "Eko", "Sri", "Bayu", "Indah", "Rizki", "Dian", "Hasan"]
    middle = ["", "", "Nur", "Adi", "Sari", "Dwi", "Eka", "Tri", "Ayu", "Putra", "Budi", "Indra"]
    last = ["Santoso", "Lestari", "Saputra", "Hidayat", "Pratama", "Siregar", "Halim", "Wijaya", "Nasution",
            "Kurniawan", "Setiawan", "Gunawan", "Susanto", "Rahayu", "Hartono", "Lubis", "Harahap", "Purba"]
    kelurahan = ["61.71.01.1002", "Benua Melayu Darat", "61.71.02.1001", "61.71.03.1001", "61.71.04.1001"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("persons")
    ws.append(["id", "nik", "no_kk", "nama", "alias", "jenis_kelamin", "tanggal_lahir", "perkiraan_tahun_lahir",
               "tempat_lahir", "alamat", "kelurahan", "kategori_pmks", "jenis_disabilitas"])
    for i in range(rows):
        sex = "L" if i % 2 else "P"
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 80))
        has_nik = i % 3 != 0
        nik = make_nik("6171" + f"{1 + i % 6:02d}", birth, sex, 1 + i // 6 % 9999) if has_nik else ""
        kk = make_kk("6171" + f"{1 + i % 6:02d}", date(2010, 1, 1) + timedelta(days=i % 4000), 1 + i % 9999)
        ws.append([f"IMP-{i}", nik, kk if has_nik else "", _name(rng, first, middle, last),
                   "", sex, birth.strftime("%d/%m/%Y") if has_nik else "", "" if has_nik else birth.year,
                   "Pontianak", f"Jl. Contoh No. {i}", rng.choice(kelurahan), "gelandangan" if i % 2 else "pengemis",
                   ""])
    wb.save(path)
    return path


def _import_setup():
    folder = DATA / "work" / "casework_import"
    folder.mkdir(parents=True, exist_ok=True)
    xlsx = folder / "persons_10000.xlsx"
    if not xlsx.exists():
        _write_xlsx(xlsx, IMPORT_ROWS)
    return folder, xlsx


_import_runs = itertools.count()


def _import_run(state):
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.imports import run_import
    from spm_desktop.core.storage.open import open_database

    folder, xlsx = state
    target = folder / f"run{next(_import_runs)}" / "spm.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    template = folder / "template.db"
    if not template.exists():
        from spm_desktop.core.services.area import AreaChoice, adopt_area

        made = open_database(f"sqlite:///{template}")
        adopt_area(made, SYSTEM, AreaChoice("61.71"))  # the persons' kelurahan are Pontianak's
        made.dispose()
    shutil.copyfile(template, target)
    db = open_database(f"sqlite:///{target}", migrate=False, seed=False)
    try:
        result = run_import(db, SYSTEM, "persons", xlsx)
        assert result.created == IMPORT_ROWS, result
    finally:
        db.dispose()
        shutil.rmtree(target.parent, ignore_errors=True)


# ----- duplicate candidate search (issue 20) ----------------------------------------------

# What the registration form sends while a name is typed: common Kalimantan Barat names with the
# variants the search must fold (titles, prefixes, bin/binti, old spellings, word order).
CANDIDATE_PROBES = [("Siti Nurhaliza", "P", 1980), ("Muhammad Rizki", "L", 1990), ("Hj. Fatimah binti Umar", "P", 1955),
                    ("Budi Santoso", "L", None), ("Sri Wahyuni", "P", 1975), ("Lim Mei Ling", "P", 1968),
                    ("I Made Sudarta", "L", 1972), ("Djoko Susilo", "L", 1960), ("Nur Hayati", "P", 1985),
                    ("Ahmad Fauzi", "L", 2001), ("Agus", "L", 1978), ("Dewi Lestari", "P", None)]
_probe_cycle = itertools.cycle(CANDIDATE_PROBES)


def _candidate_setup():
    db = _demo_db()
    for _ in CANDIDATE_PROBES:  # warm the page cache as a running application has it
        _candidate_run(db)
    return db


def _candidate_run(db):
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.services.duplicates import find_duplicate_candidates
    from spm_desktop.core.services.persons import PersonDraft

    name, sex, year = next(_probe_cycle)
    find_duplicate_candidates(db, SYSTEM, PersonDraft(name=name, sex=sex, birth_year=year,
                                                      kelurahan_code="61.71.01.1002"))


def cases():
    return [
        BenchCase("duplicate candidate search (registration form)", "100.000 orang", 0.030,
                  _candidate_run, _candidate_setup, repeat=36),
        BenchCase("person search (name part, spelling variant, NIK/KK prefix)", "100.000 orang", 0.030,
                  _search_run, _search_setup, repeat=45),
        BenchCase("record one service event (service layer, committed)", "100.000 orang, 1.000.000 layanan", 0.020,
                  _event_run, _event_setup, repeat=25),
        BenchCase("import persons XLSX (all-or-nothing, one transaction)", "10.000 baris", 10.0,
                  _import_run, _import_setup, repeat=3),
    ]


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import main as run_main

    return run_main(["casework"])


if __name__ == "__main__":
    sys.exit(main())
