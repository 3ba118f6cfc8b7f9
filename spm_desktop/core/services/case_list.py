"""The Kasus page's list: cases across persons with how many needs are still open.

Read-only (no transaction, nothing written), any thread. A need is met, cancelled or open
by the rules of :mod:`spm_desktop.core.rollup.met` as of ``today`` — the same facts the
recap judges and the case panel (:func:`cases.need_status`) shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.groups import SPM_GROUP_SHORT
from spm_desktop.core.domain.names import name_tokens
from spm_desktop.core.rollup.met import need_states, open_needs
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services.settings import load_settings
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Case, Person

CASE_LIST_LIMIT = 500


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    person_id: str
    person_name: str
    nik: str | None
    unit: str
    spm_group: str
    spm_group_label: str
    intake_date: date
    in_shelter: bool
    status: str
    exit_date: date | None
    needs: int  # live needs assessed by today
    missing: int  # of which neither met nor cancelled
    no_need: bool = False  # assessed as needing no basic service

    @property
    def assessment(self) -> str:
        if self.needs:
            return "diasesmen"
        return "tidak ada kebutuhan" if self.no_need else "belum diasesmen"


def _text_condition(text: str):
    text = text.strip()
    digits = text.replace(" ", "").replace(".", "")
    if digits.isdigit():
        return and_(Person.nik >= digits, Person.nik < digits + ":")
    tokens = name_tokens(text)
    return and_(*[Person.search_name.contains(t, autoescape=True) for t in tokens]) if tokens else None


def list_case_rows(db: Database, actor: Actor, status: str | None = "open", unit: str | None = None,
                   text: str = "", today: date | None = None, limit: int = CASE_LIST_LIMIT) -> list[CaseRow]:
    """Cases (newest intake first, at most ``limit``) with their needs and missing counts.

    ``status``: "open", "closed" or None for both; ``unit``: one service unit or None;
    ``text``: part of the person's name or a NIK prefix.
    """
    require(actor, "person.view")
    today = today or clock.today()
    q = (select(Case, Person.name, Person.nik)
         .join(Person, Person.id == Case.person_id)
         .where(Case.deleted_at.is_(None), Person.deleted_at.is_(None),
                Person.merged_into.is_(None)))
    if status:
        q = q.where(Case.status == status)
    if unit:
        q = q.where(Case.unit == unit)
    condition = _text_condition(text) if text else None
    if condition is not None:
        q = q.where(condition)
    q = q.order_by(Case.intake_date.desc(), Person.search_name, Case.id).limit(limit)
    with db.reading() as s:
        rows = s.execute(q).all()
        facts = need_states(s, [c.id for c, _, _ in rows], today, load_settings(s).exit_cancels_needs)
        out = []
        for c, name, nik in rows:
            f = facts.get(c.id)
            needs = [n for n in f.needs if n.assessed_on <= today] if f else []
            missing = len(open_needs(f, today)) if f else 0
            no_need = c.no_need_assessed_on is not None and c.no_need_assessed_on <= today
            out.append(CaseRow(c.id, c.person_id, name, nik, c.unit, c.spm_group,
                               SPM_GROUP_SHORT.get(c.spm_group, c.spm_group), c.intake_date, bool(c.in_shelter),
                               c.status, c.exit_date, len(needs), missing, no_need))
        return out
