"""Per-disaster summary: who was affected, who is vulnerable, what each still lacks.

A victim's needs and when each is met are decided by the victim-needs rule of the roll-up
(:mod:`spm_desktop.core.rollup.victims`, architecture §4 v2): permakanan, sandang and tempat
penampungan for displaced families, penanganan khusus for the vulnerable, dukungan
psikososial for those marked, less the waived needs; only services linked to this disaster
meet them (meals only inside its emergency period). The yearly IKK 2 is the roll-up's
business; this is the working view of one disaster for the people on site, as of a date
(today by default).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, select

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.vulnerable import NEED_LABELS, VICTIM_NEED_CODES, VULNERABLE_KINDS
from spm_desktop.core.rollup.victims import load_victim_needs
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services.disaster_aid import survivors_of
from spm_desktop.core.services.disasters import DisasterInfo, disaster_info, load_disaster
from spm_desktop.core.services.households import households_of
from spm_desktop.core.services.settings import load_settings
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import ServiceEvent, ServiceType


@dataclass(frozen=True)
class MemberNeeds:
    person_id: str
    name: str
    nik: str | None
    household_id: str
    no_kk: str
    relation: str
    age: int | None
    vulnerable_kinds: tuple[str, ...]
    needed: tuple[str, ...]  # service codes (waived ones left out)
    missing: tuple[str, ...]  # service codes still not met
    displaced: bool = False
    needs_psychosocial: bool = False
    waived: tuple[str, ...] = ()
    waiver_reason: str = ""

    @property
    def met(self) -> bool:
        """Every need met (a victim with no need counts nowhere: see ``has_needs``)."""
        return bool(self.needed) and not self.missing

    @property
    def has_needs(self) -> bool:
        return bool(self.needed)

    @property
    def missing_text(self) -> str:
        """"sandang, penanganan khusus", "–" when all met, "tidak ada kebutuhan" without needs."""
        if not self.needed:
            return "tidak ada kebutuhan"
        return ", ".join(NEED_LABELS[c] for c in self.missing) or "–"


@dataclass(frozen=True)
class ServiceTotal:
    code: str
    name: str
    unit: str
    persons: int
    quantity: int  # events, or units for shelter


@dataclass(frozen=True)
class DisasterSummary:
    disaster: DisasterInfo
    households: int
    persons: int
    vulnerable_by_kind: tuple[tuple[str, str, int], ...]  # (kind, label, members)
    vulnerable_persons: int
    lacking_by_need: tuple[tuple[str, str, int], ...]  # (code, label, members still lacking it)
    met: int
    services: tuple[ServiceTotal, ...]
    members: tuple[MemberNeeds, ...]
    with_needs: int = 0  # members with at least one need (the sasaran of this disaster)
    on: date | None = None  # the date the needs are judged at

    @property
    def share_met(self) -> float | None:
        """Percent of the members with needs whose needs are all met, one decimal (half up);
        None when no member has a need."""
        if not self.with_needs:
            return None
        return int(self.met * 1000 / self.with_needs + 0.5) / 10


def victim_need_state(s, disaster_id: str, on: date) -> dict[str, dict[str, date | None]]:
    """{resolved person id: {code: met date or None}} of the victims of one disaster as of
    ``on`` — the roll-up's own rule (:func:`spm_desktop.core.rollup.victims.load_victim_needs`)."""
    state: dict[str, dict[str, date | None]] = {}
    for n in load_victim_needs(s, on, load_settings(s).usia_rentan_anak, disaster_id=disaster_id):
        state.setdefault(n.person_id, {})[n.code] = n.met_on
    return state


def disaster_summary(db: Database, actor: Actor, disaster_id: str, on: date | None = None) -> DisasterSummary:
    """The summary of one disaster as of ``on`` (default today), read in one session (any thread)."""
    require(actor, "person.view")
    on = on or clock.today()
    with db.reading() as s:
        d = load_disaster(s, disaster_id)
        households = households_of(s, d)
        displaced = {h.id: h.displaced for h in households}
        survivor = survivors_of(s, {m.person_id for h in households for m in h.members})
        rows: dict[str, tuple] = {}
        for h in households:
            for m in h.members:
                pid = survivor[m.person_id]
                if pid in rows:  # two records merged into one person: keep the more vulnerable view
                    kinds = tuple(dict.fromkeys(rows[pid][1].vulnerable_kinds + m.vulnerable_kinds))
                    rows[pid] = (rows[pid][0], replace(rows[pid][1], vulnerable_kinds=kinds))
                else:
                    rows[pid] = (h, m)
        state = victim_need_state(s, d.id, on)
        members = []
        for pid, (h, m) in rows.items():
            needs = state.get(pid, {})
            needed = tuple(c for c in VICTIM_NEED_CODES if c in needs)
            members.append(MemberNeeds(pid, m.name, m.nik, h.id, h.no_kk, m.relation, m.age, m.vulnerable_kinds,
                                       needed, tuple(c for c in needed if needs[c] is None), displaced[h.id],
                                       m.needs_psychosocial, m.waived, m.waiver_reason))
        totals = s.execute(
            select(ServiceEvent.service_code, ServiceType.name, ServiceType.unit,
                   func.count(func.distinct(ServiceEvent.person_id)), func.sum(ServiceEvent.quantity),
                   func.count(ServiceEvent.id))
            .join(ServiceType, ServiceType.code == ServiceEvent.service_code)
            .where(ServiceEvent.disaster_id == d.id, ServiceEvent.deleted_at.is_(None))
            .group_by(ServiceEvent.service_code, ServiceType.name, ServiceType.unit, ServiceType.sort_order)
            .order_by(ServiceType.sort_order)).all()
        return DisasterSummary(
            disaster=disaster_info(s, d),
            households=len(households),
            persons=len(members),
            vulnerable_by_kind=tuple((k, label, sum(1 for m in members if k in m.vulnerable_kinds))
                                     for k, label in VULNERABLE_KINDS.items()),
            vulnerable_persons=sum(1 for m in members if m.vulnerable_kinds),
            lacking_by_need=tuple((c, label, sum(1 for m in members if c in m.missing))
                                  for c, label in NEED_LABELS.items()),
            met=sum(1 for m in members if m.met),
            services=tuple(ServiceTotal(code, name, unit, persons,
                                        int(qty or 0) if unit != "Orang" else int(events))
                           for code, name, unit, persons, qty, events in totals),
            members=tuple(members),
            with_needs=sum(1 for m in members if m.has_needs),
            on=on,
        )
