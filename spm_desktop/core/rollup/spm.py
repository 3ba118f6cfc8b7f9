"""The needs behind sasaran (Y) and terpenuhi (X) of the five SPM groups (architecture §4);
:mod:`scan` counts them in the roll-up's statement.

needs(group, person, code):
  * case groups — the union of the needs of the person's live group-g cases whose span
    [intake, exit or open] overlaps the window (persons with no needs are no sasaran);
  * bencana — every live member of a live household of a disaster starting in the window
    needs makanan + sandang, and penanganan khusus when vulnerable (under 5, 60 or over on
    the disaster's start date, pregnant/breastfeeding, or with a disability).
A need is met when the person — or anyone merged into them — has a live event of that code
in the window, on whichever case. X counts persons with every need met (``all_needed``) or
at least one (``any_item``). A person's needs are all met exactly when the needs of each of
their cases are, and one is met exactly when one of some case is: so cases can be judged
one by one (by ``cases.need_mask``) and the judgements combined per person.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select, union_all

from spm_desktop.core.domain.groups import AGE_ELDERLY_FROM, AGE_TODDLER_BELOW, CASE_GROUPS
from spm_desktop.core.domain.vulnerable import BASIC_NEEDS, SPECIAL_CARE_CODE
from spm_desktop.core.rollup.sql import age_on, const, in_window, person_key
from spm_desktop.core.storage.models import Case, Disaster, Household, HouseholdMember, Person

BENCANA = "bencana"
BENCANA_BASIC_NEEDS = BASIC_NEEDS
BENCANA_VULNERABLE_NEED = SPECIAL_CARE_CODE


def case_spans(start, end):
    """SELECT of (grp, pid, cid, mask): every live case of the four case groups whose span
    [intake, exit or open] overlaps the window, by the case's own person id (not resolved).
    Two ranges of ``ix_cases_live_exit`` (open cases; cases closed on or after ``start``)."""
    c = Case.__table__
    cols = (c.c.spm_group.label("grp"), c.c.person_id.label("pid"), c.c.id.label("cid"),
            c.c.need_mask.label("mask"))
    live = and_(c.c.deleted_at.is_(None), c.c.intake_date <= end, c.c.spm_group.in_(CASE_GROUPS))
    return union_all(select(*cols).where(live, c.c.exit_date.is_(None)),
                     select(*cols).where(live, c.c.exit_date >= start))


def bencana_needs(start: date, end: date, res) -> list:
    """SELECTs of (grp, pk, code) rows of the disaster victims, persons resolved (one per
    need; the caller unions them: SQLite does not nest compound SELECTs)."""
    d, h, m = Disaster.__table__, Household.__table__, HouseholdMember.__table__
    pp = Person.__table__.alias("victim")
    key = person_key(m.c.person_id, res)
    age = age_on(pp.c.birth_date, pp.c.birth_year, d.c.start_date)
    vulnerable = or_(m.c.pregnant_breastfeeding.is_(True), m.c.disability.is_(True),
                     age < AGE_TODDLER_BELOW, age >= AGE_ELDERLY_FROM)
    src = (m.join(h, h.c.id == m.c.household_id).join(d, d.c.id == h.c.disaster_id)
           .outerjoin(res, res.c.src == m.c.person_id).outerjoin(pp, pp.c.id == key))
    live = and_(m.c.deleted_at.is_(None), h.c.deleted_at.is_(None), d.c.deleted_at.is_(None),
                in_window(d.c.start_date, start, end), key.is_not(None))
    parts = [select(const(BENCANA).label("grp"), key.label("pk"), const(code).label("code"))
             .select_from(src).where(live) for code in BENCANA_BASIC_NEEDS]
    parts.append(select(const(BENCANA), key, const(BENCANA_VULNERABLE_NEED)).select_from(src)
                 .where(live, vulnerable))
    return parts
