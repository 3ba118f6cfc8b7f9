"""Duplicate persons: warning with candidates before saving, review list, merge."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from casework_helpers import table_counts
from sqlalchemy import func, select
from summaries import assert_summaries_consistent

from spm_desktop.core import clock
from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import ConflictError, PermissionDenied, ValidationError
from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.services import duplicates as D
from spm_desktop.core.services import person_search as S
from spm_desktop.core.services import persons as P
from spm_desktop.core.services.candidates import PossibleDuplicatesError
from spm_desktop.core.services.cases import CaseDraft, list_cases, open_case
from spm_desktop.core.services.events import EventDraft, list_events, record_event
from spm_desktop.core.storage.models import AuditEntry, Disaster, DuplicateCandidate, Household, HouseholdMember, Person

KEL_A = "61.71.01.1002"  # kecamatan 61.71.01
KEL_A2 = "61.71.01.1003"  # same kecamatan
KEL_B = "61.71.02.1001"  # other kecamatan
TODAY = clock.today()


def person(db, name, sex="L", year=1970, kel=KEL_A, **kw):
    return P.register_person(db, SYSTEM, P.PersonDraft(name=name, sex=sex, birth_year=year, kelurahan_code=kel, **kw),
                             confirm_duplicates_ok=True)


VARIANTS = [
    ("Muhammad Rizki", "Mohamad Rizky"),
    ("Muhamad Nur", "M. Noor"),
    ("Muhammat Yusuf", "Moh. Jusuf"),
    ("Siti Nurhayati", "Siti Nur Hayati"),
    ("Soekarno", "Sukarno"),
    ("Budi Santoso", "Boedi Santosa"),
    ("Haji Abdullah", "Abdulah"),
]


@pytest.mark.parametrize("first, second", VARIANTS)
def test_spelling_variants_give_a_warning(db, first, second):
    existing = person(db, first)
    before = table_counts(db)
    with pytest.raises(PossibleDuplicatesError) as exc:
        P.register_person(db, SYSTEM, P.PersonDraft(name=second, sex="L", birth_year=1972, kelurahan_code=KEL_A2))
    assert [c.person_id for c in exc.value.candidates] == [existing.id]
    assert table_counts(db) == before
    found = D.find_duplicate_candidates(db, SYSTEM, P.PersonDraft(name=second, sex="L", birth_year=1971,
                                                                  kelurahan_code=KEL_A2))
    assert [c.person_id for c in found] == [existing.id] and found[0].score >= 85


@pytest.mark.parametrize("change", [
    dict(sex="P"),  # other sex
    dict(birth_year=1973),  # more than 2 years apart
    dict(kelurahan_code=KEL_B),  # other kecamatan
    dict(name="Agus Santoso"),  # another name
])
def test_no_warning_when_a_criterion_differs(db, change):
    person(db, "Budi Santoso", year=1970)
    values = dict(name="Budi Santoso", sex="L", birth_year=1970, kelurahan_code=KEL_A) | change
    info = P.register_person(db, SYSTEM, P.PersonDraft(**values))
    assert info.id


def test_two_different_niks_are_never_candidates(db):
    person(db, "Budi Santoso", nik=make_nik("617101", date(1970, 1, 1), "L", 1))
    info = P.register_person(db, SYSTEM, P.PersonDraft(name="Budi Santoso", sex="L", kelurahan_code=KEL_A,
                                                       nik=make_nik("617101", date(1970, 1, 1), "L", 2)))
    assert info.nik.endswith("0002")


def test_nik_clash_is_refused_with_pointer(db):
    nik = make_nik("617101", date(1970, 1, 1), "L", 9)
    first = person(db, "Budi", nik=nik)
    found = D.find_duplicate_candidates(db, SYSTEM, P.PersonDraft(name="Siapa", sex="L", nik=nik))
    assert found[0].person_id == first.id and found[0].reason == "NIK sama"
    with pytest.raises(P.DuplicateNikError) as exc:
        P.register_person(db, SYSTEM, P.PersonDraft(name="Siapa", sex="L", nik=nik), confirm_duplicates_ok=True)
    assert exc.value.person_id == first.id


def test_confirmed_registration_goes_on_review_list(db):
    a = person(db, "Muhammad Rizki")
    b = P.register_person(db, SYSTEM, P.PersonDraft(name="Mohamad Rizky", sex="L", birth_year=1971,
                                                    kelurahan_code=KEL_A), confirm_duplicates_ok=True)
    pairs = D.list_duplicate_pairs(db, SYSTEM)
    assert len(pairs) == 1 and {pairs[0].a.id, pairs[0].b.id} == {a.id, b.id}
    assert D.count_open_pairs(db, SYSTEM) == 1
    D.mark_not_duplicate(db, SYSTEM, pairs[0].id)
    assert D.list_duplicate_pairs(db, SYSTEM) == []
    assert [p.status for p in D.list_duplicate_pairs(db, SYSTEM, None)] == ["not_duplicate"]
    with pytest.raises(ConflictError):
        D.mark_not_duplicate(db, SYSTEM, pairs[0].id)


def test_scan_finds_pairs_once(db):
    person(db, "Siti Nurhayati", sex="P")
    person(db, "Siti Nur Hayati", sex="P", year=1971)
    with db.transaction() as s:
        s.execute(DuplicateCandidate.__table__.delete())
    assert D.scan_for_duplicates(db, SYSTEM) == 1
    assert D.scan_for_duplicates(db, SYSTEM) == 0


def _household(db, disaster_start, members):
    with db.transaction() as s:
        d = Disaster(kind="kebakaran_permukiman", start_date=disaster_start, kelurahan_code=KEL_A,
                     kecamatan_code="61.71.01")
        s.add(d)
        s.flush()
        h = Household(disaster_id=d.id, no_kk="6171010101010001", head_person_id=members[0])
        s.add(h)
        s.flush()
        for pid in members:
            s.add(HouseholdMember(household_id=h.id, disaster_id=d.id, person_id=pid, relation="kepala"))
        return d.id, h.id


def test_merge_moves_every_case_event_and_membership(db):
    survivor = person(db, "Budi Santoso", kel=KEL_A)
    other = person(db, "Boedi Santosa", year=1971, kel=KEL_A2, no_kk="6171010101010009", alias="Ucok")
    start = TODAY - timedelta(days=30)
    case_a = open_case(db, SYSTEM, CaseDraft(person_id=survivor.id, unit="UPRS", spm_group="gepeng",
                                             intake_date=start))
    case_b = open_case(db, SYSTEM, CaseDraft(person_id=other.id, unit="TKSK", spm_group="disabilitas",
                                             intake_date=start, kecamatan_code="61.71.01"))
    for pid, cid in ((survivor.id, case_a.id), (other.id, case_b.id), (other.id, None)):
        record_event(db, SYSTEM, EventDraft(person_id=pid, service_code="1.06.04.2.01.0002",
                                            event_date=start + timedelta(days=1), case_id=cid,
                                            details={"items": ["Pakaian"]}))
    disaster_id, household_id = _household(db, start, [other.id])
    result = D.merge_persons(db, SYSTEM, survivor.id, other.id)
    assert (result.cases_moved, result.events_moved, result.memberships_moved) == (1, 2, 1)
    assert {c.id for c in list_cases(db, SYSTEM, survivor.id)} == {case_a.id, case_b.id}
    assert len(list_events(db, SYSTEM, survivor.id)) == 3
    assert list_events(db, SYSTEM, other.id) == []
    with db.reading() as s:
        assert s.get(Person, other.id).merged_into == survivor.id
        member = s.scalars(select(HouseholdMember).where(HouseholdMember.household_id == household_id)).one()
        assert member.person_id == survivor.id
        assert s.get(Household, household_id).head_person_id == survivor.id
        merged = s.get(Person, survivor.id)
        assert merged.no_kk == "6171010101010009" and "Ucok" in merged.alias
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "merge")).one()
        assert entry.before["survivor"]["id"] == survivor.id and entry.before["merged"]["id"] == other.id
        assert entry.after["merged"]["merged_into"] == survivor.id and entry.after["events_moved"] == 2
    # The merged person is out of search and the list, and receives no events.
    assert [r.id for r in S.search_persons(db, SYSTEM, "santos")] == [survivor.id]
    assert [r.id for r in S.search_persons(db, SYSTEM, "ucok")] == [survivor.id]
    before = table_counts(db)
    with pytest.raises(ValidationError, match="digabung"):
        record_event(db, SYSTEM, EventDraft(person_id=other.id, service_code="1.06.04.2.01.0002", event_date=TODAY))
    assert table_counts(db) == before
    with db.reading() as s:
        assert D.resolve_person_id(s, other.id) == survivor.id
    assert_summaries_consistent(db)  # the moved events' first services follow the survivor


def test_merge_takes_the_nik_of_the_other(db):
    nik = make_nik("617101", date(1970, 3, 3), "L", 3)
    survivor = person(db, "Budi Santoso")
    other = person(db, "Budi Santoso", nik=nik)
    D.merge_persons(db, SYSTEM, survivor.id, other.id)
    info = P.get_person(db, SYSTEM, survivor.id)
    assert info.nik == nik and info.birth_date == date(1970, 3, 3)
    assert P.get_person(db, SYSTEM, other.id).nik is None


@pytest.mark.parametrize("case", ["sex", "birth_date"])
def test_a_merge_that_would_break_the_nik_rules_is_refused_and_writes_nothing(db, case):
    """Found by the sync convergence test: a man's NIK taken over by a record of sex P made a
    person that every other computer refused in the next package. The merged person must
    satisfy the rules of a local write."""
    nik = make_nik("617101", date(1970, 3, 3), "L", 3)
    if case == "sex":
        survivor = person(db, "Budi Santoso", sex="P")
    else:
        survivor = person(db, "Budi Santoso", birth_date=date(1971, 5, 6), year=None)
    other = person(db, "Budi Santoso", nik=nik)
    before = table_counts(db)
    with pytest.raises(ConflictError) as refused:
        D.merge_persons(db, SYSTEM, survivor.id, other.id)
    expected = "jenis kelamin" if case == "sex" else "tanggal lahir 06/05/1971"
    assert expected in refused.value.message and nik in refused.value.message
    assert table_counts(db) == before
    assert P.get_person(db, SYSTEM, survivor.id).nik is None and P.get_person(db, SYSTEM, other.id).nik == nik


@pytest.mark.parametrize("case", ["same", "two_niks", "open_same_group", "merged_already", "viewer"])
def test_refused_merges_write_nothing(db, case):
    a = person(db, "Budi Santoso", nik=make_nik("617101", date(1970, 1, 1), "L", 1))
    b = person(db, "Budi Santoso", nik=make_nik("617101", date(1970, 1, 1), "L", 2) if case == "two_niks" else None)
    actor = SYSTEM
    if case == "open_same_group":
        for pid in (a.id, b.id):
            open_case(db, SYSTEM, CaseDraft(person_id=pid, unit="UPRS", spm_group="gepeng", intake_date=TODAY))
    if case == "merged_already":
        c = person(db, "Budi Santoso")
        D.merge_persons(db, SYSTEM, c.id, b.id)
    if case == "viewer":
        actor = Actor(username="v", role="viewer")
    before = table_counts(db)
    with pytest.raises((ValidationError, ConflictError, PermissionDenied)):
        D.merge_persons(db, actor, a.id, a.id if case == "same" else b.id)
    assert table_counts(db) == before
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Person).where(Person.merged_into == a.id)) == 0
