"""Places in import files (issue 20): a code with or without dots, or a name matched ignoring
case, spaces and punctuation; a name shared by several desa/kelurahan is refused, never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.imports import ImportRefused, run_import
from spm_desktop.core.storage.base import seed_id
from spm_desktop.core.storage.models import Person, Region


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _kelurahan(db) -> dict[str, str]:
    with db.reading() as s:
        return dict(s.execute(select(Person.name, Person.kelurahan_code)).all())


def test_codes_with_or_without_dots_and_official_spellings(db, tmp_path):
    path = _csv(tmp_path / "p.csv", "nama,jenis_kelamin,kelurahan\n"
                "A,L,6171011004\n"         # undotted code of Parit Tokaya
                "B,L,61.71.01.1004\n"
                "C,P,Parittokaya\n"        # the official spelling, without the space
                "D,P,  PARIT-TOKAYA \n"    # case and punctuation
                "E,L,Kotabaru\n"           # Kota Baru
                "F,L,benua melayu laut\n")
    assert run_import(db, SYSTEM, "persons", path).created == 6
    assert _kelurahan(db) == {"A": "61.71.01.1004", "B": "61.71.01.1004", "C": "61.71.01.1004",
                              "D": "61.71.01.1004", "E": "61.71.01.1005", "F": "61.71.01.1002"}


def test_a_name_of_several_places_is_refused_with_the_codes(db, tmp_path):
    with db.transaction(SYSTEM) as s:  # a second "Mekar Jaya" in two kecamatan (as in Kab. Ketapang)
        for code in ("61.71.02.2901", "61.71.03.2902"):
            s.add(Region(id=seed_id("region", code), code=code, name="Mekar Jaya", level="desa",
                         parent_code=code[:8]))
    path = _csv(tmp_path / "p.csv", "nama,jenis_kelamin,kelurahan\nA,L,Mekar Jaya\nB,L,6171022901\n"
                                    "C,L,Kampung Entah\n")
    with pytest.raises(ImportRefused) as exc:
        run_import(db, SYSTEM, "persons", path)
    assert exc.value.lines == [
        "baris 2, kolom kelurahan: ada 2 desa/kelurahan bernama Mekar Jaya; tulis kodenya "
        "(61.71.02.2901, 61.71.03.2902).",
        "baris 4, kolom kelurahan: desa/kelurahan 'Kampung Entah' tidak dikenal (isi kode atau nama "
        "desa/kelurahan di wilayah kerja).",
    ]
    ok = _csv(tmp_path / "ok.csv", "nama,jenis_kelamin,kelurahan\nA,L,61.71.03.2902\nB,L,6171022901\n")
    assert run_import(db, SYSTEM, "persons", ok).created == 2
    assert _kelurahan(db) == {"A": "61.71.03.2902", "B": "61.71.02.2901"}
