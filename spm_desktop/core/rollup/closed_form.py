"""The usual case judged in SQL (architecture §4 v2; the roll-up's budget, §8).

A person whose only overlapping case in a group had all its live needs assessed on one date
``a`` is judged from that case's row alone: the database keeps, in ``cases`` (migration 0013,
covered by ``ix_cases_live_exit``), the earliest and latest assessment date of its live
needs, how many have no counting delivery on or before the exit (*unmet*), and the earliest
(``F``) and latest (``L``) first delivery of the others. With one case and one assessment
date the condition of §4 only grows with the day ``t``, so the met date has a closed form:

* needs assessed before the window (``a`` < start) and met before it are not due: the due
  needs are the unmet ones and those met on or after the start (some exist when ``L`` ≥
  start); assessed in the window, every need is due;
* ``all_needed``: the latest of ``a``, the start, ``L`` and (unmet needs cancelled by the
  exit) the exit date — when no unmet need stays open and a due need was met;
* ``any_item``: the latest of ``a``, the start and the earliest due delivery ``F``; a case
  assessed before the window with ``F`` before the start and ``L`` in it does not say which
  delivery is the earliest due one and goes to :func:`met.judge`, like a re-assessed case;
* no due need left, because every one was met before the year: not sasaran; every due need
  cancelled by the exit by the window's end: left before being served (the exit reason).

:func:`case_verdicts` returns one row per live case of a case group overlapping the window
(two ranges of ``ix_cases_live_exit``, nothing else read) with its verdict;
``met.tally_window`` counts the verdicts of the persons of the usual shape and sends the
others (several cases in the group, a re-assessment, a merge) to :func:`met.judge`.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Date, String, and_, bindparam, case, cast, func, not_, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from spm_desktop.core.domain.groups import CASE_GROUPS
from spm_desktop.core.storage.models import Case

# Verdicts: sasaran (met date, open needs after it), unassessed sasaran, left before being
# served, nothing to count, or judge with met.judge.
SASARAN, UNASSESSED, LEFT, NOTHING, JUDGE = "s", "u", "l", "-", "j"


def case_verdicts(s, start, end, cancelling, rule: str):
    """Rows (case id, person id, group, verdict, met date as ISO text or NULL, open after met
    (1/0), exit reason, intake as ISO text) of the live cases of the case groups overlapping
    [start, end]."""
    statement = verdict_statement(s.get_bind().dialect.name, rule)
    return s.execute(statement, {"start": start, "end": end, "cancelling": sorted(cancelling)})


def _latest(dialect: str, *values: ColumnElement) -> ColumnElement:
    """The latest of non-NULL dates (SQLite's max() of several arguments, PostgreSQL's greatest())."""
    return func.greatest(*values) if dialect == "postgresql" else func.max(*values)


@lru_cache(maxsize=8)
def verdict_statement(dialect: str, rule: str):
    """Parameters ``start``, ``end`` (dates) and ``cancelling`` (exit reasons, expanding)."""
    c = Case.__table__
    start, end = bindparam("start", type_=Date), bindparam("end", type_=Date)
    cancelling = bindparam("cancelling", expanding=True)
    a, again, unmet = c.c.need_assessed_on, c.c.need_reassessed_on, c.c.need_unmet
    first, last, exit_ = c.c.need_first_met, c.c.need_last_met, c.c.exit_date
    carried = a < start
    # NULL-safe: every condition below is true or false, never NULL (a is set past the first branch).
    due_met = or_(and_(a >= start, first.is_not(None)), and_(carried, last.is_not(None), last >= start))
    cancels = and_(exit_.is_not(None), c.c.exit_reason.in_(cancelling))
    open_unmet = and_(unmet > 0, not_(and_(cancels, exit_ <= end)))
    whens = [(or_(a.is_(None), a > end),
              case((or_(c.c.no_need_assessed_on.is_(None), c.c.no_need_assessed_on > end), UNASSESSED),
                   else_=NOTHING)),
             (again.is_not(None), JUDGE)]
    if rule == "any_item":
        met = case((due_met, _latest(dialect, first, a, start)), else_=None)
        whens.append((and_(carried, first.is_not(None), first < start, last >= start), JUDGE))
    else:
        met = case((and_(due_met, or_(unmet == 0, cancels)),
                    _latest(dialect, last, case((unmet > 0, exit_), else_=last), a, start)), else_=None)
    whens += [(and_(carried, unmet == 0, not_(due_met)), NOTHING),
              (and_(not_(due_met), not_(open_unmet)), LEFT)]
    verdict = case(*whens, else_=SASARAN)
    met_on = case((met <= end, cast(met, String)), else_=None)
    open_after = case((or_(open_unmet, last > end), 1), else_=0)
    cols = (c.c.id, c.c.person_id, c.c.spm_group, verdict, met_on, open_after, c.c.exit_reason,
            cast(c.c.intake_date, String))
    live = [c.c.deleted_at.is_(None), c.c.spm_group.in_(list(CASE_GROUPS)), c.c.intake_date <= end]
    return union_all(select(*cols).where(*live, exit_.is_(None)),
                     select(*cols).where(*live, exit_ >= start))
