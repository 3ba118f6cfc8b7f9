"""Layanan data dan pengaduan in the roll-up (issue 21; docs/architecture-rollup-complaints.md).

* :func:`apply_complaint_counts` — the counting rule ``complaints`` of indicator
  1.06.04.2.01.0009: on top of the distinct registered persons with a counting event of the
  code in the window (the scan's ``distinct_persons`` figures, unchanged), one unit per
  complaint closed **selesai** in the window, a reporter with a NIK counted once per year (at
  their first such closing). Each unit counts in the month of its closing, at the
  complaint's desa/kelurahan; the person dimensions a complaint has not (sex, age group,
  unit, PMKS category) go to "Tidak diketahui", so each breakdown column still adds up.
* :func:`layanan_summary` — the monthly summary of complaints, referrals and DTSEN
  proposals that the recap JSON (``layanan_data``), the recap PDF and Beranda show.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.layanan import (
    COMPLAINT_CLOSED,
    DTSEN_STATUSES,
    DTSEN_TARGET_KEY,
    REFERRAL_CODE,
    holidays,
    is_working_day,
    working_days_between,
)
from spm_desktop.core.domain.settings import AppSettings
from spm_desktop.core.rollup.period import Period
from spm_desktop.core.rollup.sql import const
from spm_desktop.core.security.links import events_in_scope
from spm_desktop.core.security.scope import scope_of
from spm_desktop.core.storage.models import Complaint, DtsenProposal, Referral, ServiceEvent, Target

RULE = "complaints"
UNKNOWN_DIMS = ("sex", "age_group", "unit", "pmks_category")


def complaint_units(session: Session, start: date, end: date) -> list[tuple[date, str]]:
    """(closing date, desa/kelurahan code or "") of every complaint unit of the window: the
    live complaints closed selesai in ``[start, end]``, those of one reporter NIK once (the
    first closing)."""
    rows = session.execute(
        select(Complaint.id, Complaint.reporter_nik, Complaint.closed_on, Complaint.kelurahan_code)
        .where(Complaint.deleted_at.is_(None), Complaint.status == "selesai", Complaint.closed_on >= start,
               Complaint.closed_on <= end)
        .order_by(Complaint.closed_on, Complaint.id))
    seen: set[str] = set()
    units: list[tuple[date, str]] = []
    for cid, nik, closed, kel in rows:
        key = f"nik:{nik}" if nik else f"id:{cid}"
        if key in seen:
            continue
        seen.add(key)
        units.append((closed, kel or ""))
    return units


def _add(counter: dict, key, n: int) -> None:
    counter[key] = counter.get(key, 0) + n


def apply_complaint_counts(session: Session, counts, start: date, end: date, rules: dict[str, str],
                           dims: tuple[str, ...] = ()) -> None:
    """Add the complaint units to the figures of every code whose rule is ``complaints`` in
    ``counts`` (a ``scan.ScanCounts`` already holding the code's distinct persons)."""
    codes = sorted(c for c, r in rules.items() if r == RULE)
    if not codes:
        return
    units = complaint_units(session, start, end)
    unknown = [d for d in UNKNOWN_DIMS if d in dims]
    for code in codes:
        monthly = counts.monthly[code]
        for closed, kel in units:
            _add(monthly, closed.month, 1)
            _add(counts.by_dim["kelurahan"], (kel, code), 1)
            for d in unknown:
                _add(counts.by_dim[d], ("", code), 1)


# ----- the monthly summary -------------------------------------------------------------------


@dataclass(frozen=True)
class LayananSummary:
    """Figures of the period's last month (``complaints_*``, ``referrals_sent/answered``) and
    the state at its last day (overdue, waiting, DTSEN by status)."""

    month_start: date
    month_end: date
    complaints_received: int
    complaints_closed: int  # selesai or ditolak in the month
    complaints_selesai: int
    response_avg_days: float | None  # working days, complaints first answered in the month
    response_max_days: int | None
    complaints_overdue: int  # unanswered at the end, past the service level
    response_limit_days: int
    referrals_sent: int  # outgoing referral events (1.06.04.2.01.0012) dated in the month
    referrals_answered: int  # outgoing referrals with feedback dated in the month
    referrals_waiting: int  # outgoing, sent by the end, no feedback by the end
    referrals_waiting_flagged: int  # of those, waiting longer than the setting
    referral_limit_days: int
    dtsen_by_status: dict[str, int]  # proposals made this year up to the end, by status at the end
    dtsen_ditetapkan_year: int  # distinct persons of "baru" proposals ditetapkan this year
    dtsen_target: float | None
    dtsen_percent_of_target: float | None

    def as_json(self) -> dict:
        out = asdict(self)
        out["month_start"] = self.month_start.isoformat()
        out["month_end"] = self.month_end.isoformat()
        return out


def _percent(n: int, d: float | None) -> float | None:
    if not d:
        return None
    return float((Decimal(n) * 100 / Decimal(str(d))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def overdue_complaints(s: Session, on: date, off: frozenset[date], limit: int) -> int:
    """Complaints received by ``on`` and unanswered at ``on``, more than ``limit`` working days
    after receipt."""
    until = datetime.combine(on + timedelta(days=1), time())
    received = [r.date() for (r,) in s.execute(select(Complaint.received_at).where(
        Complaint.deleted_at.is_(None), Complaint.received_at < until,
        or_(Complaint.first_response_on.is_(None), Complaint.first_response_on > on)))]
    if not received:
        return 0
    left = _working_days_until(min(received), on, off)
    return sum(1 for d in received if left[d] > limit)


def _working_days_until(first: date, on: date, off: frozenset[date]) -> dict[date, int]:
    """``working_days_between(d, on, off)`` for every day ``d`` in ``[first, on]``, in one pass
    (the unanswered complaints of a year each walked their own days: 0.4 s of CPU for 2,000)."""
    out, n, day = {}, 0, on
    while day >= first:
        out[day] = n
        if is_working_day(day, off):
            n += 1
        day -= timedelta(days=1)
    return out


def outgoing_referrals(waiting_on: date | None = None) -> Select:
    """The one rule of an outgoing referral (issues 21, 22): a live 1.06.04.2.01.0012 event,
    with its live tracking row when it has one. An event without one (recorded before the
    tracking existed, by the demo data, an events import or a peer) is a referral sent and not
    answered, like a tracked one without feedback; its row is made when it is answered
    (``referral_tracking.track_event_in``). With ``waiting_on``: those sent by that day and not
    answered by it.

    Beranda's flag, the recap's summary and the Rujukan list all read this select, so their
    figures cannot disagree. Columns: ``event_id``, ``sent_on`` (the event's date), ``person_id``,
    ``unit``, ``kelurahan_code``, ``case_id``, ``disaster_id`` (the event's scope) and
    ``referral_id`` (None: not tracked)."""
    ev, r = ServiceEvent, Referral
    q = (select(ev.id.label("event_id"), ev.event_date.label("sent_on"), ev.person_id, ev.unit, ev.kelurahan_code,
                ev.case_id, ev.disaster_id, r.id.label("referral_id"))
         .select_from(ev).outerjoin(r, and_(r.event_id == ev.id, r.deleted_at.is_(None))).where(*_referral_events()))
    if waiting_on is not None:
        q = q.where(ev.event_date <= waiting_on,
                    or_(r.id.is_(None), r.feedback_date.is_(None), r.feedback_date > waiting_on))
    return q


def in_actor_scope(s: Session, actor: Actor | None, rows) -> list:
    """The rows of :func:`outgoing_referrals` a (restricted) actor may see: its events' scope,
    the rule its writes follow (``links.events_in_scope``: the case, the kelurahan, a tksk's
    links); all of them for None or an unrestricted role."""
    if actor is None or scope_of(actor).unrestricted:
        return list(rows)
    return events_in_scope(s, actor, list(rows))


def waiting_referrals(s: Session, on: date, limit_days: int, actor: Actor | None = None) -> tuple[int, int]:
    """(outgoing referrals waiting on ``on`` (:func:`outgoing_referrals`), of them sent more
    than ``limit_days`` days before ``on``) — the office's counted in SQL, not fetched; a
    restricted actor's those of its scope, as its Rujukan list shows them."""
    late = on - timedelta(days=limit_days)
    q = outgoing_referrals(waiting_on=on)
    if actor is not None and not scope_of(actor).unrestricted:
        sent = [row.sent_on for row in in_actor_scope(s, actor, s.execute(q))]
        return len(sent), sum(1 for d in sent if d < late)
    w = q.subquery()
    waiting, flagged = s.execute(
        select(func.count(), func.coalesce(func.sum(case((w.c.sent_on < late, 1), else_=0)), 0)).select_from(w)).one()
    return int(waiting or 0), int(flagged or 0)


def _referral_events():
    """The live referral events, written as the partial index ix_service_event_referral's
    condition (an inlined literal, so SQLite and PostgreSQL use that index)."""
    return (ServiceEvent.service_code == const(REFERRAL_CODE), ServiceEvent.deleted_at.is_(None))


def attention_on(s: Session, settings: AppSettings, on: date, actor: Actor | None = None) -> tuple[int, int]:
    """Beranda's flags on ``on``: (overdue complaints, referrals waiting longer than the setting
    — of the actor's scope, the rows its Rujukan list flags)."""
    overdue = overdue_complaints(s, on, holidays(settings.extra_holidays), settings.complaint_response_days)
    return overdue, waiting_referrals(s, on, settings.referral_feedback_days, actor)[1]


def layanan_summary(s: Session, period: Period, settings: AppSettings) -> LayananSummary:
    end = period.end
    first = date(period.year, period.month, 1)
    off = holidays(settings.extra_holidays)
    limit = settings.complaint_response_days
    live = Complaint.deleted_at.is_(None)
    from_, until = datetime.combine(first, time()), datetime.combine(end + timedelta(days=1), time())
    received = s.scalar(select(func.count()).where(live, Complaint.received_at >= from_,
                                                   Complaint.received_at < until)) or 0
    closed = dict(s.execute(select(Complaint.status, func.count()).where(
        live, Complaint.status.in_(COMPLAINT_CLOSED), Complaint.closed_on >= first, Complaint.closed_on <= end)
        .group_by(Complaint.status)).all())
    answered = [working_days_between(r.date(), f, off) for r, f in s.execute(select(
        Complaint.received_at, Complaint.first_response_on).where(
        live, Complaint.first_response_on >= first, Complaint.first_response_on <= end))]
    avg = None if not answered else float((Decimal(sum(answered)) / len(answered)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP))
    overdue = overdue_complaints(s, end, off, limit)
    ev = ServiceEvent
    sent = s.scalar(select(func.count()).select_from(ev).where(
        *_referral_events(), ev.event_date >= first, ev.event_date <= end)) or 0
    r = Referral
    answered_refs = s.scalar(select(func.count()).select_from(r).join(ev, ev.id == r.event_id).where(
        r.deleted_at.is_(None), ev.deleted_at.is_(None), r.direction == "keluar", r.feedback_date >= first,
        r.feedback_date <= end)) or 0
    ref_limit = settings.referral_feedback_days
    waiting, flagged = waiting_referrals(s, end, ref_limit)
    by_status = {k: 0 for k in DTSEN_STATUSES}
    for status, status_on, verified_on in s.execute(select(
            DtsenProposal.status, DtsenProposal.status_on, DtsenProposal.verified_on).where(
            DtsenProposal.deleted_at.is_(None), DtsenProposal.proposed_on >= period.start,
            DtsenProposal.proposed_on <= end)):
        # A decision after the period's end is not known at its end: the proposal was still
        # open then (verified, when that came by the end).
        if status_on is None or status_on <= end:
            key = status
        else:
            key = "diverifikasi" if verified_on is not None and verified_on <= end else "diusulkan"
        by_status[key] = by_status.get(key, 0) + 1
    decided = s.scalar(select(func.count(func.distinct(DtsenProposal.person_id))).where(
        DtsenProposal.deleted_at.is_(None), DtsenProposal.status == "ditetapkan", DtsenProposal.kind == "baru",
        DtsenProposal.status_on >= period.start, DtsenProposal.status_on <= end)) or 0
    target = s.scalar(select(Target.value).where(Target.year == period.year, Target.key == DTSEN_TARGET_KEY,
                                                 Target.deleted_at.is_(None)))
    target_value = None if target is None else float(target)
    return LayananSummary(
        first, end, int(received), int(sum(closed.values())), int(closed.get("selesai", 0)), avg,
        max(answered) if answered else None, overdue, limit, int(sent), int(answered_refs), waiting,
        flagged, ref_limit, by_status, int(decided), target_value, _percent(int(decided), target_value))
