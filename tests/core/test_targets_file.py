"""Targets as files (issue 20): a new office loads its own Renstra in one step, exports it, and
gets row errors like every import."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.imports import ImportRefused, run_import
from spm_desktop.core.imports.targets import export_targets
from spm_desktop.core.paths import resource_path
from spm_desktop.core.services.area import AreaChoice, adopt_area
from spm_desktop.core.storage.models import Target
from spm_desktop.core.storage.open import open_database


@pytest.fixture
def kubu_raya(empty_database_url):
    db = open_database(empty_database_url)
    adopt_area(db, SYSTEM, AreaChoice("61.12"))
    yield db
    db.dispose()


def _targets(db) -> dict[tuple[int, str], tuple[Decimal, Decimal | None, Decimal | None]]:
    with db.reading() as s:
        return {(t.year, t.key): (Decimal(t.value), None if t.budget is None else Decimal(t.budget),
                                  None if t.baseline is None else Decimal(t.baseline))
                for t in s.scalars(select(Target))}


def test_import_renstra_file_then_export_and_import_again(kubu_raya, db, tmp_path):
    dry = run_import(kubu_raya, SYSTEM, "targets", resource_path("renstra_targets.csv"), dry_run=True)
    assert dry.rows == 22 and dry.created == 22 and _targets(kubu_raya) == {}
    result = run_import(kubu_raya, SYSTEM, "targets", resource_path("renstra_targets.csv"))
    assert (result.rows, result.created) == (22, 22)
    loaded = _targets(kubu_raya)
    assert len(loaded) == 22 * 5 + 2 * 5  # five years of 22 codes, and IKK 1 and 2 each year
    assert loaded[(2026, "1.06.04.2.01.0001")] == (Decimal(200), Decimal(550000000), Decimal(200))
    assert loaded[(2028, "1.06.04.2.01.0004")][1] == Decimal("5764972.5")
    assert loaded[(2030, "ikk1")] == (Decimal(100), None, None)
    # The same figures as the Pontianak database seeded from the file (which also has Pontianak's
    # DTSEN target, resources/renstra_targets_other.csv: no service code, not in this file).
    assert loaded == {k: v for k, v in _targets(db).items() if k[1] != "dtsen"}
    out = tmp_path / "target.csv"
    assert export_targets(kubu_raya, SYSTEM, out) == 22
    assert out.read_text(encoding="utf-8").splitlines()[0] == (
        "code,name,indicator,unit,spm_service,baseline_2024,target_2026,target_2027,target_2028,target_2029,"
        "target_2030,budget_2026,budget_2027,budget_2028,budget_2029,budget_2030,note")
    again = run_import(kubu_raya, SYSTEM, "targets", out)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 22)


def test_the_dtsen_target_travels_in_the_targets_file(db, kubu_raya, tmp_path):
    """Issue 21: the Renstra's yearly DTSEN target (key ``dtsen``, no service code) is a row of
    the exported file, and importing that file gives another office the same targets."""
    out = tmp_path / "pontianak.csv"
    assert export_targets(db, SYSTEM, out) == 23  # the 22 service codes and dtsen
    last = out.read_text(encoding="utf-8").splitlines()[-1].split(",")
    assert last[0] == "dtsen" and last[-1] == ""
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    row = dict(zip(header, next(csv.reader([out.read_text(encoding="utf-8").splitlines()[-1]])), strict=True))
    assert (row["baseline_2024"], row["target_2026"], row["target_2030"], row["unit"]) == ("507", "210", "250",
                                                                                         "Orang")
    result = run_import(kubu_raya, SYSTEM, "targets", out)
    assert (result.rows, result.created) == (23, 23)
    assert _targets(kubu_raya) == _targets(db)
    assert _targets(kubu_raya)[(2027, "dtsen")] == (Decimal(220), None, Decimal(507))
    # An edited DTSEN target comes back in through the same file, the others unchanged.
    out.write_text(out.read_text(encoding="utf-8").replace("\ndtsen,", "\nDTSEN,", 1), encoding="utf-8")
    edited = out.read_text(encoding="utf-8").replace(",210,220,", ",215,220,")
    out.write_text(edited, encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:  # the key is lower case, as every code
        run_import(kubu_raya, SYSTEM, "targets", out)
    assert refused.value.lines == [
        "baris 24, kolom code: kode layanan DTSEN tidak ada dalam katalog layanan (kode lain yang diterima: dtsen)."]
    out.write_text(edited.replace("\nDTSEN,", "\ndtsen,"), encoding="utf-8")
    again = run_import(kubu_raya, SYSTEM, "targets", out)
    assert (again.updated, again.unchanged) == (1, 22)
    assert _targets(kubu_raya)[(2026, "dtsen")][0] == Decimal(215)


def test_row_errors_and_nothing_written(kubu_raya, tmp_path):
    path = tmp_path / "target.csv"
    path.write_text("code;target_2027;budget_2027;baseline_2025\n"
                    "1.06.04.2.01.0001;250;1.000.000;10\n"
                    "9.99.99;10;;\n"
                    "1.06.04.2.01.0002;;5000;\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as exc:
        run_import(kubu_raya, SYSTEM, "targets", path)
    assert exc.value.lines == [
        "baris 2, kolom budget_2027: '1.000.000' bukan angka.",
        "baris 3, kolom code: kode layanan 9.99.99 tidak ada dalam katalog layanan (kode lain yang diterima: dtsen).",
        "baris 4, kolom target_2027: wajib diisi bila budget_2027 diisi.",
    ]
    with kubu_raya.reading() as s:
        assert s.scalar(select(func.count()).select_from(Target)) == 0
    path.write_text("code;target_2027;budget_2027;baseline_2025\n1.06.04.2.01.0001;250;1000000,5;10\n",
                    encoding="utf-8")
    assert run_import(kubu_raya, SYSTEM, "targets", path).created == 1
    assert _targets(kubu_raya)[(2027, "1.06.04.2.01.0001")] == (Decimal(250), Decimal("1000000.5"), Decimal(10))
