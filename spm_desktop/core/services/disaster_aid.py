"""Services given to disaster victims, in bulk: meals 3×1 day, clothing, special care for the
vulnerable, psychosocial support, shelter units (domain.md §2.1, codes 1.06.06.2.01.*).

Each call is one transaction with one audit entry listing the events it wrote. Every event
carries the disaster's id and kelurahan. Person-counted services are written once per person
per day: recording the same day again adds nothing (safe to repeat after a power cut or a
double click). Shelter units are counted by quantity and are written as given, on the head
of each chosen household. A service dated before the disaster's start is refused; services
after the emergency (pasca bencana) are normal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.detail_fields import detail_fields
from spm_desktop.core.domain.errors import FieldError, NotFoundError, ValidationError
from spm_desktop.core.domain.vulnerable import (
    CLOTHING_CODE,
    MEALS_CODE,
    PSYCHOSOCIAL_CODE,
    SHELTER_CODE,
    SPECIAL_CARE_CODE,
    SPECIAL_CARE_GROUP,
    vulnerable_kinds,
)
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services.disasters import check_disaster_scope, load_disaster
from spm_desktop.core.services.settings import load_settings
from spm_desktop.core.storage import catalogue
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Disaster, Household, HouseholdMember, Person, ServiceEvent, ServiceType

_CHUNK = 500  # ids per IN (...) list: well below every database's parameter limit


@dataclass(frozen=True)
class AidResult:
    """What a bulk call wrote. ``skipped``: person-days already recorded before."""

    service_code: str
    created: int
    skipped: int
    persons: int
    quantity: int
    start: date
    end: date

    @property
    def message(self) -> str:
        """One Indonesian sentence for the status bar."""
        if self.service_code == SHELTER_CODE:
            return f"{_fmt(self.quantity)} unit tempat penampungan dicatat untuk {_fmt(self.created)} keluarga."
        text = f"{_fmt(self.created)} catatan layanan disimpan untuk {_fmt(self.persons)} orang"
        if self.skipped:
            text += f"; {_fmt(self.skipped)} sudah tercatat sebelumnya dan dilewati"
        return text + "."


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@dataclass(frozen=True)
class _Member:
    person_id: str  # the survivor when the member's person was merged
    household_id: str
    head: bool
    vulnerable: tuple[str, ...]
    name: str


def id_chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def survivors_of(s: Session, person_ids: set[str]) -> dict[str, str]:
    """person id -> id of the person it was merged into (itself when not merged)."""
    result = {p: p for p in person_ids}
    pending = set(person_ids)
    for _ in range(10):  # merge chains are short; the bound guards against a cycle
        if not pending:
            break
        merged: dict[str, str] = {}
        for chunk in id_chunks(sorted(pending)):
            merged.update(s.execute(select(Person.id, Person.merged_into)
                                    .where(Person.id.in_(chunk), Person.merged_into.is_not(None))).all())
        for original, current in result.items():
            if current in merged:
                result[original] = merged[current]
        pending = set(merged.values())
    return result


def _members(s: Session, disaster: Disaster, household_ids: Sequence[str],
             person_ids: Sequence[str]) -> list[_Member]:
    """The chosen members: every member of ``household_ids`` plus each of ``person_ids``."""
    if not household_ids and not person_ids:
        raise ValidationError("Pilih paling sedikit satu keluarga atau anggota.", "households")
    known = {hid for (hid,) in s.execute(select(Household.id).where(
        Household.disaster_id == disaster.id, Household.deleted_at.is_(None)))}
    missing = [h for h in household_ids if h not in known]
    if missing:
        raise NotFoundError(f"{len(missing)} keluarga yang dipilih tidak terdaftar pada bencana ini.", "households")
    rows = s.execute(
        select(HouseholdMember.person_id, HouseholdMember.household_id, HouseholdMember.pregnant_breastfeeding,
               HouseholdMember.disability, Household.head_person_id, Person.name, Person.birth_date,
               Person.birth_year)
        .join(Household, Household.id == HouseholdMember.household_id)
        .join(Person, Person.id == HouseholdMember.person_id)
        .where(HouseholdMember.disaster_id == disaster.id, HouseholdMember.deleted_at.is_(None),
               Household.deleted_at.is_(None))).all()
    wanted_households, wanted_persons = set(household_ids), set(person_ids)
    chosen = [r for r in rows if r.household_id in wanted_households or r.person_id in wanted_persons]
    absent = wanted_persons - {r.person_id for r in rows}
    if absent:
        raise NotFoundError(f"{len(absent)} orang yang dipilih bukan anggota keluarga terdampak bencana ini.",
                            "persons")
    survivor = survivors_of(s, {r.person_id for r in chosen})
    child_below = load_settings(s).usia_rentan_anak
    return [_Member(survivor[r.person_id], r.household_id, r.person_id == r.head_person_id,
                    vulnerable_kinds(disaster.start_date, r.birth_date, r.birth_year, r.pregnant_breastfeeding,
                                     r.disability, child_below), r.name) for r in chosen]


def _service_type(s: Session, code: str) -> ServiceType:
    st = catalogue.service_type(s, code)
    if st is None or not st.active:
        raise ValidationError(f"Jenis layanan {code} tidak aktif di katalog layanan; hubungi administrator.",
                              "service_code")
    return st


def _check_dates(disaster: Disaster, start: date | None, end: date | None) -> None:
    errors: list[FieldError] = []
    if start is None or end is None:
        raise ValidationError("Tanggal layanan wajib diisi.", "start")
    if end < start:
        errors.append(FieldError("end", "Tanggal akhir tidak boleh sebelum tanggal awal."))
    if start < disaster.start_date:
        begun = short_date(disaster.start_date)
        errors.append(FieldError("start", f"Layanan tanggal {short_date(start)} tidak bisa dicatat: "
                                          f"bencana ini baru mulai tanggal {begun}."))
    if end > clock.today():
        errors.append(FieldError("end", "Tanggal layanan tidak boleh setelah hari ini."))
    if errors:
        raise ValidationError(errors)


def _choices(st: ServiceType, key: str) -> list[str]:
    return next((list(f.choices) for f in detail_fields(st.detail_fields) if f.key == key), [])


def _officer_unit(actor: Actor) -> tuple[str, str]:
    if actor.role == "tksk":
        unit = "TKSK"
    elif actor.role == "petugas" and actor.unit:
        unit = actor.unit
    else:
        unit = "BIDANG"
    return actor.full_name or actor.username, unit


def _existing(s: Session, code: str, person_ids: Sequence[str], start: date, end: date) -> set[tuple[str, date]]:
    found: set[tuple[str, date]] = set()
    for chunk in id_chunks(sorted(set(person_ids))):
        found.update(s.execute(select(ServiceEvent.person_id, ServiceEvent.event_date).where(
            ServiceEvent.service_code == code, ServiceEvent.person_id.in_(chunk),
            ServiceEvent.event_date >= start, ServiceEvent.event_date <= end,
            ServiceEvent.deleted_at.is_(None))).all())
    return found


def _write(s: Session, actor: Actor, disaster: Disaster, code: str, plan: list[tuple[str, date, int, dict]],
           skipped: int, start: date, end: date, notes: str) -> AidResult:
    officer, unit = _officer_unit(actor)
    events = [ServiceEvent(person_id=person_id, disaster_id=disaster.id, service_code=code, event_date=day,
                           quantity=quantity, details=details, unit=unit, officer=officer,
                           kelurahan_code=disaster.kelurahan_code, notes=notes)
              for person_id, day, quantity, details in plan]
    s.add_all(events)
    s.flush()
    result = AidResult(code, len(events), skipped, len({p for p, *_ in plan}), sum(q for _, _, q, _ in plan),
                       start, end)
    audit.record(s, "create_bulk", "service_event", disaster.id, after={
        "service_code": code, "disaster_id": disaster.id, "start": start.isoformat(), "end": end.isoformat(),
        "created": result.created, "skipped": skipped, "event_ids": [e.id for e in events]})
    return result


def _per_person(db: Database, actor: Actor, disaster_id: str, code: str, start: date, end: date,
                household_ids: Sequence[str], person_ids: Sequence[str], details_for, notes: str = "",
                only_vulnerable: bool = False) -> AidResult:
    """One event of ``code`` per chosen person per day in ``start..end``, skipping recorded days."""
    require(actor, "event.write")
    with db.transaction(actor) as s:
        disaster = load_disaster(s, disaster_id)
        check_disaster_scope(actor, disaster.kelurahan_code)
        _check_dates(disaster, start, end)
        st = _service_type(s, code)
        members = _members(s, disaster, list(household_ids), list(person_ids))
        if only_vulnerable:
            members = _vulnerable_only(members, set(person_ids))
        by_person = {m.person_id: m for m in members}
        details = {pid: details_for(st, m) for pid, m in by_person.items()}
        done = _existing(s, code, list(by_person), start, end)
        plan, skipped = [], 0
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        for pid in by_person:
            for day in days:
                if (pid, day) in done:
                    skipped += 1
                else:
                    plan.append((pid, day, 1, details[pid]))
        return _write(s, actor, disaster, code, plan, skipped, start, end, notes.strip())


def _vulnerable_only(members: list[_Member], picked: set[str]) -> list[_Member]:
    not_vulnerable = [m.name for m in members if not m.vulnerable and m.person_id in picked]
    if not_vulnerable:
        raise ValidationError("Penanganan khusus hanya untuk kelompok rentan (anak di bawah batas usia rentan, lansia, "
                              "ibu hamil/menyusui, "
                              f"penyandang disabilitas); bukan kelompok rentan: {', '.join(not_vulnerable)}.",
                              "persons")
    chosen = [m for m in members if m.vulnerable]
    if not chosen:
        raise ValidationError("Tidak ada anggota kelompok rentan di keluarga yang dipilih.", "households")
    return chosen


def record_meals(db: Database, actor: Actor, disaster_id: str, start: date, end: date,
                 household_ids: Sequence[str] = (), person_ids: Sequence[str] = (),
                 meals_per_day: int | None = None, notes: str = "") -> AidResult:
    """Meals (permakanan 3×1 hari) for every chosen member on every day of ``start..end``."""
    require(actor, "event.write")
    with db.reading() as s:
        settings = load_settings(s)
        standard = _service_type(s, MEALS_CODE).standard_per_day or settings.meals_max_per_day
    per_day = standard if meals_per_day is None else meals_per_day
    if isinstance(per_day, bool) or not isinstance(per_day, int) or not 1 <= per_day <= settings.meals_max_per_day:
        raise ValidationError(f"Makan per hari harus 1–{settings.meals_max_per_day}.", "meals_per_day")
    return _per_person(db, actor, disaster_id, MEALS_CODE, start, end, household_ids, person_ids,
                       lambda st, m: {"meals_per_day": per_day, "days": 1}, notes)


def record_clothing(db: Database, actor: Actor, disaster_id: str, on: date, household_ids: Sequence[str] = (),
                    person_ids: Sequence[str] = (), items: Sequence[str] = (), notes: str = "") -> AidResult:
    """A clothing package (sandang) for each chosen member on ``on``."""
    def details(st: ServiceType, m: _Member) -> dict[str, Any]:
        allowed = _choices(st, "items")
        wrong = [i for i in items if allowed and i not in allowed]
        if wrong:
            raise ValidationError(f"Isi paket tidak dikenal: {', '.join(wrong)}.", "items")
        return {"items": list(items)}

    return _per_person(db, actor, disaster_id, CLOTHING_CODE, on, on, household_ids, person_ids, details, notes)


def record_special_care(db: Database, actor: Actor, disaster_id: str, on: date, household_ids: Sequence[str] = (),
                        person_ids: Sequence[str] = (), notes: str = "") -> AidResult:
    """Penanganan khusus for the vulnerable members among the chosen ones (others are left out;
    a non-vulnerable person picked by name is refused)."""
    def details(st: ServiceType, m: _Member) -> dict[str, Any]:
        return {"group": SPECIAL_CARE_GROUP[m.vulnerable[0]]}

    return _per_person(db, actor, disaster_id, SPECIAL_CARE_CODE, on, on, household_ids, person_ids, details,
                       notes, only_vulnerable=True)


def record_psychosocial(db: Database, actor: Actor, disaster_id: str, on: date, household_ids: Sequence[str] = (),
                        person_ids: Sequence[str] = (), session_type: str = "", notes: str = "") -> AidResult:
    """A psychosocial support session (dukungan psikososial) for each chosen member."""
    return _per_person(db, actor, disaster_id, PSYCHOSOCIAL_CODE, on, on, household_ids, person_ids,
                       lambda st, m: {"session_type": session_type.strip()}, notes)


def record_shelter(db: Database, actor: Actor, disaster_id: str, on: date, household_ids: Sequence[str],
                   units: int, kind: str, notes: str = "") -> AidResult:
    """Shelter units (tents, tarpaulins, places) for each chosen household, counted by quantity:
    ``units`` per household, written on the household's head."""
    require(actor, "event.write")
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise ValidationError("Jumlah unit tempat penampungan harus 1 atau lebih.", "units")
    with db.transaction(actor) as s:
        disaster = load_disaster(s, disaster_id)
        check_disaster_scope(actor, disaster.kelurahan_code)
        _check_dates(disaster, on, on)
        st = _service_type(s, SHELTER_CODE)
        if kind not in _choices(st, "kind"):
            raise ValidationError(f"Jenis tempat harus salah satu dari: {', '.join(_choices(st, 'kind'))}.", "kind")
        if not household_ids:
            raise ValidationError("Pilih paling sedikit satu keluarga.", "households")
        heads = {m.household_id: m.person_id for m in _members(s, disaster, list(household_ids), []) if m.head}
        plan = [(heads[h], on, units, {"kind": kind}) for h in dict.fromkeys(household_ids) if h in heads]
        if len(plan) != len(set(household_ids)):
            raise ValidationError("Keluarga yang dipilih belum punya kepala keluarga.", "households")
        return _write(s, actor, disaster, SHELTER_CODE, plan, 0, on, on, notes.strip())


def aid_choices(db: Database) -> dict[str, list[str]]:
    """Pick lists of the bulk forms from the service catalogue: clothing package items
    (``items``) and shelter kinds (``kind``)."""
    with db.reading() as s:
        return {"items": _choices(_service_type(s, CLOTHING_CODE), "items"),
                "kind": _choices(_service_type(s, SHELTER_CODE), "kind")}
