"""Persons: register, update, delete, age, search, paged list (issue 3)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from casework_helpers import table_counts

from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import NotFoundError, PermissionDenied, ValidationError
from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.services import person_search as S
from spm_desktop.core.services import persons as P
from spm_desktop.core.services.cases import CaseDraft, open_case
from spm_desktop.core.storage.models import AuditEntry, Person

KEL = "61.71.01.1002"  # Benua Melayu Laut, kecamatan 61.71.01
KEL_OTHER_KEC = "61.71.02.1001"


def draft(name="Budi Santoso", sex="L", **kw) -> P.PersonDraft:
    return P.PersonDraft(name=name, sex=sex, **kw)


def test_register_and_get_with_audit(db):
    info = P.register_person(db, SYSTEM, draft(alias="Bud", birth_date=date(1980, 5, 17), kelurahan_code=KEL,
                                               category_code="gelandangan"))
    assert info.name == "Budi Santoso" and info.birth_year == 1980 and not info.birth_year_estimated
    assert info.kecamatan_code == "61.71.01" and info.kelurahan_name == "Benua Melayu Laut"
    assert info.category_name == "Gelandangan"
    got = P.get_person(db, SYSTEM, info.id)
    assert got == info
    with db.reading() as s:
        p = s.get(Person, info.id)
        assert p.search_name == "budi santoso bud"
        entries = s.query(AuditEntry).filter_by(entity="person", entity_id=info.id).all()
        assert [e.action for e in entries] == ["create"]
        assert entries[0].username == "system" and entries[0].after["name"] == "Budi Santoso"


def test_estimated_birth_year_and_age(db):
    info = P.register_person(db, SYSTEM, draft(birth_year=1960))
    assert info.birth_year_estimated and info.birth_date is None
    assert P.person_age(db, SYSTEM, info.id, date(2026, 3, 1)) == 66
    exact = P.register_person(db, SYSTEM, draft(name="Ani", sex="P", birth_date=date(2010, 6, 30)))
    assert P.age_on(exact, date(2026, 6, 29)) == 15
    assert P.age_on(exact, date(2026, 6, 30)) == 16
    unknown = P.register_person(db, SYSTEM, draft(name="Tanpa Umur"))
    assert P.age_on(unknown, date(2026, 1, 1)) is None


def test_nik_gives_birth_date(db):
    nik = make_nik("617101", date(1975, 8, 3), "P", 12)
    info = P.register_person(db, SYSTEM, draft(name="Siti", sex="P", nik=nik))
    assert info.birth_date == date(1975, 8, 3) and info.birth_year == 1975


@pytest.mark.parametrize("bad, field", [
    (dict(name="  "), "name"),
    (dict(sex="X"), "sex"),
    (dict(birth_date=date(2999, 1, 1)), "birth_date"),
    (dict(birth_year=1800), "birth_year"),
    (dict(nik="123"), "nik"),
    (dict(nik=make_nik("617101", date(1980, 1, 1), "P", 1)), "nik"),  # woman's NIK for a man
    (dict(nik=make_nik("617101", date(1980, 1, 1), "L", 1), birth_date=date(1980, 1, 2)), "nik"),
    (dict(no_kk="12345"), "no_kk"),
    (dict(kelurahan_code="61.71.99.9999"), "kelurahan_code"),
    (dict(category_code="tidak_ada"), "category_code"),
])
def test_register_refusals_write_nothing(db, bad, field):
    before = table_counts(db)
    with pytest.raises(ValidationError) as exc:
        P.register_person(db, SYSTEM, replace(draft(), **bad))
    assert exc.value.field == field
    assert table_counts(db) == before


def test_nik_clash_points_to_existing(db):
    nik = make_nik("617101", date(1980, 1, 1), "L", 7)
    first = P.register_person(db, SYSTEM, draft(nik=nik))
    before = table_counts(db)
    with pytest.raises(P.DuplicateNikError) as exc:
        P.register_person(db, SYSTEM, draft(name="Orang Lain", nik=nik))
    assert exc.value.person_id == first.id and "Budi Santoso" in exc.value.message
    assert table_counts(db) == before


def test_update_and_unchanged_update_writes_nothing(db):
    info = P.register_person(db, SYSTEM, draft())
    new = P.update_person(db, SYSTEM, info.id, replace(info.to_draft(), name="Budi Santosa", alias="Ucok"))
    assert new.name == "Budi Santosa" and new.revision == 2
    before = table_counts(db)
    again = P.update_person(db, SYSTEM, info.id, new.to_draft())
    assert again.revision == 2 and table_counts(db) == before
    with db.reading() as s:
        assert s.get(Person, info.id).search_name == "budi santosa ucok"


def test_soft_delete(db):
    info = P.register_person(db, SYSTEM, draft())
    P.delete_person(db, SYSTEM, info.id)
    with pytest.raises(NotFoundError):
        P.get_person(db, SYSTEM, info.id)
    assert S.search_persons(db, SYSTEM, "budi") == []
    with db.reading() as s:
        assert s.get(Person, info.id).deleted_at is not None


def test_delete_refused_with_open_case(db):
    info = P.register_person(db, SYSTEM, draft())
    open_case(db, SYSTEM, CaseDraft(person_id=info.id, unit="UPRS", spm_group="gepeng", intake_date=date(2026, 1, 5)))
    before = table_counts(db)
    with pytest.raises(Exception) as exc:
        P.delete_person(db, SYSTEM, info.id)
    assert "kasus terbuka" in str(exc.value)
    assert table_counts(db) == before


def test_viewer_cannot_register(db):
    viewer = Actor(username="lihat", role="viewer")
    before = table_counts(db)
    with pytest.raises(PermissionDenied):
        P.register_person(db, viewer, draft())
    assert table_counts(db) == before


def test_search_name_alias_nik_kk_ranked(db):
    nik = make_nik("617101", date(1990, 2, 3), "L", 42)
    a = P.register_person(db, SYSTEM, draft(name="Muhammad Rizki", nik=nik, no_kk="6171010101010001"))
    b = P.register_person(db, SYSTEM, draft(name="Rizki Pratama"))
    c = P.register_person(db, SYSTEM, draft(name="Andi Farizki", alias="Kiki"))
    d = P.register_person(db, SYSTEM, draft(name="Siti Aisyah", sex="P", alias="Mak Ijah"))
    ids = [r.id for r in S.search_persons(db, SYSTEM, "rizki")]
    assert ids == [b.id, a.id, c.id]  # starts with, word start, inside a word
    assert [r.id for r in S.search_persons(db, SYSTEM, "Mohamad Rizky")] == [a.id]
    assert [r.id for r in S.search_persons(db, SYSTEM, "M. RIZKI")] == [a.id]
    assert [r.id for r in S.search_persons(db, SYSTEM, "kiki")] == [c.id]
    assert [r.id for r in S.search_persons(db, SYSTEM, "AISYAH")] == [d.id]
    assert [r.id for r in S.search_persons(db, SYSTEM, "ijah")] == [d.id]
    assert [r.id for r in S.search_persons(db, SYSTEM, nik[:6])] == [a.id]
    assert [r.id for r in S.search_persons(db, SYSTEM, "6171 0101")] == [a.id]  # KK prefix with a space
    assert [r.id for r in S.search_persons(db, SYSTEM, nik)] == [a.id]
    assert S.search_persons(db, SYSTEM, "bambang") == []
    assert S.search_persons(db, SYSTEM, "   ") == []
    assert S.search_persons(db, SYSTEM, "%") == []


def test_search_accents_and_old_spelling(db):
    a = P.register_person(db, SYSTEM, draft(name="Soekarno Djojo"))
    e = P.register_person(db, SYSTEM, draft(name="José Ramírez"))
    assert [r.id for r in S.search_persons(db, SYSTEM, "sukarno joyo")] == [a.id]
    assert [r.id for r in S.search_persons(db, SYSTEM, "jose ramirez")] == [e.id]
    assert [r.id for r in S.search_persons(db, SYSTEM, "RAMÍ")] == [e.id]


def test_list_filters_sort_and_pages(db):
    names = ["Ahmad", "Budi", "Citra", "Dewi", "Eko"]
    made = {}
    for i, n in enumerate(names):
        made[n] = P.register_person(db, SYSTEM, draft(
            name=n, sex="P" if n in ("Citra", "Dewi") else "L", birth_year=1950 + i,
            kelurahan_code=KEL if i % 2 == 0 else KEL_OTHER_KEC,
            category_code="gelandangan" if i < 3 else "pengemis"))
    open_case(db, SYSTEM, CaseDraft(person_id=made["Budi"].id, unit="UPRS", spm_group="gepeng",
                                    intake_date=date(2026, 1, 5)))
    page = S.list_persons(db, SYSTEM, S.PersonQuery(), 0, 2)
    assert [r.name for r in page.rows] == ["Ahmad", "Budi"] and page.total == 5
    page2 = S.list_persons(db, SYSTEM, S.PersonQuery(), 2, 2, with_total=False)
    assert [r.name for r in page2.rows] == ["Citra", "Dewi"] and page2.total == -1
    desc = S.list_persons(db, SYSTEM, S.PersonQuery(sort="birth_year", descending=True), 0, 10)
    assert [r.name for r in desc.rows] == ["Eko", "Dewi", "Citra", "Budi", "Ahmad"]
    kec = S.list_persons(db, SYSTEM, S.PersonQuery(kecamatan_code="61.71.01"), 0, 10)
    assert [r.name for r in kec.rows] == ["Ahmad", "Citra", "Eko"] and kec.total == 3
    cat = S.PersonQuery(category_code="pengemis")
    assert S.count_persons(db, SYSTEM, cat) == 2
    opened = S.list_persons(db, SYSTEM, S.PersonQuery(has_open_case=True), 0, 10)
    assert [(r.name, r.open_cases) for r in opened.rows] == [("Budi", 1)]
    assert S.count_persons(db, SYSTEM, S.PersonQuery(has_open_case=False)) == 4
    assert S.count_persons(db, SYSTEM, S.PersonQuery(unit="UPRS")) == 1
    assert S.count_persons(db, SYSTEM, S.PersonQuery(unit="PLAT")) == 0
    assert S.count_persons(db, SYSTEM, S.PersonQuery(text="dew")) == 1
    assert S.list_person_ids(db, SYSTEM, S.PersonQuery(sex="P")) == [made["Citra"].id, made["Dewi"].id]
    with pytest.raises(ValidationError):
        S.list_persons(db, SYSTEM, S.PersonQuery(sort="nope"))


def test_rebuild_search_names(db):
    info = P.register_person(db, SYSTEM, draft(name="Mohammad Noor"))
    with db.transaction() as s:
        s.get(Person, info.id).search_name = "stale"
    assert P.rebuild_search_names(db, SYSTEM) == 1
    assert [r.id for r in S.search_persons(db, SYSTEM, "muhammad nur")] == [info.id]


def test_counts_agree_with_the_listed_rows(db):
    from spm_desktop.core.services.cases import close_case

    made = [P.register_person(db, SYSTEM, draft(name=f"Orang {n}", sex="P" if i % 2 else "L",
                                                kelurahan_code=KEL if i % 3 else KEL_OTHER_KEC))
            for i, n in enumerate(["Ani", "Budi", "Cici", "Dodi", "Eka", "Fani", "Gita"])]
    start = date(2026, 1, 5)
    plan = [(0, "UPRS", "gepeng", True), (0, "PLAT", "anak", True), (1, "UPRS", "gepeng", False),
            (2, "TKSK", "lansia", True), (3, "PLAT", "gepeng", False), (3, "PLAT", "anak", True)]
    for index, unit, group, stays_open in plan:
        info = open_case(db, SYSTEM, CaseDraft(person_id=made[index].id, unit=unit, spm_group=group, intake_date=start,
                                               kecamatan_code="61.71.01" if unit == "TKSK" else None))
        if not stays_open:
            close_case(db, SYSTEM, info.id, start, "lainnya")
    for unit in (None, "UPRS", "PLAT", "TKSK", "BIDANG"):
        for has_open in (None, True, False):
            for extra in ({}, {"sex": "P"}, {"kecamatan_code": "61.71.01"}):
                q = S.PersonQuery(unit=unit, has_open_case=has_open, **extra)
                ids = S.list_person_ids(db, SYSTEM, q)
                assert S.count_persons(db, SYSTEM, q) == len(ids) == S.list_persons(db, SYSTEM, q).total, q
    assert S.count_persons(db, SYSTEM, S.PersonQuery(has_open_case=True)) == 3
    assert S.count_persons(db, SYSTEM, S.PersonQuery(unit="PLAT", has_open_case=False)) == 0
    assert S.count_persons(db, SYSTEM, S.PersonQuery(unit="UPRS", has_open_case=False)) == 1
