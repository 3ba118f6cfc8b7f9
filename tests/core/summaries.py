"""The roll-up's derived summaries (``service_first``, ``cases.need_mask``,
``service_type.need_bit``; migration 0002; ``uncounted_event``, migration 0010; ``need_met``,
migration 0011; the need dates of ``cases``, migration 0013) recomputed
in plain Python from the rows they summarise, for "the triggers kept them right" checks
after any kind of write."""

from __future__ import annotations

from sqlalchemy import select

from spm_desktop.core.storage.models import (
    Case,
    CaseNeed,
    Disaster,
    GroupActivity,
    GroupActivityPerson,
    NeedMet,
    ServiceEvent,
    ServiceFirst,
    ServiceType,
    UncountedEvent,
)


def stored_firsts(s) -> dict[tuple, tuple]:
    rows = s.execute(select(ServiceFirst.year, ServiceFirst.person_id, ServiceFirst.service_code,
                            ServiceFirst.first_date, ServiceFirst.first_key))
    return {(y, p, c): (d, k) for y, p, c, d, k in rows}


def stored_uncounted(s) -> set[str]:
    return set(s.scalars(select(UncountedEvent.event_id)))


def expected_uncounted(s) -> set[str]:
    """Live events of a type with a daily standard that do not count (architecture §4 v2):
    the day's meals (per disaster for a ``bencana`` type) add up to less than the standard,
    or a disaster meal is outside its disaster's emergency period."""
    types = {c: (std, prog) for c, std, prog in s.execute(
        select(ServiceType.code, ServiceType.standard_per_day, ServiceType.program))}
    disasters = {i: (a, b) for i, a, b in s.execute(
        select(Disaster.id, Disaster.start_date, Disaster.end_date).where(Disaster.deleted_at.is_(None)))}
    events = s.execute(select(ServiceEvent.id, ServiceEvent.person_id, ServiceEvent.service_code,
                              ServiceEvent.event_date, ServiceEvent.disaster_id, ServiceEvent.details)
                       .where(ServiceEvent.deleted_at.is_(None))).all()
    sums: dict[tuple, int] = {}

    def group(e):
        bound = types[e.service_code][1] == "bencana"
        return (e.person_id, e.service_code, e.event_date, e.disaster_id if bound else "")

    def meals(e, std):
        value = (e.details or {}).get("meals_per_day")
        return std if value is None else int(value)

    for e in events:
        std = types[e.service_code][0]
        if std is not None:
            sums[group(e)] = sums.get(group(e), 0) + meals(e, std)
    out: set[str] = set()
    for e in events:
        std, prog = types[e.service_code]
        if std is None:
            continue
        period = disasters.get(e.disaster_id)
        outside = prog == "bencana" and (period is None or e.event_date < period[0]
                                         or (period[1] is not None and e.event_date > period[1]))
        if outside or sums[group(e)] < std:
            out.add(e.id)
    return out


def expected_firsts(s) -> dict[tuple, tuple]:
    """(year, person, code) → (first date, smallest ``date|kelurahan``) over the live
    counting events."""
    out: dict[tuple, tuple] = {}
    skip = expected_uncounted(s)
    rows = s.execute(select(ServiceEvent.person_id, ServiceEvent.service_code, ServiceEvent.event_date,
                            ServiceEvent.kelurahan_code, ServiceEvent.id).where(ServiceEvent.deleted_at.is_(None)))
    for person, code, day, kel, eid in rows:
        if eid in skip:
            continue
        key = (day.year, person, code)
        pair = (day, f"{day.isoformat()}|{kel or ''}")
        old = out.get(key)
        out[key] = pair if old is None else (min(old[0], pair[0]), min(old[1], pair[1]))
    return out


def stored_masks(s) -> dict[str, int | None]:
    return dict(s.execute(select(Case.id, Case.need_mask)).all())


def expected_masks(s) -> dict[str, int | None]:
    bits = dict(s.execute(select(ServiceType.code, ServiceType.need_bit)).all())
    needs: dict[str, set[str]] = {cid: set() for cid in s.scalars(select(Case.id))}
    for cid, code in s.execute(select(CaseNeed.case_id, CaseNeed.service_code).where(CaseNeed.deleted_at.is_(None))):
        needs[cid].add(code)
    out: dict[str, int | None] = {}
    for cid, codes in needs.items():
        out[cid] = None if any(bits.get(c) is None for c in codes) else sum(1 << bits[c] for c in codes)
    return out


def stored_need_met(s) -> dict[str, tuple]:
    rows = s.execute(select(NeedMet.need_id, NeedMet.case_id, NeedMet.person_id, NeedMet.service_code,
                            NeedMet.assessed_on, NeedMet.first_date))
    return {r[0]: tuple(r[1:]) for r in rows}


def expected_need_met(s) -> dict[str, tuple]:
    """need id → (case, case's person, code, assessed_on, first counting delivery on or after
    assessed_on: a live counting event of the code to that person, or a live group activity
    of the code listing them; None when none) for every live need of a stored case."""
    skip = expected_uncounted(s)
    deliveries: dict[tuple, list] = {}
    for eid, person, code, day in s.execute(select(ServiceEvent.id, ServiceEvent.person_id, ServiceEvent.service_code,
                                                   ServiceEvent.event_date).where(ServiceEvent.deleted_at.is_(None))):
        if eid not in skip:
            deliveries.setdefault((person, code), []).append(day)
    for person, code, day in s.execute(
            select(GroupActivityPerson.person_id, GroupActivity.service_code, GroupActivity.activity_date)
            .join(GroupActivity, GroupActivity.id == GroupActivityPerson.activity_id)
            .where(GroupActivityPerson.deleted_at.is_(None), GroupActivity.deleted_at.is_(None))):
        deliveries.setdefault((person, code), []).append(day)
    persons = dict(s.execute(select(Case.id, Case.person_id)).all())
    out: dict[str, tuple] = {}
    for nid, cid, code, assessed in s.execute(select(CaseNeed.id, CaseNeed.case_id, CaseNeed.service_code,
                                                     CaseNeed.assessed_on).where(CaseNeed.deleted_at.is_(None))):
        if cid not in persons:
            continue
        pid = persons[cid]
        first = min((d for d in deliveries.get((pid, code), ()) if d >= assessed), default=None)
        out[nid] = (cid, pid, code, assessed, first)
    return out


def stored_need_dates(s) -> dict[str, tuple]:
    rows = s.execute(select(Case.id, Case.need_assessed_on, Case.need_reassessed_on, Case.need_unmet,
                            Case.need_first_met, Case.need_last_met))
    return {r[0]: tuple(r[1:]) for r in rows}


def expected_need_dates(s) -> dict[str, tuple]:
    """case id → (earliest assessment of its live needs, the latest when later, how many have
    no counting delivery on or before the exit, earliest and latest first delivery of the
    others) — from :func:`expected_need_met`, for every stored case."""
    exits = dict(s.execute(select(Case.id, Case.exit_date)).all())
    needs: dict[str, list[tuple]] = {cid: [] for cid in exits}
    for cid, _pid, _code, assessed, first in expected_need_met(s).values():
        needs[cid].append((assessed, first))
    out: dict[str, tuple] = {}
    for cid, rows in needs.items():
        if not rows:
            out[cid] = (None, None, 0, None, None)
            continue
        exit_ = exits[cid]
        kept = [f for _, f in rows if f is not None and (exit_ is None or f <= exit_)]
        dates = [a for a, _ in rows]
        again = max(dates) if max(dates) > min(dates) else None
        out[cid] = (min(dates), again, len(rows) - len(kept), min(kept, default=None), max(kept, default=None))
    return out


def assert_summaries_consistent(db) -> None:
    with db.reading() as s:
        bits = [b for b in s.scalars(select(ServiceType.need_bit)) if b is not None]
        assert len(bits) == len(set(bits)) and all(0 <= b <= 62 for b in bits)
        assert stored_uncounted(s) == expected_uncounted(s)
        assert stored_firsts(s) == expected_firsts(s)
        assert stored_masks(s) == expected_masks(s)
        assert stored_need_met(s) == expected_need_met(s)
        assert stored_need_dates(s) == expected_need_dates(s)
