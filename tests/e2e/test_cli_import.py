"""``spm-desktop import {persons,cases,events} FILE [--dry-run]`` as a script runs it."""

from __future__ import annotations

from datetime import date, timedelta

from cli_helpers import ensure_admin, spm
from sqlalchemy import inspect, text

from spm_desktop.core.paths import database_url
from spm_desktop.core.storage.engine import make_engine

D1 = (date.today() - timedelta(days=20)).isoformat()
PERSONS = ("id,nik,nama,jenis_kelamin,tanggal_lahir,perkiraan_tahun_lahir,kelurahan,kategori_pmks\n"
           "P1,,Budi Santoso,L,1980-05-17,,61.71.01.1002,gelandangan\n"
           "P2,6171015708750012,Siti Aminah,P,17/08/1975,,Benua Melayu Laut,pengemis\n")
CASES = ("id,person,unit,kelompok_spm,tanggal_masuk,dalam_shelter,kebutuhan\n"
         f"C1,P1,UPRS,gepeng,{D1},ya,1.06.04.2.01.0001;1.06.04.2.01.0002\n")
EVENTS = ("id,person,case,kode_layanan,tanggal,items\n"
          f"E1,P1,C1,1.06.04.2.01.0002,{D1},Pakaian;Sandal\n")



def query(data_dir, sql: str) -> list:
    """Rows of ``sql`` on the data folder's database (SQLite file or PostgreSQL server)."""
    engine = make_engine(database_url(data_dir))
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql)))
    finally:
        engine.dispose()


def contents(data_dir) -> dict[str, list]:
    engine = make_engine(database_url(data_dir))
    try:
        with engine.connect() as conn:
            # app_user: every command's login stamps last_login_at
            tables = [t for t in inspect(conn).get_table_names()
                      if t not in ("audit_entry", "local_device", "alembic_version", "app_user")]
            return {t: sorted(map(repr, conn.execute(text(f'SELECT * FROM "{t}"')))) for t in tables}
    finally:
        engine.dispose()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_files_twice_and_dry_run(data_dir, tmp_path):
    files = {k: write(tmp_path, f"{k}.csv", t) for k, t in (("persons", PERSONS), ("cases", CASES),
                                                             ("events", EVENTS))}
    ensure_admin(data_dir)
    before = contents(data_dir)
    dry = spm("import", "persons", str(files["persons"]), "--dry-run", data_dir=data_dir)
    assert dry.returncode == 0, dry.stderr
    assert "Uji coba" in dry.stdout and "2 data akan ditambahkan" in dry.stdout
    assert contents(data_dir) == before
    for kind in ("persons", "cases", "events"):
        done = spm("import", kind, str(files[kind]), data_dir=data_dir)
        assert done.returncode == 0, done.stderr
        assert "telah ditambahkan" in done.stdout
    first = contents(data_dir)
    assert len(first["person"]) == 2 and len(first["cases"]) == 1 and len(first["service_event"]) == 1
    for kind in ("persons", "cases", "events"):
        again = spm("import", kind, str(files[kind]), data_dir=data_dir)
        assert again.returncode == 0 and "0 data telah ditambahkan, 0 telah diperbarui" in again.stdout
    assert contents(data_dir) == first
    users = {r[0] for r in query(data_dir, "SELECT DISTINCT username FROM audit_entry WHERE action='import'")}
    assert users == {"admin"}  # the logged-in user, never "system"


def test_refused_file_exits_1_with_every_error(data_dir, tmp_path):
    bad = write(tmp_path, "bad.csv", "id,nama,jenis_kelamin,tanggal_lahir,nik\n"
                                     "A,,X,31/02/2000,123\n"
                                     "B,Baik,L,,\n"
                                     "B,Lagi,L,,\n")
    before = contents(data_dir)
    result = spm("import", "persons", str(bad), data_dir=data_dir)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Ditolak:") and "tidak ada yang disimpan" in lines[0]
    assert "baris 2, kolom nama: wajib diisi." in lines
    assert any(line.startswith("baris 2, kolom tanggal_lahir:") for line in lines)
    assert any(line.startswith("baris 2, kolom jenis_kelamin:") for line in lines)
    assert any(line.startswith("baris 2, kolom nik:") for line in lines)
    assert "baris 4, kolom id: id 'B' sudah dipakai di baris 3." in lines
    assert contents(data_dir) == before


def test_usage_errors(data_dir, tmp_path):
    assert spm("import", "nothing", "x.csv", data_dir=data_dir).returncode == 2
    missing = spm("import", "persons", str(tmp_path / "none.csv"), data_dir=data_dir)
    assert missing.returncode == 1 and "tidak ditemukan" in missing.stderr


def test_duplicates_command_lists_open_pairs_with_the_file_ids(data_dir, tmp_path):
    """``spm-desktop duplicates --json -`` (issue 20): ``ref`` is the id the person had in the file."""
    import json

    path = tmp_path / "p.csv"
    path.write_text("id;nama;jenis_kelamin;perkiraan_tahun_lahir;kelurahan\n"
                    "DS-001;Siti Nurhaliza;P;1980;Parit Tokaya\nDS-002;Nurhaliza;P;1981;Parittokaya\n"
                    "DS-003;Budi Santoso;L;1970;Kota Baru\n", encoding="utf-8")
    imported = spm("import", "persons", str(path), data_dir=data_dir)
    assert imported.returncode == 0, imported.stderr
    listed = spm("duplicates", "--json", "-", data_dir=data_dir)
    assert listed.returncode == 0, listed.stderr
    pairs = json.loads(listed.stdout)
    assert len(pairs) == 1 and pairs[0]["score"] >= 85
    assert {pairs[0]["a"]["ref"], pairs[0]["b"]["ref"]} == {"DS-001", "DS-002"}
    assert {pairs[0]["a"]["nama"], pairs[0]["b"]["nama"]} == {"Siti Nurhaliza", "Nurhaliza"}
    assert set(pairs[0]["a"]) == {"id", "ref", "nama"}
