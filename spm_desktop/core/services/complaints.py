"""Pengaduan dan permohonan data (issue 21): receive, follow up, close; link or register the
person concerned; open a case in one step.

Status machine (``core/domain/layanan.COMPLAINT_NEXT``): diterima → diverifikasi →
ditindaklanjuti → selesai, or ditolak (with a reason) from any open status; a closed
complaint changes no more. Every change of status writes a dated entry in the follow-up log;
the first one sets ``first_response_on`` (the response time is counted in working days from
the receipt to it), selesai/ditolak set ``closed_on``. Scope: a tksk records complaints about
its own kecamatan only (the complaint's desa/kelurahan, required for a tksk).

Refused (nothing written): an unknown channel/category/status, a reporter without a name
unless anonymous, a NIK that breaks the NIK rules, an empty description, a date in the
future or before the receipt, a step the status machine does not allow, ditolak without a
reason, a change to a closed complaint.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.errors import ConflictError, FieldError, NotFoundError, ValidationError
from spm_desktop.core.domain.layanan import (
    CATEGORIES,
    CHANNELS,
    COMPLAINT_CLOSED,
    COMPLAINT_NEXT,
    COMPLAINT_STATUSES,
    add_working_days,
    holidays,
    working_days_between,
)
from spm_desktop.core.domain.nik import check_nik_agrees
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.security.scope import check_region_scope, in_region_scope, scope_of
from spm_desktop.core.services import cases as cases_svc
from spm_desktop.core.services import persons as persons_svc
from spm_desktop.core.services.settings import AppSettings, load_settings
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Complaint, ComplaintFollowUp, Person, Region
from spm_desktop.core.storage.records import load_live


@dataclass(frozen=True)
class ComplaintInput:
    received_at: datetime
    channel: str
    category: str
    description: str
    reporter_name: str = ""
    reporter_nik: str = ""
    reporter_phone: str = ""
    reporter_relation: str = ""
    anonymous: bool = False
    person_id: str | None = None
    kelurahan_code: str | None = None
    officer: str = ""


@dataclass(frozen=True)
class FollowUpInfo:
    id: str
    on: date
    note: str
    status: str
    officer: str


@dataclass(frozen=True)
class ComplaintInfo:
    id: str
    received_at: datetime
    channel: str
    category: str
    description: str
    reporter_name: str
    reporter_nik: str
    reporter_phone: str
    reporter_relation: str
    anonymous: bool
    person_id: str | None
    person_name: str
    kelurahan_code: str | None
    officer: str
    status: str
    first_response_on: date | None
    closed_on: date | None
    rejected_reason: str
    case_id: str | None
    response_days: int | None  # working days to the first response (None: none yet)
    waiting_days: int  # working days since receipt (to the first response, or to today)
    due_on: date  # the last working day of the service level
    overdue: bool
    followups: tuple[FollowUpInfo, ...] = ()

    @property
    def status_label(self) -> str:
        return COMPLAINT_STATUSES.get(self.status, self.status)

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def reporter_label(self) -> str:
        return "Anonim" if self.anonymous else self.reporter_name


# ----- response time -----------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseClock:
    """The working-day arithmetic of one database's settings (holidays + service level)."""

    off: frozenset[date]
    limit: int

    @classmethod
    def of(cls, st: AppSettings) -> ResponseClock:
        return cls(holidays(st.extra_holidays), st.complaint_response_days)

    def response_days(self, received: date, responded: date | None) -> int | None:
        return None if responded is None else working_days_between(received, responded, self.off)

    def overdue(self, received: date, responded: date | None, today: date) -> bool:
        """Answered later than the limit, or still unanswered past it."""
        return working_days_between(received, responded or today, self.off) > self.limit

    def due_on(self, received: date) -> date:
        return add_working_days(received, self.limit, self.off)


def response_clock(s: Session) -> ResponseClock:
    return ResponseClock.of(load_settings(s))


# ----- validation --------------------------------------------------------------------------


def _today(s: Session) -> date:
    clock = s.info.get("clock")
    return (clock() if clock else utcnow()).date()


def validate_complaint(s: Session, actor: Actor, data: ComplaintInput) -> ComplaintInput:
    """The complaint cleaned, or :class:`ValidationError` listing every problem (one rule a field)."""
    errors: list[FieldError] = []
    channel = _checked_choice(data.channel, CHANNELS, "channel", "Saluran", errors)
    category = _checked_choice(data.category, CATEGORIES, "category", "Kategori", errors)
    _check_received_at(s, data.received_at, errors)
    anonymous = bool(data.anonymous)
    name, nik = _checked_reporter(data, anonymous, errors)
    phone = _checked_phone(data.reporter_phone, errors)
    description = _checked_description(data.description, errors)
    kel = _checked_complaint_village(s, actor, data.kelurahan_code, errors)
    person_id = _checked_person_id(s, data.person_id, errors)
    if errors:
        raise ValidationError(errors)
    check_region_scope(actor, kel, "mencatat pengaduan")
    officer = " ".join((data.officer or "").split()) or actor.full_name or actor.username
    return replace(data, channel=channel, category=category, reporter_name=name, reporter_nik=nik,
                   reporter_phone=phone, anonymous=anonymous, description=description, kelurahan_code=kel,
                   person_id=person_id, reporter_relation=" ".join((data.reporter_relation or "").split()),
                   officer=officer[:120])


def _checked_choice(value: str | None, choices: dict[str, str], field: str, what: str,
                    errors: list[FieldError]) -> str:
    key = (value or "").strip().lower()
    if key not in choices:
        errors.append(FieldError(field, f"{what} '{value}' tidak dikenal; pilih: {', '.join(choices)}."))
    return key


def _check_received_at(s: Session, received_at: datetime | None, errors: list[FieldError]) -> None:
    if not isinstance(received_at, datetime):
        errors.append(FieldError("received_at", "Tanggal dan jam terima wajib diisi."))
    elif received_at.date() > _today(s):
        errors.append(FieldError("received_at", "Tanggal terima tidak boleh di masa depan."))


def _checked_reporter(data: ComplaintInput, anonymous: bool, errors: list[FieldError]) -> tuple[str, str]:
    """The reporter's name and NIK (both blank for an anonymous reporter)."""
    if anonymous:
        return "", ""
    name = " ".join((data.reporter_name or "").split())
    nik = (data.reporter_nik or "").strip()
    if not name:
        errors.append(FieldError("reporter_name", "Nama pelapor wajib diisi (atau tandai pelapor anonim)."))
    if len(name) > 160:
        errors.append(FieldError("reporter_name", "Nama pelapor paling panjang 160 huruf."))
    if nik:
        try:
            check_nik_agrees(nik)
        except ValidationError as exc:
            errors.extend(FieldError("reporter_nik", e.message) for e in exc.errors)
    return name, nik


def _checked_phone(value: str | None, errors: list[FieldError]) -> str:
    phone = (value or "").strip()
    if len(phone) > 40:
        errors.append(FieldError("reporter_phone", "Nomor telepon paling panjang 40 karakter."))
    return phone


def _checked_description(value: str | None, errors: list[FieldError]) -> str:
    description = (value or "").strip()
    if not description:
        errors.append(FieldError("description", "Uraian pengaduan wajib diisi."))
    return description


def _checked_complaint_village(s: Session, actor: Actor, value: str | None, errors: list[FieldError]) -> str | None:
    """A known desa/kelurahan, or none (which a TKSK may not leave)."""
    kel = (value or "").strip() or None
    if kel is not None:
        level = s.scalar(select(Region.level).where(Region.code == kel, Region.deleted_at.is_(None)))
        if level not in ("kelurahan", "desa"):
            errors.append(FieldError("kelurahan_code", f"Kode desa/kelurahan {kel} tidak dikenal."))
    elif scope_of(actor).kecamatan_code is not None:
        errors.append(FieldError("kelurahan_code", "Desa/kelurahan wajib diisi oleh TKSK."))
    return kel


def _checked_person_id(s: Session, value: str | None, errors: list[FieldError]) -> str | None:
    person_id = value or None
    if person_id:
        try:
            persons_svc.load_person(s, person_id, for_write=True)
        except (NotFoundError, ConflictError) as exc:
            errors.append(FieldError("person_id", exc.message))
    return person_id


def load_complaint(s: Session, complaint_id: str) -> Complaint:
    return load_live(s, Complaint, complaint_id, "Pengaduan", "complaint_id")


def _check_scope(actor: Actor, c: Complaint) -> None:
    check_region_scope(actor, c.kelurahan_code, "menindaklanjuti pengaduan")


def _apply(c: Complaint, d: ComplaintInput) -> None:
    c.received_at, c.channel, c.category, c.description = d.received_at, d.channel, d.category, d.description
    c.reporter_name, c.reporter_nik = d.reporter_name, d.reporter_nik or None
    c.reporter_phone, c.reporter_relation, c.anonymous = d.reporter_phone, d.reporter_relation, d.anonymous
    c.person_id, c.kelurahan_code, c.officer = d.person_id, d.kelurahan_code, d.officer


def _info(s: Session, c: Complaint, clock: ResponseClock, today: date, with_log: bool = False) -> ComplaintInfo:
    person_name = ""
    if c.person_id:
        p = s.get(Person, c.person_id)
        person_name = p.name if p else ""
    received = c.received_at.date()
    log: tuple[FollowUpInfo, ...] = ()
    if with_log:
        log = tuple(FollowUpInfo(f.id, f.followup_date, f.note, f.status, f.officer) for f in s.scalars(
            select(ComplaintFollowUp).where(ComplaintFollowUp.complaint_id == c.id,
                                            ComplaintFollowUp.deleted_at.is_(None))
            .order_by(ComplaintFollowUp.followup_date, ComplaintFollowUp.created_at)))
    return ComplaintInfo(
        c.id, c.received_at, c.channel, c.category, c.description, c.reporter_name, c.reporter_nik or "",
        c.reporter_phone, c.reporter_relation, bool(c.anonymous), c.person_id, person_name, c.kelurahan_code,
        c.officer, c.status, c.first_response_on, c.closed_on, c.rejected_reason, c.case_id,
        clock.response_days(received, c.first_response_on),
        working_days_between(received, c.first_response_on or today, clock.off), clock.due_on(received),
        clock.overdue(received, c.first_response_on, today), log)


# ----- writes --------------------------------------------------------------------------------


def receive_complaint_in(s: Session, actor: Actor, data: ComplaintInput, *, complaint_id: str | None = None,
                         import_ref: str | None = None) -> Complaint:
    clean = validate_complaint(s, actor, data)
    c = Complaint(id=complaint_id) if complaint_id else Complaint()
    _apply(c, clean)
    c.status, c.import_ref = "diterima", import_ref
    return audit.record_create(s, c, "complaint")


def receive_complaint(db: Database, actor: Actor, data: ComplaintInput) -> ComplaintInfo:
    """Record a complaint or data request as received (status diterima)."""
    require(actor, "complaint.write")
    with db.transaction(actor) as s:
        c = receive_complaint_in(s, actor, data)
        return _info(s, c, response_clock(s), _today(s), True)


def update_complaint_in(s: Session, actor: Actor, complaint_id: str, data: ComplaintInput) -> tuple[Complaint, bool]:
    c = load_complaint(s, complaint_id)
    _check_scope(actor, c)
    clean = validate_complaint(s, actor, data)
    if c.first_response_on and clean.received_at.date() > c.first_response_on:
        raise ValidationError("Tanggal terima tidak boleh sesudah tanggapan pertama.", "received_at")
    before = audit.snapshot(c)
    _apply(c, clean)
    return c, audit.record_update(s, c, "complaint", before)


def update_complaint(db: Database, actor: Actor, complaint_id: str, data: ComplaintInput) -> ComplaintInfo:
    """Correct a complaint's data (status and log are changed by their own functions)."""
    require(actor, "complaint.write")
    with db.transaction(actor) as s:
        c, _ = update_complaint_in(s, actor, complaint_id, data)
        return _info(s, c, response_clock(s), _today(s), True)


def _check_date(s: Session, c: Complaint, on: date, field: str = "on") -> None:
    if not isinstance(on, date):
        raise ValidationError("Tanggal wajib diisi.", field)
    if on > _today(s):
        raise ValidationError("Tanggal tidak boleh di masa depan.", field)
    if on < c.received_at.date():
        raise ValidationError(f"Tanggal tidak boleh sebelum pengaduan diterima ({short_date(c.received_at)}).", field)


def _add_log(s: Session, actor: Actor, c: Complaint, on: date, note: str, status: str = "") -> ComplaintFollowUp:
    f = ComplaintFollowUp(complaint_id=c.id, followup_date=on, note=note, status=status,
                          officer=(actor.full_name or actor.username)[:120])
    return audit.record_create(s, f, "complaint_followup")


def set_status_in(s: Session, actor: Actor, c: Complaint, status: str, on: date, note: str = "",
                  reason: str = "", responded_on: date | None = None) -> bool:
    """Move ``c`` to ``status`` on ``on`` (audited, with its log entry); False when already there.
    ``responded_on`` (a file import of a complaint closed later): the first response, when
    earlier than ``on`` and nothing was recorded yet."""
    status = (status or "").strip().lower()
    if status not in COMPLAINT_STATUSES:
        raise ValidationError(f"Status '{status}' tidak dikenal; pilih: {', '.join(COMPLAINT_STATUSES)}.", "status")
    if status == c.status:
        return False
    if status not in COMPLAINT_NEXT.get(c.status, ()):
        label = COMPLAINT_STATUSES.get(c.status, c.status)
        if c.status in COMPLAINT_CLOSED:
            raise ConflictError(f"Pengaduan sudah {label.lower()}; statusnya tidak bisa diubah lagi.", "status")
        raise ValidationError(f"Status tidak bisa diubah dari {label} menjadi {COMPLAINT_STATUSES[status]}.", "status")
    _check_date(s, c, on)
    last = s.scalar(select(func.max(ComplaintFollowUp.followup_date)).where(
        ComplaintFollowUp.complaint_id == c.id, ComplaintFollowUp.deleted_at.is_(None), ComplaintFollowUp.status != ""))
    if last is not None and on < last:
        raise ValidationError(f"Tanggal tidak boleh sebelum perubahan status sebelumnya ({short_date(last)}).", "on")
    reason = " ".join((reason or "").split())
    if status == "ditolak" and not reason:
        raise ValidationError("Alasan penolakan wajib diisi.", "reason")
    if responded_on is not None and not c.received_at.date() <= responded_on <= on:
        raise ValidationError("Tanggal tanggapan pertama harus di antara tanggal terima dan tanggal status.",
                              "responded_on")
    before = audit.snapshot(c)
    c.status = status
    if c.first_response_on is None:
        c.first_response_on = responded_on or on
    if status in COMPLAINT_CLOSED:
        c.closed_on = on
    c.rejected_reason = reason if status == "ditolak" else ""
    s.flush()
    audit.record(s, "update", "complaint", c.id, before=before, after=c)
    _add_log(s, actor, c, on, note.strip() or f"Status menjadi {COMPLAINT_STATUSES[status]}.", status)
    return True


def change_status(db: Database, actor: Actor, complaint_id: str, status: str, on: date, note: str = "",
                  reason: str = "") -> ComplaintInfo:
    """Change a complaint's status (see the module's status machine)."""
    require(actor, "complaint.write")
    with db.transaction(actor) as s:
        c = load_complaint(s, complaint_id)
        _check_scope(actor, c)
        set_status_in(s, actor, c, status, on, note, reason)
        return _info(s, c, response_clock(s), _today(s), True)


def add_followup(db: Database, actor: Actor, complaint_id: str, on: date, note: str) -> ComplaintInfo:
    """Add a dated note to the follow-up log (the status stays)."""
    require(actor, "complaint.write")
    with db.transaction(actor) as s:
        c = load_complaint(s, complaint_id)
        _check_scope(actor, c)
        if c.status in COMPLAINT_CLOSED:
            raise ConflictError("Pengaduan sudah ditutup; tindak lanjut tidak bisa ditambah.", "complaint_id")
        _check_date(s, c, on)
        if not (note or "").strip():
            raise ValidationError("Catatan tindak lanjut wajib diisi.", "note")
        _add_log(s, actor, c, on, note.strip())
        return _info(s, c, response_clock(s), _today(s), True)


def link_person(db: Database, actor: Actor, complaint_id: str, person_id: str | None) -> ComplaintInfo:
    """Link the complaint to a registered person (None: remove the link)."""
    require(actor, "complaint.write")
    with db.transaction(actor) as s:
        c = load_complaint(s, complaint_id)
        _check_scope(actor, c)
        if person_id:
            persons_svc.load_person(s, person_id, for_write=True)
        before = audit.snapshot(c)
        c.person_id = person_id or None
        if s.is_modified(c):
            s.flush()
            audit.record(s, "update", "complaint", c.id, before=before, after=c)
        return _info(s, c, response_clock(s), _today(s), True)


def register_person_from_complaint(db: Database, actor: Actor, complaint_id: str, draft: persons_svc.PersonDraft,
                                   *, confirm_duplicates_ok: bool = False) -> ComplaintInfo:
    """Register the person the complaint is about and link them (one transaction)."""
    require(actor, "complaint.write")
    require(actor, "person.write")
    with db.transaction(actor) as s:
        c = load_complaint(s, complaint_id)
        _check_scope(actor, c)
        if c.person_id:
            raise ConflictError("Pengaduan ini sudah terhubung ke penerima layanan.", "person_id")
        if not draft.kelurahan_code and c.kelurahan_code:
            draft = replace(draft, kelurahan_code=c.kelurahan_code)
        p = persons_svc.register_in(s, actor, draft, confirm_duplicates_ok=confirm_duplicates_ok)
        before = audit.snapshot(c)
        c.person_id = p.id
        s.flush()
        audit.record(s, "update", "complaint", c.id, before=before, after=c)
        return _info(s, c, response_clock(s), _today(s), True)


def open_case_from_complaint(db: Database, actor: Actor, complaint_id: str, unit: str, spm_group: str,
                             intake_date: date, needs: tuple[str, ...] = (), kecamatan_code: str | None = None,
                             found_location: str = "") -> ComplaintInfo:
    """Open a case for the person the complaint reports, in one step: the case (referred by
    "masyarakat", found where the complaint says), the link, a log entry, and — when the
    complaint was not yet being handled — the status ditindaklanjuti."""
    require(actor, "complaint.write")
    require(actor, "case.write")
    with db.transaction(actor) as s:
        c = load_complaint(s, complaint_id)
        _check_scope(actor, c)
        if not c.person_id:
            raise ValidationError("Hubungkan atau daftarkan dulu orang yang diadukan, lalu buka kasusnya.", "person_id")
        if c.case_id:
            raise ConflictError("Kasus untuk pengaduan ini sudah dibuka.", "case_id")
        if c.status in COMPLAINT_CLOSED:
            raise ConflictError("Pengaduan sudah ditutup; kasus tidak bisa dibuka dari sini.", "status")
        _check_date(s, c, intake_date, "intake_date")
        case = cases_svc.open_case_in(s, actor, cases_svc.CaseDraft(
            person_id=c.person_id, unit=unit, spm_group=spm_group, intake_date=intake_date, needs=tuple(needs),
            referred_by="masyarakat", found_location=found_location or c.description[:200],
            kecamatan_code=kecamatan_code, notes=f"Dibuka dari pengaduan {short_date(c.received_at)}."))
        before = audit.snapshot(c)
        c.case_id = case.id
        s.flush()
        audit.record(s, "update", "complaint", c.id, before=before, after=c)
        if c.status in ("diterima", "diverifikasi"):
            set_status_in(s, actor, c, "ditindaklanjuti", intake_date, "Kasus dibuka dari pengaduan ini.")
        else:
            _add_log(s, actor, c, intake_date, "Kasus dibuka dari pengaduan ini.")
        return _info(s, c, response_clock(s), _today(s), True)


def delete_complaint(db: Database, actor: Actor, complaint_id: str) -> None:
    """Remove a complaint entered by mistake (soft delete, travels with sync)."""
    require(actor, "complaint.delete")
    with db.transaction(actor) as s:
        c = load_complaint(s, complaint_id)
        audit.soft_delete(s, c, "complaint")


# ----- reads ---------------------------------------------------------------------------------


def get_complaint(db: Database, actor: Actor, complaint_id: str) -> ComplaintInfo:
    require(actor, "complaint.view")
    with db.reading() as s:
        c = load_complaint(s, complaint_id)
        return _info(s, c, response_clock(s), _today_of(db), True)


def _today_of(db: Database) -> date:
    return db.now().date()


def list_complaints(db: Database, actor: Actor, *, status: str = "", open_only: bool = False,
                    overdue_only: bool = False, search: str = "", limit: int = 2000) -> list[ComplaintInfo]:
    """Complaints, newest first. ``open_only``: not selesai/ditolak; ``overdue_only``: past the
    service level (module :class:`ResponseClock`). A tksk sees its kecamatan's complaints."""
    require(actor, "complaint.view")
    with db.reading() as s:
        q = select(Complaint).where(Complaint.deleted_at.is_(None))
        if status:
            q = q.where(Complaint.status == status)
        if open_only or overdue_only:  # an overdue complaint is unanswered, so still open
            q = q.where(Complaint.status.not_in(COMPLAINT_CLOSED))
        text = " ".join((search or "").split()).lower()
        if text:
            like = f"%{text}%"
            q = q.where(or_(func.lower(Complaint.reporter_name).like(like),
                            func.lower(Complaint.description).like(like), Complaint.reporter_nik.like(f"{text}%")))
        clock, today = response_clock(s), _today_of(db)
        out = []
        for c in s.scalars(q.order_by(Complaint.received_at.desc(), Complaint.id).limit(limit)):
            if not in_region_scope(actor, c.kelurahan_code):
                continue
            info = _info(s, c, clock, today)
            if overdue_only and not (info.overdue and info.first_response_on is None):
                continue
            out.append(info)
        return out


__all__ = [
    "ComplaintInput", "ComplaintInfo", "FollowUpInfo", "ResponseClock", "receive_complaint", "update_complaint",
    "change_status", "add_followup", "link_person", "register_person_from_complaint", "open_case_from_complaint",
    "delete_complaint", "get_complaint", "list_complaints", "receive_complaint_in", "update_complaint_in",
    "set_status_in", "load_complaint", "response_clock",
]
