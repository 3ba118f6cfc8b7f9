"""The Beranda (home) page's figures: this month's roll-up and what needs attention today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import NotFoundError
from spm_desktop.core.rollup import Period, RollupResult, compute_rollup
from spm_desktop.core.rollup.layanan import attention_on
from spm_desktop.core.rollup.result import IndicatorFigure
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services.cases import SHELTER_UNITS
from spm_desktop.core.services.events import shelter_residents
from spm_desktop.core.services.settings import load_settings
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Case, CaseNeed, DuplicateCandidate, Person

BEHIND_SHOWN = 5


@dataclass(frozen=True)
class Attention:
    open_cases_without_needs: int  # open cases not yet assessed ("belum diasesmen")
    duplicates_to_review: int
    residents_without_meals: tuple[tuple[str, int, int], ...]  # (unit, without meals, residents)
    complaints_overdue: int = 0  # unanswered past the service level (issue 21)
    referrals_waiting: int = 0  # outgoing referrals unanswered past the setting (rollup.layanan.outgoing_referrals)


@dataclass(frozen=True)
class Behind:
    indicator: IndicatorFigure
    expected_percent: float  # pro-rata share of the yearly target by the end of the month

    @property
    def gap(self) -> float:
        return self.expected_percent - (self.indicator.percent_of_target or 0.0)


@dataclass(frozen=True)
class Dashboard:
    today: date
    result: RollupResult
    behind: tuple[Behind, ...]
    attention: Attention


def most_behind(result: RollupResult, count: int = BEHIND_SHOWN) -> tuple[Behind, ...]:
    """Indicators with a target, furthest below the pro-rata target of the period."""
    expected = 100.0 * result.period.month / 12
    rows = [Behind(i, expected) for i in result.indicators if i.target]
    rows.sort(key=lambda b: (-b.gap, b.indicator.code))
    return tuple(b for b in rows[:count] if b.gap > 0)


def attention(db: Database, actor: Actor, today: date) -> Attention:
    require(actor, "person.view")
    with db.reading() as s:
        live_need = exists().where(CaseNeed.case_id == Case.id, CaseNeed.deleted_at.is_(None))
        without_needs = s.scalar(
            select(func.count()).select_from(Case).join(Person, Person.id == Case.person_id)
            .where(Case.status == "open", Case.deleted_at.is_(None), Person.deleted_at.is_(None), ~live_need,
                   Case.no_need_assessed_on.is_(None))) or 0
        duplicates = s.scalar(select(func.count()).select_from(DuplicateCandidate).where(
            DuplicateCandidate.status == "open", DuplicateCandidate.deleted_at.is_(None))) or 0
        overdue, waiting = attention_on(s, load_settings(s), today, actor)
    residents = []
    for unit in SHELTER_UNITS:
        try:
            people = shelter_residents(db, actor, unit, today)
        except NotFoundError:  # no meals service type in the catalogue
            people = []
        residents.append((unit, sum(1 for r in people if not r.meals_recorded), len(people)))
    return Attention(int(without_needs), int(duplicates), tuple(residents), overdue, waiting)


def dashboard(db: Database, actor: Actor, today: date) -> Dashboard:
    """This month's roll-up (1 January to the end of today's month) and the attention list."""
    require(actor, "report.view")
    result = compute_rollup(db, Period.for_month(today.year, today.month))
    return Dashboard(today, result, most_behind(result), attention(db, actor, today))
