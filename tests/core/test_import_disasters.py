"""Import kinds ``disasters`` and ``households`` (architecture §9): a fire and its families from
files, re-import changes nothing, and every refusal leaves every table as it was."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cli_helpers import cli_main
from openpyxl import Workbook
from sqlalchemy import func, select

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.imports import ImportRefused, external_id, run_import
from spm_desktop.core.services.disaster_summary import disaster_summary
from spm_desktop.core.services.disasters import get_disaster
from spm_desktop.core.storage.models import Base

NIK_SITI = make_nik("617101", date(1990, 4, 2), "P", 11)
NIK_HASAN = make_nik("617101", date(1958, 1, 20), "L", 12)

PERSONS = f"""id,nik,nama,jenis_kelamin,tanggal_lahir,perkiraan_tahun_lahir
p1,,Budi Santoso,L,1985-03-01,
p2,{NIK_SITI},Siti Aminah,P,1990-04-02,
p3,,Ahmad,L,,2024
p4,{NIK_HASAN},Hasan,L,1958-01-20,
p5,,Rina,P,2012-07-07,
"""
DISASTER_HEADER = "id,jenis,tanggal_mulai,tanggal_selesai,kelurahan,lokasi,rumah_rusak_ringan,"\
                   "rumah_rusak_sedang,rumah_rusak_berat\n"
DISASTERS = DISASTER_HEADER + """K-01,kebakaran_permukiman,2026-03-02,,Benua Melayu Laut,Gg. Amal,0,1,2
B-07,Banjir rob,20/12/2025,28/12/2025,61.71.04.1001,Tepian Kapuas,12,0,0
"""
HOUSEHOLDS = f"""disaster,no_kk,person,hubungan,hamil_menyusui,disabilitas
K-01,6171010203260001,p1,kepala,tidak,tidak
K-01,6171010203260001,{NIK_SITI},istri,ya,tidak
K-01,6171010203260001,p3,anak,,
K-01,6171010203260002,{NIK_HASAN},kepala,tidak,ya
K-01,6171010203260002,p5,anak,tidak,tidak
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def table_counts(db) -> dict[str, int]:
    with db.reading() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def import_all(db, tmp_path):
    results = [run_import(db, SYSTEM, kind, write(tmp_path, f"{kind}.csv", text))
               for kind, text in (("persons", PERSONS), ("disasters", DISASTERS), ("households", HOUSEHOLDS))]
    return results


def test_fire_and_families_from_files(db, tmp_path):
    persons, disasters, households = import_all(db, tmp_path)
    assert (disasters.created, households.created) == (2, 5)
    fire = get_disaster(db, SYSTEM, external_id("disasters", "K-01"))
    assert (fire.kind, fire.kelurahan_code, fire.kecamatan_code, fire.status) == (
        "kebakaran_permukiman", "61.71.01.1002", "61.71.01", "open")
    assert (fire.houses_medium, fire.houses_heavy, fire.households, fire.persons) == (1, 2, 2, 5)
    flood = get_disaster(db, SYSTEM, external_id("disasters", "B-07"))
    # tanggal_selesai ends the emergency period; the handling stays open (no tanggal_ditutup).
    assert (flood.kind, flood.status, flood.phase, flood.end_date, flood.closed_on, flood.scale) == (
        "banjir_rob", "open", "pasca_bencana", date(2025, 12, 28), None, "kabupaten_kota")
    summary = disaster_summary(db, SYSTEM, fire.id)
    kinds = {m.name: m.vulnerable_kinds for m in summary.members}
    assert kinds == {"Budi Santoso": (), "Siti Aminah": ("hamil_menyusui",), "Ahmad": ("balita",),
                     "Hasan": ("lansia", "disabilitas"), "Rina": ()}
    heads = {m.no_kk: m.name for m in summary.members if m.relation == "kepala"}
    assert heads == {"6171010203260001": "Budi Santoso", "6171010203260002": "Hasan"}

    before = table_counts(db)
    again = import_all(db, tmp_path)
    assert [(r.created, r.updated, r.unchanged) for r in again[1:]] == [(0, 0, 2), (0, 0, 5)]
    after = table_counts(db)
    assert after["audit_entry"] == before["audit_entry"] + 3  # one "import" entry per file
    assert {k: v for k, v in after.items() if k != "audit_entry"} == {
        k: v for k, v in before.items() if k != "audit_entry"}

    # A changed row updates the member; a changed disaster row updates the disaster.
    run_import(db, SYSTEM, "households", write(tmp_path, "h2.csv", HOUSEHOLDS.replace(
        "p5,anak,tidak,tidak", "p5,anak,tidak,ya")))
    rina = next(m for m in disaster_summary(db, SYSTEM, fire.id).members if m.name == "Rina")
    assert rina.vulnerable_kinds == ("disabilitas",)
    result = run_import(db, SYSTEM, "disasters", write(tmp_path, "d2.csv", DISASTERS.replace(
        "Gg. Amal,0,1,2", "Gg. Amal,0,1,3")))
    assert (result.updated, result.unchanged) == (1, 1)
    assert get_disaster(db, SYSTEM, fire.id).houses_heavy == 3


def test_households_from_xlsx(db, tmp_path):
    run_import(db, SYSTEM, "persons", write(tmp_path, "persons.csv", PERSONS))
    run_import(db, SYSTEM, "disasters", write(tmp_path, "disasters.csv", DISASTERS))
    wb = Workbook()
    ws = wb.active
    for line in HOUSEHOLDS.strip().splitlines():
        ws.append(line.split(","))
    wb.save(tmp_path / "households.xlsx")
    result = run_import(db, SYSTEM, "households", tmp_path / "households.xlsx")
    assert (result.rows, result.created) == (5, 5)


BAD_DISASTERS = DISASTER_HEADER + """K-01,kebakaran_permukiman,2026-03-02,,Benua Melayu Laut,Gg. Amal,0,1,2
K-02,gempa bumi,2026-03-05,,Benua Melayu Laut,,0,0,0
K-03,banjir,2026-13-01,,Kampung Entah,,-1,0,0
K-04,banjir,2026-03-09,2026-03-01,Siantan Hulu,,0,0,0
K-01,banjir,2026-03-09,,Siantan Hulu,,0,0,0
"""


def test_refused_files_leave_every_table_unchanged(db, tmp_path):
    run_import(db, SYSTEM, "persons", write(tmp_path, "persons.csv", PERSONS))
    counts = table_counts(db)
    with pytest.raises(ImportRefused) as err:
        run_import(db, SYSTEM, "disasters", write(tmp_path, "bad_d.csv", BAD_DISASTERS))
    assert err.value.lines == [
        "baris 3, kolom jenis: jenis bencana 'gempa bumi' tidak dikenal; pilih: kebakaran_permukiman, puting_beliung, "
        "banjir_rob, angin_kencang, banjir, tanah_longsor, bencana_sosial, lainnya.",
        "baris 4, kolom tanggal_mulai: '2026-13-01' bukan tanggal; tulis YYYY-MM-DD atau DD/MM/YYYY.",
        "baris 4, kolom kelurahan: desa/kelurahan 'Kampung Entah' tidak dikenal (isi kode atau nama "
        "desa/kelurahan di wilayah kerja).",
        "baris 4, kolom rumah_rusak_ringan: jumlah rumah tidak boleh negatif.",
        "baris 5, kolom tanggal_selesai: Akhir masa tanggap darurat tidak boleh sebelum tanggal mulai.",
        "baris 6, kolom id: id 'K-01' sudah dipakai di baris 2.",
    ]
    assert table_counts(db) == counts

    run_import(db, SYSTEM, "disasters", write(tmp_path, "disasters.csv", DISASTERS))
    counts = table_counts(db)
    bad_households = (HOUSEHOLDS
                      + "K-01,6171010203260003,p3,kepala,tidak,tidak\n"   # p3 already in KK ...0001
                      + "K-01,6171010203260004,p1x,kepala,tidak,tidak\n"  # unknown person
                      + "K-09,123,p4,ipar,mungkin,tidak\n"                # unknown disaster, bad KK/relation/flag
                      + "B-07,6171040212250001,p1,anak,ya,tidak\n")       # man pregnant, KK without kepala
    with pytest.raises(ImportRefused) as err:
        run_import(db, SYSTEM, "households", write(tmp_path, "bad_h.csv", bad_households))
    lines = err.value.lines
    assert lines[0] == ("baris 7, kolom person: Ahmad sudah terdaftar di KK 6171010203260001 pada bencana ini; satu "
                        "orang hanya boleh di satu keluarga per bencana.")
    assert lines[1].startswith("baris 8, kolom person: penerima layanan 'p1x' tidak ditemukan")
    assert [line.split(":")[0] for line in lines[2:6]] == [
        "baris 9, kolom disaster", "baris 9, kolom no_kk", "baris 9, kolom hubungan", "baris 9, kolom hamil_menyusui"]
    assert lines[6] == ("baris 10, kolom hamil_menyusui: Budi Santoso laki-laki: hamil/menyusui hanya untuk "
                        "perempuan.")
    assert len(lines) == 7
    assert table_counts(db) == counts

    no_head = "disaster,no_kk,person,hubungan\nB-07,6171040212250001,p1,anak\nB-07,6171040212250001,p5,anak\n"
    with pytest.raises(ImportRefused) as err:
        run_import(db, SYSTEM, "households", write(tmp_path, "no_head.csv", no_head))
    assert err.value.lines == ["baris 2, kolom hubungan: KK 6171040212250001 tidak punya baris dengan hubungan "
                               "'kepala'."]
    assert table_counts(db) == counts

    dry = run_import(db, SYSTEM, "households", write(tmp_path, "h.csv", HOUSEHOLDS), dry_run=True)
    assert dry.created == 5 and table_counts(db) == counts


def test_cli_import_disasters_and_households(data_dir, tmp_path, capsys):
    def main(args):  # the CLI logs in (tests/e2e/cli_helpers)
        return cli_main(*args, data_dir=data_dir)

    assert main(["import", "persons", str(write(tmp_path, "persons.csv", PERSONS))]) == 0
    assert main(["import", "disasters", str(write(tmp_path, "disasters.csv", DISASTERS))]) == 0
    assert main(["import", "households", str(write(tmp_path, "households.csv", HOUSEHOLDS)), "--dry-run"]) == 0
    assert main(["import", "households", str(write(tmp_path, "households.csv", HOUSEHOLDS))]) == 0
    out = capsys.readouterr().out
    assert "5 data telah ditambahkan" in out
    assert main(["import", "disasters", str(write(tmp_path, "bad.csv", BAD_DISASTERS))]) == 1
    err = capsys.readouterr().err
    assert "baris 3, kolom jenis: jenis bencana 'gempa bumi' tidak dikenal" in err


V2_DISASTERS = """id,jenis,tanggal_mulai,tanggal_selesai,tanggal_ditutup,skala,kelurahan
K-01,kebakaran_permukiman,2026-03-02,2026-03-09,2026-04-30,Kabupaten/Kota,Benua Melayu Laut
P-01,banjir,2026-01-10,,,provinsi,61.71.04.1001
"""
V2_HOUSEHOLDS = """disaster,no_kk,person,hubungan,mengungsi,butuh_psikososial,dikecualikan,alasan_dikecualikan
K-01,6171010203260001,p1,kepala,ya,tidak,1.06.06.2.01.0002,Pakaian selamat
K-01,6171010203260001,p3,anak,ya,ya,,
K-01,6171010203260002,p4,kepala,tidak,,,
"""


def test_v2_columns_of_disasters_and_households(db, tmp_path):
    run_import(db, SYSTEM, "persons", write(tmp_path, "persons.csv", PERSONS))
    run_import(db, SYSTEM, "disasters", write(tmp_path, "d.csv", V2_DISASTERS))
    fire = get_disaster(db, SYSTEM, external_id("disasters", "K-01"))
    assert (fire.end_date, fire.closed_on, fire.status, fire.scale) == (
        date(2026, 3, 9), date(2026, 4, 30), "closed", "kabupaten_kota")
    assert get_disaster(db, SYSTEM, external_id("disasters", "P-01")).scale == "provinsi"
    run_import(db, SYSTEM, "households", write(tmp_path, "h.csv", V2_HOUSEHOLDS))
    members = {m.name: m for m in disaster_summary(db, SYSTEM, fire.id).members}
    assert (members["Budi Santoso"].displaced, members["Budi Santoso"].waived,
            members["Budi Santoso"].waiver_reason) == (True, ("1.06.06.2.01.0002",), "Pakaian selamat")
    assert members["Budi Santoso"].needed == ("1.06.06.2.01.0001", "1.06.06.2.01.0007")
    assert members["Ahmad"].needed == ("1.06.06.2.01.0001", "1.06.06.2.01.0002", "1.06.06.2.01.0007",
                                       "1.06.06.2.01.0004", "1.06.06.2.01.0005")
    assert members["Hasan"].needed == ("1.06.06.2.01.0004",)  # 68, stays home
    again = run_import(db, SYSTEM, "households", write(tmp_path, "h.csv", V2_HOUSEHOLDS))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_v2_household_columns_are_checked(db, tmp_path):
    run_import(db, SYSTEM, "persons", write(tmp_path, "persons.csv", PERSONS))
    run_import(db, SYSTEM, "disasters", write(tmp_path, "d.csv", V2_DISASTERS))
    counts = table_counts(db)
    bad = """disaster,no_kk,person,hubungan,mengungsi,butuh_psikososial,dikecualikan,alasan_dikecualikan
K-01,6171010203260001,p1,kepala,ya,tidak,1.06.06.2.01.0002,
K-01,6171010203260001,p3,anak,tidak,,9.99,Salah
K-01,6171010203260002,p4,kepala,tidak,,1.06.06.2.01.0001,Tidak mengungsi
"""
    with pytest.raises(ImportRefused) as err:
        run_import(db, SYSTEM, "households", write(tmp_path, "bad_h.csv", bad))
    assert err.value.lines == [
        "baris 2, kolom alasan_dikecualikan: wajib diisi bila ada kebutuhan yang dikecualikan.",
        "baris 3, kolom dikecualikan: kode 9.99 bukan kebutuhan korban bencana; pilih dari: 1.06.06.2.01.0001, "
        "1.06.06.2.01.0002, 1.06.06.2.01.0007, 1.06.06.2.01.0004, 1.06.06.2.01.0005.",
        "baris 3, kolom mengungsi: harus sama untuk semua anggota KK 6171010203260001 (baris 2: ya).",
        "baris 4, kolom dikecualikan: Hasan: permakanan bukan kebutuhan bawaan anggota ini, jadi tidak bisa "
        "dikecualikan (kebutuhan bawaannya: penanganan khusus).",
    ]
    assert table_counts(db) == counts
    with pytest.raises(ImportRefused) as err:
        run_import(db, SYSTEM, "disasters", write(tmp_path, "bad_d.csv", V2_DISASTERS.replace("provinsi", "desa")))
    assert err.value.lines == ["baris 3, kolom skala: skala 'desa' tidak dikenal; pilih: kabupaten/kota, provinsi, "
                               "nasional."]
