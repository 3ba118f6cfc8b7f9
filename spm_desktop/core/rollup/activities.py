"""Output indicators of the group-activity types (architecture §4 version 2).

* ``participants``: the sum of ``participants_male + participants_female`` of the live group
  activities of the code dated in the window (attendances; the unit is "orang (kehadiran)");
* ``named_participants``: the distinct live roster volunteers (active or not) listed on live
  activities of the code dated in the window, each in the month of their first such activity.

``month = cumulative(M) − cumulative(M−1)``: the monthly figures are the attendances of the
month, and the volunteers first listed in the month. Breakdowns: an activity's attendances
count at its kelurahan and by sex (male/female columns); a volunteer at the kelurahan of their
first activity of the year and by their sex; the person dimensions a group of people has not
(age group, unit, PMKS category) go to "Tidak diketahui", so each column still adds up.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import Date, String, bindparam, cast, func, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.groups import ACTIVITY_RULES
from spm_desktop.core.rollup.sql import const, in_window, month_of
from spm_desktop.core.storage.models import GroupActivity, GroupActivityPerson, GroupActivityVolunteer, Volunteer

SEP = "|"
UNKNOWN_DIMS = ("age_group", "unit", "pmks_category")
START = bindparam("start", type_=Date)
END = bindparam("end", type_=Date)


@lru_cache(maxsize=8)
def _participants_statement(codes: tuple[str, ...]):
    a = GroupActivity.__table__
    kel = func.coalesce(a.c.kelurahan_code, const(""))
    return (select(a.c.service_code, month_of(a.c.activity_date), kel, func.sum(a.c.participants_male),
                   func.sum(a.c.participants_female))
            .where(a.c.deleted_at.is_(None), in_window(a.c.activity_date, START, END), a.c.service_code.in_(codes))
            .group_by(a.c.service_code, month_of(a.c.activity_date), kel))


@lru_cache(maxsize=8)
def _volunteers_statement(codes: tuple[str, ...]):
    a, link, v = GroupActivity.__table__, GroupActivityVolunteer.__table__, Volunteer.__table__
    key = cast(a.c.activity_date, String) + const(SEP) + func.coalesce(a.c.kelurahan_code, const(""))
    first = (select(a.c.service_code.label("code"), v.c.id.label("vid"), v.c.sex.label("sex"),
                    func.min(key).label("fk"))
             .select_from(link.join(a, a.c.id == link.c.activity_id).join(v, v.c.id == link.c.volunteer_id))
             .where(link.c.deleted_at.is_(None), a.c.deleted_at.is_(None), v.c.deleted_at.is_(None),
                    in_window(a.c.activity_date, START, END), a.c.service_code.in_(codes))
             .group_by(a.c.service_code, v.c.id, v.c.sex)
             .subquery("first_listing"))
    return select(first.c.code, first.c.fk, first.c.sex, func.count()).group_by(first.c.code, first.c.fk, first.c.sex)


def _add(counter: dict, key, n: int) -> None:
    counter[key] = counter.get(key, 0) + n


def apply_activity_counts(session: Session, counts, start: date, end: date, rules: dict[str, str],
                          dims: tuple[str, ...] = ()) -> None:
    """Replace the figures of the group-activity codes in ``counts`` (a ``scan.ScanCounts``)
    by those of §4. ``rules`` maps each active service code to its counting rule."""
    codes = {c for c, r in rules.items() if r in ACTIVITY_RULES}
    if not codes:
        return
    for code in codes:
        counts.monthly.pop(code, None)
    for table in counts.by_dim.values():
        for key in [k for k in table if k[1] in codes]:
            del table[key]
    window = {"start": start, "end": end}
    unknown = [d for d in UNKNOWN_DIMS if d in dims]
    participants = tuple(sorted(c for c in codes if rules[c] == "participants"))
    if participants:
        for code, month, kel, male, female in session.execute(_participants_statement(participants), window):
            male, female = int(male or 0), int(female or 0)
            total = male + female
            _add(counts.monthly[code], int(month), total)
            _add(counts.by_dim["kelurahan"], (kel or "", code), total)
            _add(counts.by_dim["sex"], ("L", code), male)
            _add(counts.by_dim["sex"], ("P", code), female)
            for d in unknown:
                _add(counts.by_dim[d], ("", code), total)
    named = tuple(sorted(c for c in codes if rules[c] == "named_participants"))
    if named:
        for code, first_key, sex, n in session.execute(_volunteers_statement(named), window):
            first_date, _, kel = first_key.partition(SEP)
            n = int(n)
            _add(counts.monthly[code], date.fromisoformat(first_date[:10]).month, n)
            _add(counts.by_dim["kelurahan"], (kel, code), n)
            _add(counts.by_dim["sex"], (sex or "", code), n)
            for d in unknown:
                _add(counts.by_dim[d], ("", code), n)


# ----- met needs (§4: a ``participants`` need is met by an activity listing the person) -----


def activity_met_source(pid, code, assessed_on):
    """First date on or after ``assessed_on`` of a live group activity of ``code`` that lists
    ``pid`` (a scalar SELECT; NULL when none) — a need of a ``participants`` type is met by it."""
    a = GroupActivity.__table__.alias("met_act")
    link = GroupActivityPerson.__table__.alias("met_act_person")
    return (select(a.c.activity_date)
            .select_from(link.join(a, a.c.id == link.c.activity_id))
            .where(link.c.person_id == pid, link.c.deleted_at.is_(None), a.c.deleted_at.is_(None),
                   a.c.service_code == code, a.c.activity_date >= assessed_on)
            .order_by(a.c.activity_date).limit(1).scalar_subquery())


def activity_alias_rows(session: Session, person_ids: list[str], codes: set[str]):
    """(person id, code, date) of every live activity listing one of ``person_ids`` (merged
    persons' aliases)."""
    a, link = GroupActivity.__table__, GroupActivityPerson.__table__
    return session.execute(
        select(link.c.person_id, a.c.service_code, a.c.activity_date)
        .select_from(link.join(a, a.c.id == link.c.activity_id))
        .where(link.c.person_id.in_(person_ids), link.c.deleted_at.is_(None), a.c.deleted_at.is_(None),
               a.c.service_code.in_(sorted(codes))))
