"""Hand-computed fixtures for the rules of architecture §4 version 2 (case groups, meals that
count, warnings, JSON keys). Each test states the figures worked out by hand in its comments."""

from __future__ import annotations

from rollup_builders import B_FOOD, CLOTHES, KEL_SELATAN, MEALS, REUNI, Rows, d

from spm_desktop.core import clock
from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.rollup import Period, compute_rollup
from spm_desktop.core.services import case_list
from spm_desktop.core.services import cases as cases_svc
from spm_desktop.core.services import settings as settings_svc

DOCS = "1.06.04.2.01.0014"
FAMILY = "1.06.04.2.01.0006"  # bimbingan sosial kepada keluarga (participants)


def build(db, fn):
    with db.transaction() as s:
        return fn(Rows(s))


def group(db, g, year=2026, month=3):
    return compute_rollup(db, Period.for_month(year, month)).group(g)


def test_carried_over_cases_met_and_unmet(db):
    """Gepeng case opened 10/11/2025, alat bantu and KTP delivered Nov–Dec 2025 (met in
    December 2025: counted in 2025, not in 2026); a second person's case from 2025 still
    missing KTP at 31/12 is sasaran of 2026, met when the KTP comes in February."""
    def rows(r):
        done, late = r.person(), r.person()
        c1 = r.case(done, "gepeng", d(2025, 11, 10), needs=[CLOTHES, DOCS])
        r.event(done, CLOTHES, d(2025, 11, 12), case=c1)
        r.event(done, DOCS, d(2025, 12, 3), case=c1)
        c2 = r.case(late, "gepeng", d(2025, 11, 10), needs=[CLOTHES, DOCS])
        r.event(late, CLOTHES, d(2025, 11, 20), case=c2)
        return late, c2
    late, c2 = build(db, rows)
    dec = group(db, "gepeng", 2025, 12)
    assert (dec.sasaran, dec.terpenuhi) == (2, 1)  # done met 3/12/2025
    assert dec.served_by_month[11] == 1
    mar = group(db, "gepeng")
    assert (mar.sasaran, mar.terpenuhi, mar.capaian) == (1, 0, 0.0)  # only late
    build(db, lambda r: r.event(late, DOCS, d(2026, 2, 14), case=c2))
    mar = group(db, "gepeng")
    assert (mar.sasaran, mar.terpenuhi, mar.served_by_month) == (1, 1, (0, 1) + (0,) * 10)


def test_reassessment_with_delivery_before_and_after(db):
    """Intake 5/1 needs MEALS (met 6/1: terpenuhi in January). Re-assessment 10/2 adds CLOTHES:
    the clothing delivered 1/2 (before it) does not meet it; the person stays terpenuhi for
    the year (once served) with a warning, and their met date stays 6/1. A second person's
    re-assessment adds MEALS again on 10/2: the delivery of 12/2 meets it."""
    def rows(r):
        p, q = r.person(), r.person()
        c = r.case(p, "anak", d(2026, 1, 5), needs=[MEALS])
        r.event(p, MEALS, d(2026, 1, 6))
        r.event(p, CLOTHES, d(2026, 2, 1))
        r.need(c, CLOTHES, d(2026, 2, 10))
        cq = r.case(q, "anak", d(2026, 1, 5), needs=[CLOTHES])
        r.need(cq, MEALS, d(2026, 2, 10))
        r.event(q, MEALS, d(2026, 1, 20))  # before the re-assessment: does not meet it
        r.event(q, CLOTHES, d(2026, 2, 11))
        r.event(q, MEALS, d(2026, 2, 12))
        return c
    build(db, rows)
    res = compute_rollup(db, Period.for_month(2026, 3))
    g = res.group("anak")
    # p: met 6/1; q: CLOTHES (5/1) met 11/2, MEALS (10/2) met 12/2 → met 12/2
    assert (g.sasaran, g.terpenuhi) == (2, 2)
    assert g.served_by_month[:3] == (1, 1, 0)
    item = next(w for w in res.warning_items if w.kind == "met_with_open_needs")
    assert (item.count, item.group) == (1, "anak")
    # January's recap: q's re-assessment is not yet there; q's clothing not yet delivered.
    jan = group(db, "anak", 2026, 1)
    assert (jan.sasaran, jan.terpenuhi) == (2, 1)


def test_unassessed_and_no_need_cases_beside_assessed_ones(db):
    """Four lansia cases: assessed and met; assessed and unmet; unassessed (sasaran, never
    terpenuhi, unassessed = 1); "tidak ada kebutuhan" (not sasaran). A person with a met need
    and a second, unassessed open case is not terpenuhi until it is assessed."""
    def rows(r):
        met, unmet, unassessed, nothing, blocked = (r.person() for _ in range(5))
        r.case(met, "lansia", d(2026, 1, 3), needs=[MEALS])
        r.event(met, MEALS, d(2026, 1, 4))
        r.case(unmet, "lansia", d(2026, 1, 3), needs=[CLOTHES])
        r.case(unassessed, "lansia", d(2026, 1, 3))
        r.case(nothing, "lansia", d(2026, 1, 3), no_need=d(2026, 1, 3))
        r.case(blocked, "lansia", d(2026, 1, 3), needs=[MEALS])
        r.event(blocked, MEALS, d(2026, 1, 4))
        r.case(blocked, "lansia", d(2026, 1, 2), exit=d(2026, 2, 27))  # unassessed while open
        return blocked
    build(db, rows)
    g = group(db, "lansia")
    # sasaran: met, unmet, unassessed, blocked = 4; terpenuhi: met (4/1) and blocked (28/2,
    # the day after the unassessed case closed: it no longer blocks) = 2; persons with a case
    # unassessed by 31/3: unassessed and blocked (its closed case was never assessed) = 2
    assert (g.sasaran, g.terpenuhi, g.unassessed) == (4, 2, 2)
    assert g.served_by_month[:3] == (1, 1, 0)
    res = compute_rollup(db, Period.for_month(2026, 3))
    assert any(w.kind == "unassessed" and w.group == "lansia" and w.count == 2 for w in res.warning_items)
    assert any("belum diasesmen" in w for w in res.warnings)


def test_meals_add_up_over_a_day_and_a_package_counts_on_its_date(db):
    """Meals count when a day's meals_per_day reach 3: 1 + 2 on 5/1 count (both events); 2
    alone on 6/1 does not; a 7-day package (meals_per_day 3, days 7) counts on its own date
    only; an event without meals_per_day takes the default 3."""
    def rows(r):
        a, b, c, e = (r.person() for _ in range(4))
        r.event(a, MEALS, d(2026, 1, 5), details={"meals_per_day": 1})
        r.event(a, MEALS, d(2026, 1, 5), details={"meals_per_day": 2}, kelurahan="61.71.01.1003")
        r.event(b, MEALS, d(2026, 1, 6), details={"meals_per_day": 2})
        r.event(c, MEALS, d(2026, 2, 1), details={"meals_per_day": 3, "days": 7})
        r.event(e, MEALS, d(2026, 2, 2))
        ca = r.case(b, "gepeng", d(2026, 1, 6), needs=[MEALS])
        return ca
    build(db, rows)
    res = compute_rollup(db, Period.for_month(2026, 3))
    ind = res.indicator(MEALS)
    assert (ind.cumulative, ind.monthly) == (3, (1, 2, 0))  # a, c, e
    assert (res.group("gepeng").sasaran, res.group("gepeng").terpenuhi) == (1, 0)  # b's meal does not count
    uncounted = next(w for w in res.warning_items if w.kind == "uncounted_events")
    assert (uncounted.count, uncounted.detail) == (1, MEALS)
    assert compute_rollup(db, Period.for_month(2026, 1)).indicator(MEALS).cumulative == 1


def test_disaster_meals_count_only_inside_the_emergency_period(db):
    """A fire 30/12/2025 with its emergency until 5/1/2026: meals of 2/1 linked to it count;
    meals of 8/1 linked to it, and meals of 3/1 linked to no disaster, do not."""
    def rows(r):
        fire = r.disaster(d(2025, 12, 30), end=d(2026, 1, 5))
        a, b, c = r.person(), r.person(), r.person()
        r.event(a, B_FOOD, d(2026, 1, 2), disaster=fire)
        r.event(b, B_FOOD, d(2026, 1, 8), disaster=fire)
        r.event(c, B_FOOD, d(2026, 1, 3))
        return fire
    fire = build(db, rows)
    res = compute_rollup(db, Period.for_month(2026, 1))
    assert res.indicator(B_FOOD).cumulative == 1
    assert next(w for w in res.warning_items if w.kind == "uncounted_events").count == 2
    # The emergency period extended to 10/1: b's meal counts too (the triggers follow the disaster).
    from spm_desktop.core.storage.models import Disaster
    with db.transaction() as s:
        s.get(Disaster, fire).end_date = d(2026, 1, 10)
    assert compute_rollup(db, Period.for_month(2026, 1)).indicator(B_FOOD).cumulative == 2


def test_delivery_on_and_after_the_exit(db):
    """A delivery on the exit date meets the need; one after the exit does not."""
    def rows(r):
        on, after = r.person(), r.person()
        r.case(on, "disabilitas", d(2026, 1, 2), exit=d(2026, 1, 10), needs=[CLOTHES])
        r.event(on, CLOTHES, d(2026, 1, 10))
        r.case(after, "disabilitas", d(2026, 1, 2), exit=d(2026, 1, 10), needs=[CLOTHES])
        r.event(after, CLOTHES, d(2026, 1, 11))
    build(db, rows)
    g = group(db, "disabilitas")
    assert (g.sasaran, g.terpenuhi) == (2, 1)


def test_exits_that_cancel_and_exits_that_do_not(db):
    """Died with the need open (meninggal: cancelled, leaves the sasaran, listed); referred
    after one of two needs was met (rujukan: the other is cancelled, terpenuhi on the exit
    date); ran away unserved (kabur: stays in the sasaran, not terpenuhi)."""
    def rows(r):
        died, referred, ran = r.person(), r.person(), r.person()
        r.case(died, "gepeng", d(2026, 1, 2), exit=d(2026, 1, 20), exit_reason="meninggal", needs=[MEALS])
        r.case(referred, "gepeng", d(2026, 1, 2), exit=d(2026, 2, 3), exit_reason="rujukan",
               needs=[MEALS, REUNI])
        r.event(referred, MEALS, d(2026, 1, 3))
        r.case(ran, "gepeng", d(2026, 1, 2), exit=d(2026, 1, 5), exit_reason="kabur", needs=[MEALS])
    build(db, rows)
    res = compute_rollup(db, Period.for_month(2026, 3))
    g = res.group("gepeng")
    assert (g.sasaran, g.terpenuhi, g.served_by_month[:3]) == (2, 1, (0, 1, 0))
    left = next(w for w in res.warning_items if w.kind == "left_before_served")
    assert left.count == 1 and "Meninggal" in left.detail
    # With "rujukan" no longer ending responsibility the referred person is not terpenuhi.
    settings_svc.update_setting(db, SYSTEM, "spm.exit_cancels_needs", ["meninggal"])
    assert (group(db, "gepeng").sasaran, group(db, "gepeng").terpenuhi) == (2, 0)


def test_person_met_then_given_a_new_case_stays_terpenuhi(db):
    """Met in January on a first case (closed 31/1, pulang); a new case 1/3 with an unmet need:
    still terpenuhi in March (once served, counted for the year), and the months never go
    negative (January 1, February 0, March 0)."""
    def rows(r):
        p = r.person()
        r.case(p, "gepeng", d(2026, 1, 2), exit=d(2026, 1, 31), needs=[MEALS])
        r.event(p, MEALS, d(2026, 1, 3))
        r.case(p, "gepeng", d(2026, 3, 1), needs=[CLOTHES])
    build(db, rows)
    for month in (1, 2, 3):
        g = group(db, "gepeng", 2026, month)
        assert (g.sasaran, g.terpenuhi) == (1, 1)
        assert g.served_by_month == (1,) + (0,) * 11
    res = compute_rollup(db, Period.for_month(2026, 3))
    assert any(w.kind == "met_with_open_needs" for w in res.warning_items)


def test_ikk1_counts_distinct_persons_and_rata_rata_capaian(db):
    """An elderly person with a disability in two groups (met in both), a second one met only
    as lansia: IKK 1 = 1 / 2 = 50.0; lansia 2/2, disabilitas 1/2 → rata-rata (100 + 50) / 2."""
    def rows(r):
        both, half = r.person(), r.person()
        for p in (both, half):
            r.case(p, "lansia", d(2026, 1, 3), needs=[MEALS])
            r.case(p, "disabilitas", d(2026, 1, 3), needs=[CLOTHES])
            r.event(p, MEALS, d(2026, 1, 4))
        r.event(both, CLOTHES, d(2026, 1, 5))
    build(db, rows)
    res = compute_rollup(db, Period.for_month(2026, 3))
    assert (res.ikk.ikk1_sasaran, res.ikk.ikk1_terpenuhi, res.ikk.ikk1) == (2, 1, 50.0)
    assert res.rata_rata_capaian == 75.0
    data = res.to_json()
    assert data["rata_rata_capaian"] == 75.0
    lansia = next(g for g in data["spm"] if g["group"] == "lansia")
    assert lansia["unassessed"] == 0 and lansia["served_by_month"] == [2] + [0] * 11
    assert {"kind", "count", "action"} <= set(data["warning_items"][0]) if data["warning_items"] else True
    assert {"ikk1_sasaran", "ikk1_terpenuhi", "ikk2_sasaran", "ikk2_terpenuhi"} <= set(data["ikk"])


def test_kasus_list_agrees_with_the_case_panel(db):
    """The Kasus list's "belum terpenuhi" equals the open needs of the case panel, case by case
    (it was 0 for every case before: its subquery was not correlated)."""
    today = clock.today()

    def rows(r):
        p, q = r.person(), r.person()
        c1 = r.case(p, "gepeng", d(2026, 1, 2), needs=[MEALS, CLOTHES])
        r.event(p, MEALS, d(2026, 1, 3))
        c2 = r.case(q, "lansia", d(2026, 1, 2), needs=[MEALS, CLOTHES, REUNI])
        c3 = r.case(q, "anak", d(2026, 1, 2))
        return c1, c2, c3
    c1, c2, c3 = build(db, rows)
    listed = {row.case_id: row for row in case_list.list_case_rows(db, SYSTEM, None, today=today)}
    assert (listed[c1].needs, listed[c1].missing) == (2, 1)
    assert (listed[c2].needs, listed[c2].missing) == (3, 3)
    assert listed[c3].assessment == "belum diasesmen"
    for cid in (c1, c2, c3):
        panel = cases_svc.need_status(db, SYSTEM, cid, today)
        assert listed[cid].missing == sum(1 for n in panel if not n.delivered and not n.cancelled_on)
        assert listed[cid].needs == len(panel)


def test_check_lists_stored_records_that_fail_newer_rules(db):
    """Written before the rules existed (directly, as an older version or a sync did): an anak
    case of an adult, a lansia case of a 40-year-old with an estimated year, a need after its
    case's exit; a child's anak case is fine."""
    from spm_desktop.core.services.rule_check import stored_rule_problems

    def rows(r):
        adult = r.person(birth_date=d(1990, 5, 1))
        child = r.person(birth_date=d(2015, 5, 1))
        guessed = r.person(birth_year=1986)
        bad_anak = r.case(adult, "anak", d(2026, 1, 2))
        r.case(child, "anak", d(2026, 1, 2))
        bad_lansia = r.case(guessed, "lansia", d(2026, 1, 2))
        closed = r.case(child, "gepeng", d(2026, 1, 2), exit=d(2026, 1, 10))
        late = r.need(closed, MEALS, d(2026, 1, 12))
        return bad_anak, bad_lansia, late
    bad_anak, bad_lansia, late = build(db, rows)
    found = {(p.kind, p.id) for p in stored_rule_problems(db, SYSTEM)}
    assert found == {("age_group", bad_anak), ("age_group_estimated", bad_lansia), ("need_after_exit", late)}


def test_the_service_form_says_why_a_meal_does_not_count(db):
    from spm_desktop.core.services.events import EventDraft, record_event
    from spm_desktop.core.services.persons import PersonDraft, register_person

    today = clock.today()
    p = register_person(db, SYSTEM, PersonDraft(name="Budi", sex="L", kelurahan_code="61.71.01.1002"))
    one = record_event(db, SYSTEM, EventDraft(person_id=p.id, service_code=MEALS, event_date=today,
                                              details={"meals_per_day": 1, "days": 1}, unit="UPRS"))
    assert "baru 1 kali" in one.not_counted
    two = record_event(db, SYSTEM, EventDraft(person_id=p.id, service_code=MEALS, event_date=today,
                                              details={"meals_per_day": 2, "days": 1}, unit="UPRS"))
    assert two.not_counted == ""


def test_family_activity_listing_a_ppks_meets_the_family_guidance_need(db):
    """Gepeng case of p opened 5/1 needs bimbingan sosial kepada keluarga (FAMILY, a
    ``participants`` type: recorded only as group activities). An activity of 20/12/2025,
    before the assessment, does not meet it; the activity of 12/2/2026 listing p does (met
    12/2). q's case (same need) is listed on no activity: sasaran, not terpenuhi. The
    output indicator counts attendances (3 + 4 = 7 in February), not PPKS."""
    from spm_desktop.core.services.activities import ActivityInput, record_activity

    admin = Actor(username="admin", role="admin", full_name="Admin")

    def rows(r):
        p, q = r.person(), r.person()
        r.case(p, "gepeng", d(2026, 1, 5), needs=[FAMILY])
        r.case(q, "gepeng", d(2026, 1, 5), needs=[FAMILY])
        return p, q
    p, q = build(db, rows)
    record_activity(db, admin, ActivityInput(FAMILY, d(2025, 12, 20), KEL_SELATAN, 1, 1, "Fasilitator", "", (p,), ()))
    jan = group(db, "gepeng", 2026, 1)
    assert (jan.sasaran, jan.terpenuhi) == (2, 0)
    record_activity(db, admin, ActivityInput(FAMILY, d(2026, 2, 12), KEL_SELATAN, 3, 4, "Fasilitator", "", (p,), ()))
    res = compute_rollup(db, Period.for_month(2026, 3))
    g = res.group("gepeng")
    assert (g.sasaran, g.terpenuhi) == (2, 1)
    assert g.served_by_month[:3] == (0, 1, 0)
    family = next(i for i in res.indicators if i.code == FAMILY)
    assert (family.cumulative, family.series) == (7, (0, 7, 7))
