"""Group activities and the volunteer roster travel in sync packages: arrival, a list changed on
the other side comes back, a deletion travels, both sides converge, and the figures agree."""

from __future__ import annotations

from datetime import date

import pytest
from sync_helpers import ADMIN, content, enrol_each_other

from spm_desktop.core.rollup.engine import compute_rollup
from spm_desktop.core.rollup.period import Period
from spm_desktop.core.services.activities import (
    ActivityInput,
    delete_activity,
    get_activity,
    list_activities,
    record_activity,
    update_activity,
)
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.core.services.volunteers import VolunteerInput, list_volunteers, register_volunteer
from spm_desktop.core.storage.base import new_id
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import device_info
from spm_desktop.core.sync.importer import import_package

KEL = "61.71.01.1002"


@pytest.fixture
def tksk(make_database, office, tmp_path):
    """The second device enrolled as an office device (the scoped TKSK laptop's share of the
    activities: tests/core/sync/test_sync_scope.py)."""
    db = make_database("tksk", "TKSK Pontianak Barat")
    enrol_each_other(office, db, tmp_path, role="office")
    return db
FAMILY = "1.06.04.2.01.0006"
TAGANA = "1.06.06.2.02.0002"
TABLES = ("volunteer", "group_activity", "group_activity_person", "group_activity_volunteer")


def exchange(src, dst, tmp_path):
    path = tmp_path / f"{new_id()}.spmsync"
    export_package(src, ADMIN, path, peer_name=device_info(dst).name)
    return import_package(dst, ADMIN, path)


def test_activities_and_roster_travel_and_converge(office, tksk, tmp_path):
    a = register_person(office, ADMIN, PersonDraft(name="Ahmad Yani", sex="L", birth_year=1950, kelurahan_code=KEL),
                        confirm_duplicates_ok=True).id
    b = register_person(office, ADMIN, PersonDraft(name="Siti Rohana", sex="P", birth_year=1955, kelurahan_code=KEL),
                        confirm_duplicates_ok=True).id
    v = register_volunteer(office, ADMIN, VolunteerInput(name="Rudi", sex="L")).id
    family = record_activity(office, ADMIN, ActivityInput(FAMILY, date(2026, 2, 3), KEL, 3, 4,
                                                          person_ids=(a, b))).id
    tagana = record_activity(office, ADMIN, ActivityInput(TAGANA, date(2026, 2, 5), KEL, 1, 0,
                                                          volunteer_ids=(v,))).id
    summary = exchange(office, tksk, tmp_path)
    arrived = {t.table: t.new for t in summary.tables}
    assert [arrived.get(t) for t in TABLES] == [1, 2, 2, 1]
    assert [p.id for p in get_activity(tksk, ADMIN, family).persons] == sorted([a, b], key=lambda i: (
        {a: "Ahmad Yani", b: "Siti Rohana"}[i], i))
    # The laptop takes b off the list and adds a volunteer; the office deletes the Tagana activity.
    w = register_volunteer(tksk, ADMIN, VolunteerInput(name="Wati", sex="P")).id
    update_activity(tksk, ADMIN, family, ActivityInput(FAMILY, date(2026, 2, 3), KEL, 3, 4, person_ids=(a,),
                                                       volunteer_ids=(w,)))
    delete_activity(office, ADMIN, tagana)
    exchange(tksk, office, tmp_path)
    exchange(office, tksk, tmp_path)
    for db in (office, tksk):
        info = get_activity(db, ADMIN, family)
        assert ([p.id for p in info.persons], [x.id for x in info.volunteers]) == ([a], [w])
        assert [x.id for x in list_activities(db, ADMIN)] == [family]
        assert sorted(x.name for x in list_volunteers(db, ADMIN)) == ["Rudi", "Wati"]
        result = compute_rollup(db, Period.for_month(2026, 2))
        assert (result.indicator(FAMILY).cumulative, result.indicator(TAGANA).cumulative) == (7, 0)
    mine, theirs = content(office), content(tksk)
    for table in TABLES:
        assert mine[table] == theirs[table], table
