"""Rujukan tracking (issue 21): outgoing referrals that come back, incoming referrals at intake.

An **outgoing** referral (``keluar``) is the existing 1.06.04.2.01.0012 service event (it
counts in that indicator once sent) plus its tracking row: status dikirim → diterima →
selesai, or ditolak; the feedback date (when the destination answered) and notes. Sending
records both in one transaction; an event recorded before this existed gets its tracking row
on the first status change (:func:`track_event`). An **incoming** referral (``masuk``: from
Puskesos/SLRT, Satpol PP, Kepolisian, a hospital, the public) is recorded at intake and
links the case it opened.

The open referrals list shows outgoing referrals without feedback (dikirim) with their days
waiting; past the setting ``rujukan.batas_umpan_balik_hari`` they are flagged on Beranda. Which
outgoing referrals there are is one rule, :func:`rollup.layanan.outgoing_referrals` (issue 22):
every live referral event, tracked or not yet (an events import, the demo data, a database from
before 0014, a peer's event), so the list shows exactly what Beranda counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ConflictError, FieldError, NotFoundError, ValidationError
from spm_desktop.core.domain.layanan import REFERRAL_CODE, REFERRAL_NEXT, REFERRAL_ORIGINS, REFERRAL_STATUSES
from spm_desktop.core.rollup.layanan import in_actor_scope, outgoing_referrals
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services import cases as cases_svc
from spm_desktop.core.services import events as events_svc
from spm_desktop.core.services import persons as persons_svc
from spm_desktop.core.services.referral_tracking import check_scope, track_event_in
from spm_desktop.core.services.settings import load_settings
from spm_desktop.core.storage import catalogue
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Person, Referral, ServiceEvent, ServiceType
from spm_desktop.core.storage.records import load_live


@dataclass(frozen=True)
class OutgoingInput:
    person_id: str
    referral_date: date
    destination: str  # the institution, e.g. "RSUD dr. Soedarso"
    reason: str = ""
    contact: str = ""
    case_id: str | None = None
    notes: str = ""
    unit: str = ""  # the referring unit (default: the case's, or the user's)


@dataclass(frozen=True)
class IncomingInput:
    person_id: str
    referral_date: date
    origin: str  # one of REFERRAL_ORIGINS, or a name
    case_id: str | None = None
    reason: str = ""
    contact: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ReferralInfo:
    id: str | None  # the tracking row; None: an outgoing referral event not tracked yet (answer it by its event)
    direction: str
    person_id: str
    person_name: str
    event_id: str | None
    case_id: str | None
    referral_date: date
    destination: str
    origin: str
    reason: str
    contact: str
    status: str
    feedback_date: date | None
    notes: str
    days_waiting: int  # outgoing without feedback: days since sent; else 0
    flagged: bool  # waiting longer than the setting allows

    @property
    def status_label(self) -> str:
        return REFERRAL_STATUSES.get(self.status, self.status)


def _today(s: Session) -> date:
    clock = s.info.get("clock")
    return (clock() if clock else utcnow()).date()


def _outgoing_select(waiting_on: date | None = None):
    """:func:`rollup.layanan.outgoing_referrals` with what a list row shows (plain columns: a
    year of demo referrals is tens of thousands of rows)."""
    ev, r = ServiceEvent, Referral
    return outgoing_referrals(waiting_on).add_columns(
        ev.details["destination"].as_string().label("event_destination"), ev.notes.label("event_notes"),
        r.destination, r.reason, r.contact, r.status, r.feedback_date, r.notes, Person.name,
    ).outerjoin(Person, Person.id == ev.person_id)


def _outgoing_info(row, today: date, limit: int) -> ReferralInfo:
    """An outgoing referral row of :func:`_outgoing_select`: the event (person, date, case) with
    its tracking (status, feedback), or untracked: sent, waiting."""
    tracked = row.referral_id is not None
    waiting = not tracked or row.feedback_date is None or row.feedback_date > today
    days = max((today - row.sent_on).days, 0) if waiting else 0
    return ReferralInfo(
        row.referral_id, "keluar", row.person_id, row.name or "", row.event_id, row.case_id, row.sent_on,
        (row.destination if tracked else row.event_destination) or "", "",
        (row.reason if tracked else row.event_notes) or "", (row.contact if tracked else "") or "",
        row.status if tracked else "dikirim", row.feedback_date, (row.notes if tracked else "") or "", days,
        waiting and days > limit)


def _info(s: Session, r: Referral, today: date, limit: int) -> ReferralInfo:
    if r.direction == "keluar" and r.event_id:
        row = s.execute(_outgoing_select().where(ServiceEvent.id == r.event_id)).first()
        if row is not None and row.referral_id == r.id:
            return _outgoing_info(row, today, limit)
    p = s.get(Person, r.person_id)
    waiting = (today - r.referral_date).days if r.direction == "keluar" and r.status == "dikirim" else 0
    return ReferralInfo(r.id, r.direction, r.person_id, p.name if p else "", r.event_id, r.case_id, r.referral_date,
                        r.destination, r.origin, r.reason, r.contact, r.status, r.feedback_date, r.notes,
                        max(waiting, 0), waiting > limit)


def _limit(s: Session) -> int:
    return load_settings(s).referral_feedback_days


def destination_choice(st: ServiceType, destination: str) -> str:
    """The catalogue's destination choice that the institution's name starts with (else the
    last choice, "Lainnya")."""
    spec = next((f for f in (st.detail_fields or []) if f.get("key") == "destination"), None)
    choices = list((spec or {}).get("choices") or [])
    text = (destination or "").strip().lower()
    for c in choices:
        if text == c.lower() or text.startswith(c.lower().split(" (")[0]):
            return c
    return choices[-1] if choices else destination


def load_referral(s: Session, referral_id: str) -> Referral:
    return load_live(s, Referral, referral_id, "Data rujukan", "referral_id")




def _clean(text: str, limit: int) -> str:
    return " ".join((text or "").split())[:limit]


def send_referral_in(s: Session, actor: Actor, data: OutgoingInput, *, referral_id: str | None = None,
                     event_id: str | None = None, import_ref: str | None = None) -> Referral:
    destination = _clean(data.destination, 160)
    if not destination:
        raise ValidationError("Tujuan rujukan wajib diisi.", "destination")
    st = catalogue.service_type(s, REFERRAL_CODE, live=False)
    if st is None:
        raise ValidationError("Layanan rujukan (1.06.04.2.01.0012) tidak ada dalam katalog.", "destination")
    e = events_svc.record_event_in(s, actor, events_svc.EventDraft(
        person_id=data.person_id, service_code=REFERRAL_CODE, event_date=data.referral_date,
        details={"destination": destination_choice(st, destination)}, case_id=data.case_id,
        notes=_clean(data.reason, 500), unit=data.unit), event_id=event_id)
    r = Referral(id=referral_id) if referral_id else Referral()
    r.direction, r.person_id, r.event_id, r.case_id = "keluar", e.person_id, e.id, e.case_id
    r.referral_date, r.destination, r.reason = e.event_date, destination, (data.reason or "").strip()
    r.contact, r.status, r.notes, r.import_ref = _clean(data.contact, 160), "dikirim", (data.notes or "").strip(), \
        import_ref
    return audit.record_create(s, r, "referral")


def send_referral(db: Database, actor: Actor, data: OutgoingInput) -> ReferralInfo:
    """Refer a person out: the 1.06.04.2.01.0012 event and its tracking (status dikirim)."""
    require(actor, "referral.write")
    require(actor, "event.write")
    with db.transaction(actor) as s:
        r = send_referral_in(s, actor, data)
        return _info(s, r, _today(s), _limit(s))




def track_event(db: Database, actor: Actor, event_id: str) -> ReferralInfo:
    require(actor, "referral.write")
    with db.transaction(actor) as s:
        r = track_event_in(s, actor, event_id)
        return _info(s, r, _today(s), _limit(s))


def set_status_in(s: Session, actor: Actor, r: Referral, status: str, feedback_date: date | None,
                  notes: str | None = None) -> bool:
    status = (status or "").strip().lower()
    if status not in REFERRAL_STATUSES:
        raise ValidationError(f"Status rujukan '{status}' tidak dikenal; pilih: {', '.join(REFERRAL_STATUSES)}.",
                              "status")
    check_scope(s, actor, r)
    before = audit.snapshot(r)
    if status != r.status:
        if status not in REFERRAL_NEXT.get(r.status, ()):
            raise ValidationError(f"Status rujukan tidak bisa diubah dari {REFERRAL_STATUSES[r.status]} menjadi "
                                  f"{REFERRAL_STATUSES[status]}.", "status")
    errors: list[FieldError] = []
    if status != "dikirim" and r.direction == "keluar" and feedback_date is None:
        errors.append(FieldError("feedback_date", "Tanggal umpan balik wajib diisi bila rujukan sudah ditanggapi."))
    if feedback_date is not None:
        if feedback_date < r.referral_date:
            errors.append(FieldError("feedback_date", "Tanggal umpan balik tidak boleh sebelum tanggal rujukan."))
        if feedback_date > _today(s):
            errors.append(FieldError("feedback_date", "Tanggal umpan balik tidak boleh di masa depan."))
    if errors:
        raise ValidationError(errors)
    r.status = status
    r.feedback_date = feedback_date if status != "dikirim" or r.direction == "masuk" else None
    if notes is not None:
        r.notes = notes.strip()
    return audit.record_update(s, r, "referral", before)


def record_feedback(db: Database, actor: Actor, referral_id: str, status: str, feedback_date: date | None,
                    notes: str | None = None) -> ReferralInfo:
    """Record the destination's answer (status, feedback date, notes)."""
    require(actor, "referral.write")
    with db.transaction(actor) as s:
        r = load_referral(s, referral_id)
        set_status_in(s, actor, r, status, feedback_date, notes)
        return _info(s, r, _today(s), _limit(s))


def record_event_feedback(db: Database, actor: Actor, event_id: str, status: str, feedback_date: date | None,
                          notes: str | None = None) -> ReferralInfo:
    """The destination's answer to a referral *event* (as the person's history shows it): its
    tracking row, made when the event has none yet (:func:`track_event_in`), gets the status,
    feedback date and notes by the same rule as :func:`record_feedback` — one transaction."""
    require(actor, "referral.write")
    with db.transaction(actor) as s:
        r = track_event_in(s, actor, event_id)
        set_status_in(s, actor, r, status, feedback_date, notes)
        return _info(s, r, _today(s), _limit(s))


def record_incoming_in(s: Session, actor: Actor, data: IncomingInput, *, referral_id: str | None = None,
                       import_ref: str | None = None, status: str = "diterima",
                       feedback_date: date | None = None) -> Referral:
    errors: list[FieldError] = []
    origin = _clean(data.origin, 160)
    match = next((o for o in REFERRAL_ORIGINS if o.lower() == origin.lower()), None)
    origin = match or origin
    if not origin:
        errors.append(FieldError("origin", f"Asal rujukan wajib diisi (mis. {', '.join(REFERRAL_ORIGINS[:4])})."))
    if not isinstance(data.referral_date, date):
        errors.append(FieldError("referral_date", "Tanggal rujukan wajib diisi."))
    elif data.referral_date > _today(s):
        errors.append(FieldError("referral_date", "Tanggal rujukan tidak boleh di masa depan."))
    try:
        p = persons_svc.load_person(s, data.person_id, for_write=True)
    except (NotFoundError, ConflictError) as exc:
        errors.append(FieldError("person_id", exc.message))
        p = None
    case = None
    if data.case_id:
        try:
            case = cases_svc.load_case(s, data.case_id)
        except NotFoundError as exc:
            errors.append(FieldError("case_id", exc.message))
        else:
            if p is not None and case.person_id != p.id:
                errors.append(FieldError("case_id", "Kasus yang dipilih bukan milik orang ini."))
    if errors:
        raise ValidationError(errors)
    r = Referral(id=referral_id) if referral_id else Referral()
    r.direction, r.person_id, r.case_id, r.referral_date = "masuk", p.id, case.id if case else None, data.referral_date
    r.origin, r.reason, r.contact, r.notes = origin, (data.reason or "").strip(), _clean(data.contact, 160), \
        (data.notes or "").strip()
    r.status, r.feedback_date, r.import_ref = status, feedback_date, import_ref
    check_scope(s, actor, r)
    return audit.record_create(s, r, "referral")


def record_incoming(db: Database, actor: Actor, data: IncomingInput) -> ReferralInfo:
    """Record a referral received at intake (status diterima), linked to its case."""
    require(actor, "referral.write")
    with db.transaction(actor) as s:
        r = record_incoming_in(s, actor, data)
        return _info(s, r, _today(s), _limit(s))


def link_case(db: Database, actor: Actor, referral_id: str, case_id: str | None) -> ReferralInfo:
    """Link an incoming referral to the case it opened."""
    require(actor, "referral.write")
    with db.transaction(actor) as s:
        r = load_referral(s, referral_id)
        check_scope(s, actor, r)
        if case_id:
            c = cases_svc.load_case(s, case_id)
            if c.person_id != r.person_id:
                raise ValidationError("Kasus yang dipilih bukan milik orang yang dirujuk.", "case_id")
        before = audit.snapshot(r)
        r.case_id = case_id or None
        if s.is_modified(r):
            s.flush()
            audit.record(s, "update", "referral", r.id, before=before, after=r)
        return _info(s, r, _today(s), _limit(s))


def delete_referral(db: Database, actor: Actor, referral_id: str) -> None:
    """Remove an incoming referral or the tracking of an outgoing one entered by mistake (the
    event of an outgoing referral stays, listed and counted again as sent and unanswered;
    delete it on the person's history)."""
    require(actor, "referral.write")
    with db.transaction(actor) as s:
        r = load_referral(s, referral_id)
        check_scope(s, actor, r)
        audit.soft_delete(s, r, "referral")


def referral_of_event(db: Database, actor: Actor, event_id: str) -> ReferralInfo | None:
    """The tracking of a referral event (None: not tracked yet, status dikirim assumed)."""
    require(actor, "person.view")
    with db.reading() as s:
        r = s.scalar(select(Referral).where(Referral.event_id == event_id, Referral.deleted_at.is_(None)))
        return None if r is None else _info(s, r, db.now().date(), _limit(s))


def list_referrals(db: Database, actor: Actor, *, open_only: bool = False, person_id: str | None = None,
                   direction: str = "", today: date | None = None) -> list[ReferralInfo]:
    """Referrals, oldest waiting first when ``open_only`` (outgoing, not answered by ``today``,
    default the database's day). The outgoing ones are :func:`rollup.layanan.outgoing_referrals`
    in the actor's scope — the rows Beranda counts (issue 22) — tracked or not yet."""
    require(actor, "person.view")
    with db.reading() as s:
        today, limit = today or db.now().date(), _limit(s)
        out: list[ReferralInfo] = []
        if direction in ("", "keluar"):
            out += _outgoing_list(s, actor, today, limit, open_only, person_id)
        if direction in ("", "masuk") and not open_only:
            q = select(Referral).where(Referral.deleted_at.is_(None), Referral.direction == "masuk")
            if person_id:
                q = q.where(Referral.person_id == person_id)
            out += [_info(s, r, today, limit) for r in s.scalars(q)]
        out.sort(key=lambda i: (i.referral_date, i.event_id or i.id or ""), reverse=not open_only)
        return out


def _outgoing_list(s: Session, actor: Actor, today: date, limit: int, open_only: bool,
                   person_id: str | None) -> list[ReferralInfo]:
    q = _outgoing_select(waiting_on=today if open_only else None)
    if person_id:
        q = q.where(ServiceEvent.person_id == person_id)
    return [_outgoing_info(row, today, limit) for row in in_actor_scope(s, actor, s.execute(q))]


__all__ = [
    "OutgoingInput", "IncomingInput", "ReferralInfo", "send_referral", "send_referral_in", "track_event",
    "track_event_in", "record_feedback", "record_event_feedback", "set_status_in", "record_incoming",
    "record_incoming_in", "link_case",
    "delete_referral", "referral_of_event", "list_referrals", "load_referral", "destination_choice",
]
