"""Disasters (kejadian bencana): register, change, end the emergency, close, list (domain.md §4).

A disaster has a start, the end of its emergency period (``end_date``, masa tanggap darurat:
disaster meals count only inside it), the date its handling was closed (``closed_on``,
penanganan ditutup: needs still open then no longer carry into a new year; the disaster's
``status`` is "closed" exactly when it is set) and a scale (kabupaten/kota — the default —,
provinsi, nasional: only kabupaten/kota disasters count in SPM group bencana).

Every public function takes a :class:`Database`, an :class:`Actor` and plain input; a write
runs in one transaction with its audit entry; results are frozen dataclasses. Households and
their members are in :mod:`.households`, the services given to victims in :mod:`.disaster_aid`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.errors import FieldError, ValidationError
from spm_desktop.core.domain.groups import DISASTER_KINDS, DISASTER_PHASES, DISASTER_SCALES, LOCAL_SCALE
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.security.scope import check_region_scope
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Disaster, Household, HouseholdMember, Region, ServiceEvent
from spm_desktop.core.storage.records import load_live

DAMAGE_LEVELS: dict[str, str] = {"ringan": "Rusak ringan", "sedang": "Rusak sedang", "berat": "Rusak berat"}


@dataclass(frozen=True)
class DisasterInput:
    """What the user enters for a disaster. ``kecamatan_code`` may be left empty: it follows
    from the kelurahan. ``end_date``: end of the emergency period; ``closed_on``: handling
    closed (the emergency then ends at the latest that day)."""

    kind: str
    start_date: date | None
    kelurahan_code: str
    end_date: date | None = None
    closed_on: date | None = None
    scale: str = LOCAL_SCALE
    phase: str = "tanggap_darurat"
    kecamatan_code: str = ""
    name: str = ""
    location: str = ""
    houses_light: int = 0
    houses_medium: int = 0
    houses_heavy: int = 0
    description: str = ""


@dataclass(frozen=True)
class DisasterInfo:
    id: str
    kind: str
    kind_label: str
    name: str
    start_date: date
    end_date: date | None
    phase: str
    phase_label: str
    kecamatan_code: str | None
    kecamatan_name: str
    kelurahan_code: str | None
    kelurahan_name: str
    location: str
    houses_light: int
    houses_medium: int
    houses_heavy: int
    description: str
    status: str
    closed_on: date | None = None
    scale: str = LOCAL_SCALE
    households: int = 0
    persons: int = 0

    @property
    def scale_label(self) -> str:
        return DISASTER_SCALES.get(self.scale, self.scale)

    @property
    def counts_in_spm(self) -> bool:
        """Only kabupaten/kota disasters count in SPM group bencana (IKK 2)."""
        return self.scale == LOCAL_SCALE

    @property
    def title(self) -> str:
        """"Kebakaran permukiman — Tambelan Sampit, 02/03/2026" (lists and dialogs)."""
        where = self.kelurahan_name or self.kecamatan_name
        return f"{self.name or self.kind_label} — {where}, {short_date(self.start_date)}"


def _region_names(s: Session, codes: set[str]) -> dict[str, str]:
    codes = {c for c in codes if c}
    if not codes:
        return {}
    return dict(s.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())


def _info(d: Disaster, names: dict[str, str], households: int = 0, persons: int = 0) -> DisasterInfo:
    return DisasterInfo(
        id=d.id, kind=d.kind, kind_label=DISASTER_KINDS.get(d.kind, d.kind), name=d.name,
        start_date=d.start_date, end_date=d.end_date, phase=d.phase,
        phase_label=DISASTER_PHASES.get(d.phase, d.phase), kecamatan_code=d.kecamatan_code,
        kecamatan_name=names.get(d.kecamatan_code or "", ""), kelurahan_code=d.kelurahan_code,
        kelurahan_name=names.get(d.kelurahan_code or "", ""), location=d.location,
        houses_light=d.houses_light, houses_medium=d.houses_medium, houses_heavy=d.houses_heavy,
        description=d.description, status=d.status, closed_on=d.closed_on, scale=d.scale or LOCAL_SCALE,
        households=households, persons=persons,
    )


def _count(value, field: str, label: str, errors: list[FieldError]) -> int:
    if value in (None, ""):
        return 0
    text = str(value).strip()
    if isinstance(value, bool) or isinstance(value, float) or not text.isdigit():
        errors.append(FieldError(field, f"{label} harus bilangan bulat 0 atau lebih."))
        return 0
    return int(text)


def _check_vocabularies(data: DisasterInput, errors: list[FieldError]) -> None:
    if data.kind not in DISASTER_KINDS:
        errors.append(FieldError("kind", "Jenis bencana tidak dikenal; pilih salah satu dari daftar."))
    if data.phase not in DISASTER_PHASES:
        errors.append(FieldError("phase", "Fase bencana harus tanggap darurat atau pasca bencana."))
    if data.scale not in DISASTER_SCALES:
        errors.append(FieldError("scale", "Skala bencana harus kabupaten/kota, provinsi atau nasional."))


def _checked_dates(data: DisasterInput, today: date, errors: list[FieldError]) -> date | None:
    """Start, end of the emergency and handling closed, in that order and not after today; the
    end of the emergency to store (a disaster closed without one ends its emergency then)."""
    if data.start_date is None:
        errors.append(FieldError("start_date", "Tanggal mulai bencana wajib diisi."))
    elif data.start_date > today:
        errors.append(FieldError("start_date", "Tanggal mulai bencana tidak boleh setelah hari ini."))
    if data.start_date and data.end_date and data.end_date < data.start_date:
        errors.append(FieldError("end_date", "Akhir masa tanggap darurat tidak boleh sebelum tanggal mulai."))
    elif data.end_date and data.end_date > today:
        errors.append(FieldError("end_date", "Akhir masa tanggap darurat tidak boleh setelah hari ini."))
    if data.closed_on is None:
        return data.end_date
    if data.start_date and data.closed_on < data.start_date:
        errors.append(FieldError("closed_on", "Tanggal penanganan ditutup tidak boleh sebelum tanggal mulai."))
    elif data.closed_on > today:
        errors.append(FieldError("closed_on", "Tanggal penanganan ditutup tidak boleh setelah hari ini."))
    elif data.end_date and data.closed_on < data.end_date:
        errors.append(FieldError("closed_on", "Tanggal penanganan ditutup tidak boleh sebelum akhir masa "
                                              "tanggap darurat."))
    return data.end_date or data.closed_on


def _checked_place(s: Session, data: DisasterInput, errors: list[FieldError]) -> tuple[str, str]:
    """(kecamatan, desa/kelurahan) codes: the village must exist and lie in the kecamatan chosen."""
    kecamatan = (data.kecamatan_code or "").strip()
    kelurahan_code = (data.kelurahan_code or "").strip()
    kelurahan = s.scalars(select(Region).where(Region.code == kelurahan_code, Region.level.in_(("kelurahan", "desa")),
                                               Region.deleted_at.is_(None))).first() if kelurahan_code else None
    if not kelurahan_code:
        errors.append(FieldError("kelurahan_code", "Desa/kelurahan lokasi bencana wajib dipilih."))
    elif kelurahan is None:
        errors.append(FieldError("kelurahan_code", f"Desa/kelurahan {kelurahan_code} tidak ada di daftar wilayah."))
    elif kecamatan and kecamatan != kelurahan.parent_code:
        errors.append(FieldError("kecamatan_code", f"Desa/kelurahan {kelurahan.name} tidak berada di kecamatan yang "
                                                   "dipilih."))
    else:
        kecamatan = kelurahan.parent_code or ""
    return kecamatan, kelurahan_code


def validate_disaster(s: Session, data: DisasterInput, today: date | None = None) -> DisasterInput:
    """Check a disaster's input against the rules and master data; returns it normalised
    (kecamatan filled from the kelurahan). Raises :class:`ValidationError` listing every problem."""
    today = today or clock.today()
    errors: list[FieldError] = []
    _check_vocabularies(data, errors)
    end_date = _checked_dates(data, today, errors)
    kecamatan, kelurahan_code = _checked_place(s, data, errors)
    houses = [_count(getattr(data, f), f, label, errors) for f, label in (
        ("houses_light", "Jumlah rumah rusak ringan"), ("houses_medium", "Jumlah rumah rusak sedang"),
        ("houses_heavy", "Jumlah rumah rusak berat"))]
    if errors:
        raise ValidationError(errors)
    return replace(data, end_date=end_date, kecamatan_code=kecamatan, kelurahan_code=kelurahan_code,
                   name=data.name.strip(),
                   location=data.location.strip(), description=data.description.strip(),
                   houses_light=houses[0], houses_medium=houses[1], houses_heavy=houses[2])


def check_disaster_scope(actor: Actor, kelurahan_code: str | None) -> None:
    """A TKSK records disasters (and their victims and services) of their own kecamatan only."""
    check_region_scope(actor, kelurahan_code, "mencatat data bencana")


def load_disaster(s: Session, disaster_id: str) -> Disaster:
    return load_live(s, Disaster, disaster_id, "Data bencana", "disaster_id")


def _apply(d: Disaster, data: DisasterInput) -> None:
    for field in ("kind", "name", "start_date", "end_date", "closed_on", "scale", "phase", "location",
                  "houses_light", "houses_medium", "houses_heavy", "description"):
        setattr(d, field, getattr(data, field))
    d.kecamatan_code = data.kecamatan_code or None
    d.kelurahan_code = data.kelurahan_code or None
    d.status = "closed" if data.closed_on else "open"


def first_service_date(s: Session, disaster_id: str) -> date | None:
    """The earliest date of a (not deleted) service recorded for the disaster."""
    return s.scalar(select(func.min(ServiceEvent.event_date))
                    .where(ServiceEvent.disaster_id == disaster_id, ServiceEvent.deleted_at.is_(None)))


def _counts(s: Session, disaster_ids: list[str]) -> dict[str, tuple[int, int]]:
    if not disaster_ids:
        return {}
    households = dict(s.execute(
        select(Household.disaster_id, func.count(Household.id))
        .where(Household.disaster_id.in_(disaster_ids), Household.deleted_at.is_(None))
        .group_by(Household.disaster_id)).all())
    persons = dict(s.execute(
        select(HouseholdMember.disaster_id, func.count(HouseholdMember.id))
        .where(HouseholdMember.disaster_id.in_(disaster_ids), HouseholdMember.deleted_at.is_(None))
        .group_by(HouseholdMember.disaster_id)).all())
    return {i: (households.get(i, 0), persons.get(i, 0)) for i in disaster_ids}


def disaster_info(s: Session, d: Disaster) -> DisasterInfo:
    names = _region_names(s, {d.kecamatan_code or "", d.kelurahan_code or ""})
    households, persons = _counts(s, [d.id]).get(d.id, (0, 0))
    return _info(d, names, households, persons)


def register_disaster_in(s: Session, actor: Actor, data: DisasterInput, disaster_id: str | None = None) -> Disaster:
    """Register a disaster inside the caller's transaction (audited); see :func:`register_disaster`."""
    data = validate_disaster(s, data)
    check_disaster_scope(actor, data.kelurahan_code)
    d = Disaster(id=disaster_id) if disaster_id else Disaster()
    _apply(d, data)
    return audit.record_create(s, d, "disaster")


def update_disaster_in(s: Session, actor: Actor, disaster_id: str, data: DisasterInput) -> tuple[Disaster, bool]:
    """Change a disaster inside the caller's transaction; returns (disaster, whether anything changed)."""
    d = load_disaster(s, disaster_id)
    check_disaster_scope(actor, d.kelurahan_code)
    data = validate_disaster(s, data)
    check_disaster_scope(actor, data.kelurahan_code)
    first = first_service_date(s, d.id)
    if first is not None and data.start_date > first:
        raise ValidationError(
            f"Tanggal mulai tidak bisa diubah menjadi {short_date(data.start_date)}: sudah ada "
            f"layanan tanggal {short_date(first)} untuk bencana ini.", "start_date")
    before = audit.snapshot(d)
    _apply(d, data)
    return d, audit.record_update(s, d, "disaster", before)


def register_disaster(db: Database, actor: Actor, data: DisasterInput) -> DisasterInfo:
    """Register a disaster (one transaction, audited). With an end date it is registered closed."""
    require(actor, "disaster.write")
    with db.transaction(actor) as s:
        return disaster_info(s, register_disaster_in(s, actor, data))


def update_disaster(db: Database, actor: Actor, disaster_id: str, data: DisasterInput) -> DisasterInfo:
    """Change a disaster's data. The start date may not move after a service already given;
    setting or clearing the end date closes or reopens it."""
    require(actor, "disaster.write")
    with db.transaction(actor) as s:
        d, _ = update_disaster_in(s, actor, disaster_id, data)
        return disaster_info(s, d)


def end_emergency(db: Database, actor: Actor, disaster_id: str, end_date: date,
                  phase: str = "pasca_bencana") -> DisasterInfo:
    """End the emergency period (masa tanggap darurat) on ``end_date``: disaster meals after it
    no longer count; the phase becomes pasca bencana (by default). Handling stays open."""
    require(actor, "disaster.write")
    with db.transaction(actor) as s:
        d = load_disaster(s, disaster_id)
        check_disaster_scope(actor, d.kelurahan_code)
        _check_closing_date(d, end_date, "end_date", "Akhir masa tanggap darurat")
        if d.closed_on is not None and end_date > d.closed_on:
            raise ValidationError("Akhir masa tanggap darurat tidak boleh setelah tanggal penanganan ditutup "
                                  f"({short_date(d.closed_on)}).", "end_date")
        if phase not in DISASTER_PHASES:
            raise ValidationError("Fase bencana harus tanggap darurat atau pasca bencana.", "phase")
        before = audit.snapshot(d)
        d.end_date, d.phase = end_date, phase
        s.flush()
        audit.record(s, "end_emergency", "disaster", d.id, before=before, after=d)
        return disaster_info(s, d)


def _check_closing_date(d: Disaster, when: date | None, field: str, label: str) -> None:
    if when is None or when < d.start_date:
        raise ValidationError(f"{label} wajib diisi dan tidak boleh sebelum tanggal mulai "
                              f"({short_date(d.start_date)}).", field)
    if when > clock.today():
        raise ValidationError(f"{label} tidak boleh setelah hari ini.", field)


def close_disaster(db: Database, actor: Actor, disaster_id: str, closed_on: date,
                   phase: str = "pasca_bencana") -> DisasterInfo:
    """Close the handling of a disaster (penanganan ditutup) on ``closed_on``: its victims' needs
    still open then no longer carry into a later year. An emergency period still running ends
    that day too; the phase becomes pasca bencana (by default). Services may still be recorded
    afterwards."""
    require(actor, "disaster.write")
    with db.transaction(actor) as s:
        d = load_disaster(s, disaster_id)
        check_disaster_scope(actor, d.kelurahan_code)
        _check_closing_date(d, closed_on, "closed_on", "Tanggal penanganan ditutup")
        if d.end_date is not None and closed_on < d.end_date:
            raise ValidationError("Tanggal penanganan ditutup tidak boleh sebelum akhir masa tanggap darurat "
                                  f"({short_date(d.end_date)}).", "closed_on")
        if phase not in DISASTER_PHASES:
            raise ValidationError("Fase bencana harus tanggap darurat atau pasca bencana.", "phase")
        before = audit.snapshot(d)
        d.closed_on, d.end_date, d.phase, d.status = closed_on, d.end_date or closed_on, phase, "closed"
        s.flush()
        audit.record(s, "close", "disaster", d.id, before=before, after=d)
        return disaster_info(s, d)


def reopen_disaster(db: Database, actor: Actor, disaster_id: str) -> DisasterInfo:
    """Undo a close (wrong date): the handling-closed date is cleared; the end of the emergency
    period and the phase stay as they are."""
    require(actor, "disaster.write")
    with db.transaction(actor) as s:
        d = load_disaster(s, disaster_id)
        check_disaster_scope(actor, d.kelurahan_code)
        before = audit.snapshot(d)
        d.closed_on, d.status = None, "open"
        s.flush()
        audit.record(s, "reopen", "disaster", d.id, before=before, after=d)
        return disaster_info(s, d)


def get_disaster(db: Database, actor: Actor, disaster_id: str) -> DisasterInfo:
    require(actor, "person.view")
    with db.reading() as s:
        return disaster_info(s, load_disaster(s, disaster_id))


def list_disasters(db: Database, actor: Actor, year: int | None = None, kecamatan_code: str | None = None,
                   open_only: bool = False) -> list[DisasterInfo]:
    """Disasters, newest first, with their household and person counts. Those of ``year`` are
    the ones under way in it: started by its end and not ended before it began (a fire of
    28 December still open in January is listed in both years, never hidden at New Year)."""
    require(actor, "person.view")
    with db.reading() as s:
        q = select(Disaster).where(Disaster.deleted_at.is_(None))
        if year is not None:
            q = q.where(Disaster.start_date <= date(year, 12, 31),
                        or_(Disaster.end_date.is_(None), Disaster.end_date >= date(year, 1, 1)))
        if kecamatan_code:
            q = q.where(Disaster.kecamatan_code == kecamatan_code)
        if open_only:
            q = q.where(Disaster.status == "open")
        rows = list(s.scalars(q.order_by(Disaster.start_date.desc(), Disaster.created_at.desc())))
        names = _region_names(s, {c for d in rows for c in (d.kecamatan_code or "", d.kelurahan_code or "")})
        counts = _counts(s, [d.id for d in rows])
        return [_info(d, names, *counts.get(d.id, (0, 0))) for d in rows]
