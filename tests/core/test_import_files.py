"""Files as offices write them (issue 14): a semicolon CSV with apostrophes reads every row
whole; cells beyond the header and unbalanced quotes refuse the file; identity numbers in
numeric spreadsheet cells are refused, never converted; phone numbers get their leading 0."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.imports import ImportRefused, run_import
from spm_desktop.core.imports.framework import count_csv_records, csv_delimiter, read_table
from spm_desktop.core.imports.xlsx import read_first_sheet
from spm_desktop.core.storage.models import Person

# As Excel writes it in an Indonesian locale: semicolons, apostrophes in names and addresses.
APOSTROPHE_FILE = """id;nama;jenis_kelamin;alamat;tempat_lahir
P1;Budi Santoso;L;'Gg. Mawar No. 3;Pontianak
P2;Jum'at Saleh;L;Jl. Sepakat 2;Sambas
P3;Siti Aminah;P;Jl. Tanjungpura;Pontianak
P4;Ahmad Yani;L;'Komp. Bali Agung';Mempawah
"""
NIK_A = "9471011506851235"  # > 2^53 and odd: float() makes it …236
KK_A = "6171010101010001"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def _persons(db) -> dict[str, tuple[str, str, str]]:
    with db.reading() as s:
        return {p.name: (p.address, p.birth_place, p.sex) for p in s.scalars(select(Person))}


def _person_count(db) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(Person))


def test_semicolon_file_with_apostrophes_imports_four_whole_persons(db, tmp_path):
    path = _write(tmp_path / "penerima.csv", APOSTROPHE_FILE)
    result = run_import(db, SYSTEM, "persons", path)
    assert result.rows == 4 and result.created == 4
    assert _persons(db) == {
        "Budi Santoso": ("'Gg. Mawar No. 3", "Pontianak", "L"),
        "Jum'at Saleh": ("Jl. Sepakat 2", "Sambas", "L"),
        "Siti Aminah": ("Jl. Tanjungpura", "Pontianak", "P"),
        "Ahmad Yani": ("'Komp. Bali Agung'", "Mempawah", "L"),
    }


def test_same_file_with_windows_line_ends_and_quoted_line_break(db, tmp_path):
    text = APOSTROPHE_FILE.replace("Jl. Tanjungpura", '"Jl. Tanjungpura\nGg. Haji; No. 7"').replace("\n", "\r\n")
    # the line break inside the quoted address became \r\n too: still one record
    path = _write(tmp_path / "crlf.csv", text)
    assert count_csv_records(path.read_text(encoding="utf-8")) == 5
    result = run_import(db, SYSTEM, "persons", path)
    assert result.created == 4
    assert _persons(db)["Siti Aminah"][0] == "Jl. Tanjungpura\nGg. Haji; No. 7"


def test_delimiter_comes_from_the_header_line_only():
    assert csv_delimiter("id;nama;alamat") == ";"
    assert csv_delimiter("id,nama,alamat") == ","
    assert csv_delimiter("id\tnama") == "\t"
    assert csv_delimiter("nama") == ","


def test_cells_beyond_the_header_refuse_the_file(db, tmp_path):
    text = "id;nama;jenis_kelamin\nP1;Budi;L\nP2;Siti;P;Jl. Merdeka 5\nP3;Agus;L;\n"
    path = _write(tmp_path / "lebih.csv", text)
    with pytest.raises(ImportRefused) as refused:
        run_import(db, SYSTEM, "persons", path)
    assert len(refused.value.lines) == 1
    assert refused.value.lines[0].startswith(
        "baris 3, kolom ke-4: sel di luar kolom baris judul berisi 'Jl. Merdeka 5'")
    assert _person_count(db) == 0


def test_an_unbalanced_quote_refuses_the_file_instead_of_merging_rows(db, tmp_path):
    text = 'id,nama,jenis_kelamin,alamat\nP1,Budi,L,Jl. Mawar 3\nP2,Siti,P,Jl. 5" Baru\nP3,Agus,L,Jl. Melati\n'
    path = _write(tmp_path / "kutip.csv", text)
    with pytest.raises(ValidationError, match=r"tanda kutip \(\"\) yang tidak berpasangan di baris 3"):
        run_import(db, SYSTEM, "persons", path)
    assert _person_count(db) == 0


def test_a_badly_quoted_field_refuses_the_file(db, tmp_path):
    path = _write(tmp_path / "rusak.csv", 'id,nama,jenis_kelamin\nP1,"Budi" Santoso,L\n')
    with pytest.raises(ValidationError, match="tanda kutip"):
        run_import(db, SYSTEM, "persons", path)
    assert _person_count(db) == 0


def _workbook(path: Path, header: list[str], rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_numeric_nik_and_kk_cells_are_refused_with_the_message(db, tmp_path):
    path = _workbook(tmp_path / "nik_angka.xlsx", ["id", "nik", "no_kk", "nama", "jenis_kelamin"], [
        ["P1", int(NIK_A), KK_A, "Yohanes Wenda", "L"],
        ["P2", "6171015708750012", int(KK_A), "Maria Kogoya", "P"],
        ["P3", make_nik("947101", date(1985, 6, 15), "L", 20), KK_A, "Benny Tabuni", "L"],
    ])
    with pytest.raises(ImportRefused) as refused:
        run_import(db, SYSTEM, "persons", path)
    assert refused.value.lines == [
        "baris 2, kolom nik: NIK tersimpan sebagai angka, sehingga digit terakhirnya bisa sudah berubah; "
        "format kolom sebagai Teks lalu ketik ulang.",
        "baris 3, kolom no_kk: No. KK tersimpan sebagai angka, sehingga digit terakhirnya bisa sudah berubah; "
        "format kolom sebagai Teks lalu ketik ulang.",
    ]
    assert _person_count(db) == 0


def test_text_nik_cells_import_exactly(db, tmp_path):
    path = _workbook(tmp_path / "nik_teks.xlsx", ["id", "nik", "no_kk", "nama", "jenis_kelamin"],
                     [["P1", NIK_A, KK_A, "Yohanes Wenda", "L"]])
    run_import(db, SYSTEM, "persons", path)
    with db.reading() as s:
        assert s.execute(select(Person.nik, Person.no_kk)).one() == (NIK_A, KK_A)


def test_a_nik_given_as_number_in_a_person_column_is_refused(db, tmp_path):
    run_import(db, SYSTEM, "persons", _workbook(tmp_path / "p.xlsx", ["id", "nik", "nama", "jenis_kelamin"],
                                                 [["P1", NIK_A, "Yohanes Wenda", "L"]]))
    cases = _workbook(tmp_path / "c.xlsx", ["person", "unit", "kelompok_spm", "tanggal_masuk", "kebutuhan"],
                      [[int(NIK_A), "UPRS", "gepeng", "2026-01-05", "1.06.04.2.01.0001"]])
    with pytest.raises(ImportRefused) as refused:
        run_import(db, SYSTEM, "cases", cases)
    assert refused.value.lines[0].startswith("baris 2, kolom person: NIK tersimpan sebagai angka")


def _with_exact_number(path: Path, written: str, exact: str) -> Path:
    """openpyxl itself writes big integers through float(); put the exact digits in the sheet
    XML as another program would."""
    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(f"<v>{written}</v>".encode(), f"<v>{exact}</v>".encode())
    with zipfile.ZipFile(path, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def test_numbers_are_read_exactly_and_phones_get_their_zero(tmp_path):
    path = _workbook(tmp_path / "angka.xlsx", ["id", "telepon", "jumlah"], [[int(NIK_A), 81234567890, 3]])
    _with_exact_number(path, "9471011506851236", NIK_A)
    assert read_first_sheet(path)[1] == [int(NIK_A), 81234567890, 3]  # never through float()
    _headers, rows = read_table(path)
    assert rows[0].values == {"id": NIK_A, "telepon": "081234567890", "jumlah": "3"}
    assert rows[0].errors == []


# ----- files as offices make them: limits checked before loading (issue 20) ----------------


def test_a_file_over_100_mb_is_refused_before_reading(db, tmp_path):
    path = tmp_path / "besar.csv"
    with path.open("wb") as fh:  # 101 MB, sparse: refused on its size, never read
        fh.write(b"nama,jenis_kelamin\n")
        fh.truncate(101 * 1000 * 1000)
    with pytest.raises(ValidationError) as exc:
        run_import(db, SYSTEM, "persons", path)
    assert "berukuran 101,0 MB, lebih dari batas 100 MB untuk sekali impor" in exc.value.message
    assert "Bagi berkas menjadi beberapa berkas" in exc.value.message
    assert _person_count(db) == 0


def test_more_than_500000_rows_is_refused_while_streaming(db, tmp_path):
    path = tmp_path / "banyak.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("nama;jenis_kelamin\n")
        fh.writelines(f"Orang {i};L\n" for i in range(500_001))
    with pytest.raises(ValidationError) as exc:
        read_table(path)
    assert "lebih dari 500.000 baris data, batas sekali impor" in exc.value.message
    with pytest.raises(ValidationError, match="500.000 baris"):
        run_import(db, SYSTEM, "persons", path, dry_run=True)


def test_row_limit_counts_data_rows_exactly(tmp_path, monkeypatch):
    from spm_desktop.core.imports import framework

    monkeypatch.setattr(framework, "MAX_DATA_ROWS", 3)
    ok = _write(tmp_path / "tiga.csv", "nama,jenis_kelamin\nA,L\nB,P\nC,L\n")
    assert len(read_table(ok)[1]) == 3
    over = _write(tmp_path / "empat.csv", "nama,jenis_kelamin\nA,L\nB,P\nC,L\nD,P\n")
    with pytest.raises(ValidationError, match="lebih dari 3 baris data"):
        read_table(over)
    wb = _workbook(tmp_path / "empat.xlsx", ["nama", "jenis_kelamin"], [["A", "L"], ["B", "P"], ["C", "L"], ["D", "P"]])
    with pytest.raises(ValidationError, match="lebih dari 3 baris data"):
        read_table(wb)


def test_an_xlsx_bomb_is_refused_before_unpacking(db, tmp_path):
    path = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            chunk = b" " * (1 << 20)
            for _ in range(201):  # 210 MB of nothing, a few hundred KB packed
                fh.write(chunk)
    assert path.stat().st_size < 1_100_000
    with pytest.raises(ValidationError) as exc:
        run_import(db, SYSTEM, "persons", path)
    assert "membengkak menjadi 210,8 MB saat dibuka, lebih dari batas 200 MB" in exc.value.message


def test_a_row_far_down_the_sheet_is_refused_without_padding(tmp_path):
    path = _workbook(tmp_path / "jauh.xlsx", ["nama", "jenis_kelamin"], [["A", "L"]])
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.active.cell(row=1_000_000, column=1, value="Z")
    wb.save(path)
    with pytest.raises(ValidationError, match="lebih dari 500.000 baris data"):
        read_table(path)
