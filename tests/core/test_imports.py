"""File import (architecture §9): persons, cases, events from CSV and XLSX; all or nothing;
every error as 'baris N, kolom X: pesan'; dry-run writes nothing; re-import changes nothing."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from casework_helpers import table_contents, table_counts
from openpyxl import Workbook
from sqlalchemy import select

from spm_desktop.core import clock
from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import PermissionDenied, ValidationError
from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.imports import ImportRefused, external_id, run_import
from spm_desktop.core.storage.models import AuditEntry, Case, CaseNeed, DuplicateCandidate, Person, ServiceEvent

D1 = clock.today() - timedelta(days=40)
D2 = clock.today() - timedelta(days=30)
NIK_SITI = make_nik("617101", date(1975, 8, 17), "P", 12)
NIK_OUTSIDE = make_nik("320101", date(1990, 1, 2), "L", 3)

PERSON_HEADER = ["id", "nik", "no_kk", "nama", "alias", "jenis_kelamin", "tanggal_lahir", "perkiraan_tahun_lahir",
                 "tempat_lahir", "alamat", "kelurahan", "kategori_pmks", "jenis_disabilitas"]
PERSON_ROWS = [
    ["P1", "", "", "Budi Santoso", "Ucok", "L", "1980-05-17", "", "Pontianak", "Jl. Tanjungpura", "61.71.01.1002",
     "gelandangan", ""],
    ["P2", NIK_SITI, "6171010101010001", "Siti Aminah", "", "P", "17/08/1975", "", "", "", "Benua Melayu Laut",
     "Pengemis", ""],
    ["P3", "", "", "Tanpa Nama", "", "L", "", "1950", "", "", "", "lansia_terlantar", ""],
    ["P4", NIK_OUTSIDE, "", "Agus", "", "L", "", "", "", "", "", "penyandang_disabilitas", "Tuna daksa"],
]
CASE_HEADER = ["id", "person", "unit", "kelompok_spm", "tanggal_masuk", "dirujuk_oleh", "dalam_shelter", "kebutuhan",
               "tanggal_keluar", "alasan_keluar", "kecamatan"]
CASE_ROWS = [
    ["C1", "P1", "UPRS", "gepeng", D1.isoformat(), "Satpol PP", "ya", "1.06.04.2.01.0001;1.06.04.2.01.0002", "", "",
     ""],
    ["C2", NIK_SITI, "PLAT", "gepeng", D1.strftime("%d/%m/%Y"), "masyarakat", "tidak", "1.06.04.2.01.0014",
     D2.isoformat(), "reunifikasi", ""],
    ["C3", "P3", "TKSK", "lansia", D1.isoformat(), "keluarga", "tidak", "1.06.04.2.01.0001", "", "",
     "Pontianak Selatan"],
]
EVENT_HEADER = ["id", "person", "case", "kode_layanan", "tanggal", "jumlah", "kelurahan", "disaster", "keterangan",
                "meals_per_day", "days", "document", "items"]
EVENT_ROWS = [
    ["E1", "P1", "C1", "1.06.04.2.01.0001", (D1 + timedelta(days=1)).isoformat(), "", "", "", "", "3", "1", "", ""],
    ["E2", "P1", "C1", "1.06.04.2.01.0002", (D1 + timedelta(days=1)).strftime("%d/%m/%Y"), "1", "", "", "", "", "",
     "", "Pakaian;Sandal"],
    ["E3", NIK_SITI, "C2", "1.06.04.2.01.0014", (D1 + timedelta(days=2)).isoformat(), "", "", "", "KK baru", "", "",
     "KK", ""],
    ["", "P3", "", "1.06.04.2.01.0001", D2.isoformat(), "", "61.71.01.1003", "", "", "2", "3", "", ""],
]


def write_csv(path: Path, header, rows) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, header, rows, real_dates: bool = False) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        cells = []
        for value in row:
            if real_dates and isinstance(value, str) and len(value) == 10 and value[4] == "-":
                value = date.fromisoformat(value)
            cells.append(value)
        ws.append(cells)
    wb.save(path)
    return path


@pytest.fixture
def files(tmp_path):
    return {
        "persons": write_csv(tmp_path / "persons.csv", PERSON_HEADER, PERSON_ROWS),
        "cases": write_csv(tmp_path / "cases.csv", CASE_HEADER, CASE_ROWS),
        "events": write_csv(tmp_path / "events.csv", EVENT_HEADER, EVENT_ROWS),
    }


def import_all(db, files):
    return [run_import(db, SYSTEM, kind, files[kind]) for kind in ("persons", "cases", "events")]


def test_good_csv_files(db, files):
    results = import_all(db, files)
    assert [(r.rows, r.created, r.updated, r.unchanged) for r in results] == [(4, 4, 0, 0), (3, 3, 0, 0),
                                                                              (4, 4, 0, 0)]
    with db.reading() as s:
        budi = s.get(Person, external_id("persons", "P1"))
        assert (budi.name, budi.birth_date, budi.kelurahan_code, budi.search_name) == (
            "Budi Santoso", date(1980, 5, 17), "61.71.01.1002", "budi santoso ucok")
        siti = s.scalars(select(Person).where(Person.nik == NIK_SITI)).one()
        assert siti.birth_date == date(1975, 8, 17) and siti.category_code == "pengemis"
        assert s.get(Person, external_id("persons", "P3")).birth_year_estimated
        c2 = s.get(Case, external_id("cases", "C2"))
        assert (c2.person_id, c2.status, c2.exit_date, c2.exit_reason, c2.referred_by) == (
            siti.id, "closed", D2, "reunifikasi", "masyarakat")
        c1 = s.get(Case, external_id("cases", "C1"))
        assert c1.in_shelter and c1.referred_by == "satpol_pp"
        assert sorted(n.service_code for n in s.scalars(select(CaseNeed).where(CaseNeed.case_id == c1.id))) == [
            "1.06.04.2.01.0001", "1.06.04.2.01.0002"]
        assert s.get(Case, external_id("cases", "C3")).kecamatan_code == "61.71.01"
        e2 = s.get(ServiceEvent, external_id("events", "E2"))
        assert e2.details == {"items": ["Pakaian", "Sandal"]} and e2.event_date == D1 + timedelta(days=1)
        e3 = s.get(ServiceEvent, external_id("events", "E3"))
        assert e3.details == {"document": "KK"} and e3.notes == "KK baru" and e3.unit == "PLAT"
        no_id = s.scalars(select(ServiceEvent).where(ServiceEvent.event_date == D2)).one()
        assert no_id.details == {"meals_per_day": 2, "days": 3} and no_id.kelurahan_code == "61.71.01.1003"
        summary = s.scalars(select(AuditEntry).where(AuditEntry.action == "import")).all()
        assert [a.after["created"] for a in summary] == [4, 3, 4] and all(a.username == "system" for a in summary)


def test_good_xlsx_gives_the_same_database_as_csv(db, files, tmp_path, template_db_file):
    import_all(db, files)
    from casework_helpers import table_contents as contents

    csv_db = contents(db, skip=("audit_entry", "local_device", "duplicate_candidate"))
    xlsx = {
        "persons": write_xlsx(tmp_path / "persons.xlsx", PERSON_HEADER, PERSON_ROWS, real_dates=True),
        "cases": write_xlsx(tmp_path / "cases.xlsx", CASE_HEADER, CASE_ROWS),
        "events": write_xlsx(tmp_path / "events.xlsx", EVENT_HEADER, EVENT_ROWS, real_dates=True),
    }
    results = import_all(db, xlsx)  # same ids: every row is already there
    assert [(r.created, r.updated) for r in results] == [(0, 0), (0, 0), (0, 0)]
    assert contents(db, skip=("audit_entry", "local_device", "duplicate_candidate")) == csv_db


def test_xlsx_into_empty_database(db, tmp_path):
    rows = [r[:] for r in PERSON_ROWS]
    # NIK as text (a numeric NIK cell is refused: tests/core/test_import_files.py)
    path = write_xlsx(tmp_path / "p.xlsx", PERSON_HEADER, rows, real_dates=True)
    result = run_import(db, SYSTEM, "persons", path)
    assert result.created == 4
    with db.reading() as s:
        assert s.scalars(select(Person.nik).where(Person.name == "Siti Aminah")).one() == NIK_SITI


def test_same_file_twice_gives_the_same_database(db, files):
    import_all(db, files)
    first = table_contents(db)
    results = import_all(db, files)
    assert all(r.created == 0 and r.updated == 0 and r.unchanged == r.rows for r in results)
    assert table_contents(db) == first


def test_reimport_with_a_change_updates_in_place(db, files, tmp_path):
    import_all(db, files)
    rows = [r[:] for r in PERSON_ROWS]
    rows[0][PERSON_HEADER.index("alamat")] = "Jl. Gajah Mada"
    result = run_import(db, SYSTEM, "persons", write_csv(tmp_path / "p2.csv", PERSON_HEADER, rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    with db.reading() as s:
        budi = s.get(Person, external_id("persons", "P1"))
        assert budi.address == "Jl. Gajah Mada" and budi.revision == 2


def test_dry_run_writes_nothing(db, files):
    before = table_counts(db)
    result = run_import(db, SYSTEM, "persons", files["persons"], dry_run=True)
    assert result.dry_run and result.created == 4 and "Uji coba" in result.summary()
    assert table_counts(db) == before


def test_both_date_formats(db, tmp_path):
    rows = [["A", "", "", "Satu", "", "L", "2001-02-03", "", "", "", "", "", ""],
            ["B", "", "", "Dua", "", "P", "03/02/2001", "", "", "", "", "", ""]]
    run_import(db, SYSTEM, "persons", write_csv(tmp_path / "d.csv", PERSON_HEADER, rows))
    with db.reading() as s:
        assert {p.birth_date for p in s.scalars(select(Person))} == {date(2001, 2, 3)}


def test_person_without_id_matched_by_nik(db, tmp_path):
    rows = [["", NIK_SITI, "", "Siti Aminah", "", "P", "", "", "", "", "", "", ""]]
    path = write_csv(tmp_path / "n.csv", PERSON_HEADER, rows)
    assert run_import(db, SYSTEM, "persons", path).created == 1
    rows[0][PERSON_HEADER.index("alamat")] = "Jl. Baru"
    assert run_import(db, SYSTEM, "persons", write_csv(tmp_path / "n2.csv", PERSON_HEADER, rows)).updated == 1
    with db.reading() as s:
        assert s.scalars(select(Person.address)).all() == ["Jl. Baru"]


def test_similar_names_go_on_the_review_list(db, tmp_path):
    rows = [["A", "", "", "Muhammad Rizki", "", "L", "", "1980", "", "", "61.71.01.1002", "", ""],
            ["B", "", "", "Mohamad Rizky", "", "L", "", "1981", "", "", "61.71.01.1003", "", ""],
            ["C", "", "", "Mohamad Rizky", "", "L", "", "1990", "", "", "61.71.01.1003", "", ""]]
    assert run_import(db, SYSTEM, "persons", write_csv(tmp_path / "r.csv", PERSON_HEADER, rows)).created == 3
    with db.reading() as s:
        pairs = s.scalars(select(DuplicateCandidate)).all()
        assert len(pairs) == 1
        assert {pairs[0].person_a_id, pairs[0].person_b_id} == {external_id("persons", "A"),
                                                                external_id("persons", "B")}


BAD_PERSONS = [
    # (row, expected error fragments)
    (["X1", "", "", "", "", "L", "", "", "", "", "", "", ""], ["baris 2, kolom nama: wajib diisi"]),
    (["X2", "", "", "Ani", "", "W", "", "", "", "", "", "", ""], ["baris 2, kolom jenis_kelamin: Jenis kelamin"]),
    (["X3", "", "", "Ani", "", "P", "31/02/2001", "", "", "", "", "", ""], ["baris 2, kolom tanggal_lahir: '31/02"]),
    (["X4", "12345", "", "Ani", "", "P", "", "", "", "", "", "", ""], ["baris 2, kolom nik: NIK harus 16 digit"]),
    (["X5", make_nik("617101", date(1980, 1, 1), "L", 1), "", "Ani", "", "P", "", "", "", "", "", "", ""],
     ["baris 2, kolom nik: Digit 7–8 NIK"]),
    (["X6", "", "", "Ani", "", "P", "", "18x0", "", "", "", "", ""], ["baris 2, kolom perkiraan_tahun_lahir"]),
    (["X7", "", "", "Ani", "", "P", "", "", "", "", "Kelurahan Antah", "", ""], ["baris 2, kolom kelurahan"]),
    (["X8", "", "", "Ani", "", "P", "", "", "", "", "", "Bukan Kategori", ""], ["baris 2, kolom kategori_pmks"]),
    (["X9", "", "123", "Ani", "", "P", "", "", "", "", "", "", ""], ["baris 2, kolom no_kk: No. KK harus 16"]),
    (["X10", "", "", "Ani", "", "P", "2999-01-01", "", "", "", "", "", ""], ["baris 2, kolom tanggal_lahir"]),
]


@pytest.mark.parametrize("row, expected", BAD_PERSONS, ids=[r[0][0] for r in BAD_PERSONS])
def test_each_class_of_bad_person_row(db, tmp_path, row, expected):
    good = ["OK", "", "", "Baik", "", "L", "", "", "", "", "", "", ""]
    path = write_csv(tmp_path / "bad.csv", PERSON_HEADER, [row, good])
    before = table_counts(db)
    with pytest.raises(ImportRefused) as exc:
        run_import(db, SYSTEM, "persons", path)
    for fragment in expected:
        assert any(line.startswith(fragment) for line in exc.value.lines), exc.value.lines
    assert table_counts(db) == before
    with pytest.raises(ImportRefused):
        run_import(db, SYSTEM, "persons", path, dry_run=True)
    assert table_counts(db) == before


def test_every_error_of_every_row_is_listed(db, tmp_path):
    rows = [["A", "", "", "", "", "X", "2001-13-01", "", "", "", "", "", ""],
            ["B", "", "", "Baik", "", "L", "", "", "", "", "", "", ""],
            ["A", "", "", "Lagi", "", "L", "", "", "", "", "", "", ""],
            ["C", NIK_SITI, "", "Siti", "", "P", "", "", "", "", "", "", ""],
            ["D", NIK_SITI, "", "Siti Dua", "", "P", "", "", "", "", "", "", ""]]
    before = table_counts(db)
    with pytest.raises(ImportRefused) as exc:
        run_import(db, SYSTEM, "persons", write_csv(tmp_path / "m.csv", PERSON_HEADER, rows))
    lines = exc.value.lines
    assert "baris 2, kolom nama: wajib diisi." in lines
    assert any(line.startswith("baris 2, kolom tanggal_lahir:") for line in lines)
    assert any(line.startswith("baris 2, kolom jenis_kelamin:") for line in lines)
    assert "baris 4, kolom id: id 'A' sudah dipakai di baris 2." in lines
    assert "baris 6, kolom nik: NIK " + NIK_SITI + " sudah dipakai di baris 5 berkas ini." in lines
    assert len(lines) == 5
    assert "tidak ada yang disimpan" in exc.value.message
    assert table_counts(db) == before


def test_header_problems(db, tmp_path):
    before = table_counts(db)
    with pytest.raises(ImportRefused) as exc:
        run_import(db, SYSTEM, "persons", write_csv(tmp_path / "h.csv", ["id", "nama", "warna"], [["1", "A", "x"]]))
    assert any(line.startswith("baris 1, kolom warna: kolom tidak dikenal") for line in exc.value.lines)
    assert "baris 1, kolom jenis_kelamin: kolom wajib ini tidak ada di baris judul." in exc.value.lines
    (tmp_path / "x.txt").write_text("nama\nA\n")
    with pytest.raises(ValidationError, match=".csv"):
        run_import(db, SYSTEM, "persons", tmp_path / "x.txt")
    (tmp_path / "latin.csv").write_bytes("nama,jenis_kelamin\nJos\xe9,L\n".encode("latin-1"))
    with pytest.raises(ValidationError, match="UTF-8"):
        run_import(db, SYSTEM, "persons", tmp_path / "latin.csv")
    with pytest.raises(ValidationError, match="tidak ditemukan"):
        run_import(db, SYSTEM, "persons", tmp_path / "missing.csv")
    with pytest.raises(ValidationError, match="tidak dikenal"):
        run_import(db, SYSTEM, "nothing", tmp_path / "h.csv")
    assert table_counts(db) == before


BAD_CASES = [
    (["K1", "P9", "UPRS", "gepeng", D1.isoformat(), "", "", "1.06.04.2.01.0001", "", "", ""], "kolom person"),
    (["K2", "P1", "RSJ", "gepeng", D1.isoformat(), "", "", "1.06.04.2.01.0001", "", "", ""], "kolom unit"),
    (["K3", "P1", "UPRS", "bencana", D1.isoformat(), "", "", "1.06.04.2.01.0001", "", "", ""], "kolom kelompok_spm"),
    (["K4", "P1", "UPRS", "gepeng", "kemarin", "", "", "1.06.04.2.01.0001", "", "", ""], "kolom tanggal_masuk"),
    (["K5", "P1", "UPRS", "gepeng", D1.isoformat(), "", "mungkin", "1.06.04.2.01.0001", "", "", ""],
     "kolom dalam_shelter"),
    (["K6", "P1", "UPRS", "gepeng", D1.isoformat(), "", "", "1.06.06.2.01.0007", "", "", ""], "kolom kebutuhan"),
    (["K7", "P1", "UPRS", "gepeng", D2.isoformat(), "", "", "1.06.04.2.01.0001", D1.isoformat(), "lainnya", ""],
     "kolom tanggal_keluar"),
    (["K8", "P1", "UPRS", "gepeng", D1.isoformat(), "", "", "1.06.04.2.01.0001", D2.isoformat(), "", ""],
     "kolom alasan_keluar"),
    (["K9", "P1", "UPRS", "gepeng", D1.isoformat(), "", "", "1.06.04.2.01.0001", "", "", ""], "kolom kelompok_spm"),
    (["K10", "P1", "TKSK", "lansia", D1.isoformat(), "", "", "1.06.04.2.01.0001", "", "", "Kec. Antah"],
     "kolom kecamatan"),
    (["K11", "P1", "UPRS", "gepeng", D1.isoformat(), "polisi hutan", "", "1.06.04.2.01.0001", "", "", ""],
     "kolom dirujuk_oleh"),
]


@pytest.mark.parametrize("row, column", BAD_CASES, ids=[r[0][0] for r in BAD_CASES])
def test_each_class_of_bad_case_row(db, files, tmp_path, row, column):
    import_all(db, files)  # C1 is an open gepeng case of P1: K9 is a second one
    before = table_counts(db)
    with pytest.raises(ImportRefused) as exc:
        run_import(db, SYSTEM, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER, [row]))
    assert any(line.startswith(f"baris 2, {column}:") for line in exc.value.lines), exc.value.lines
    assert table_counts(db) == before


BAD_EVENTS = [
    (dict(person="P9"), "kolom person"),
    (dict(case="C9"), "kolom case"),
    (dict(case="C3"), "kolom case"),  # another person's case
    (dict(kode_layanan="1.2.3"), "kolom kode_layanan"),
    (dict(tanggal=(clock.today() + timedelta(days=1)).isoformat()), "kolom tanggal"),
    (dict(tanggal=(D1 - timedelta(days=1)).isoformat()), "kolom tanggal"),  # before intake
    (dict(jumlah="0"), "kolom jumlah"),
    (dict(jumlah="satu"), "kolom jumlah"),
    (dict(meals_per_day="5"), "kolom kode_layanan"),  # more meals a day than the standard
    (dict(kelurahan="Antah"), "kolom kelurahan"),
    (dict(disaster="B9"), "kolom disaster"),
]


@pytest.mark.parametrize("change, column", BAD_EVENTS, ids=[str(c) for c, _ in BAD_EVENTS])
def test_each_class_of_bad_event_row(db, files, tmp_path, change, column):
    import_all(db, files)
    row = dict(zip(EVENT_HEADER, ["N1", "P1", "C1", "1.06.04.2.01.0001", (D1 + timedelta(days=5)).isoformat(), "",
                                  "", "", "", "3", "1", "", ""], strict=True))
    row.update(change)
    before = table_counts(db)
    with pytest.raises(ImportRefused) as exc:
        run_import(db, SYSTEM, "events", write_csv(tmp_path / "e.csv", EVENT_HEADER, [list(row.values())]))
    assert any(line.startswith(f"baris 2, {column}:") for line in exc.value.lines), exc.value.lines
    assert table_counts(db) == before


def test_import_needs_permission(db, files):
    before = table_counts(db)
    with pytest.raises(PermissionDenied):
        run_import(db, Actor(username="p", role="petugas", unit="UPRS"), "persons", files["persons"])
    assert table_counts(db) == before


def test_fast_xlsx_reader_agrees_with_openpyxl(tmp_path):
    from openpyxl import load_workbook

    from spm_desktop.core.imports.framework import _cell_text
    from spm_desktop.core.imports.xlsx import read_first_sheet

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "nama", "tanggal", "nik", "desimal", "benar"])
    ws.append(["1", "José Ramírez", date(2001, 2, 3), 6171015708750012, 1.5, True])
    ws["A4"] = "sesudah baris kosong"
    ws["C5"] = date(2020, 1, 2)
    ws["C5"].number_format = "dd/mm/yyyy"
    ws["E5"] = 44000
    wb.create_sheet("kedua").append(["tidak dibaca"])
    path = tmp_path / "w.xlsx"
    wb.save(path)
    fast = [[_cell_text(c) for c in row] for row in read_first_sheet(path)]
    ref = load_workbook(path, read_only=True, data_only=True)
    slow = [[_cell_text(c) for c in row] for row in ref.worksheets[0].iter_rows(values_only=True)]
    ref.close()
    strip = [[c for c in row if c] for row in fast]
    assert strip == [[c for c in row if c] for row in slow]
    assert fast[1] == ["1", "José Ramírez", "2001-02-03", "6171015708750012", "1.5", "True"]
    assert fast[4][2] == "2020-01-02" and fast[4][4] == "44000"


def test_damaged_xlsx_is_refused(db, tmp_path):
    bad = tmp_path / "rusak.xlsx"
    bad.write_bytes(b"PK\x03\x04 bukan excel")
    with pytest.raises(ValidationError, match="bukan berkas Excel"):
        run_import(db, SYSTEM, "persons", bad)
