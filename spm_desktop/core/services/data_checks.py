"""Stored records that fail a rule added after they were saved (``spm-desktop check``).

A new rule (the NIK and No. KK region digits, the KK issue date) applies to new and changed
values only: a record saved earlier stays as it is and keeps working. This module lists the
stored values that today's rules would refuse, so the office can correct them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.nik import identity_problems
from spm_desktop.core.storage.models import Household, Person

BATCH = 5000


@dataclass(frozen=True)
class RuleFailure:
    entity: str  # person | household
    id: str
    label: str  # the person's name, or "KK <no>" of a household
    field: str  # nik | no_kk
    value: str
    message: str

    def line(self) -> str:
        return f"{self.entity} {self.id} ({self.label}), {self.field} {self.value}: {self.message}"


def identity_rule_failures(s: Session) -> list[RuleFailure]:
    """Every live person and household whose NIK / No. KK fails today's rules."""
    out: list[RuleFailure] = []
    last = ""
    while True:
        rows = s.execute(select(Person.id, Person.name, Person.nik, Person.no_kk)
                         .where(Person.id > last, Person.deleted_at.is_(None), Person.merged_into.is_(None),
                                or_(Person.nik.is_not(None), Person.no_kk.is_not(None)))
                         .order_by(Person.id).limit(BATCH)).all()
        if not rows:
            break
        for r in rows:
            for field, message in identity_problems(r.nik, r.no_kk):
                out.append(RuleFailure("person", r.id, r.name, field, r.nik if field == "nik" else r.no_kk, message))
        last = rows[-1].id
    for h in s.execute(select(Household.id, Household.no_kk).where(Household.deleted_at.is_(None),
                                                                  Household.no_kk != "")).all():
        for field, message in identity_problems(None, h.no_kk):
            out.append(RuleFailure("household", h.id, f"KK {h.no_kk}", field, h.no_kk, message))
    return out
