"""The needs behind sasaran (Y) and terpenuhi (X) of the five SPM groups (architecture §4);
:mod:`scan` counts them in the roll-up's statement.

needs(group, person, code):
  * case groups — the union of the needs of the person's live group-g cases whose span
    [intake, exit or open] overlaps the window (persons with no needs are no sasaran);
  * bencana — the disaster victims' needs of :mod:`.victims` (architecture §4 v2).
A need is met when the person — or anyone merged into them — has a live event of that code
in the window, on whichever case. X counts persons with every need met (``all_needed``) or
at least one (``any_item``). A person's needs are all met exactly when the needs of each of
their cases are, and one is met exactly when one of some case is: so cases can be judged
one by one (by ``cases.need_mask``) and the judgements combined per person.
"""

from __future__ import annotations

from sqlalchemy import and_, select, union_all

from spm_desktop.core.domain.groups import CASE_GROUPS
from spm_desktop.core.storage.models import Case

BENCANA = "bencana"


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
