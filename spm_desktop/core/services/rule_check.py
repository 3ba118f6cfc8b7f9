"""Stored records that fail a rule added after they were written (architecture §4 v2): new
rules apply to new and changed values, and ``spm-desktop check`` lists the older records
that break them so staff can correct them — an ``anak`` case of a person 18 or over on the
intake, a ``lansia`` case of a person under 60, a need assessed after its case's exit or
before its intake."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.age_rules import group_age_problem
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Case, CaseNeed, Person


@dataclass(frozen=True)
class RuleProblem:
    kind: str  # age_group | age_group_estimated | need_after_exit | need_before_intake
    entity: str  # case | case_need
    id: str
    person_id: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "entity": self.entity, "id": self.id, "person_id": self.person_id,
                "message": self.message}


def stored_rule_problems(db: Database, actor: Actor) -> list[RuleProblem]:
    require(actor, "person.view")
    out: list[RuleProblem] = []
    with db.reading() as s:
        rows = s.execute(
            select(Case.id, Case.person_id, Case.spm_group, Case.intake_date, Person.name, Person.birth_date,
                   Person.birth_year, Person.birth_year_estimated)
            .join(Person, Person.id == Case.person_id)
            .where(Case.deleted_at.is_(None), Person.deleted_at.is_(None), Case.spm_group.in_(("anak", "lansia")))
            .order_by(Case.intake_date, Case.id))
        for cid, pid, group, intake, name, birth, year, estimated in rows:
            problem = group_age_problem(group, birth, year, bool(estimated), intake)
            if problem is not None:
                out.append(RuleProblem("age_group" if problem.binding else "age_group_estimated", "case", cid, pid,
                                       f"{name}: {problem.message}"))
        needs = s.execute(
            select(CaseNeed.id, Case.id, Case.person_id, CaseNeed.service_code, CaseNeed.assessed_on,
                   Case.intake_date, Case.exit_date)
            .join(Case, Case.id == CaseNeed.case_id)
            .where(CaseNeed.deleted_at.is_(None), Case.deleted_at.is_(None),
                   (CaseNeed.assessed_on < Case.intake_date)
                   | (Case.exit_date.is_not(None) & (CaseNeed.assessed_on > Case.exit_date)))
            .order_by(CaseNeed.assessed_on, CaseNeed.id))
        for nid, cid, pid, code, assessed, intake, exit_date in needs:
            when = short_date(assessed)
            if assessed < intake:
                out.append(RuleProblem("need_before_intake", "case_need", nid, pid,
                                       f"Kebutuhan {code} kasus {cid} diasesmen {when}, sebelum tanggal masuk "
                                       f"{short_date(intake)}."))
            else:
                out.append(RuleProblem("need_after_exit", "case_need", nid, pid,
                                       f"Kebutuhan {code} kasus {cid} diasesmen {when}, sesudah tanggal keluar "
                                       f"{short_date(exit_date)}."))
    return out
