"""Bad input: the CSV/XLSX importers and the sync importer, fed with generated and mutated
files, never crash and never write. Every attempt either is a clean refusal (a DomainError
with an Indonesian message, and the database exactly as before) or — for a mutation that
happens to leave a valid file — an ordinary successful import."""

from __future__ import annotations

import functools
import io
import itertools
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from backend_support import sqlite_only
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select, text

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import DomainError
from spm_desktop.core.imports import ImportResult, get_kind, run_import
from spm_desktop.core.storage.base import Base
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import make_engine
from spm_desktop.core.storage.open import ensure_device
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import enrol_device, write_identity
from spm_desktop.core.sync.importer import import_package, preview_import

ADMIN = Actor("admin", "admin", user_id="u-admin")
FUZZ = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_counter = itertools.count()

SEEDS = {
    "persons": (
        "id,nik,no_kk,nama,alias,jenis_kelamin,tanggal_lahir,perkiraan_tahun_lahir,tempat_lahir,alamat,"
        "kelurahan,kategori_pmks,jenis_disabilitas\n"
        "p1,,,Budi Santoso,,L,12/05/1980,,Pontianak,Jl. Tanjung Raya,Benua Melayu Laut,,\n"
        "p2,,,Siti Aminah,Siti,P,,1950,,Gg. Amal,61.71.01.1003,,\n"),
    "cases": (
        "id,person,unit,kelompok_spm,tanggal_masuk,dirujuk_oleh,dalam_shelter,kebutuhan,tanggal_keluar,alasan_keluar\n"
        "c1,p1,UPRS,gepeng,2026-03-01,satpol_pp,ya,1.06.04.2.01.0001;1.06.04.2.01.0002,,\n"),
    "events": (
        "id,person,case,kode_layanan,tanggal,jumlah,kelurahan,disaster,keterangan\n"
        "e1,p1,c1,1.06.04.2.01.0001,2026-03-02,1,,,\n"),
}


def footprint(db: Database) -> tuple:
    """Row counts of every table and the change counter: equal means nothing was written."""
    with db.reading() as s:
        counts = tuple(s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables)
        seq = s.execute(text("SELECT change_seq FROM local_device")).scalar()
    return counts, seq


@pytest.fixture
def loaded(db, tmp_path):
    """A database holding the seed persons/case/event, so mutated files can refer to them."""
    for kind, content in SEEDS.items():
        path = tmp_path / f"seed-{kind}.csv"
        path.write_text(content, encoding="utf-8")
        run_import(db, ADMIN, kind, path)
    return db


def attempt(db: Database, kind: str, path: Path) -> str:
    before = footprint(db)
    try:
        result = run_import(db, ADMIN, kind, path)
    except DomainError as exc:
        assert exc.message.strip()
        assert footprint(db) == before, "a refused import wrote something"
        return "refused"
    assert isinstance(result, ImportResult)
    return "imported"


def new_path(tmp_path: Path, suffix: str) -> Path:
    return tmp_path / f"f{next(_counter)}{suffix}"


# ----- strategies -----------------------------------------------------------------------

cell_text = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "L", "P", "ya", "tidak", "UPRS", "anak", "gepeng", "2026-02-30", "31/12/1899",
                     "9999-01-01", "6171014101900001", "1.06.04.2.01.0001", "p1", "c1", "-1", "1e9", "NaN",
                     "=1+1", "Benua Melayu Laut", "61.71.01", "\x00", "a;b", '"', "\n"]),
)


def column_names(kind: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(get_kind(kind).column_names), st.text(max_size=12))


@st.composite
def csv_bytes(draw, kind: str) -> bytes:
    headers = draw(st.lists(column_names(kind), min_size=0, max_size=12))
    rows = draw(st.lists(st.lists(cell_text, max_size=14), max_size=6))
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))

    def line(cells):
        return sep.join('"' + c.replace('"', '""') + '"' if draw(st.booleans()) else c for c in cells)

    body = "\n".join([line(headers), *(line(r) for r in rows)])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return body.encode(encoding, errors="replace")


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    rng = draw(st.randoms(use_true_random=False))  # positions spread evenly over the file
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate", "swap"]))
        if not data:
            break
        pos = rng.randrange(len(data))
        if op == "flip":
            data[pos] = draw(st.integers(0, 255))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 40))]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=20))
        elif op == "truncate":
            del data[pos:]
        elif op == "duplicate":
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            data = bytearray(b"\n".join(lines))
        else:
            lines = bytes(data).split(b"\n")
            if len(lines) > 1:
                lines[0], lines[-1] = lines[-1], lines[0]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


def xlsx_bytes(headers: list[str], rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


xlsx_cell = st.one_of(cell_text.filter(lambda s: "\x00" not in s and not any(ord(c) < 32 for c in s)),
                      st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
                      st.dates(date(1900, 1, 1), date(2100, 1, 1)), st.booleans(), st.none(),
                      st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)))


# ----- CSV / XLSX importers -------------------------------------------------------------

KINDS = ("persons", "cases", "events")


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(data=st.data())
def test_generated_csv_never_crashes_never_writes(loaded, tmp_path, kind, data):
    path = new_path(tmp_path, ".csv")
    path.write_bytes(data.draw(csv_bytes(kind)))
    attempt(loaded, kind, path)


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(data=st.data())
def test_mutated_valid_csv_never_crashes(loaded, tmp_path, kind, data):
    path = new_path(tmp_path, ".csv")
    path.write_bytes(data.draw(mutated(SEEDS[kind].encode("utf-8"))))
    attempt(loaded, kind, path)


@FUZZ
@given(data=st.data())
def test_generated_xlsx_never_crashes_never_writes(loaded, tmp_path, data):
    kind = data.draw(st.sampled_from(KINDS))
    headers = data.draw(st.lists(column_names(kind).filter(lambda s: not any(ord(c) < 32 for c in s)),
                                 max_size=10))
    rows = data.draw(st.lists(st.lists(xlsx_cell, max_size=12), max_size=5))
    path = new_path(tmp_path, ".xlsx")
    path.write_bytes(xlsx_bytes(headers, rows))
    attempt(loaded, kind, path)


@functools.cache
def seed_xlsx() -> bytes:
    """The persons seed as a workbook (built once: a zip's timestamps change its bytes)."""
    header = SEEDS["persons"].split("\n")[0].split(",")
    rows = [[f"px{i}", "", "", f"Penerima nomor {i}", "", "LP"[i % 2], date(1950 + i % 60, 1 + i % 12, 1 + i % 28),
             "", "Pontianak", f"Jl. Contoh {i}", "Benua Melayu Laut", "", ""] for i in range(150)]
    return xlsx_bytes(header, rows)  # big enough that mutations land in the compressed sheet


@FUZZ
@given(data=st.data())
def test_mutated_xlsx_never_crashes(loaded, tmp_path, data):
    kind = "persons"
    seed = seed_xlsx()
    path = new_path(tmp_path, ".xlsx")
    path.write_bytes(data.draw(mutated(seed)))
    attempt(loaded, kind, path)


@sqlite_only()
def test_refused_file_leaves_no_backup_but_an_import_does(loaded, tmp_path):
    backups = Path(loaded.file_path).parent / "backups"
    before = sorted(backups.glob("*before-import*"))
    assert len(before) == 3  # one per seed import
    bad = tmp_path / "kosong.csv"
    bad.write_bytes(b"")
    assert attempt(loaded, "persons", bad) == "refused"
    assert sorted(backups.glob("*before-import*")) == before


# ----- sync importer --------------------------------------------------------------------

def other_database(template: Path, folder: Path, name: str) -> Database:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, folder / "spm.db")
    db = Database(make_engine(f"sqlite:///{folder / 'spm.db'}"))
    with db.sessions.begin() as s:
        s.execute(text("DELETE FROM local_device"))
    ensure_device(db, name)
    return db


def enrol_both(office: Database, laptop: Database, folder: Path) -> None:
    write_identity(laptop, ADMIN, folder / "laptop.spmid")
    enrol_device(office, ADMIN, folder / "laptop.spmid", "Laptop kantor", "office")  # unscoped: fuzzing, not scope
    write_identity(office, ADMIN, folder / "kantor.spmid")
    enrol_device(laptop, ADMIN, folder / "kantor.spmid", "Kantor", "office")


@pytest.fixture
def package(template_db_file, tmp_path, db):
    """A valid package from a TKSK laptop (with persons, a case and an event), and the office
    database ``db`` that will be fed broken versions of it."""
    laptop = other_database(template_db_file, tmp_path / "laptop", "TKSK Pontianak Barat")
    enrol_both(db, laptop, tmp_path)
    for kind, content in SEEDS.items():
        path = tmp_path / f"laptop-{kind}.csv"
        path.write_text(content, encoding="utf-8")
        run_import(laptop, ADMIN, kind, path)
    target = tmp_path / "barat.spmsync"
    export_package(laptop, ADMIN, target, peer_name="Kantor")
    laptop.dispose()
    return target.read_bytes()


def sync_attempt(db: Database, path: Path) -> str:
    before = footprint(db)
    backups = Path(db.file_path).parent / "backups" if db.file_path else Path(path).parent / "no-backups"
    copies = sorted(backups.glob("*")) if backups.exists() else []
    for call in (preview_import, import_package):
        try:
            call(db, ADMIN, path)
        except DomainError as exc:
            assert exc.message.strip()
            assert footprint(db) == before, "a refused package wrote something"
            assert (sorted(backups.glob("*")) if backups.exists() else []) == copies
            continue
        return "imported"
    return "refused"


@FUZZ
@given(data=st.data())
def test_mutated_sync_package_is_refused_cleanly(db, package, tmp_path, data):
    path = new_path(tmp_path, ".spmsync")
    broken = data.draw(mutated(package))
    if broken == package:
        broken = package[:-1]
    path.write_bytes(broken)
    assert sync_attempt(db, path) == "refused"  # authenticated encryption: no change survives


@FUZZ
@given(blob=st.one_of(st.binary(max_size=2000), st.text(max_size=300).map(str.encode)))
def test_random_bytes_as_sync_package_are_refused(db, tmp_path, blob):
    path = new_path(tmp_path, ".spmsync")
    path.write_bytes(blob)
    assert sync_attempt(db, path) == "refused"


def test_the_unbroken_package_imports(db, package, tmp_path):
    path = tmp_path / "utuh.spmsync"
    path.write_bytes(package)
    assert sync_attempt(db, path) == "imported"
