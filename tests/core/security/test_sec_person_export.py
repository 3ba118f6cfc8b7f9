"""Person list to Excel: supervisor/admin only, every export audited, filters respected."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from sec_helpers import ROLE_ACTORS
from sqlalchemy import select

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.domain.errors import PermissionDenied, ValidationError
from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.services.person_export import HEADER, export_person_list
from spm_desktop.core.services.person_search import PersonQuery
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.core.storage.models import AuditEntry

KEL_SELATAN = "61.71.01.1002"


@pytest.fixture
def people(db):
    nik = make_nik("617101", date(1980, 5, 12), "L", 1)
    register_person(db, SYSTEM, PersonDraft(name="Budi Santoso", sex="L", nik=nik, kelurahan_code=KEL_SELATAN))
    register_person(db, SYSTEM, PersonDraft(name="Siti Aminah", sex="P", birth_year=1950,
                                            kelurahan_code="61.71.02.1001"), confirm_duplicates_ok=True)
    return db, nik


@pytest.mark.parametrize("role", ["petugas", "tksk", "viewer"])
def test_refused_below_supervisor(people, tmp_path, role):
    db, _ = people
    with pytest.raises(PermissionDenied):
        export_person_list(db, ROLE_ACTORS[role], tmp_path / "daftar.xlsx")
    assert not (tmp_path / "daftar.xlsx").exists()


def test_export_writes_the_filtered_list_and_audits_it(people, tmp_path):
    db, nik = people
    target = tmp_path / "daftar.xlsx"
    assert export_person_list(db, ROLE_ACTORS["supervisor"], target) == 2
    ws = load_workbook(target).active
    assert [c.value for c in ws[1]] == list(HEADER)
    rows = {r[2]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["Budi Santoso"][0] == nik and rows["Budi Santoso"][4] == "Laki-laki"
    assert rows["Budi Santoso"][5].date() == date(1980, 5, 12)
    assert rows["Siti Aminah"][6] == 1950 and rows["Siti Aminah"][5] is None

    only = tmp_path / "selatan.xlsx"
    assert export_person_list(db, ROLE_ACTORS["admin"], only, PersonQuery(kecamatan_code="61.71.01")) == 1
    with db.reading() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.entity == "person")
                            .order_by(AuditEntry.at)).all()
    assert [(e.username, e.after["count"]) for e in entries] == [("sup", 2), ("adm", 1)]
    assert entries[1].after["filters"] == {"kecamatan_code": "61.71.01"} and entries[1].after["file"] == str(only)
    with pytest.raises(ValidationError):
        export_person_list(db, ROLE_ACTORS["admin"], tmp_path / "daftar.csv")
