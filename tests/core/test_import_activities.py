"""Import kinds ``relawan`` and ``activities`` (architecture §9): dry run, all or nothing with
every error as ``baris N, kolom X``, re-import of an ``id`` updates, re-import of the same file
changes nothing; the figures follow."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from casework_helpers import table_counts
from cli_helpers import cli_main
from sqlalchemy import select

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.imports import ImportRefused, external_id, run_import
from spm_desktop.core.paths import database_url
from spm_desktop.core.rollup.engine import compute_rollup
from spm_desktop.core.rollup.period import Period
from spm_desktop.core.security.audit_chain import verify_chain
from spm_desktop.core.services.activities import get_activity, list_activities
from spm_desktop.core.services.volunteers import get_volunteer, list_volunteers
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import make_engine
from spm_desktop.core.storage.models import AuditEntry

NIK_SRI = make_nik("617101", date(1991, 6, 9), "P", 31)
NIK_BUDI = make_nik("617101", date(1985, 3, 1), "L", 32)
PERSONS = f"""id,nik,nama,jenis_kelamin,tanggal_lahir
p1,{NIK_BUDI},Budi Santoso,L,1985-03-01
p2,,Siti Aminah,P,1990-04-02
"""
RELAWAN = f"""id,nama,jenis_kelamin,nik,organisasi,telepon,aktif
r1,Sri Wahyuni,P,{NIK_SRI},,0812,ya
r2,Andi,L,,Tagana,,
r3,Yanti,P,,PSM,,tidak
"""
ACTIVITIES = f"""id,kode_layanan,tanggal,kelurahan,peserta_l,peserta_p,orang,relawan,fasilitator,keterangan
k1,1.06.04.2.01.0006,2026-01-10,Benua Melayu Laut,3,4,p1; p2,,Bu Lina,Penyuluhan keluarga
k2,1.06.06.2.02.0002,05/02/2026,61.71.01.1002,2,1,,r1;r2;{NIK_SRI},,Apel Tagana
k3,1.06.06.2.02.0002,2026-02-20,61.71.01.1002,1,0,,r2,,
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_relawan_and_activities_from_files(db, tmp_path):
    run_import(db, SYSTEM, "persons", write(tmp_path, "p.csv", PERSONS))
    before = table_counts(db)
    dry = run_import(db, SYSTEM, "relawan", write(tmp_path, "r.csv", RELAWAN), dry_run=True)
    assert (dry.created, dry.dry_run) == (3, True)
    assert table_counts(db) == before
    done = run_import(db, SYSTEM, "relawan", tmp_path / "r.csv")
    assert (done.created, done.updated, done.unchanged) == (3, 0, 0)
    roster = {v.name: v for v in list_volunteers(db, SYSTEM)}
    assert [(v.sex, v.organisation, v.active, v.phone) for v in roster.values()] == [
        ("L", "Tagana", True, ""), ("P", "Tagana", True, "0812"), ("P", "PSM", False, "")]
    assert roster["Sri Wahyuni"].id == external_id("relawan", "r1")

    result = run_import(db, SYSTEM, "activities", write(tmp_path, "a.csv", ACTIVITIES))
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    k1 = get_activity(db, SYSTEM, external_id("activities", "k1"))
    assert (k1.kelurahan_code, k1.participants, k1.facilitator, sorted(p.name for p in k1.persons)) == (
        "61.71.01.1002", 7, "Bu Lina", ["Budi Santoso", "Siti Aminah"])
    k2 = get_activity(db, SYSTEM, external_id("activities", "k2"))
    assert sorted(v.name for v in k2.volunteers) == ["Andi", "Sri Wahyuni"]  # r1 and its NIK: one volunteer
    # The same files again change nothing.
    assert run_import(db, SYSTEM, "activities", tmp_path / "a.csv").unchanged == 3
    assert run_import(db, SYSTEM, "relawan", tmp_path / "r.csv").unchanged == 3
    # A row imported again with its id updates the record.
    changed = ACTIVITIES.replace("k1,1.06.04.2.01.0006,2026-01-10,Benua Melayu Laut,3,4,p1; p2",
                                 "k1,1.06.04.2.01.0006,2026-01-10,Benua Melayu Laut,3,5,p2")
    again = run_import(db, SYSTEM, "activities", write(tmp_path, "a2.csv", changed))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 2)
    k1 = get_activity(db, SYSTEM, k1.id)
    assert (k1.participants, [p.name for p in k1.persons]) == (8, ["Siti Aminah"])
    assert len(list_activities(db, SYSTEM)) == 3
    result = compute_rollup(db, Period.for_month(2026, 2))
    assert result.indicator("1.06.04.2.01.0006").cumulative == 8
    assert result.indicator("1.06.06.2.02.0002").cumulative == 2
    # relawan: without the aktif column the flag is kept; an id row updates.
    run_import(db, SYSTEM, "relawan", write(tmp_path, "r2.csv", "id,nama,jenis_kelamin\nr3,Yanti Lestari,P\n"))
    yanti = get_volunteer(db, SYSTEM, external_id("relawan", "r3"))
    assert (yanti.name, yanti.active, yanti.organisation) == ("Yanti Lestari", False, "PSM")


def test_a_bad_file_is_refused_whole_with_every_error(db, tmp_path):
    run_import(db, SYSTEM, "persons", write(tmp_path, "p.csv", PERSONS))
    run_import(db, SYSTEM, "relawan", write(tmp_path, "r.csv", RELAWAN))
    before = table_counts(db)
    bad = """id,kode_layanan,tanggal,kelurahan,peserta_l,peserta_p,orang,relawan
ok,1.06.04.2.01.0006,2026-01-10,61.71.01.1002,1,1,p1,
b1,1.06.04.2.01.0001,2026-01-10,61.71.01.1002,1,0,,
b2,1.06.04.2.01.0006,2026-13-01,Kelurahan Entah,x,-1,p9,
b3,1.06.06.2.02.0002,2026-01-10,61.71.01.1002,1,0,p1,r9
"""
    with pytest.raises(ImportRefused) as err:
        run_import(db, SYSTEM, "activities", write(tmp_path, "bad.csv", bad))
    lines = err.value.lines
    assert lines[0].startswith("baris 3, kolom kode_layanan: Layanan Penyediaan Permakanan dicatat per orang")
    assert lines[1:6] == [
        "baris 4, kolom tanggal: '2026-13-01' bukan tanggal; tulis YYYY-MM-DD atau DD/MM/YYYY.",
        "baris 4, kolom kelurahan: kelurahan 'Kelurahan Entah' tidak dikenal.",
        "baris 4, kolom peserta_l: 'x' bukan bilangan bulat.",
        "baris 4, kolom peserta_p: jumlah peserta tidak boleh negatif.",
        "baris 4, kolom orang: penerima layanan 'p9' tidak ditemukan (isi id dari berkas persons atau NIK).",
    ]
    assert lines[6] == "baris 5, kolom relawan: relawan 'r9' tidak ditemukan (isi id dari berkas relawan atau NIK)."
    assert table_counts(db) == before
    bad_relawan = f"nama,jenis_kelamin,nik\n,L,\nBudi,X,\nSari,L,{NIK_SRI}\n"
    with pytest.raises(ImportRefused) as err:
        run_import(db, SYSTEM, "relawan", write(tmp_path, "badr.csv", bad_relawan))
    assert err.value.lines[0] == "baris 2, kolom nama: wajib diisi."
    assert err.value.lines[1] == "baris 3, kolom jenis_kelamin: Jenis kelamin wajib L (laki-laki) atau P (perempuan)."
    assert err.value.lines[2].startswith("baris 4, kolom nik: Digit 7–8 NIK")
    assert table_counts(db) == before


def test_cli_imports_relawan_and_activities(data_dir, tmp_path, capsys):
    def main(args):  # the CLI logs in (tests/e2e/cli_helpers)
        return cli_main(*args, data_dir=data_dir)

    assert main(["import", "relawan", str(write(tmp_path, "r.csv", RELAWAN))]) == 0
    assert main(["import", "persons", str(write(tmp_path, "p.csv", PERSONS))]) == 0
    capsys.readouterr()
    assert main(["import", "activities", str(write(tmp_path, "a.csv", ACTIVITIES)), "--dry-run"]) == 0
    assert "3 data akan ditambahkan" in capsys.readouterr().out
    assert main(["import", "activities", str(write(tmp_path, "b.csv", ACTIVITIES.replace(",r2,,", ",r7,,")))]) == 1
    assert "baris 4, kolom relawan: relawan 'r7' tidak ditemukan" in capsys.readouterr().err
    db = Database(make_engine(database_url(data_dir)))
    try:
        with db.reading() as s:
            imports = s.execute(select(AuditEntry.username, AuditEntry.entity)
                                .where(AuditEntry.action == "import")).all()
            chain = verify_chain(s)
    finally:
        db.dispose()
    # audited as the administrator who logged in (the dry run and the refused file write
    # nothing), every entry linked into the hash chain
    assert sorted(imports) == [("admin", "persons"), ("admin", "relawan")]
    assert chain.ok, chain.message()
