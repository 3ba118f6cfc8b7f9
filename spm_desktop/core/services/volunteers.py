"""The office's volunteer roster (relawan, Tagana): register, change, remove, list.

A volunteer is not a PPKS: the roster is a list of its own, and group activities of the
``named_participants`` type (Tagana) list the volunteers who took part — the output
indicator counts each of them once a year, active or not (architecture §4).

Refused (nothing written): an empty name, a sex other than L/P, a NIK that breaks the NIK
rules or disagrees with the sex, a NIK another live volunteer already has; removing a
volunteer listed on a live activity (make them inactive instead).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ConflictError, FieldError, ValidationError
from spm_desktop.core.domain.groups import SEXES, VOLUNTEER_DEFAULT_ORGANISATION
from spm_desktop.core.domain.nik import check_nik_agrees
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import GroupActivity, GroupActivityVolunteer, Volunteer
from spm_desktop.core.storage.records import load_live

FIELDS = ("name", "sex", "nik", "organisation", "phone", "active", "notes")


@dataclass(frozen=True)
class VolunteerInput:
    name: str
    sex: str
    nik: str = ""
    organisation: str = VOLUNTEER_DEFAULT_ORGANISATION
    phone: str = ""
    active: bool = True
    notes: str = ""


@dataclass(frozen=True)
class VolunteerInfo:
    id: str
    name: str
    sex: str
    nik: str
    organisation: str
    phone: str
    active: bool
    notes: str
    activities: int = 0  # live activities listing them


def _info(v: Volunteer, activities: int = 0) -> VolunteerInfo:
    return VolunteerInfo(v.id, v.name, v.sex, v.nik or "", v.organisation or "", v.phone or "", bool(v.active),
                         v.notes or "", activities)


def validate_volunteer(s: Session, data: VolunteerInput, volunteer_id: str | None = None) -> VolunteerInput:
    """Check a volunteer's input; returns it normalised. Raises :class:`ValidationError` with
    every problem, or :class:`ConflictError` for a NIK another volunteer holds."""
    errors: list[FieldError] = []
    name = " ".join((data.name or "").split())
    if not name:
        errors.append(FieldError("name", "Nama relawan wajib diisi."))
    elif len(name) > 160:
        errors.append(FieldError("name", "Nama relawan paling panjang 160 huruf."))
    sex = (data.sex or "").strip().upper()
    if sex not in SEXES:
        errors.append(FieldError("sex", "Jenis kelamin wajib L (laki-laki) atau P (perempuan)."))
    nik = (data.nik or "").strip()
    if nik:
        try:
            check_nik_agrees(nik, sex if sex in SEXES else None)
        except ValidationError as exc:
            errors.extend(exc.errors)
    organisation = " ".join((data.organisation or "").split()) or VOLUNTEER_DEFAULT_ORGANISATION
    if len(organisation) > 120:
        errors.append(FieldError("organisation", "Nama organisasi paling panjang 120 huruf."))
    phone = (data.phone or "").strip()
    if len(phone) > 40:
        errors.append(FieldError("phone", "Nomor telepon paling panjang 40 karakter."))
    if errors:
        raise ValidationError(errors)
    if nik:
        holder = s.scalars(select(Volunteer).where(Volunteer.nik == nik, Volunteer.deleted_at.is_(None),
                                                   Volunteer.id != (volunteer_id or ""))).first()
        if holder is not None:
            raise ConflictError(f"NIK {nik} sudah tercatat untuk relawan {holder.name}.", "nik")
    return replace(data, name=name, sex=sex, nik=nik, organisation=organisation, phone=phone,
                   active=bool(data.active), notes=(data.notes or "").strip())


def load_volunteer(s: Session, volunteer_id: str) -> Volunteer:
    return load_live(s, Volunteer, volunteer_id, "Data relawan", "volunteer_id")


def _apply(v: Volunteer, data: VolunteerInput) -> None:
    for f in FIELDS:
        setattr(v, f, getattr(data, f))
    v.nik = data.nik or None


def _activity_counts(s: Session, ids: list[str]) -> dict[str, int]:
    if not ids:
        return {}
    rows = s.execute(
        select(GroupActivityVolunteer.volunteer_id, func.count())
        .join(GroupActivity, GroupActivity.id == GroupActivityVolunteer.activity_id)
        .where(GroupActivityVolunteer.volunteer_id.in_(ids), GroupActivityVolunteer.deleted_at.is_(None),
               GroupActivity.deleted_at.is_(None))
        .group_by(GroupActivityVolunteer.volunteer_id))
    return dict(rows.all())


def register_volunteer_in(s: Session, actor: Actor, data: VolunteerInput,
                          volunteer_id: str | None = None) -> Volunteer:
    """Add a volunteer inside the caller's transaction (audited)."""
    data = validate_volunteer(s, data)
    v = Volunteer(id=volunteer_id) if volunteer_id else Volunteer()
    _apply(v, data)
    return audit.record_create(s, v, "volunteer")


def update_volunteer_in(s: Session, actor: Actor, volunteer_id: str, data: VolunteerInput) -> tuple[Volunteer, bool]:
    """Change a volunteer inside the caller's transaction; (volunteer, whether anything changed)."""
    v = load_volunteer(s, volunteer_id)
    data = validate_volunteer(s, data, v.id)
    before = audit.snapshot(v)
    _apply(v, data)
    return v, audit.record_update(s, v, "volunteer", before)


def register_volunteer(db: Database, actor: Actor, data: VolunteerInput) -> VolunteerInfo:
    """Add a volunteer to the roster (one transaction, audited)."""
    require(actor, "volunteer.write")
    with db.transaction(actor) as s:
        return _info(register_volunteer_in(s, actor, data))


def update_volunteer(db: Database, actor: Actor, volunteer_id: str, data: VolunteerInput) -> VolunteerInfo:
    """Change a volunteer's data (also: make them inactive). Unchanged values write nothing."""
    require(actor, "volunteer.write")
    with db.transaction(actor) as s:
        v, _ = update_volunteer_in(s, actor, volunteer_id, data)
        return _info(v, _activity_counts(s, [v.id]).get(v.id, 0))


def delete_volunteer(db: Database, actor: Actor, volunteer_id: str) -> None:
    """Remove a volunteer entered by mistake (soft delete, travels with sync). Refused while a
    live activity lists them: their participation counts; make them inactive instead."""
    require(actor, "volunteer.write")
    with db.transaction(actor) as s:
        v = load_volunteer(s, volunteer_id)
        used = _activity_counts(s, [v.id]).get(v.id, 0)
        if used:
            raise ConflictError(f"Relawan {v.name} tercatat di {used} kegiatan sehingga tidak bisa dihapus; "
                                "ubah statusnya menjadi tidak aktif.", "volunteer_id")
        audit.soft_delete(s, v, "volunteer")


def get_volunteer(db: Database, actor: Actor, volunteer_id: str) -> VolunteerInfo:
    require(actor, "person.view")
    with db.reading() as s:
        v = load_volunteer(s, volunteer_id)
        return _info(v, _activity_counts(s, [v.id]).get(v.id, 0))


def list_volunteers(db: Database, actor: Actor, search: str = "", active_only: bool = False) -> list[VolunteerInfo]:
    """The roster by name, with the number of live activities listing each volunteer.
    ``search`` matches a part of the name, the NIK or the organisation (case-insensitive)."""
    require(actor, "person.view")
    with db.reading() as s:
        q = select(Volunteer).where(Volunteer.deleted_at.is_(None))
        if active_only:
            q = q.where(Volunteer.active.is_(True))
        text = " ".join((search or "").split()).lower()
        if text:
            like = f"%{text}%"
            q = q.where(or_(func.lower(Volunteer.name).like(like), Volunteer.nik.like(f"{text}%"),
                            func.lower(Volunteer.organisation).like(like)))
        rows = list(s.scalars(q.order_by(func.lower(Volunteer.name), Volunteer.id)))
        counts = _activity_counts(s, [v.id for v in rows])
        return [_info(v, counts.get(v.id, 0)) for v in rows]


__all__ = [
    "VolunteerInput", "VolunteerInfo", "register_volunteer", "update_volunteer", "delete_volunteer",
    "get_volunteer", "list_volunteers", "register_volunteer_in", "update_volunteer_in", "validate_volunteer",
    "load_volunteer",
]
