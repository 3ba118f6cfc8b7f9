"""NIK and No. KK checked against the national region list in the services and imports
(issue 20): impossible regions refused with the reason, unknown kabupaten/kecamatan warned
about, identity numbers cleaned, the lansia century, old records kept and listed by ``check``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.imports import ImportRefused, run_import
from spm_desktop.core.services import persons as P
from spm_desktop.core.services.cases import CaseDraft, open_case
from spm_desktop.core.services.data_checks import identity_rule_failures
from spm_desktop.core.storage.models import Person

KEL = "61.71.01.1002"


def _draft(name="Budi Santoso", sex="L", **kw) -> P.PersonDraft:
    return P.PersonDraft(name=name, sex=sex, **kw)


def test_register_refuses_impossible_region_with_reason(db):
    with pytest.raises(ValidationError) as exc:
        P.register_person(db, SYSTEM, _draft(nik=make_nik("990101", date(1980, 1, 1), "L", 1)))
    assert exc.value.field == "nik" and "kode provinsi 99 tidak ada" in exc.value.message
    with pytest.raises(ValidationError) as exc:
        P.register_person(db, SYSTEM, _draft(no_kk="6171000101100001"))
    assert exc.value.field == "no_kk" and "kecamatan tidak boleh 00" in exc.value.message


def test_identity_numbers_cleaned_before_checking(db):
    info = P.register_person(db, SYSTEM, _draft(nik="'6171 0114.0285 0012", no_kk=" 6171.0101.1000.0001 "))
    assert info.nik == "6171011402850012" and info.no_kk == "6171010110000001"


def test_rule_added_later_applies_to_new_and_changed_values_only(db):
    info = P.register_person(db, SYSTEM, _draft(nik=make_nik("617101", date(1980, 1, 1), "L", 1)))
    old_nik, old_kk = make_nik("990101", date(1980, 1, 1), "L", 2), "6171010101200000"
    with db.transaction(SYSTEM) as s:  # as saved before the region rule existed
        s.execute(update(Person).where(Person.id == info.id).values(nik=old_nik, no_kk=old_kk))
    stored = P.get_person(db, SYSTEM, info.id)
    changed = P.update_person(db, SYSTEM, info.id, replace(stored.to_draft(), address="Jl. Baru"))
    assert changed.address == "Jl. Baru" and changed.nik == old_nik  # unchanged numbers stay
    with pytest.raises(ValidationError, match="kode provinsi 98 tidak ada"):
        P.update_person(db, SYSTEM, info.id, replace(stored.to_draft(),
                                                     nik=make_nik("980101", date(1980, 1, 1), "L", 2)))
    with db.reading() as s:
        failures = identity_rule_failures(s)
    assert {(f.id, f.field) for f in failures} == {(info.id, "nik"), (info.id, "no_kk")}
    assert any("kode provinsi 99 tidak ada" in f.message for f in failures)


def test_lansia_category_takes_the_century_that_makes_them_60(db):
    nik = make_nik("617101", date(1925, 3, 4), "P", 7)  # year digits 25
    lansia = P.register_person(db, SYSTEM, _draft(name="Nenek Ijah", sex="P", nik=nik,
                                                  category_code="lansia_terlantar"))
    assert lansia.birth_date == date(1925, 3, 4)
    other = P.register_person(db, SYSTEM, _draft(name="Bayi", sex="P", nik=make_nik("617101", date(2025, 3, 4),
                                                                                     "P", 8)))
    assert other.birth_date == date(2025, 3, 4)  # latest century not in the future


def test_lansia_case_moves_a_nik_birth_into_the_older_century(db):
    nik = make_nik("617101", date(1925, 3, 4), "L", 9)
    person = P.register_person(db, SYSTEM, _draft(name="Kakek Usup", nik=nik))
    assert person.birth_date == date(2025, 3, 4)  # read as an infant without more information
    open_case(db, SYSTEM, CaseDraft(person_id=person.id, unit="UPRS", spm_group="lansia",
                                    intake_date=date(2026, 5, 1)))
    assert P.get_person(db, SYSTEM, person.id).birth_date == date(1925, 3, 4)


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_refuses_bad_regions_and_warns_about_unknown_ones(db, tmp_path):
    bad = _csv(tmp_path / "bad.csv", "nama,jenis_kelamin,nik,no_kk\n"
               f"A,L,{make_nik('990101', date(1980, 1, 1), 'L', 1)},\n"
               f"B,L,{make_nik('610001', date(1980, 1, 1), 'L', 1)},\n"
               "C,L,,0000000000000000\n")
    with pytest.raises(ImportRefused) as exc:
        run_import(db, SYSTEM, "persons", bad)
    assert exc.value.lines == [
        "baris 2, kolom nik: Digit 1–2 NIK = 99: kode provinsi 99 tidak ada di daftar wilayah Kepmendagri "
        "(termasuk kode lama).",
        "baris 3, kolom nik: Digit 3–4 NIK = 00: kode kabupaten/kota tidak boleh 00.",
        "baris 4, kolom no_kk: Digit 1–2 No. KK = 00: kode provinsi 00 tidak ada di daftar wilayah Kepmendagri "
        "(termasuk kode lama).",
    ]
    good = _csv(tmp_path / "good.csv", "nama,jenis_kelamin,nik\n"
                f"Yohanes Wenda,L,'9671 0113 0303 0005\n"
                f"D,L,{make_nik('619901', date(1980, 1, 1), 'L', 1)}\n")
    result = run_import(db, SYSTEM, "persons", good)
    assert result.created == 2
    assert len(result.warnings) == 1 and result.warnings[0].startswith("baris 3, kolom nik: Digit 3–4 NIK: "
                                                                       "kabupaten/kota 61.99 tidak ada")
    assert "Peringatan (1, tetap diimpor)" in result.summary()
    with db.reading() as s:
        assert s.scalar(select(Person.nik).where(Person.name == "Yohanes Wenda")) == "9671011303030005"
