"""Mutu by quantity: the standard items of the Renstra, the yearly available quantities,
B = mean of min(available / standard, 1) × 100, the file exchange and the roll-up."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from sqlalchemy import select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import NotFoundError, PermissionDenied, ValidationError
from spm_desktop.core.imports import ImportRefused
from spm_desktop.core.rollup import Period, compute_rollup
from spm_desktop.core.services import mutu
from spm_desktop.core.storage.models import AuditEntry

SUPERVISOR = Actor("kabid", "supervisor")
REHAB = ("disabilitas", "anak", "lansia", "gepeng")
RENSTRA = "/work/shared/seed/renstra_dinsos_pontianak_2025_2029.txt"


def test_standard_items_follow_the_renstra_quality_table():
    items = {it.key: it for it in mutu.standard_items()}
    expected_2026 = {"rumah_singgah": 2, "kendaraan_kedaruratan": 3, "alat_bantu": 3, "perbekalan_kesehatan": 11,
                     "tenaga_kesehatan": 1, "pekerja_sosial": 24, "tagana": 62, "tim_reaksi_cepat": 2,
                     "layanan_pengaduan": 250, "bimbingan_sosial": 1, "tempat_penampungan": 100,
                     "paket_rentan": 40}
    assert {k: int(it.standard(2026)) for k, it in items.items()} == expected_2026
    assert items["layanan_pengaduan"].standard(2030) == 450 and items["paket_rentan"].standard(2025) == 31
    for key in ("tagana", "tempat_penampungan", "paket_rentan"):
        assert items[key].groups == ("bencana",)
    for key in ("tim_reaksi_cepat", "kendaraan_kedaruratan"):  # disaster-related, in the shared table
        assert items[key].groups == (*REHAB, "bencana")
    assert items["rumah_singgah"].groups == REHAB
    assert {it.kind for it in items.values()} == {"barang_jasa", "sdm"}
    # every seed line points into the quality table and names the item
    try:
        lines = open(RENSTRA, encoding="utf-8").read().splitlines()
    except OSError:
        pytest.skip("the Renstra text is not in ../shared/seed")
    for it in items.values():
        assert 1207 <= it.seed_line <= 1790
        assert lines[it.seed_line - 1].strip().lower().startswith("jumlah")


def test_available_quantities_give_b_and_belum_dinilai_until_filled(db):
    rows = mutu.list_items(db, 2026, "bencana")
    assert [r.key for r in rows] == ["tim_reaksi_cepat", "kendaraan_kedaruratan", "tempat_penampungan",
                                     "paket_rentan", "tagana"]
    assert all(r.available is None and r.score is None for r in rows)
    assert mutu.scores(db, 2026)["bencana"].exact is None
    # scores: 1 (2 of 2), 1/3 (1 of 3), 1 (150 of 100, capped), 0.5 (20 of 40), and tagana unfilled
    for key, qty in (("tim_reaksi_cepat", 2), ("kendaraan_kedaruratan", 1), ("tempat_penampungan", 150),
                     ("paket_rentan", "20")):
        mutu.set_available(db, SUPERVISOR, 2026, key, qty, "cek gudang")
    b = mutu.scores(db, 2026)["bencana"]
    assert (b.items, b.filled, b.exact, b.value) == (5, 4, None, None)
    assert compute_rollup(db, Period.for_month(2026, 3)).group("bencana").status == "belum dinilai"
    row = mutu.set_available(db, SUPERVISOR, 2026, "tagana", "31", " 31 aktif ")
    assert (row.available, row.standard, row.note, row.score) == (Decimal(31), Decimal(62), "31 aktif", Decimal(50))
    b = mutu.scores(db, 2026)["bencana"]
    # (100 + 33.33 + 100 + 50 + 50) / 5 = 66.67
    assert b.value == 66.7 and b.exact == (Decimal(100) + Decimal(100) / 3 + 100 + 50 + 50) / 5
    assert compute_rollup(db, Period.for_month(2026, 3)).group("bencana").mutu == 66.7
    # the two shared items count for the rehabilitation groups too, which still miss 7 items
    lansia = mutu.scores(db, 2026)["lansia"]
    assert (lansia.items, lansia.filled, lansia.exact) == (9, 2, None)
    assert mutu.scores(db, 2027)["bencana"].filled == 0  # another year starts empty
    # clearing an item makes the group unfilled again; unchanged writes are not audited twice
    mutu.set_available(db, SUPERVISOR, 2026, "tagana", None, "31 aktif")
    assert mutu.scores(db, 2026)["bencana"].exact is None
    mutu.set_available(db, SUPERVISOR, 2026, "tagana", None, "31 aktif")
    with db.reading() as s:
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.entity == "mutu_quantity")).all()) == 6


def test_standard_override_and_left_out_items(db):
    mutu.set_available(db, SUPERVISOR, 2026, "alat_bantu", 3, standard=6)
    row = next(r for r in mutu.list_items(db, 2026) if r.key == "alat_bantu")
    assert (row.renstra_standard, row.standard, row.score) == (3, 6, 50)
    # a standard of 0 leaves the item out of B
    mutu.set_available(db, SUPERVISOR, 2026, "bimbingan_sosial", 0, standard=0)
    rows = {r.key: r for r in mutu.list_items(db, 2026)}
    assert not rows["bimbingan_sosial"].counted and mutu.scores(db, 2026)["anak"].items == 8
    # restoring the Renstra standard clears the override
    mutu.set_available(db, SUPERVISOR, 2026, "alat_bantu", 3, standard=None)
    assert next(r for r in mutu.list_items(db, 2026) if r.key == "alat_bantu").standard == 3
    # a year without a Renstra standard (the table covers 2025–2030) leaves every item out
    assert mutu.scores(db, 2031)["lansia"].items == 0
    assert compute_rollup(db, Period.for_month(2031, 1)).group("lansia").mutu is None


def test_refusals(db):
    with pytest.raises(PermissionDenied):
        mutu.set_available(db, Actor("v", "viewer"), 2026, "tagana", 1)
    with pytest.raises(NotFoundError):
        mutu.set_available(db, SUPERVISOR, 2026, "nope", 1)
    for bad in (-1, "tiga", "1,234", True):
        with pytest.raises(ValidationError):
            mutu.set_available(db, SUPERVISOR, 2026, "tagana", bad)
    with pytest.raises(ValidationError):
        mutu.set_available(db, SUPERVISOR, 1990, "tagana", 1)
    assert mutu.set_available(db, SUPERVISOR, 2026, "tagana", "2,5").available == Decimal("2.5")


def test_export_fill_in_import(db, tmp_path):
    path = mutu.export_file(db, SUPERVISOR, 2026, tmp_path / "mutu.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(mutu.FILE_COLUMNS) and len(rows) == 12
    assert rows[0]["tahun"] == "2026" and rows[0]["standar"] == "250" and rows[0]["tersedia"] == ""
    for r in rows:
        r["tersedia"] = r["standar"]
    rows[0]["tersedia"] = "100"
    rows[0]["catatan"] = "data SLRT"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=mutu.FILE_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    assert mutu.import_file(db, SUPERVISOR, path) == 12
    scores = mutu.scores(db, 2026)
    assert scores["bencana"].value == 100.0
    assert scores["anak"].value == 93.3  # (40 + 8 × 100) / 9
    assert mutu.import_file(db, SUPERVISOR, path) == 0  # the same file again changes nothing
    # one bad row refuses the whole file, every error named
    rows[1]["tersedia"] = "-3"
    rows[2]["kode"] = "kursi"
    rows[3]["tersedia"] = "7"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=mutu.FILE_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(ImportRefused) as refused:
        mutu.import_file(db, SUPERVISOR, path)
    assert any(line.startswith("baris 3, kolom tersedia") for line in refused.value.lines)
    assert any(line.startswith("baris 4, kolom kode") for line in refused.value.lines)
    assert mutu.scores(db, 2026)["anak"].value == 93.3  # nothing stored
    with pytest.raises(PermissionDenied):
        mutu.import_file(db, Actor("v", "viewer"), path)
