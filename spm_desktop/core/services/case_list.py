"""The Kasus page's list: cases across persons with how many needed items are still missing.

Read-only (no transaction, nothing written), any thread. A needed item counts as delivered
by any (not deleted) event of that service code for the person dated from the intake to the
exit date (or ``today`` while open) — the same rule as :func:`cases.need_status`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.groups import SPM_GROUP_SHORT
from spm_desktop.core.domain.names import name_tokens
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Case, CaseNeed, Person, ServiceEvent

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
    needs: int
    missing: int


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
    today = today or date.today()
    until = func.coalesce(Case.exit_date, today)
    delivered = (select(ServiceEvent.id).where(
        ServiceEvent.person_id == Case.person_id, ServiceEvent.service_code == CaseNeed.service_code,
        ServiceEvent.deleted_at.is_(None), ServiceEvent.event_date >= Case.intake_date,
        ServiceEvent.event_date <= until).exists())
    need_base = select(func.count()).select_from(CaseNeed).where(CaseNeed.case_id == Case.id,
                                                                 CaseNeed.deleted_at.is_(None))
    needs = need_base.correlate(Case).scalar_subquery()
    missing = need_base.where(~delivered).correlate(Case).scalar_subquery()
    q = (select(Case, Person.name, Person.nik, needs.label("needs"), missing.label("missing"))
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
        return [CaseRow(c.id, c.person_id, name, nik, c.unit, c.spm_group,
                        SPM_GROUP_SHORT.get(c.spm_group, c.spm_group), c.intake_date, bool(c.in_shelter),
                        c.status, c.exit_date, int(n or 0), int(m or 0))
                for c, name, nik, n, m in s.execute(q)]
