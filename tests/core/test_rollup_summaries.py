"""The summaries the roll-up reads (migrations 0002, 0010, 0011's ``need_met`` and 0013's need
dates of ``cases``) are kept by the database's triggers, on SQLite and PostgreSQL, through every
kind of write: new, edited, soft-deleted, restored and removed events and needs, needs re-dated
or re-coded, events moved to another person (a merge), another year or another code, cases
moved to another person, closed and opened again, group activities listing persons (added,
re-dated, re-coded, deleted, persons unlisted or moved), and more service types than there
are bits."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime

import pytest
from backend_support import ON_POSTGRES, sqlite_only
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rollup_builders import B_FOOD, CLOTHES, MEALS, REUNI, Rows, d
from sqlalchemy import create_engine, delete, insert, select, text, update
from sqlalchemy.pool import NullPool
from summaries import (
    assert_summaries_consistent,
    expected_masks,
    expected_need_dates,
    expected_need_met,
    stored_firsts,
    stored_masks,
    stored_need_dates,
    stored_need_met,
)

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.rollup import Period, compute_rollup
from spm_desktop.core.storage.models import (
    Case,
    CaseNeed,
    Disaster,
    GroupActivity,
    GroupActivityPerson,
    Household,
    HouseholdMember,
    Person,
    ServiceEvent,
    ServiceType,
)
from spm_desktop.core.storage.summaries import bulk_inserts

ADMIN = Actor("admin", "admin")
FAMILY = "1.06.04.2.01.0006"  # bimbingan sosial kepada keluarga: met by a group activity listing the person
CODES = (MEALS, CLOTHES, REUNI, B_FOOD, FAMILY)
MEALS_PER_DAY = (None, 1, 2, 3)
KELS = ("61.71.01.1003", "61.71.01.1002", None)
DAYS = st.dates(date(2025, 11, 1), date(2026, 2, 28))
GONE = datetime(2026, 3, 1)

new_event = st.tuples(st.just("event"), st.integers(0, 2), st.sampled_from(CODES), DAYS, st.sampled_from(KELS),
                      st.booleans(), st.sampled_from(MEALS_PER_DAY), st.integers(-1, 1))
edit_event = st.tuples(st.just("edit"), st.integers(0, 30),
                       st.sampled_from(("person", "code", "date", "kelurahan", "delete", "restore", "remove",
                                        "meals", "disaster")),
                       st.integers(0, 2), st.sampled_from(CODES), DAYS, st.sampled_from(KELS),
                       st.sampled_from(MEALS_PER_DAY))
new_need = st.tuples(st.just("need"), st.integers(0, 3), st.sampled_from(CODES), st.booleans(), DAYS)
edit_need = st.tuples(st.just("edit_need"), st.integers(0, 30),
                      st.sampled_from(("delete", "restore", "remove", "assessed", "code")), DAYS,
                      st.sampled_from(CODES))
# A case moved to another person (as a merge does).
move_case = st.tuples(st.just("move_case"), st.integers(0, 3), st.integers(0, 2))
# A case closed on a day, or opened again (None): its need dates count deliveries up to the exit.
exit_case = st.tuples(st.just("exit_case"), st.integers(0, 3), st.none() | DAYS)
# A group activity of a code listing one person (deleted or not).
new_activity = st.tuples(st.just("activity"), st.integers(0, 2), st.sampled_from((FAMILY, CLOTHES)), DAYS,
                         st.booleans())
edit_activity = st.tuples(st.just("edit_activity"), st.integers(0, 30),
                          st.sampled_from(("date", "code", "delete", "restore", "unlist", "relist", "move", "remove")),
                          DAYS, st.sampled_from((FAMILY, CLOTHES)), st.integers(0, 2))
# A disaster's emergency period changes (start, end; None = no end) or it is deleted/restored.
edit_disaster = st.tuples(st.just("disaster"), st.integers(0, 1), DAYS, st.one_of(st.none(), DAYS), st.booleans())
operation = st.one_of(new_event, edit_event, new_need, edit_need, edit_disaster, move_case, exit_case, new_activity,
                      edit_activity)


def _apply(s, people, cases, disasters, op) -> None:
    kind = op[0]
    if kind == "event":
        _, who, code, day, kel, gone, meals, dis = op
        s.add(ServiceEvent(person_id=people[who], service_code=code, event_date=day, kelurahan_code=kel,
                           deleted_at=GONE if gone else None, disaster_id=disasters[dis] if dis >= 0 else None,
                           details={} if meals is None else {"meals_per_day": meals}))
    elif kind == "disaster":
        _, which, start, end, gone = op
        s.execute(update(Disaster).where(Disaster.id == disasters[which])
                  .values(start_date=start, end_date=end, deleted_at=GONE if gone else None))
    elif kind == "need":
        _, which, code, gone, day = op
        s.add(CaseNeed(case_id=cases[which], service_code=code, assessed_on=day,
                       deleted_at=GONE if gone else None))
    elif kind == "move_case":
        _, which, who = op
        s.execute(update(Case).where(Case.id == cases[which]).values(person_id=people[who]))
    elif kind == "exit_case":
        _, which, day = op
        s.execute(update(Case).where(Case.id == cases[which]).values(exit_date=day))
    elif kind == "activity":
        _, who, code, day, gone = op
        activity = GroupActivity(service_code=code, activity_date=day, participants_male=1,
                                 deleted_at=GONE if gone else None)
        s.add(activity)
        s.flush()
        s.add(GroupActivityPerson(activity_id=activity.id, person_id=people[who]))
    elif kind == "edit_activity":
        _edit_activity(s, people, op)
    elif kind == "edit":
        _, pick, what, who, code, day, kel, meals = op
        ids = s.scalars(select(ServiceEvent.id).order_by(ServiceEvent.id)).all()
        if not ids:
            return
        target = ids[pick % len(ids)]
        values = {"person": {"person_id": people[who]}, "code": {"service_code": code}, "date": {"event_date": day},
                  "kelurahan": {"kelurahan_code": kel}, "delete": {"deleted_at": GONE},
                  "restore": {"deleted_at": None},
                  "meals": {"details": {} if meals is None else {"meals_per_day": meals}},
                  "disaster": {"disaster_id": None if who == 2 else disasters[who]}}.get(what)
        if values is None:
            s.execute(delete(ServiceEvent).where(ServiceEvent.id == target))
        else:
            s.execute(update(ServiceEvent).where(ServiceEvent.id == target).values(**values))
    else:
        _, pick, what, day, code = op
        ids = s.scalars(select(CaseNeed.id).order_by(CaseNeed.id)).all()
        if not ids:
            return
        target = ids[pick % len(ids)]
        if what == "remove":
            s.execute(delete(CaseNeed).where(CaseNeed.id == target))
        else:
            values = {"assessed": {"assessed_on": day}, "code": {"service_code": code},
                      "delete": {"deleted_at": GONE}}.get(what, {"deleted_at": None})
            s.execute(update(CaseNeed).where(CaseNeed.id == target).values(**values))
    s.flush()


def _edit_activity(s, people, op) -> None:
    _, pick, what, day, code, who = op
    links = s.execute(select(GroupActivityPerson.id, GroupActivityPerson.activity_id)
                      .order_by(GroupActivityPerson.id)).all()
    if not links:
        return
    link, activity = links[pick % len(links)]
    activity_values = {"date": {"activity_date": day}, "code": {"service_code": code},
                       "delete": {"deleted_at": GONE}, "restore": {"deleted_at": None}}
    link_values = {"unlist": {"deleted_at": GONE}, "relist": {"deleted_at": None},
                   "move": {"person_id": people[who]}}
    if what in activity_values:
        s.execute(update(GroupActivity).where(GroupActivity.id == activity).values(**activity_values[what]))
    elif what in link_values:
        s.execute(update(GroupActivityPerson).where(GroupActivityPerson.id == link).values(**link_values[what]))
    else:
        s.execute(delete(GroupActivityPerson).where(GroupActivityPerson.id == link))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, max_size=25))
def test_summaries_follow_every_write(db, ops):
    with db.transaction() as s:
        for table in (ServiceEvent, CaseNeed, Case, HouseholdMember, Household, Disaster, GroupActivityPerson,
                      GroupActivity):
            s.execute(delete(table))
        s.execute(delete(Person))
        r = Rows(s)
        people = [r.person() for _ in range(3)]
        cases = [r.case(people[i % 3], "lansia", d(2025, 12, 1)) for i in range(4)]
        disasters = [r.disaster(d(2025, 12, 20), end=d(2026, 1, 10)), r.disaster(d(2026, 1, 5))]
        for op in ops:
            _apply(s, people, cases, disasters, op)
    assert_summaries_consistent(db)


def test_a_rolled_back_write_leaves_the_summaries_as_they_were(db):
    with db.transaction() as s:
        r = Rows(s)
        person = r.person()
        r.case(person, "lansia", d(2026, 1, 2), needs=[MEALS])
        r.event(person, MEALS, d(2026, 1, 5))
    try:
        with db.transaction() as s:
            s.execute(update(ServiceEvent).where(ServiceEvent.person_id == person).values(event_date=d(2025, 1, 5)))
            s.execute(update(CaseNeed).values(deleted_at=GONE))
            raise RuntimeError("abandoned")
    except RuntimeError:
        pass
    assert_summaries_consistent(db)


def test_types_beyond_the_last_bit_are_judged_need_by_need(db):
    """Bits 0–62 go to the first 63 service types; a case needing a later type has no mask
    (NULL) and the roll-up still counts it exactly (need by need)."""
    with db.transaction() as s:
        template = s.scalar(select(ServiceType).where(ServiceType.code == MEALS))
        have = s.scalar(select(ServiceType.id).where(ServiceType.need_bit.is_not(None)).limit(1))
        assert have is not None
        count = len(s.scalars(select(ServiceType.id)).all())
        extra = [f"9.99.99.9.99.{i:04d}" for i in range(70 - count)]
        for code in extra:
            s.add(ServiceType(code=code, name=f"Layanan uji {code}", program=template.program, assessable=True))
        s.flush()
        late = extra[-1]
        assert s.scalar(select(ServiceType.need_bit).where(ServiceType.code == late)) is None
        r = Rows(s)
        served, unserved, ordinary = r.person(), r.person(), r.person()
        for who in (served, unserved):
            r.case(who, "gepeng", d(2026, 1, 3), needs=[MEALS, late])
            r.event(who, MEALS, d(2026, 1, 4))
        r.event(served, late, d(2026, 1, 9))
        r.case(ordinary, "gepeng", d(2026, 1, 3), needs=[MEALS])
        r.event(ordinary, MEALS, d(2026, 1, 4))
        masks = stored_masks(s)
        assert sorted(v is None for v in masks.values()) == [False, True, True]
    assert_summaries_consistent(db)
    group = compute_rollup(db, Period.for_month(2026, 1)).group("gepeng")
    assert (group.sasaran, group.terpenuhi) == (3, 2)


def test_masks_are_refreshed_when_a_case_gets_needs_and_loses_them(db):
    with db.transaction() as s:
        r = Rows(s)
        cid = r.case(r.person(), "anak", d(2026, 1, 3), needs=[MEALS, REUNI])
        assert stored_masks(s)[cid] == expected_masks(s)[cid] != 0
        s.execute(update(CaseNeed).where(CaseNeed.case_id == cid).values(deleted_at=GONE))
        assert stored_masks(s)[cid] == 0
        s.execute(update(CaseNeed).where(CaseNeed.case_id == cid, CaseNeed.service_code == REUNI)
                  .values(deleted_at=None))
        assert stored_masks(s)[cid] == expected_masks(s)[cid] != 0


def test_bulk_inserts_refresh_the_summaries_and_bring_the_triggers_back(db):
    """Demo data and sync imports insert through ``bulk_inserts``: the per-row insert
    triggers are set aside (SQLite) and the summaries refreshed set-wise afterwards."""
    seq = 777
    with db.transaction() as s:
        r = Rows(s)
        early, late = r.person(), r.person()
        cid = r.case(early, "lansia", d(2025, 12, 1), needs=[REUNI])
        r.event(early, MEALS, d(2026, 1, 20))  # through the trigger, before the bulk rows
        with bulk_inserts(s, (seq,)):
            s.execute(insert(CaseNeed), [{"case_id": cid, "service_code": c, "change_seq": seq,
                                          "assessed_on": d(2025, 12, 1)} for c in (MEALS, CLOTHES)])
            s.execute(insert(Case), [{"id": "bulk-case", "person_id": late, "unit": "UPRS", "spm_group": "anak",
                                      "intake_date": d(2025, 12, 20), "exit_date": d(2026, 1, 8),
                                      "change_seq": seq}])
            s.execute(insert(CaseNeed), [{"case_id": "bulk-case", "service_code": c, "change_seq": seq,
                                          "assessed_on": d(2025, 12, 20)} for c in (MEALS, CLOTHES, REUNI)])
            s.execute(insert(ServiceEvent), [
                {"person_id": early, "service_code": MEALS, "event_date": d(2026, 1, 5), "change_seq": seq},
                {"person_id": early, "service_code": MEALS, "event_date": d(2026, 2, 5), "change_seq": seq},
                {"person_id": late, "service_code": CLOTHES, "event_date": d(2025, 12, 31), "change_seq": seq},
                {"person_id": late, "service_code": CLOTHES, "event_date": d(2026, 1, 1), "change_seq": seq,
                 "deleted_at": GONE},
                # two meals, then one more the same day: the earlier event counts only with it
                {"person_id": late, "service_code": MEALS, "event_date": d(2026, 1, 7), "change_seq": seq,
                 "details": {"meals_per_day": 1}},
                {"person_id": late, "service_code": MEALS, "event_date": d(2026, 1, 9), "change_seq": seq,
                 "details": {"meals_per_day": 1}},
            ])
            s.execute(insert(ServiceEvent), [
                {"person_id": late, "service_code": MEALS, "event_date": d(2026, 1, 7), "change_seq": seq,
                 "details": {"meals_per_day": 2}}])
    assert_summaries_consistent(db)
    with db.reading() as s:  # clothes on 31/12 met, meals of 7/1 met, meals of 9/1 after the exit; no reunification
        assert stored_need_dates(s)["bulk-case"] == (d(2025, 12, 20), None, 1, d(2025, 12, 31), d(2026, 1, 7))
    with db.transaction() as s:  # the insert triggers are back: an ordinary write keeps them right
        Rows(s).event(late, REUNI, d(2026, 3, 1))
        s.add(CaseNeed(case_id=s.scalar(select(Case.id).where(Case.person_id == early)), service_code=B_FOOD,
                       assessed_on=d(2025, 12, 1)))
    assert_summaries_consistent(db)


def test_bulk_inserts_date_needs_met_by_events_and_group_activities(db):
    """The set-wise refresh takes the earlier of a need's first counting event and its first
    group activity (each looked up once): either alone, both either way round, neither; for
    needs written in bulk and for an earlier case's need that a bulk event meets."""
    seq = 778

    def activity(s, person, code, day):
        act = GroupActivity(service_code=code, activity_date=day, participants_male=1)
        s.add(act)
        s.flush()
        s.add(GroupActivityPerson(activity_id=act.id, person_id=person))

    with db.transaction() as s:
        r = Rows(s)
        people = [r.person(name=f"Orang {i}") for i in range(5)]
        old_case = r.case(people[4], "lansia", d(2025, 12, 1), needs=[FAMILY])
        activity(s, people[1], FAMILY, d(2026, 1, 10))  # activity only
        activity(s, people[2], FAMILY, d(2026, 1, 3))  # before its event
        activity(s, people[3], FAMILY, d(2026, 1, 20))  # after its event
        activity(s, people[3], FAMILY, d(2025, 11, 1))  # before the assessment: not counted
        activity(s, people[4], FAMILY, d(2026, 2, 2))  # after the bulk event below
        s.flush()
        with bulk_inserts(s, (seq,)):
            s.execute(insert(Case), [{"id": f"bulk-{i}", "person_id": people[i], "unit": "UPRS",
                                      "spm_group": "lansia", "intake_date": d(2025, 12, 1), "change_seq": seq}
                                     for i in range(4)])
            s.execute(insert(CaseNeed), [{"case_id": f"bulk-{i}", "service_code": FAMILY, "change_seq": seq,
                                          "assessed_on": d(2025, 12, 1)} for i in range(4)]
                      + [{"case_id": "bulk-1", "service_code": CLOTHES, "change_seq": seq,
                          "assessed_on": d(2025, 12, 1)}])  # neither
            s.execute(insert(ServiceEvent), [
                {"person_id": people[0], "service_code": FAMILY, "event_date": d(2026, 1, 5), "change_seq": seq},
                {"person_id": people[2], "service_code": FAMILY, "event_date": d(2026, 1, 8), "change_seq": seq},
                {"person_id": people[3], "service_code": FAMILY, "event_date": d(2026, 1, 12), "change_seq": seq},
                {"person_id": people[4], "service_code": FAMILY, "event_date": d(2026, 1, 30), "change_seq": seq},
            ])
    assert_summaries_consistent(db)
    with db.reading() as s:
        firsts = {(case, code): first for case, _person, code, _on, first in stored_need_met(s).values()}
    assert firsts == {("bulk-0", FAMILY): d(2026, 1, 5), ("bulk-1", FAMILY): d(2026, 1, 10),
                      ("bulk-1", CLOTHES): None, ("bulk-2", FAMILY): d(2026, 1, 3),
                      ("bulk-3", FAMILY): d(2026, 1, 12), (old_case, FAMILY): d(2026, 1, 30)}


@sqlite_only("the page cache of a SQLite connection")
def test_bulk_inserts_take_a_page_cache_of_1_gib_and_give_it_back(db):
    """A bulk writer's changed pages stay in its cache until the commit (a 50,000-event import
    into the office database changes 660 MB of pages; a smaller cache spilled them into the
    WAL and wrote them again); afterwards the connection has its own size again."""
    with db.transaction() as s:
        conn = s.connection()
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        with bulk_inserts(s, (1,)):
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -1024 * 1024
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == before != -1024 * 1024


def test_a_failed_bulk_insert_leaves_the_triggers_in_place(db):
    with db.transaction() as s:
        person = Rows(s).person()
    try:
        with db.transaction() as s, bulk_inserts(s, (1,)):
            s.execute(insert(ServiceEvent), [{"person_id": person, "service_code": MEALS, "event_date": d(2026, 1, 5)}])
            raise RuntimeError("stopped half-way")
    except RuntimeError:
        pass
    with db.transaction() as s:
        Rows(s).event(person, MEALS, d(2026, 1, 9))
    assert_summaries_consistent(db)
    with db.reading() as s:
        assert len(stored_firsts(s)) == 1


def assert_someone_waits_for_a_lock(db, timeout: float = 20.0) -> None:
    """Wait (on a connection of its own, outside the application's pool) until another session
    of this database waits for a lock: an explicit barrier instead of a sleep long enough to be
    likely."""
    deadline = time.monotonic() + timeout
    watcher = create_engine(db.engine.url, poolclass=NullPool)
    with watcher.connect() as conn:
        while True:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")).scalar()
            conn.rollback()  # pg_stat_activity is a snapshot per transaction: take a new one
            if waiting:
                break
            assert time.monotonic() < deadline, "the second transaction never waited for the first one's lock"
            time.sleep(0.01)
    watcher.dispose()


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has one writer at a time (BEGIN IMMEDIATE): no interleaving")
def test_two_desks_editing_one_persons_events_at_once_leave_the_right_summary(db):
    """PostgreSQL, two transactions at once: each removes one of the two events of the same
    (year, person, code). The second waits in its trigger for the first (the person's row
    lock) and then sees its commit; without that lock the row the first recomputed, which
    still counts the second's event, would stay."""
    with db.transaction() as s:
        r = Rows(s)
        person = r.person()
        first, second = r.event(person, MEALS, d(2026, 1, 5)), r.event(person, MEALS, d(2026, 1, 9))
    # The first soft-deletes its event (the update trigger recomputes the key, before and
    # after: here the same key twice) and holds its transaction open; the second removes the
    # other event (the delete trigger recomputes the key once) meanwhile.
    soft_delete = update(ServiceEvent).where(ServiceEvent.id == first).values(deleted_at=GONE)
    removal = delete(ServiceEvent).where(ServiceEvent.id == second)
    first_holds, failures = threading.Event(), []

    def run(statement, before_commit):
        try:
            with db.transaction() as s:
                s.execute(statement)
                before_commit()
        except Exception as exc:  # reported below, on the test's thread
            failures.append(exc)

    def hold_until_second_waits():
        first_holds.set()  # the first holds its row locks now
        assert_someone_waits_for_a_lock(db)  # the second is inside its trigger, waiting

    one = threading.Thread(target=run, args=(soft_delete, hold_until_second_waits))
    one.start()
    assert first_holds.wait(20)
    two = threading.Thread(target=run, args=(removal, lambda: None))
    two.start()
    one.join(20)
    two.join(20)
    assert not failures
    assert_summaries_consistent(db)
    with db.reading() as s:
        assert stored_firsts(s) == {}


def test_need_met_follows_deliveries_needs_cases_and_activities_step_by_step(db):
    """need_met (migration 0011) and the case's need dates (migration 0013) after each write
    that can move a need's first counting delivery: an event before and after the assessment,
    a meal that does not count and the one that makes it count, an event edited and deleted,
    the need re-dated and re-coded, a re-assessment, the case closed before and after its
    deliveries and opened again, the case moved to another person, a group activity listing
    the person — re-dated, re-coded, deleted, its person unlisted and moved — and a case
    inserted after its needs."""
    with db.transaction() as s:
        r = Rows(s)
        a, b = r.person(), r.person()
        cid = r.case(a, "lansia", d(2026, 1, 10), needs=[CLOTHES, MEALS, FAMILY])
    steps = [
        lambda s: s.add(ServiceEvent(person_id=a, service_code=CLOTHES, event_date=d(2026, 1, 5))),
        lambda s: s.add(ServiceEvent(person_id=a, service_code=CLOTHES, event_date=d(2026, 2, 5))),
        lambda s: s.add(ServiceEvent(person_id=a, service_code=MEALS, event_date=d(2026, 1, 12),
                                     details={"meals_per_day": 1})),
        lambda s: s.add(ServiceEvent(person_id=a, service_code=MEALS, event_date=d(2026, 1, 12),
                                     details={"meals_per_day": 2})),
        lambda s: s.execute(update(ServiceEvent).where(ServiceEvent.event_date == d(2026, 2, 5))
                            .values(event_date=d(2026, 1, 20))),
        lambda s: s.execute(update(CaseNeed).where(CaseNeed.service_code == CLOTHES)
                            .values(assessed_on=d(2026, 1, 1))),
        lambda s: s.execute(update(CaseNeed).where(CaseNeed.service_code == CLOTHES)
                            .values(service_code=REUNI)),
        lambda s: s.add(ServiceEvent(person_id=b, service_code=CLOTHES, event_date=d(2026, 3, 1))),
        lambda s: s.execute(update(Case).where(Case.id == cid).values(exit_date=d(2026, 1, 15))),
        lambda s: s.execute(update(Case).where(Case.id == cid).values(exit_date=d(2026, 1, 25))),
        lambda s: s.execute(update(Case).where(Case.id == cid).values(exit_date=None)),
        lambda s: s.add(CaseNeed(case_id=cid, service_code=CLOTHES, assessed_on=d(2026, 2, 1))),
        lambda s: s.execute(update(CaseNeed).where(CaseNeed.assessed_on == d(2026, 2, 1))
                            .values(assessed_on=d(2026, 1, 1))),
        lambda s: s.execute(update(Case).where(Case.id == cid).values(person_id=b)),
        lambda s: s.execute(update(Case).where(Case.id == cid).values(person_id=a)),
        lambda s: _listed(s, a, FAMILY, d(2026, 4, 1)),
        lambda s: s.execute(update(GroupActivity).values(activity_date=d(2026, 3, 15))),
        lambda s: s.execute(update(GroupActivity).values(service_code=CLOTHES)),
        lambda s: s.execute(update(GroupActivity).values(service_code=FAMILY)),
        lambda s: s.execute(update(GroupActivityPerson).values(deleted_at=GONE)),
        lambda s: s.execute(update(GroupActivityPerson).values(deleted_at=None)),
        lambda s: s.execute(update(GroupActivityPerson).values(person_id=b)),
        lambda s: s.execute(update(GroupActivityPerson).values(person_id=a)),
        lambda s: s.execute(update(GroupActivity).values(deleted_at=GONE)),
        lambda s: s.execute(update(GroupActivity).values(deleted_at=None)),
        lambda s: s.execute(delete(GroupActivityPerson)),
        lambda s: s.execute(update(ServiceEvent).where(ServiceEvent.service_code == MEALS).values(deleted_at=GONE)),
        lambda s: s.execute(delete(ServiceEvent).where(ServiceEvent.event_date == d(2026, 1, 20))),
        lambda s: s.execute(update(CaseNeed).values(deleted_at=GONE)),
        lambda s: s.execute(update(CaseNeed).values(deleted_at=None)),
    ]
    seen: set = set()
    dates: set = set()
    for i, step in enumerate(steps):
        with db.transaction() as s:
            step(s)
        with db.reading() as s:
            stored = stored_need_met(s)
            assert stored == expected_need_met(s), i
            seen |= {v[4] for v in stored.values()}
            assert stored_need_dates(s) == expected_need_dates(s), i
            dates.add(stored_need_dates(s)[cid])
    assert len(seen - {None}) >= 4  # the first dates did move on the way
    assert len(dates) >= 8 and any(v[1] is not None for v in dates)  # and the case's need dates


def _listed(s, person, code, day) -> None:
    activity = GroupActivity(service_code=code, activity_date=day, participants_male=1)
    s.add(activity)
    s.flush()
    s.add(GroupActivityPerson(activity_id=activity.id, person_id=person))


@sqlite_only("PostgreSQL's foreign keys are not deferrable: a need never precedes its case there")
def test_a_case_stored_after_its_needs_gets_their_met_dates(db):
    """With foreign keys deferred, a case's needs may be written before the case: the case's
    insert fills their rows."""
    with db.transaction() as s:
        r = Rows(s)
        a = r.person()
        r.event(a, CLOTHES, d(2026, 1, 5))
        s.flush()
        s.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        case = Case(person_id=a, unit="UPRS", spm_group="lansia", intake_date=d(2026, 1, 1))
        s.execute(insert(CaseNeed).values(id="need-first", case_id="case-later", service_code=CLOTHES,
                                          assessed_on=d(2026, 1, 1)))
        case.id = "case-later"
        s.add(case)
        s.flush()
        assert stored_need_met(s) == expected_need_met(s)
        assert stored_need_met(s)["need-first"][4] == d(2026, 1, 5)
        assert stored_need_dates(s) == expected_need_dates(s)
        assert stored_need_dates(s)["case-later"] == (d(2026, 1, 1), None, 0, d(2026, 1, 5), d(2026, 1, 5))
