"""Per-disaster summary: who was affected, who is vulnerable, what each still lacks.

A victim's basic needs are makanan (1.06.06.2.01.0001) and sandang (…0002), plus penanganan
khusus (…0004) for a vulnerable member (architecture §4). A service counts for this disaster
when it was recorded on it, or recorded without a disaster on or after its start date.
The yearly IKK 2 is the roll-up's business (:mod:`spm_desktop.core.rollup`); this is the
working view of one disaster for the people on site.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import and_, func, or_, select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.vulnerable import NEED_LABELS, VULNERABLE_KINDS, needed_codes
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services.disaster_aid import id_chunks, survivors_of
from spm_desktop.core.services.disasters import DisasterInfo, disaster_info, load_disaster
from spm_desktop.core.services.households import households_of
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
    needed: tuple[str, ...]  # service codes
    missing: tuple[str, ...]  # service codes still not given

    @property
    def met(self) -> bool:
        return not self.missing

    @property
    def missing_text(self) -> str:
        """"sandang, penanganan khusus" or "–" (what the summary table shows)."""
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

    @property
    def share_met(self) -> float | None:
        """Percent of members whose basic needs are met, one decimal; None without members."""
        return round(self.met / self.persons * 100, 1) if self.persons else None


def disaster_summary(db: Database, actor: Actor, disaster_id: str) -> DisasterSummary:
    """The summary of one disaster, read in one session (any thread)."""
    require(actor, "person.view")
    with db.reading() as s:
        d = load_disaster(s, disaster_id)
        households = households_of(s, d)
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
        for_disaster = or_(ServiceEvent.disaster_id == d.id,
                           and_(ServiceEvent.disaster_id.is_(None), ServiceEvent.event_date >= d.start_date))
        received: set[tuple[str, str]] = set()
        for chunk in id_chunks(sorted(rows)):
            received.update(s.execute(select(ServiceEvent.person_id, ServiceEvent.service_code).distinct().where(
                ServiceEvent.person_id.in_(chunk), ServiceEvent.deleted_at.is_(None), for_disaster,
                ServiceEvent.service_code.in_(tuple(NEED_LABELS)))).all())
        members = []
        for pid, (h, m) in rows.items():
            needed = needed_codes(bool(m.vulnerable_kinds))
            members.append(MemberNeeds(pid, m.name, m.nik, h.id, h.no_kk, m.relation, m.age, m.vulnerable_kinds,
                                       needed, tuple(c for c in needed if (pid, c) not in received)))
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
        )
