"""The disaster victims' rule (:mod:`.victims`) as SQL statement builders: the same needs and
met dates, for a caller that wants them inside one statement. The roll-up and the Bencana page
use :func:`spm_desktop.core.rollup.victims.bencana_tally` / ``load_victim_needs`` (two reads
and the rule in Python: four times less work on the 100k/1M demo); the property test
``tests/core/test_disaster_victims_oracle.py`` keeps both forms equal.

:func:`victim_needs` gives one row per (victim, disaster, code) with the need's met date (the
first such date up to the window's end, or NULL); :func:`due_needs` keeps those that place a
victim in year Y's sasaran; :func:`met_dates` gives each such victim's met date. Statements
take the window as SQL expressions (bound parameters of the caller) and :data:`CHILD_BELOW`
as a bound parameter ``child_below``.
"""

from __future__ import annotations

from sqlalchemy import Integer, and_, bindparam, case, cast, exists, func, literal_column, not_, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from spm_desktop.core.domain.groups import AGE_ELDERLY_FROM, LOCAL_SCALE
from spm_desktop.core.domain.vulnerable import (
    CLOTHING_CODE,
    MEALS_CODE,
    PSYCHOSOCIAL_CODE,
    SHELTER_CODE,
    SPECIAL_CARE_CODE,
    VICTIM_NEED_CODES,
)
from spm_desktop.core.rollup.sql import age_on, const, person_key
from spm_desktop.core.storage.models import Disaster, Household, HouseholdMember, Person, ServiceEvent, ServiceType

CHILD_BELOW = bindparam("child_below", type_=Integer)
DEFAULT_MEAL_STANDARD = 3


def meal_standard() -> ColumnElement:
    """The daily standard of disaster permakanan (catalogue ``standard_per_day``, default 3)."""
    st = ServiceType.__table__
    std = (select(st.c.standard_per_day).where(st.c.code == MEALS_CODE, st.c.deleted_at.is_(None))
           .limit(1).scalar_subquery())
    return func.coalesce(std, literal_column(str(DEFAULT_MEAL_STANDARD), Integer))


def disasters_that_matter(end, disaster_id=None, open_since=None) -> list:
    """Conditions on ``Disaster`` of the disasters that matter: live, started by ``end``; only
    ``disaster_id``; with ``open_since``: not closed before it (or started since)."""
    d = Disaster.__table__
    where = [d.c.deleted_at.is_(None), d.c.start_date <= end]
    if disaster_id is not None:
        where.append(d.c.id == disaster_id)
    if open_since is not None:
        where.append(or_(d.c.closed_on.is_(None), d.c.closed_on >= open_since, d.c.start_date >= open_since))
    return where


def _members(end, res, disaster_id=None, open_since=None):
    """(src, key, live, vulnerable, tables) of every live victim of the disasters that matter."""
    d, h, m = Disaster.__table__, Household.__table__, HouseholdMember.__table__
    pp = Person.__table__.alias("victim")
    key = person_key(m.c.person_id, res)
    age = age_on(pp.c.birth_date, pp.c.birth_year, d.c.start_date)
    vulnerable = or_(m.c.pregnant_breastfeeding.is_(True), m.c.disability.is_(True), age < CHILD_BELOW,
                     age >= AGE_ELDERLY_FROM)
    src = (m.join(h, h.c.id == m.c.household_id).join(d, d.c.id == h.c.disaster_id)
           .outerjoin(res, res.c.src == m.c.person_id).outerjoin(pp, pp.c.id == key))
    live = and_(m.c.deleted_at.is_(None), h.c.deleted_at.is_(None), key.is_not(None),
                *disasters_that_matter(end, disaster_id, open_since))
    return src, key, live, vulnerable, (d, h, m)


def _need_rows(end, res, disaster_id=None, open_since=None):
    """One SELECT per code of (pk, did, hid, code, s, e, c, scale) of the needs not waived."""
    src, key, live, vulnerable, (d, h, m) = _members(end, res, disaster_id, open_since)
    wanted = {
        MEALS_CODE: h.c.displaced.is_(True),
        CLOTHING_CODE: h.c.displaced.is_(True),
        SHELTER_CODE: h.c.displaced.is_(True),
        SPECIAL_CARE_CODE: vulnerable,
        PSYCHOSOCIAL_CODE: m.c.needs_psychosocial.is_(True),
    }
    parts = []
    for code in VICTIM_NEED_CODES:
        waived = func.coalesce(m.c.waived_codes, const("")).like(const(f"%{code}%"))
        parts.append(select(key.label("pk"), d.c.id.label("did"), h.c.id.label("hid"), const(code).label("code"),
                            d.c.start_date.label("s"), d.c.end_date.label("e"), d.c.closed_on.label("c"),
                            d.c.scale.label("scale"))
                     .select_from(src).where(live, wanted[code], not_(waived)))
    return parts


def _victim_events(end, res, disaster_id=None, open_since=None):
    """(pk, did, code, day, meals) — the live events of the victims' codes linked to the
    disasters that matter (read disaster by disaster through ``ix_service_event_disaster_id``),
    by resolved person and day; ``meals`` is the day's sum of ``meals_per_day``."""
    d = Disaster.__table__
    ev = ServiceEvent.__table__.alias("vev")
    key = person_key(ev.c.person_id, res)
    std = meal_standard()
    per_event = func.coalesce(cast(ev.c.details["meals_per_day"].as_integer(), Integer), std)
    # The dates are tested inside a CASE so that no planner reads the events by date (the
    # window's range of every event) instead of by disaster.
    dated = case((and_(ev.c.event_date >= d.c.start_date, ev.c.event_date <= end), 1), else_=0) == 1
    wanted = select(d.c.id).where(*disasters_that_matter(end, disaster_id, open_since))
    return (select(key.label("pk"), ev.c.disaster_id.label("did"), ev.c.service_code.label("code"),
                   ev.c.event_date.label("day"), func.sum(per_event).label("meals"))
            .select_from(ev.join(d, d.c.id == ev.c.disaster_id).outerjoin(res, res.c.src == ev.c.person_id))
            .where(ev.c.disaster_id.in_(wanted), ev.c.deleted_at.is_(None), dated,
                   ev.c.service_code.in_(VICTIM_NEED_CODES), key.is_not(None))
            .group_by(key, ev.c.disaster_id, ev.c.service_code, ev.c.event_date))


def victim_needs(end, res, disaster_id=None, name: str = "victim_needs", open_since=None):
    """CTE (pk, did, hid, code, s, e, c, scale, met): every need of every victim of a live
    disaster started by ``end`` (``disaster_id``: of that disaster only; ``open_since``: not
    closed before that date), with its met date up to ``end`` (NULL: not met). A person in two
    households of one disaster (merged records) has each need once, met when met for either
    household."""
    needs = union_all(*_need_rows(end, res, disaster_id, open_since)).cte(f"{name}_rows")
    ve = _victim_events(end, res, disaster_id, open_since).cte(f"{name}_events")
    std = meal_standard()
    # Person-counted needs: the victim's own events linked to the disaster.
    meals_ok = or_(needs.c.code != const(MEALS_CODE),
                   and_(or_(needs.c.e.is_(None), ve.c.day <= needs.c.e), ve.c.meals >= std))
    own = (select(needs.c.pk, needs.c.did, needs.c.code, func.min(ve.c.day).label("met"))
           .select_from(needs.join(ve, and_(ve.c.pk == needs.c.pk, ve.c.did == needs.c.did,
                                            ve.c.code == needs.c.code)))
           .where(needs.c.code != const(SHELTER_CODE), ve.c.day >= needs.c.s, meals_ok)
           .group_by(needs.c.pk, needs.c.did, needs.c.code))
    # Tempat penampungan: an event linked to the disaster for any member of the household
    # (whatever that member's own needs).
    src, key, live, _vulnerable, (_d, h, _m) = _members(end, res, disaster_id, open_since)
    mates = select(h.c.id.label("hid"), key.label("pk")).select_from(src).where(live).distinct().cte(
        f"{name}_mates")
    sheltered = (select(mates.c.hid, ve.c.did, func.min(ve.c.day).label("met"))
                 .select_from(mates.join(ve, and_(ve.c.pk == mates.c.pk, ve.c.code == const(SHELTER_CODE))))
                 .group_by(mates.c.hid, ve.c.did)).cte(f"{name}_sheltered")
    shelter = (select(needs.c.pk, needs.c.did, needs.c.code, func.min(sheltered.c.met).label("met"))
               .select_from(needs.join(sheltered, and_(sheltered.c.hid == needs.c.hid,
                                                       sheltered.c.did == needs.c.did)))
               .where(needs.c.code == const(SHELTER_CODE), sheltered.c.met >= needs.c.s)
               .group_by(needs.c.pk, needs.c.did, needs.c.code))
    met = union_all(own, shelter).cte(f"{name}_met")
    return (select(needs.c.pk, needs.c.did, func.min(needs.c.hid).label("hid"), needs.c.code, needs.c.s,
                   needs.c.e, needs.c.c, needs.c.scale, func.min(met.c.met).label("met"))
            .select_from(needs.outerjoin(met, and_(met.c.pk == needs.c.pk, met.c.did == needs.c.did,
                                                   met.c.code == needs.c.code)))
            .group_by(needs.c.pk, needs.c.did, needs.c.code, needs.c.s, needs.c.e, needs.c.c, needs.c.scale)
            .cte(name))


def due_needs(start, end, res, name: str = "victim_due"):
    """CTE (pk, did, code, assessed, met) of the needs that place victims in the sasaran of the
    window ``[start, end]`` (start = 1 January): needs of kabupaten/kota disasters started in
    the window, and of those started earlier whose handling was not closed before ``start``,
    the needs not met before ``start``."""
    vn = victim_needs(end, res, name=f"{name}_all", open_since=start)
    carried = and_(vn.c.s < start, or_(vn.c.c.is_(None), vn.c.c >= start),
                   or_(vn.c.met.is_(None), vn.c.met >= start))
    return (select(vn.c.pk, vn.c.did, vn.c.code, vn.c.s.label("assessed"), vn.c.met)
            .where(vn.c.scale == const(LOCAL_SCALE), or_(vn.c.s >= start, carried))
            .cte(name))


def met_dates(due, rule: str):
    """SELECT (pk, met) — every victim with a due need and their met date (NULL: not
    terpenuhi in the window): the first date ``t`` at which every due need assessed by ``t``
    is met (``all_needed``; needs of victims are never cancelled), or one is (``any_item``)."""
    if rule == "any_item":
        return select(due.c.pk, func.min(due.c.met).label("met")).group_by(due.c.pk)
    other = due.alias("due_other")
    blocked = exists().where(other.c.pk == due.c.pk, other.c.assessed <= due.c.met,
                             or_(other.c.met.is_(None), other.c.met > due.c.met))
    candidate = case((and_(due.c.met.is_not(None), not_(blocked)), due.c.met), else_=None)
    return select(due.c.pk, func.min(candidate).label("met")).group_by(due.c.pk)
