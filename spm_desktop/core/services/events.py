"""Service events: record, edit, soft-delete; a person's history; daily meals in one action.

A service event is one delivery of one service item (``ServiceType``) to one person on one
day, optionally on a case or for a disaster. Its ``details`` follow the service type's
``detail_fields`` (resources/service_types.json): each field has a ``key``, a ``type``
(``int`` with optional ``min``/``default``, ``text``, ``date`` as YYYY-MM-DD, ``choice``
from ``choices``, ``multi`` = a list of ``choices``) and may be ``required``.

Refused (nothing written): a service type recorded as a group activity (counting rules
``participants``/``named_participants``: see :mod:`.activities`), a date in the future,
before the person's birth, before the case's intake or after its exit; quantity ≤ 0; an
inactive or unknown service type; a deleted or merged person; details that do not fit the
type; more meals a day than the setting ``meals.max_per_day`` allows (and, outside a
shelter, more days than ``meals.max_days_outside``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.detail_fields import DetailProblem, detail_fields, is_empty, parse_value
from spm_desktop.core.domain.errors import ConflictError, FieldError, NotFoundError, ValidationError
from spm_desktop.core.domain.groups import ACTIVITY_RULES
from spm_desktop.core.domain.layanan import REFERRAL_CODE
from spm_desktop.core.security import audit
from spm_desktop.core.security.links import check_event
from spm_desktop.core.security.permissions import require
from spm_desktop.core.security.scope import TKSK_UNIT, check_case_scope
from spm_desktop.core.services.cases import SHELTER_UNITS, load_case
from spm_desktop.core.services.persons import load_person
from spm_desktop.core.services.settings import load_settings
from spm_desktop.core.storage import catalogue
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import (
    Case,
    Disaster,
    GroupActivity,
    GroupActivityPerson,
    Person,
    Region,
    ServiceEvent,
    ServiceType,
)
from spm_desktop.core.storage.records import live, load_live

MEALS_PER_DAY_KEY = "meals_per_day"
DAYS_KEY = "days"
MEALS_PROGRAM = "rehab_dasar"  # the shelter meals item is the rehabilitation program's meals type


@dataclass(frozen=True)
class EventDraft:
    person_id: str
    service_code: str
    event_date: date
    quantity: int = 1
    details: dict[str, Any] | None = None
    case_id: str | None = None
    disaster_id: str | None = None
    unit: str = ""  # delivering unit; taken from the case (or the actor's unit) when empty
    officer: str = ""  # taken from the actor when empty
    kelurahan_code: str | None = None  # the person's kelurahan when empty
    notes: str = ""


@dataclass(frozen=True)
class EventInfo:
    id: str
    person_id: str
    person_name: str
    service_code: str
    service_name: str
    event_date: date
    quantity: int
    details: dict[str, Any]
    case_id: str | None
    disaster_id: str | None
    unit: str
    officer: str
    kelurahan_code: str | None
    notes: str
    summary: str  # the details as one Indonesian line
    # Why this event does not count (architecture §4 v2, meals below the daily standard or a
    # disaster meal outside the emergency period); "" when it counts.
    not_counted: str = ""


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a person's service history (events and case milestones)."""

    on: date
    kind: str  # event | case_opened | case_closed
    title: str
    detail: str
    event_id: str | None = None
    case_id: str | None = None
    service_code: str | None = None  # events only: what the entry offers (referral feedback, letters)


@dataclass(frozen=True)
class Resident:
    person_id: str
    name: str
    case_id: str
    intake_date: date
    meals_recorded: bool


@dataclass(frozen=True)
class MealsResult:
    on: date
    unit: str
    residents: int
    created: int
    already: int
    event_ids: tuple[str, ...]


# ----- details --------------------------------------------------------------------------


def check_details(st: ServiceType, details: dict[str, Any] | None, field: str = "details") -> dict[str, Any]:
    """Validate ``details`` against the type's detail fields (:mod:`core.domain.detail_fields`);
    defaults filled in. Raises :class:`ValidationError` listing every problem."""
    details = dict(details or {})
    fields = {f.key: f for f in detail_fields(st.detail_fields)}
    errors = [FieldError(field, f"Rincian '{key}' tidak dikenal untuk layanan {st.name}.")
              for key in details if key not in fields]
    out: dict[str, Any] = {}
    for key, f in fields.items():
        value = details.get(key)
        if is_empty(value):
            if f.has_default:
                out[key] = f.default
            elif f.required:
                errors.append(FieldError(field, f"{f.label} wajib diisi untuk layanan {st.name}."))
            continue
        try:
            out[key] = parse_value(f, value)
        except DetailProblem as problem:
            errors.append(FieldError(field, str(problem)))
    if errors:
        raise ValidationError(errors)
    return out


def details_summary(st: ServiceType | None, details: dict[str, Any]) -> str:
    labels = {f.key: f.label for f in detail_fields(st.detail_fields if st else None)}
    parts = []
    for key, value in details.items():
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        parts.append(f"{labels.get(key, key)}: {value}")
    return "; ".join(parts)


# ----- validation -----------------------------------------------------------------------


@dataclass
class _Checked:
    draft: EventDraft
    person: Person
    st: ServiceType
    case: Case | None


def _service_type(s: Session, code: str) -> ServiceType | None:
    """The service type of ``code`` (read once per transaction: imports record thousands)."""
    types = s.info.get("events.types")
    if types is None:
        types = s.info["events.types"] = catalogue.by_code(s)
    return types.get(code)


def _settings(s: Session):
    cached = s.info.get("events.settings")
    if cached is None:
        cached = s.info["events.settings"] = load_settings(s)
    return cached


def validate_event(s: Session, actor: Actor, draft: EventDraft, today: date | None = None) -> _Checked:
    """Check a service event against every rule; returns it cleaned with its person, type and
    case. Raises :class:`ValidationError` listing every problem."""
    today = today or clock.today()
    errors: list[FieldError] = []
    person = _checked_person(s, draft.person_id, errors)
    code = (draft.service_code or "").strip()
    st = _checked_type(s, code, errors)
    _check_event_date(draft.event_date, today, person, errors)
    quantity = draft.quantity
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        errors.append(FieldError("quantity", "Jumlah harus bilangan bulat lebih dari 0."))
    case = _checked_case(s, draft, person, errors)
    _check_disaster(s, draft, errors)
    kelurahan = _checked_village(s, draft.kelurahan_code, errors)
    details = _checked_details(s, st, draft.details, case, errors)
    if errors:
        raise ValidationError(errors)
    assert person is not None and st is not None
    clean = replace(draft, service_code=code, details=details, kelurahan_code=kelurahan or person.kelurahan_code,
                    unit=_event_unit(actor, draft, case),
                    officer=(draft.officer or "").strip() or actor.full_name or actor.username,
                    notes=(draft.notes or "").strip(), disaster_id=draft.disaster_id or None,
                    case_id=draft.case_id or None)
    return _Checked(clean, person, st, case)


def _checked_person(s: Session, person_id: str, errors: list[FieldError]) -> Person | None:
    try:
        return load_person(s, person_id, for_write=True)
    except NotFoundError as exc:
        errors.append(FieldError("person_id", exc.message))
    except ConflictError as exc:
        errors.append(FieldError("person_id", "Tidak bisa mencatat layanan untuk data yang sudah digabung: "
                                              + exc.message))
    return None


def _checked_type(s: Session, code: str, errors: list[FieldError]) -> ServiceType | None:
    """The active service type of ``code``, recorded per person (not a group activity)."""
    st = _service_type(s, code)
    if st is None:
        errors.append(FieldError("service_code", f"Kode layanan {code or '(kosong)'} tidak dikenal."))
    elif st.counting_rule in ACTIVITY_RULES:
        errors.append(FieldError("service_code", f"Layanan {st.name} dicatat sebagai kegiatan kelompok di halaman "
                                                 "Kegiatan Kelompok (jumlah peserta, PPKS dan relawan yang ikut), "
                                                 "bukan sebagai layanan per orang."))
    elif not st.active:
        errors.append(FieldError("service_code", f"Layanan {st.name} tidak aktif lagi; tidak bisa dicatat."))
    return st


def _check_event_date(on: date | None, today: date, person: Person | None, errors: list[FieldError]) -> None:
    """Given, not in the future, not before the person was born."""
    if on is None:
        errors.append(FieldError("event_date", "Tanggal layanan wajib diisi."))
    elif on > today:
        errors.append(FieldError("event_date", "Tanggal layanan tidak boleh di masa depan."))
    elif person is not None:
        if person.birth_date is not None and on < person.birth_date:
            errors.append(FieldError("event_date", "Tanggal layanan tidak boleh sebelum tanggal lahir."))
        elif person.birth_date is None and person.birth_year is not None and not person.birth_year_estimated \
                and on.year < person.birth_year:
            errors.append(FieldError("event_date", "Tanggal layanan tidak boleh sebelum tahun lahir."))


def _checked_case(s: Session, draft: EventDraft, person: Person | None, errors: list[FieldError]) -> Case | None:
    """The case the event is recorded on: the person's own, and the date inside its span."""
    if not draft.case_id:
        return None
    try:
        case = load_case(s, draft.case_id)
    except NotFoundError as exc:
        errors.append(FieldError("case_id", exc.message))
        return None
    on = draft.event_date
    if person is not None and case.person_id != person.id:
        errors.append(FieldError("case_id", "Kasus yang dipilih bukan milik orang ini."))
    if on is not None and on < case.intake_date:
        errors.append(FieldError("event_date", f"Tanggal layanan tidak boleh sebelum tanggal masuk kasus "
                                               f"({short_date(case.intake_date)})."))
    if on is not None and case.exit_date is not None and on > case.exit_date:
        errors.append(FieldError("event_date", f"Tanggal layanan tidak boleh sesudah tanggal keluar kasus "
                                               f"({short_date(case.exit_date)})."))
    return case


def _check_disaster(s: Session, draft: EventDraft, errors: list[FieldError]) -> None:
    if not draft.disaster_id:
        return
    d = live(s, Disaster, draft.disaster_id)
    if d is None:
        errors.append(FieldError("disaster_id", "Kejadian bencana tidak ditemukan."))
    elif draft.event_date is not None and draft.event_date < d.start_date:
        errors.append(FieldError("event_date", "Tanggal layanan tidak boleh sebelum tanggal mulai bencana."))


def _checked_village(s: Session, code: str | None, errors: list[FieldError]) -> str | None:
    kelurahan = (code or "").strip() or None
    if kelurahan is not None:
        level = s.scalar(select(Region.level).where(Region.code == kelurahan, Region.deleted_at.is_(None)))
        if level not in ("kelurahan", "desa"):
            errors.append(FieldError("kelurahan_code", f"Desa/kelurahan dengan kode {kelurahan} tidak dikenal."))
    return kelurahan


def _checked_details(s: Session, st: ServiceType | None, details: dict[str, Any] | None, case: Case | None,
                     errors: list[FieldError]) -> dict[str, Any]:
    """The type's detail fields, then the meal rules on them."""
    if st is None:
        return {}
    try:
        clean = check_details(st, details)
    except ValidationError as exc:
        errors.extend(exc.errors)
        return {}
    errors.extend(_meal_rule_errors(s, st, clean, case))
    return clean


def _event_unit(actor: Actor, draft: EventDraft, case: Case | None) -> str:
    """The unit that gave the service: as given, else the case's, else the actor's own."""
    return ((draft.unit or "").strip().upper() or (case.unit if case else "") or (actor.unit or "")
            or (TKSK_UNIT if actor.role == "tksk" else ""))


def _meal_rule_errors(s: Session, st: ServiceType, details: dict[str, Any], case: Case | None) -> list[FieldError]:
    if MEALS_PER_DAY_KEY not in details:
        return []
    settings = _settings(s)
    limit = settings.meals_max_per_day or st.standard_per_day
    errors = []
    if limit and details[MEALS_PER_DAY_KEY] > limit:
        errors.append(FieldError("details", f"Makan per hari paling banyak {limit} kali (standar); "
                                            f"yang diisi {details[MEALS_PER_DAY_KEY]}."))
    in_shelter = case is not None and case.in_shelter and case.unit in SHELTER_UNITS
    max_days = settings.meals_max_days_outside if st.max_days_outside else None
    if max_days and not in_shelter and int(details.get(DAYS_KEY, 1)) > max_days:
        errors.append(FieldError("details", f"Di luar rumah singgah permakanan paling lama {max_days} hari "
                                            f"sekali catat; yang diisi {details[DAYS_KEY]} hari."))
    return errors


# ----- reading --------------------------------------------------------------------------


def _info(s: Session, e: ServiceEvent, st: ServiceType | None = None, person_name: str | None = None) -> EventInfo:
    st = st or _service_type(s, e.service_code)
    if person_name is None:
        person_name = s.scalar(select(Person.name).where(Person.id == e.person_id)) or ""
    details = dict(e.details or {})
    return EventInfo(id=e.id, person_id=e.person_id, person_name=person_name, service_code=e.service_code,
                     service_name=st.name if st else e.service_code, event_date=e.event_date, quantity=e.quantity,
                     details=details, case_id=e.case_id, disaster_id=e.disaster_id, unit=e.unit or "",
                     officer=e.officer or "", kelurahan_code=e.kelurahan_code, notes=e.notes or "",
                     summary=details_summary(st, details), not_counted=_not_counted(s, e, st))


def _not_counted(s: Session, e: ServiceEvent, st: ServiceType | None) -> str:
    """The reason an event of a type with a daily standard does not count ("" when it does;
    ``uncounted_event`` is kept by the database's triggers, migration 0003)."""
    from spm_desktop.core.storage.models import Disaster, UncountedEvent

    if st is None or st.standard_per_day is None or e.deleted_at is not None:
        return ""
    s.flush()
    if s.get(UncountedEvent, e.id) is None:
        return ""
    if st.program == "bencana":
        dis = live(s, Disaster, e.disaster_id)
        if dis is None:
            return "Tidak dihitung: makan korban bencana harus terhubung ke kejadian bencananya."
        if e.event_date < dis.start_date or (dis.end_date is not None and e.event_date > dis.end_date):
            return ("Tidak dihitung: tanggal di luar masa tanggap darurat bencana "
                    f"({short_date(dis.start_date)}–"
                    f"{short_date(dis.end_date) if dis.end_date else 'selesai'}).")
    total = 0
    for other in s.scalars(select(ServiceEvent).where(
            ServiceEvent.person_id == e.person_id, ServiceEvent.service_code == e.service_code,
            ServiceEvent.event_date == e.event_date, ServiceEvent.deleted_at.is_(None))):
        if st.program == "bencana" and other.disaster_id != e.disaster_id:
            continue
        meals = (other.details or {}).get("meals_per_day")
        total += st.standard_per_day if meals is None else int(meals)
    return (f"Tidak dihitung (belum): makan pada {short_date(e.event_date)} baru {total} kali, "
            f"standarnya {st.standard_per_day} kali sehari; catatan makan lain hari itu akan menggenapkannya.")


def load_event(s: Session, event_id: str) -> ServiceEvent:
    return load_live(s, ServiceEvent, event_id, "Catatan layanan", "event_id")


def get_event(db: Database, actor: Actor, event_id: str) -> EventInfo:
    require(actor, "person.view")
    with db.reading() as s:
        return _info(s, load_event(s, event_id))


def list_events(db: Database, actor: Actor, person_id: str) -> list[EventInfo]:
    """Every (not deleted) event of a person, newest first."""
    require(actor, "person.view")
    with db.reading() as s:
        name = s.scalar(select(Person.name).where(Person.id == person_id)) or ""
        types = catalogue.by_code(s, live=False)
        rows = s.scalars(select(ServiceEvent).where(ServiceEvent.person_id == person_id,
                                                    ServiceEvent.deleted_at.is_(None))
                         .order_by(ServiceEvent.event_date.desc(), ServiceEvent.created_at.desc())).all()
        return [_info(s, e, types.get(e.service_code), name) for e in rows]


def person_history(db: Database, actor: Actor, person_id: str) -> list[TimelineEntry]:
    """The person's service history: events, group activities their family took part in, case
    intakes and exits, newest first."""
    from spm_desktop.core.domain.groups import EXIT_REASONS, SPM_GROUP_SHORT

    events = list_events(db, actor, person_id)
    out = [TimelineEntry(on=e.event_date, kind="event", title=e.service_name,
                         detail="; ".join(p for p in (e.summary, f"jumlah {e.quantity}" if e.quantity != 1 else "",
                                                      e.unit, e.notes) if p),
                         event_id=e.id, case_id=e.case_id, service_code=e.service_code) for e in events]
    with db.reading() as s:
        out = _with_referral_status(s, out, db.now().date())
        for c in s.scalars(select(Case).where(Case.person_id == person_id, Case.deleted_at.is_(None))):
            group = SPM_GROUP_SHORT.get(c.spm_group, c.spm_group)
            out.append(TimelineEntry(on=c.intake_date, kind="case_opened", title=f"Masuk kasus {group}",
                                     detail=f"unit {c.unit}" + (", tinggal di rumah singgah" if c.in_shelter else ""),
                                     case_id=c.id))
            if c.exit_date is not None:
                out.append(TimelineEntry(on=c.exit_date, kind="case_closed", title=f"Keluar kasus {group}",
                                         detail=EXIT_REASONS.get(c.exit_reason, c.exit_reason), case_id=c.id))
        listed = s.execute(
            select(GroupActivity.id, GroupActivity.activity_date, GroupActivity.service_code,
                   GroupActivity.participants_male + GroupActivity.participants_female)
            .join(GroupActivityPerson, GroupActivityPerson.activity_id == GroupActivity.id)
            .where(GroupActivityPerson.person_id == person_id, GroupActivityPerson.deleted_at.is_(None),
                   GroupActivity.deleted_at.is_(None))).all()
        names = catalogue.service_names(s) if listed else {}
        for _aid, on, code, total in listed:
            out.append(TimelineEntry(on=on, kind="activity", title=names.get(code, code),
                                     detail=f"kegiatan kelompok yang diikuti keluarganya, {total} peserta"))
    order = {"case_closed": 0, "event": 1, "activity": 1, "case_opened": 2}
    out.sort(key=lambda t: (t.on, -order[t.kind]), reverse=True)
    return out


def _with_referral_status(s: Session, entries: list[TimelineEntry], today: date) -> list[TimelineEntry]:
    """Referral events show their tracking (issue 21): status, feedback date or days waiting
    since the event — an event not tracked yet as sent and waiting, as the Rujukan list has it."""
    from spm_desktop.core.domain.layanan import REFERRAL_STATUSES
    from spm_desktop.core.storage.models import Referral

    ids = {e.event_id for e in entries if e.event_id and e.service_code == REFERRAL_CODE}
    if not ids:
        return entries
    tracked = {r.event_id: r for r in s.scalars(select(Referral).where(Referral.event_id.in_(ids),
                                                                        Referral.deleted_at.is_(None)))}
    out = []
    for e in entries:
        if e.event_id in ids:
            r = tracked.get(e.event_id)
            status = r.status if r is not None else "dikirim"
            state = f"rujukan {REFERRAL_STATUSES.get(status, status).lower()}"
            if r is not None and r.feedback_date:
                state += f", umpan balik {short_date(r.feedback_date)}"
            else:
                state += f", menunggu umpan balik {(today - e.on).days} hari"
            e = replace(e, detail="; ".join(p for p in (e.detail, state) if p))
        out.append(e)
    return out


# ----- writing --------------------------------------------------------------------------


def _check_scope(s: Session, actor: Actor, checked: _Checked) -> None:
    check_event(s, actor, checked.draft, checked.case)


def _apply(e: ServiceEvent, d: EventDraft) -> None:
    e.person_id, e.service_code, e.event_date, e.quantity = d.person_id, d.service_code, d.event_date, d.quantity
    e.details, e.case_id, e.disaster_id, e.unit = dict(d.details or {}), d.case_id, d.disaster_id, d.unit
    e.officer, e.kelurahan_code, e.notes = d.officer, d.kelurahan_code, d.notes


def record_event_in(s: Session, actor: Actor, draft: EventDraft, *, event_id: str | None = None) -> ServiceEvent:
    checked = validate_event(s, actor, draft)
    _check_scope(s, actor, checked)
    e = ServiceEvent(id=event_id) if event_id else ServiceEvent()
    _apply(e, checked.draft)
    return audit.record_create(s, e, "service_event")


class RepeatedServiceError(ConflictError):
    """The person already has this service on this day; the front desk asks before saving a
    second one (``record_event(..., ask_on_repeat=True)`` raises it, nothing is written)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "service_code")


def repeated_service_question(s: Session, checked: _Checked) -> str | None:
    """The question to ask before a second identical service for a person on one day, or None.

    For a type with a daily standard (meals: 3 a day) a second record is normal until the
    day's total would exceed the standard (breakfast, then lunch and dinner); for any other
    type the same service twice on one day is asked about."""
    d, st = checked.draft, checked.st
    earlier = s.scalars(select(ServiceEvent).where(
        ServiceEvent.person_id == d.person_id, ServiceEvent.service_code == d.service_code,
        ServiceEvent.event_date == d.event_date, ServiceEvent.deleted_at.is_(None))).all()
    if not earlier:
        return None
    day = short_date(d.event_date)
    if st.standard_per_day and MEALS_PER_DAY_KEY in d.details:
        total = sum(int((e.details or {}).get(MEALS_PER_DAY_KEY, 0)) for e in earlier) + d.details[MEALS_PER_DAY_KEY]
        if total <= st.standard_per_day:
            return None
        return (f"{checked.person.name} sudah tercatat menerima {st.name} pada {day}; dengan catatan ini jumlahnya "
                f"{total} kali makan, melebihi standar {st.standard_per_day} kali sehari. Tetap simpan?")
    return (f"{checked.person.name} sudah tercatat menerima {st.name} pada {day} ({len(earlier)} kali). "
            "Catat sekali lagi?")


def record_event(db: Database, actor: Actor, draft: EventDraft, *, ask_on_repeat: bool = False) -> EventInfo:
    """Record one service event (see the module docstring for what is refused). With
    ``ask_on_repeat`` a second identical service on the same day (see
    :func:`repeated_service_question`) raises :class:`RepeatedServiceError` instead; the caller
    asks the user and calls again without it."""
    require(actor, "event.write")
    with db.transaction(actor) as s:
        if ask_on_repeat:
            checked = validate_event(s, actor, draft)
            _check_scope(s, actor, checked)
            question = repeated_service_question(s, checked)
            if question:
                raise RepeatedServiceError(question)
        e = record_event_in(s, actor, draft)
        if e.service_code == REFERRAL_CODE:
            # Issue 21: a referral recorded here (Catat Layanan) is an outgoing referral sent:
            # it gets its tracking row (status dikirim) in the same transaction, so it is
            # listed among the open referrals, takes feedback and prints its Surat Rujukan.
            from spm_desktop.core.services.referral_tracking import track_event_in

            track_event_in(s, actor, e.id)
        return _info(s, e)


def _same(e: ServiceEvent, d: EventDraft) -> bool:
    return (e.person_id, e.service_code, e.event_date, e.quantity, dict(e.details or {}), e.case_id, e.disaster_id,
            e.unit or "", e.officer or "", e.kelurahan_code, e.notes or "") == (
        d.person_id, d.service_code, d.event_date, d.quantity, dict(d.details or {}), d.case_id, d.disaster_id,
        d.unit, d.officer, d.kelurahan_code, d.notes)


def edit_event_in(s: Session, actor: Actor, event_id: str, draft: EventDraft) -> tuple[ServiceEvent, bool]:
    e = load_event(s, event_id)
    check_event(s, actor, e)
    checked = validate_event(s, actor, replace(draft, officer=draft.officer or e.officer or ""))
    _check_scope(s, actor, checked)
    if _same(e, checked.draft):
        return e, False
    before = audit.snapshot(e)
    _apply(e, checked.draft)
    s.flush()
    audit.record(s, "update", "service_event", e.id, before=before, after=e)
    return e, True


def edit_event(db: Database, actor: Actor, event_id: str, draft: EventDraft) -> EventInfo:
    """Replace an event's values (same rules as recording). Unchanged values write nothing."""
    require(actor, "event.write")
    with db.transaction(actor) as s:
        e, _ = edit_event_in(s, actor, event_id, draft)
        return _info(s, e)


def delete_event(db: Database, actor: Actor, event_id: str) -> None:
    """Soft-delete an event recorded by mistake (the deletion travels with sync)."""
    require(actor, "event.write")
    with db.transaction(actor) as s:
        e = load_event(s, event_id)
        check_event(s, actor, e)
        audit.soft_delete(s, e, "service_event")


# ----- shelter meals --------------------------------------------------------------------


def meals_service_type(s: Session) -> ServiceType:
    """The shelter meals item: the active rehabilitation type whose details count meals a day."""
    for st in catalogue.service_types(s, active_only=True, program=MEALS_PROGRAM):
        if any(f.key == MEALS_PER_DAY_KEY for f in detail_fields(st.detail_fields)):
            return st
    raise NotFoundError("Jenis layanan permakanan tidak ada atau tidak aktif di katalog layanan.", "service_code")


def _residents(s: Session, unit: str, on: date, meals_code: str) -> list[tuple[Case, str, bool]]:
    rows = s.execute(
        select(Case, Person.name).join(Person, Person.id == Case.person_id).where(
            Case.unit == unit, Case.in_shelter.is_(True), Case.deleted_at.is_(None), Case.intake_date <= on,
            or_(Case.exit_date.is_(None), Case.exit_date >= on),
            Person.deleted_at.is_(None), Person.merged_into.is_(None))
        .order_by(Person.name, Case.intake_date)).all()
    fed = set(s.scalars(select(ServiceEvent.person_id).where(
        ServiceEvent.service_code == meals_code, ServiceEvent.event_date == on, ServiceEvent.deleted_at.is_(None),
        ServiceEvent.person_id.in_([c.person_id for c, _ in rows]))))
    seen: set[str] = set()
    out = []
    for c, name in rows:
        if c.person_id in seen:  # two in-shelter cases (two groups): one resident
            continue
        seen.add(c.person_id)
        out.append((c, name, c.person_id in fed))
    return out


def _check_unit(unit: str) -> str:
    unit = (unit or "").strip().upper()
    if unit not in SHELTER_UNITS:
        raise ValidationError(f"Rumah singgah hanya ada di unit {' dan '.join(SHELTER_UNITS)}.", "unit")
    return unit


def shelter_residents(db: Database, actor: Actor, unit: str, on: date) -> list[Resident]:
    """Who stays in the shelter of ``unit`` on ``on`` (in-shelter cases whose span covers the
    day), with whether their meals of that day are recorded."""
    require(actor, "person.view")
    unit = _check_unit(unit)
    with db.reading() as s:
        code = meals_service_type(s).code
        return [Resident(c.person_id, name, c.id, c.intake_date, fed) for c, name, fed in _residents(s, unit, on, code)]


def record_shelter_meals(db: Database, actor: Actor, unit: str, on: date, meals_per_day: int | None = None,
                         notes: str = "", person_ids: Collection[str] | None = None) -> MealsResult:
    """Record the day's meals for the residents of the shelter of ``unit``: everyone staying,
    or only ``person_ids`` (the ones a clerk ticked; a person not staying that day is refused).
    One event per resident on their in-shelter case; residents whose meals of that day are
    already recorded are skipped, so doing it twice for the same day adds nothing. All or nothing."""
    require(actor, "event.write")
    unit = _check_unit(unit)
    check_case_scope(actor, unit, None)
    wanted = None if person_ids is None else set(person_ids)
    if wanted is not None and not wanted:
        raise ValidationError("Centang dulu penghuni yang makannya akan dicatat.", "person_ids")
    with db.transaction(actor) as s:
        st = meals_service_type(s)
        per_day = meals_per_day if meals_per_day is not None else load_settings(s).meals_max_per_day
        residents = _residents(s, unit, on, st.code)
        if wanted is not None:
            residents = [r for r in residents if r[0].person_id in wanted]
            missing = wanted - {c.person_id for c, _name, _fed in residents}
            if missing:
                raise ValidationError(f"{len(missing)} orang yang dicentang tidak tinggal di rumah singgah {unit} "
                                      f"pada {short_date(on)}; muat ulang daftar penghuni.", "person_ids")
        created: list[str] = []
        already = 0
        for c, _name, fed in residents:
            if fed:
                already += 1
                continue
            e = record_event_in(s, actor, EventDraft(
                person_id=c.person_id, service_code=st.code, event_date=on, case_id=c.id, unit=unit,
                details={MEALS_PER_DAY_KEY: per_day, DAYS_KEY: 1}, notes=notes))
            created.append(e.id)
        if created:
            audit.record(s, "record_meals", "shelter", unit,
                         after={"date": on.isoformat(), "created": len(created), "already": already})
        return MealsResult(on=on, unit=unit, residents=len(residents), created=len(created), already=already,
                           event_ids=tuple(created))


__all__ = [
    "EventDraft", "EventInfo", "TimelineEntry", "Resident", "MealsResult",
    "record_event", "edit_event", "delete_event", "get_event", "list_events", "person_history",
    "shelter_residents", "record_shelter_meals", "record_event_in", "edit_event_in", "validate_event",
    "check_details", "details_summary", "meals_service_type", "load_event",
]
