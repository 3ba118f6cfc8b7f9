"""Households (KK) affected by a disaster and their members, entered in one form.

A member already known by NIK is linked to the existing person, never registered a second
time; a person belongs to at most one household per disaster. Vulnerable members (under the
setting ``disaster.usia_rentan_anak`` — default 5 — or 60 and over on the disaster's start
date, pregnant or breastfeeding, disability) are flagged automatically. A household may be
displaced (mengungsi, the same for the whole family); a member may need psychosocial support;
each member's default needs may be waived per service code with a reason (audited). What a
victim needs follows from these (:mod:`spm_desktop.core.domain.vulnerable`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ConflictError, DomainError, FieldError, NotFoundError, ValidationError
from spm_desktop.core.domain.groups import HOUSEHOLD_RELATIONS, SEXES
from spm_desktop.core.domain.nik import (
    check_nik_agrees,
    clean_identity,
    kk_format_problem,
    kk_problem,
    nik_problem,
    parse_nik,
)
from spm_desktop.core.domain.vulnerable import (
    NEED_LABELS,
    VICTIM_NEED_CODES,
    age_on,
    default_needs,
    join_codes,
    split_codes,
    vulnerable_kinds,
)
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services import persons
from spm_desktop.core.services.disasters import DAMAGE_LEVELS, check_disaster_scope, load_disaster
from spm_desktop.core.services.duplicates import record_candidates_bulk
from spm_desktop.core.services.persons import PersonDraft
from spm_desktop.core.services.settings import load_settings
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Disaster, Household, HouseholdMember, Person
from spm_desktop.core.storage.records import live

MAX_AGE = 120


@dataclass(frozen=True)
class MemberInput:
    """One row of the member grid. ``age`` (years on the disaster's start date) stands in for
    an unknown birth date. ``person_id`` links a person the user picked from a search."""

    name: str
    relation: str
    sex: str = ""
    nik: str = ""
    birth_date: date | None = None
    age: int | None = None
    pregnant_breastfeeding: bool = False
    disability: bool = False
    person_id: str | None = None
    needs_psychosocial: bool = False
    waived: tuple[str, ...] = ()  # service codes of default needs waived for this member
    waiver_reason: str = ""


@dataclass(frozen=True)
class HouseholdInput:
    disaster_id: str
    no_kk: str
    members: tuple[MemberInput, ...]
    address: str = ""
    damage_level: str = ""
    notes: str = ""
    displaced: bool = False  # mengungsi: the whole family


@dataclass(frozen=True)
class MemberInfo:
    person_id: str
    name: str
    nik: str | None
    sex: str
    birth_date: date | None
    birth_year: int | None
    age: int | None  # on the disaster's start date
    relation: str
    pregnant_breastfeeding: bool
    disability: bool
    vulnerable_kinds: tuple[str, ...]
    linked_existing: bool = False  # the person was already known (by NIK or picked)
    needs_psychosocial: bool = False
    waived: tuple[str, ...] = ()
    waiver_reason: str = ""
    needs: tuple[str, ...] = ()  # the needs that count: default needs less the waived ones

    @property
    def vulnerable(self) -> bool:
        return bool(self.vulnerable_kinds)


@dataclass(frozen=True)
class HouseholdInfo:
    id: str
    disaster_id: str
    no_kk: str
    head_person_id: str | None
    head_name: str
    address: str
    damage_level: str
    notes: str
    members: tuple[MemberInfo, ...]
    displaced: bool = False


def _member_errors(i: int, m: MemberInput, start: date, today: date) -> list[FieldError]:
    row = f"Anggota ke-{i + 1}"
    errors: list[FieldError] = []

    def err(field: str, message: str) -> None:
        errors.append(FieldError(f"members[{i}].{field}", f"{row}: {message}"))

    if not m.name.strip() and not m.person_id:
        err("name", "nama wajib diisi.")
    if m.relation not in HOUSEHOLD_RELATIONS:
        err("relation", "hubungan keluarga harus kepala, istri, suami, anak atau lainnya.")
    nik = clean_identity(m.nik)
    if nik:
        problem = nik_problem(nik)
        if problem:
            err("nik", problem)
    if m.sex and m.sex not in SEXES:
        err("sex", "jenis kelamin harus L atau P.")
    if not m.sex and not nik and not m.person_id:
        err("sex", "jenis kelamin wajib diisi (L/P).")
    if m.birth_date is not None and m.birth_date > today:
        err("birth_date", "tanggal lahir tidak boleh setelah hari ini.")
    if m.age is not None and not 0 <= m.age <= MAX_AGE:
        err("age", f"umur harus 0–{MAX_AGE} tahun.")
    if m.birth_date is None and m.age is None and not nik and not m.person_id:
        err("birth_date", "isi tanggal lahir, atau perkiraan umur bila tanggal lahir tidak diketahui.")
    if m.pregnant_breastfeeding and m.sex == "L":
        err("pregnant_breastfeeding", "hamil/menyusui hanya untuk perempuan.")
    for problem in waiver_problems(m.waived, m.waiver_reason):
        err("waived", problem)
    if nik and not errors and (m.sex or m.birth_date):
        try:
            check_nik_agrees(nik, m.sex or None, m.birth_date)
        except ValidationError as exc:
            err("nik", exc.message)
    return errors


def waiver_problems(waived, reason: str) -> list[str]:
    """What is wrong with a member's waived codes and reason (unknown code, reason missing)."""
    problems = []
    unknown = [c for c in waived if c not in VICTIM_NEED_CODES]
    if unknown:
        problems.append(f"kebutuhan yang dikecualikan harus kode kebutuhan korban bencana "
                        f"({', '.join(VICTIM_NEED_CODES)}); tidak dikenal: {', '.join(unknown)}.")
    if waived and not (reason or "").strip():
        problems.append("alasan pengecualian kebutuhan wajib diisi.")
    if (reason or "").strip() and not waived:
        problems.append("alasan pengecualian diisi, tetapi tidak ada kebutuhan yang dikecualikan.")
    return problems


def check_waiver_fits(who: str, field: str, waived, displaced: bool, kinds: tuple[str, ...],
                      needs_psychosocial: bool) -> None:
    """Only a default need of the member can be waived (raises :class:`ValidationError`)."""
    defaults = default_needs(displaced, bool(kinds), needs_psychosocial)
    extra = [c for c in waived if c not in defaults]
    if extra:
        has = ", ".join(NEED_LABELS[c] for c in defaults) or "tidak ada"
        raise ValidationError(f"{who}: {', '.join(NEED_LABELS.get(c, c) for c in extra)} bukan kebutuhan bawaan "
                              f"anggota ini, jadi tidak bisa dikecualikan (kebutuhan bawaannya: {has}).", field)


def validate_household(s: Session, data: HouseholdInput, disaster: Disaster,
                       exclude_household_id: str | None = None) -> None:
    """Every problem of the form at once, as one :class:`ValidationError`."""
    today = clock.today()
    errors: list[FieldError] = []
    no_kk = clean_identity(data.no_kk)
    stored = (s.scalar(select(Household.no_kk).where(Household.id == exclude_household_id))
              if exclude_household_id else None)
    # A No. KK that is not changed is held to the digit rules it was saved under.
    problem = (kk_format_problem(no_kk) if no_kk == stored else kk_problem(no_kk)) if no_kk else None
    if problem:
        errors.append(FieldError("no_kk", problem))
    if data.damage_level and data.damage_level not in DAMAGE_LEVELS:
        errors.append(FieldError("damage_level", "Tingkat kerusakan rumah harus ringan, sedang atau berat."))
    if not data.members:
        errors.append(FieldError("members", "Isi paling sedikit satu anggota keluarga (kepala keluarga)."))
    heads = sum(1 for m in data.members if m.relation == "kepala")
    if data.members and heads != 1:
        errors.append(FieldError("members", "Satu keluarga harus punya tepat satu kepala keluarga; "
                                            f"yang diisi {heads}."))
    seen_nik: dict[str, int] = {}
    seen_person: set[str] = set()
    for i, m in enumerate(data.members):
        errors.extend(_member_errors(i, m, disaster.start_date, today))
        nik = clean_identity(m.nik)
        if nik and nik in seen_nik:
            errors.append(FieldError(f"members[{i}].nik", f"Anggota ke-{i + 1}: NIK {nik} sama dengan anggota "
                                                           f"ke-{seen_nik[nik] + 1}."))
        if nik:
            seen_nik.setdefault(nik, i)
        if m.person_id and m.person_id in seen_person:
            errors.append(FieldError(f"members[{i}].person_id", f"Anggota ke-{i + 1} sudah ada di daftar."))
        seen_person.add(m.person_id or "")
    if no_kk:
        same_kk = select(Household.id).where(Household.disaster_id == disaster.id, Household.no_kk == no_kk,
                                             Household.deleted_at.is_(None))
        if exclude_household_id:
            same_kk = same_kk.where(Household.id != exclude_household_id)
        if s.scalar(same_kk) is not None:
            errors.append(FieldError("no_kk", f"KK {no_kk} sudah terdaftar pada bencana ini; ubah data keluarga "
                                              "itu, jangan didaftarkan dua kali."))
    if errors:
        raise ValidationError(errors)


def _resolve_person(s: Session, m: MemberInput, i: int) -> Person | None:
    """The existing person a member row refers to (picked, or known by NIK), survivor of merges."""
    person = None
    if m.person_id:
        person = live(s, Person, m.person_id)
        if person is None:
            raise NotFoundError(f"Anggota ke-{i + 1}: penerima layanan yang dipilih tidak ditemukan.",
                                f"members[{i}].person_id")
    elif m.nik:
        person = s.scalars(select(Person).where(Person.nik == clean_identity(m.nik),
                                                Person.deleted_at.is_(None))).first()
    seen: set[str] = set()
    while person is not None and person.merged_into and person.id not in seen:
        seen.add(person.id)
        person = s.get(Person, person.merged_into)
    return person


def _new_person(s: Session, actor: Actor, m: MemberInput, i: int, disaster: Disaster, household: Household,
                bulk: bool = False) -> Person:
    """Register a victim not known before through the person services (same NIK, name and
    birth-date rules as everywhere). Similar names do not stop the family form: such pairs go
    on the duplicate review list — per person here, or once for the whole batch (``bulk``,
    see :func:`register_households`)."""
    category = "korban_bencana_sosial" if disaster.kind == "bencana_sosial" else "korban_bencana_alam"
    draft = PersonDraft(
        name=m.name, sex=m.sex or (parse_nik(m.nik).sex if clean_identity(m.nik) else ""),
        nik=clean_identity(m.nik) or None,
        no_kk=household.no_kk or None, birth_date=m.birth_date,
        birth_year=disaster.start_date.year - m.age if m.birth_date is None and m.age is not None else None,
        address=household.address, kelurahan_code=disaster.kelurahan_code, category_code=category)
    try:
        if not bulk:
            return persons.register_in(s, actor, draft, confirm_duplicates_ok=True)
        clean = persons.normalise_draft(s, draft)
        persons.check_nik_free(s, clean.nik)
        return persons.insert_person(s, clean)
    except DomainError as exc:
        errors = exc.errors if isinstance(exc, ValidationError) else [FieldError(exc.field, exc.message)]
        raise ValidationError([FieldError(f"members[{i}].{e.field}", f"Anggota ke-{i + 1}: {e.message}")
                               for e in errors]) from exc


def _member_info(p: Person, hm: HouseholdMember, start: date, displaced: bool, child_below: int,
                 linked: bool = False) -> MemberInfo:
    kinds = vulnerable_kinds(start, p.birth_date, p.birth_year, hm.pregnant_breastfeeding, hm.disability,
                             child_below)
    waived = split_codes(hm.waived_codes)
    needs = tuple(c for c in default_needs(displaced, bool(kinds), hm.needs_psychosocial) if c not in waived)
    return MemberInfo(
        person_id=p.id, name=p.name, nik=p.nik, sex=p.sex, birth_date=p.birth_date, birth_year=p.birth_year,
        age=age_on(start, p.birth_date, p.birth_year), relation=hm.relation,
        pregnant_breastfeeding=hm.pregnant_breastfeeding, disability=hm.disability, vulnerable_kinds=kinds,
        linked_existing=linked, needs_psychosocial=bool(hm.needs_psychosocial), waived=waived,
        waiver_reason=hm.waiver_reason or "", needs=needs)


def check_not_member_elsewhere(s: Session, disaster: Disaster, person: Person, i: int,
                                household_id: str | None) -> None:
    other = s.execute(
        select(Household.no_kk, Household.id)
        .join(HouseholdMember, HouseholdMember.household_id == Household.id)
        .where(HouseholdMember.disaster_id == disaster.id, HouseholdMember.person_id == person.id,
               HouseholdMember.deleted_at.is_(None))).first()
    if other is not None and other.id != household_id:
        kk = f"KK {other.no_kk}" if other.no_kk else "keluarga lain"
        who = f"Anggota ke-{i + 1} ({person.name})" if i >= 0 else person.name
        raise ConflictError(f"{who} sudah terdaftar di {kk} pada bencana ini; satu orang hanya boleh di satu "
                            "keluarga per bencana.", f"members[{i}]" if i >= 0 else "person")


def membership_of(s: Session, disaster_id: str, person_id: str) -> HouseholdMember | None:
    """The person's membership in the disaster, live or soft-deleted (the pair is unique)."""
    return s.scalars(select(HouseholdMember).where(HouseholdMember.disaster_id == disaster_id,
                                                   HouseholdMember.person_id == person_id)).first()


def place_member(s: Session, household: Household, person_id: str, relation: str, pregnant_breastfeeding: bool,
                  disability: bool, member_id: str | None = None, new_person: bool = False, *,
                  needs_psychosocial: bool = False, waived=(), waiver_reason: str = ""
                  ) -> tuple[HouseholdMember, str]:
    """Create, revive or update the membership; returns it and "created"/"updated"/"unchanged"."""
    hm = None if new_person else membership_of(s, household.disaster_id, person_id)
    values = dict(household_id=household.id, relation=relation, pregnant_breastfeeding=bool(pregnant_breastfeeding),
                  disability=bool(disability), needs_psychosocial=bool(needs_psychosocial),
                  waived_codes=join_codes(waived), waiver_reason=(waiver_reason or "").strip() if waived else "")
    if hm is None:
        hm = HouseholdMember(disaster_id=household.disaster_id, person_id=person_id, **values)
        if member_id:
            hm.id = member_id
        s.add(hm)
        return hm, "created"
    revived = hm.deleted_at is not None
    hm.deleted_at = None
    for key, value in values.items():
        setattr(hm, key, value)
    if revived:
        return hm, "created"
    return hm, "updated" if s.is_modified(hm) else "unchanged"


def add_members(s: Session, actor: Actor, disaster: Disaster, household: Household,
                members: tuple[MemberInput, ...], bulk: bool = False) -> list[MemberInfo]:
    """Create or link the persons of ``members`` and add them to ``household`` (in ``s``).

    One flush for the family: the members of one form cannot clash with each other
    (:func:`validate_household` refuses a NIK or a person twice), so the look-ups in between
    need not see the rows still pending."""
    infos: list[MemberInfo] = []
    child_below = load_settings(s).usia_rentan_anak
    with s.no_autoflush:
        for i, m in enumerate(members):
            person = _resolve_person(s, m, i)
            linked = person is not None
            if person is None:
                person = _new_person(s, actor, m, i, disaster, household, bulk)
            else:
                check_not_member_elsewhere(s, disaster, person, i, household.id)
            kinds = vulnerable_kinds(disaster.start_date, person.birth_date, person.birth_year,
                                     m.pregnant_breastfeeding, m.disability, child_below)
            check_waiver_fits(f"Anggota ke-{i + 1} ({person.name})", f"members[{i}].waived", m.waived,
                              household.displaced, kinds, m.needs_psychosocial)
            hm, _ = place_member(s, household, person.id, m.relation, m.pregnant_breastfeeding, m.disability,
                                 new_person=not linked, needs_psychosocial=m.needs_psychosocial, waived=m.waived,
                                 waiver_reason=m.waiver_reason)
            if m.relation == "kepala":
                household.head_person_id = person.id
            infos.append(_member_info(person, hm, disaster.start_date, household.displaced, child_below, linked))
    s.flush()
    return infos


def _create_household(s: Session, actor: Actor, disaster: Disaster, data: HouseholdInput,
                      bulk: bool = False) -> HouseholdInfo:
    validate_household(s, data, disaster)
    hh = Household(disaster_id=disaster.id, no_kk=clean_identity(data.no_kk), address=data.address.strip(),
                   damage_level=data.damage_level, notes=data.notes.strip(), displaced=bool(data.displaced))
    s.add(hh)
    s.flush()
    info = household_info(hh, add_members(s, actor, disaster, hh, data.members, bulk))
    audit.record(s, "create", "household", hh.id, after=audit_view(info))
    return info


def register_household(db: Database, actor: Actor, data: HouseholdInput) -> HouseholdInfo:
    """Register an affected family with all its members (one transaction, audited)."""
    require(actor, "disaster.write")
    with db.transaction(actor) as s:
        disaster = load_disaster(s, data.disaster_id)
        check_disaster_scope(actor, disaster.kelurahan_code)
        return _create_household(s, actor, disaster, data)


def register_households(db: Database, actor: Actor, disaster_id: str,
                        families: Sequence[HouseholdInput]) -> list[HouseholdInfo]:
    """Many families of one disaster at once (the list a kelurahan or a shelter post hands
    over), in ONE transaction: all of them or none. Errors name the family ("Keluarga ke-3")
    and the member. New victims are compared with everyone once, at the end, for the duplicate
    review list (instead of one search per person as the one-family form does)."""
    require(actor, "disaster.write")
    with db.transaction(actor) as s:
        disaster = load_disaster(s, disaster_id)
        check_disaster_scope(actor, disaster.kelurahan_code)
        infos: list[HouseholdInfo] = []
        for n, data in enumerate(families, start=1):
            if data.disaster_id != disaster.id:
                raise ValidationError(f"Keluarga ke-{n} tercatat untuk bencana lain.", "disaster_id")
            try:
                infos.append(_create_household(s, actor, disaster, data, bulk=True))
            except ValidationError as exc:
                raise ValidationError([FieldError(f"families[{n - 1}].{e.field}", f"Keluarga ke-{n}: {e.message}")
                                       for e in exc.errors]) from exc
            except DomainError as exc:
                raise type(exc)(f"Keluarga ke-{n}: {exc.message}", f"families[{n - 1}].{exc.field}") from exc
        s.flush()
        record_candidates_bulk(s, [m.person_id for h in infos for m in h.members if not m.linked_existing])
        return infos


def household_info(hh: Household, members: list[MemberInfo]) -> HouseholdInfo:
    head = next((m for m in members if m.person_id == hh.head_person_id), None)
    return HouseholdInfo(id=hh.id, disaster_id=hh.disaster_id, no_kk=hh.no_kk, head_person_id=hh.head_person_id,
                         head_name=head.name if head else "", address=hh.address, damage_level=hh.damage_level,
                         notes=hh.notes, members=tuple(members), displaced=bool(hh.displaced))


def audit_view(info: HouseholdInfo) -> dict:
    return {"disaster_id": info.disaster_id, "no_kk": info.no_kk, "head_person_id": info.head_person_id,
            "address": info.address, "damage_level": info.damage_level, "displaced": info.displaced,
            "members": [{"person_id": m.person_id, "relation": m.relation, "linked_existing": m.linked_existing,
                         "pregnant_breastfeeding": m.pregnant_breastfeeding, "disability": m.disability,
                         "vulnerable": list(m.vulnerable_kinds), "needs_psychosocial": m.needs_psychosocial,
                         "waived": list(m.waived), "waiver_reason": m.waiver_reason, "needs": list(m.needs)}
                        for m in info.members]}


def households_of(s: Session, disaster: Disaster) -> list[HouseholdInfo]:
    """Every (not deleted) household of a disaster with its members, in entry order."""
    rows = s.execute(
        select(Household, HouseholdMember, Person)
        .join(HouseholdMember, HouseholdMember.household_id == Household.id)
        .join(Person, Person.id == HouseholdMember.person_id)
        .where(Household.disaster_id == disaster.id, Household.deleted_at.is_(None),
               HouseholdMember.deleted_at.is_(None))
        .order_by(Household.created_at, Household.id, HouseholdMember.created_at, HouseholdMember.id)).all()
    grouped: dict[str, tuple[Household, list[MemberInfo]]] = {}
    child_below = load_settings(s).usia_rentan_anak
    for hh, hm, p in rows:
        grouped.setdefault(hh.id, (hh, []))[1].append(_member_info(p, hm, disaster.start_date, bool(hh.displaced),
                                                                   child_below))
    return [household_info(hh, sorted(members, key=member_order)) for hh, members in grouped.values()]


_RELATION_ORDER = {key: i for i, key in enumerate(HOUSEHOLD_RELATIONS)}


def member_order(m: MemberInfo) -> tuple:
    """Kepala keluarga first, then spouse, children (oldest first), others."""
    return (_RELATION_ORDER.get(m.relation, len(_RELATION_ORDER)), -(m.age if m.age is not None else -1), m.name)
