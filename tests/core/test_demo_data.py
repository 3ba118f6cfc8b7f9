"""Demo data: deterministic, valid NIKs, ages that fit the SPM group, exact event count."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from summaries import assert_summaries_consistent

from spm_desktop.core.demo.generator import generate
from spm_desktop.core.domain.errors import ConflictError
from spm_desktop.core.domain.nik import check_nik_agrees
from spm_desktop.core.storage.models import Case, CaseNeed, Household, Person, ServiceEvent

UNTIL = date(2026, 6, 30)


def _rows(db):
    with db.reading() as s:
        persons = s.execute(select(Person.id, Person.nik, Person.name, Person.birth_date).order_by(Person.id)).all()
        events = s.execute(select(ServiceEvent.id, ServiceEvent.person_id, ServiceEvent.service_code,
                                  ServiceEvent.event_date).order_by(ServiceEvent.id)).all()
    return persons, events


@pytest.fixture
def demo_db(db):
    generate(db, 400, 3000, seed=11, until=UNTIL)
    return db


def test_same_seed_gives_same_rows(demo_db, template_db_file, tmp_path):
    from spm_desktop.core.storage.database import Database
    from spm_desktop.core.storage.engine import make_engine

    other_file = tmp_path / "other.db"
    other_file.write_bytes(template_db_file.read_bytes())
    other = Database(make_engine(f"sqlite:///{other_file}"))
    other.device_id = demo_db.device_id
    try:
        generate(other, 400, 3000, seed=11, until=UNTIL)
        assert _rows(other) == _rows(demo_db)
    finally:
        other.dispose()


def test_counts_and_valid_niks(demo_db):
    with demo_db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 400
        assert s.scalar(select(func.count()).select_from(ServiceEvent)) == 3000
        assert s.scalar(select(func.count()).select_from(Household)) > 0
        assert s.scalar(select(func.count()).select_from(CaseNeed)) > 0
        people = s.execute(select(Person.nik, Person.sex, Person.birth_date, Person.birth_year_estimated)).all()
    with_nik = [p for p in people if p.nik]
    assert 0.5 * len(people) < len(with_nik) < len(people)  # some without NIK
    for p in with_nik:
        check_nik_agrees(p.nik, p.sex, p.birth_date)
    assert all(p.birth_date is None and p.birth_year_estimated for p in people if not p.nik)
    assert any(not p.nik.startswith("6171") for p in with_nik)  # some from elsewhere
    assert_summaries_consistent(demo_db)  # bulk inserts keep the roll-up's summaries too


def test_ages_fit_the_group_and_events_follow_dates(demo_db):
    with demo_db.reading() as s:
        rows = s.execute(select(Case.spm_group, Case.intake_date, Person.birth_year)
                         .join(Person, Person.id == Case.person_id)).all()
        for group, intake, birth_year in rows:
            age = intake.year - birth_year
            if group == "anak":
                assert age <= 20
            if group == "lansia":
                assert age >= 57
        assert s.scalar(select(func.max(ServiceEvent.event_date))) <= UNTIL
        before_intake = s.scalar(
            select(func.count()).select_from(ServiceEvent).join(Case, Case.id == ServiceEvent.case_id)
            .where(ServiceEvent.event_date < Case.intake_date))
        assert before_intake == 0


def test_refuses_a_database_that_holds_data(demo_db):
    with pytest.raises(ConflictError):
        generate(demo_db, 5, 5, seed=1, until=UNTIL)


def test_participant_counted_types_come_as_group_activities(demo_db):
    from spm_desktop.core.storage.models import GroupActivity, GroupActivityPerson, GroupActivityVolunteer, Volunteer

    group_codes = ("1.06.04.2.01.0006", "1.06.04.2.02.0008", "1.06.06.2.02.0002")
    with demo_db.reading() as s:
        assert s.scalar(select(func.count()).select_from(ServiceEvent)
                        .where(ServiceEvent.service_code.in_(group_codes))) == 0
        assert s.scalar(select(func.count()).select_from(Volunteer)) == 62
        family = s.scalar(select(func.count()).select_from(GroupActivity)
                          .where(GroupActivity.service_code == "1.06.04.2.01.0006"))
        listed = s.scalar(select(func.count()).select_from(GroupActivityPerson))
        tagana = s.scalar(select(func.count()).select_from(GroupActivityVolunteer))
        too_many = s.scalar(select(func.count()).select_from(GroupActivity).where(
            GroupActivity.participants_male + GroupActivity.participants_female
            < select(func.count()).select_from(GroupActivityPerson)
            .where(GroupActivityPerson.activity_id == GroupActivity.id).scalar_subquery()))
    assert family > 0 and listed >= family and tagana > 0
    assert too_many == 0  # never more PPKS listed than participants
