"""Issue 21 from the command line: import complaints, referrals and DTSEN proposals (again with
the same ids: updates), export a DTSEN batch, print letters (read back with pdftotext), and
the recap JSON's ``layanan_data`` beside indicator 1.06.04.2.01.0009."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from cli_helpers import spm

from spm_desktop.core.imports.framework import external_id

PERSONS = ("id,nik,nama,jenis_kelamin,perkiraan_tahun_lahir,kelurahan\n"
           "P0,,Pak Darto,L,1948,61.71.01.1002\n"
           + "".join(f"P{i},617101170580000{i},Warga {i},L,,61.71.01.1002\n" for i in range(1, 6)))
COMPLAINTS = ("id,tanggal_terima,saluran,pelapor,nik_pelapor,telepon,kategori,person,uraian,kelurahan,status,"
              "tanggal_respons,tanggal_selesai,alasan_ditolak\n"
              "K1,2026-11-06 10:15,telepon,Bu Rina,6171014107500001,0812,ppks_terlantar,P0,"
              "Lansia terlantar di depan pasar,61.71.01.1002,diverifikasi,2026-11-09,,\n"
              "K2,2026-11-02,whatsapp,anonim,,,permohonan_data,,Minta surat keterangan,61.71.01.1002,selesai,"
              "2026-11-03,2026-11-04,\n")
COMPLAINTS_CLOSED = COMPLAINTS.replace("diverifikasi,2026-11-09,,", "selesai,2026-11-09,2026-11-20,")
REFERRALS = ("id,person,tanggal,tujuan,arah,status,tanggal_umpan_balik,catatan,asal\n"
             "R1,P0,2026-11-10,RSUD dr. Soedarso,keluar,dikirim,,,\n"
             "R2,P1,2026-11-11,Puskesmas Kampung Dalam,keluar,dikirim,,,\n"
             "R3,P2,2026-11-12,,masuk,diterima,,Diantar Satpol PP,Satpol PP\n")
REFERRALS_ANSWERED = REFERRALS.replace("R1,P0,2026-11-10,RSUD dr. Soedarso,keluar,dikirim,,,",
                                       "R1,P0,2026-11-10,RSUD dr. Soedarso,keluar,diterima,2026-11-13,Dirawat,")
DTSEN = "id,person,jenis,tanggal,status,batch,alasan\n" + "".join(
    f"D{i},P{i},baru,2026-11-16,diusulkan,B1,PPKS belum terdata\n" for i in range(1, 6))
EVENTS = ("id,person,kode_layanan,tanggal,family_name,family_address\n"
          "E1,P0,1.06.04.2.01.0004,2026-11-25,Joko,Sungai Raya\n")


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _ok(*args, data_dir):
    done = spm(*args, data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    return done


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_complaints_referrals_dtsen_letters_and_recap(data_dir, tmp_path):
    _ok("import", "persons", _write(tmp_path, "p.csv", PERSONS), data_dir=data_dir)
    _ok("import", "events", _write(tmp_path, "e.csv", EVENTS), data_dir=data_dir)
    for kind, text in (("complaints", COMPLAINTS), ("referrals", REFERRALS), ("dtsen", DTSEN)):
        path = _write(tmp_path, f"{kind}.csv", text)
        dry = _ok("import", kind, path, "--dry-run", data_dir=data_dir)
        assert "Uji coba" in dry.stdout
        done = _ok("import", kind, path, data_dir=data_dir)
        assert "telah ditambahkan" in done.stdout
        again = _ok("import", kind, path, data_dir=data_dir)
        assert "0 data telah ditambahkan, 0 telah diperbarui" in again.stdout
    # The same ids again with new statuses: updated, not added.
    for kind, text in (("complaints", COMPLAINTS_CLOSED), ("referrals", REFERRALS_ANSWERED)):
        done = _ok("import", kind, _write(tmp_path, f"{kind}2.csv", text), data_dir=data_dir)
        assert "0 data telah ditambahkan, 1 telah diperbarui" in done.stdout
    bad = spm("import", "complaints", _write(tmp_path, "bad.csv", COMPLAINTS.replace("selesai,2026-11-03,2026-11-04",
                                                                                    "selesai,2026-11-03,")),
              data_dir=data_dir)
    assert bad.returncode == 1 and "kolom tanggal_selesai: wajib diisi." in bad.stderr

    out = tmp_path / "b1.xlsx"
    _ok("dtsen", "export", "--batch", "B1", "--xlsx", str(out), data_dir=data_dir)
    from openpyxl import load_workbook

    rows = list(load_workbook(out).active.values)
    assert rows[0][:3] == ("NIK", "No. KK", "Nama") and len(rows) == 6
    assert rows[1][0] == "6171011705800001"  # text, all 16 digits

    letters = {}
    for name, record in (("r1", external_id("referrals", "R1")), ("r2", external_id("referrals", "R2")),
                         ("bast", external_id("events", "E1"))):
        pdf = tmp_path / f"{name}.pdf"
        args = ("letter", "print", record, "--pdf", str(pdf), "--tanggal", "2026-11-26")
        _ok(*args, *(("--saksi", "Lurah Benua Melayu Laut") if name == "bast" else ()), data_dir=data_dir)
        letters[name] = _pdf_text(pdf)
    assert "SURAT RUJUKAN" in letters["r1"] and "400.9/1/Dinsos-RJK/2026" in letters["r1"]
    assert "RSUD dr. Soedarso" in letters["r1"] and "Pak Darto" in letters["r1"]
    assert "400.9/2/Dinsos-RJK/2026" in letters["r2"]
    assert "BERITA ACARA SERAH TERIMA" in letters["bast"] and "400.9/1/Dinsos-BAST/2026" in letters["bast"]
    assert "Joko" in letters["bast"] and "Lurah Benua Melayu Laut" in letters["bast"]
    again = tmp_path / "r1-again.pdf"
    _ok("letter", "print", external_id("referrals", "R1"), "--pdf", str(again), data_dir=data_dir)
    assert _pdf_text(again) == letters["r1"]  # reprint: the same letter

    js = json.loads(_ok("recap", "--year", "2026", "--month", "11", "--json", "-", data_dir=data_dir).stdout)
    lay = js["layanan_data"]
    assert lay["complaints_received"] == 2 and lay["complaints_selesai"] == 2
    assert lay["referrals_sent"] == 2 and lay["referrals_answered"] == 1 and lay["referrals_waiting"] == 1
    assert lay["dtsen_by_status"]["diusulkan"] == 5
    # K1 (reporter NIK) and K2 (anonymous) closed selesai in November; nobody has a 0009 event.
    assert next(i for i in js["indicators"] if i["code"] == "1.06.04.2.01.0009")["cumulative"] == 2
    assert next(i for i in js["indicators"] if i["code"] == "1.06.04.2.01.0012")["cumulative"] == 2
