"""Persons (PPKS): register, update, soft-delete, get, age (finding them: :mod:`person_search`).

Every public function takes the :class:`Database` and the acting :class:`Actor`, checks the
permission, validates (``ValidationError``/``ConflictError``, nothing written), does its work
in ONE transaction with its audit entry and returns frozen dataclasses. Call them from any
thread but never share a returned value's session: there is none, they are plain values.

Session-level helpers (``*_in``) do the same work inside a transaction that the caller owns;
the file importer uses them to run a whole file as one unit of work.

``Person.search_name`` (the normalised "name alias", see :mod:`core.domain.names`) is kept up
to date here on every write; :func:`rebuild_search_names` recomputes it for every row (after a
change of the normalisation rules, or for rows written by other tools).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.errors import ConflictError, FieldError, PermissionDenied, ValidationError
from spm_desktop.core.domain.groups import SEXES
from spm_desktop.core.domain.names import search_key
from spm_desktop.core.domain.nik import (
    LANSIA_AGE,
    clean_identity,
    kk_format_problem,
    kk_problem,
    nik_format_problem,
    nik_problem,
    parse_nik,
)
from spm_desktop.core.domain.text import text_problem
from spm_desktop.core.domain.vulnerable import age_on as _age_on
from spm_desktop.core.security import audit
from spm_desktop.core.security.links import check_person, person_in_scope
from spm_desktop.core.security.permissions import can, require
from spm_desktop.core.security.scope import check_region_scope, scope_of
from spm_desktop.core.services.candidates import PossibleDuplicatesError, candidates_in, remember_candidates
from spm_desktop.core.storage.base import new_id
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Case, HouseholdMember, Person, PmksCategory, Region, ServiceEvent
from spm_desktop.core.storage.name_keys import rebuild_name_keys
from spm_desktop.core.storage.records import load_live

VILLAGE_LEVELS = ("kelurahan", "desa")
MAX_NAME = 160
EARLIEST_BIRTH_YEAR = 1900


# ----- values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonDraft:
    """What a form or an import row gives to register or update a person.

    ``birth_year`` is an *estimate* used only when ``birth_date`` is unknown. When a NIK is
    given without a birth date, the birth date is taken from the NIK.
    """

    name: str
    sex: str  # L | P
    nik: str | None = None
    no_kk: str | None = None
    alias: str = ""
    birth_date: date | None = None
    birth_year: int | None = None
    birth_place: str = ""
    address: str = ""
    kelurahan_code: str | None = None
    category_code: str | None = None
    disability_type: str = ""
    phone: str = ""
    notes: str = ""


@dataclass(frozen=True)
class PersonSummary:
    """What every view of a person shows (a list row, the detail view): names, numbers, birth,
    place and category."""

    id: str
    name: str
    alias: str
    sex: str
    nik: str | None
    no_kk: str | None
    birth_date: date | None
    birth_year: int | None
    birth_year_estimated: bool
    kelurahan_code: str | None
    kelurahan_name: str
    kecamatan_code: str | None
    kecamatan_name: str
    category_code: str | None
    category_name: str


@dataclass(frozen=True)
class PersonInfo(PersonSummary):
    """One person, as the detail view shows them."""

    birth_place: str
    address: str
    disability_type: str
    phone: str
    notes: str
    merged_into: str | None
    deleted: bool
    revision: int

    def age_on(self, on: date) -> int | None:
        return _age_on(on, self.birth_date, self.birth_year)

    def to_draft(self) -> PersonDraft:
        """A draft holding this person's values (edit it with ``dataclasses.replace``)."""
        return draft_from(self)


# The person's own values, written down once: the fields of PersonDraft, which are also the
# names of the Person columns and of PersonInfo's fields. Every copy between a draft, a row
# and a PersonInfo goes through these two tuples.
DRAFT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(PersonDraft))
# Texts a draft holds as "" where the stored row may hold NULL.
TEXT_VALUE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(PersonDraft) if f.type == "str")


def _stored(source) -> dict:
    """The draft fields of an ORM person, a PersonInfo or a row given as a mapping (a sync
    package's) as they are stored, "" for an empty text."""
    if isinstance(source, Mapping):
        values = {f: source.get(f) for f in DRAFT_FIELDS}
    else:
        values = {f: getattr(source, f) for f in DRAFT_FIELDS}
    for f in TEXT_VALUE_FIELDS:
        values[f] = values[f] or ""
    return values


def draft_from(source) -> PersonDraft:
    """A draft of the values of ``source`` (an ORM person, a PersonInfo or a mapping of a
    person row); the estimated birth year only without a birth date."""
    values = _stored(source)
    if values["birth_date"]:
        values["birth_year"] = None
    return PersonDraft(**values)


# ----- validation -----------------------------------------------------------------------


# Text fields of a person checked for control and direction-override characters
# (core/domain/text) and cleaned when saved: (field, label, may span lines). One-line texts
# have their runs of spaces collapsed, the others are only stripped.
TEXT_FIELDS = (("name", "Nama", False), ("alias", "Alias", False), ("birth_place", "Tempat lahir", False),
               ("address", "Alamat", True), ("disability_type", "Jenis disabilitas", False),
               ("phone", "Telepon", False), ("notes", "Catatan", True))


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _cleaned_texts(draft: PersonDraft) -> dict[str, str]:
    """Every text field of ``draft`` as it is saved (see TEXT_FIELDS)."""
    return {fld: (getattr(draft, fld) or "").strip() if multiline else _clean(getattr(draft, fld))
            for fld, _label, multiline in TEXT_FIELDS}


def _nik_century_date(info, birth_year_hint: int | None, today: date, min_age: int | None = None) -> date:
    """Birth date from a NIK: the century nearest the estimate, else the latest century that is
    not in the future (and, for a lansia, makes them ``min_age`` or older)."""
    if birth_year_hint:
        candidates = [c + info.year2 for c in (1900, 2000)]
        year = min(candidates, key=lambda y: abs(y - birth_year_hint))
        if year <= today.year:
            try:
                return date(year, info.month, info.day)
            except ValueError:
                pass
    return info.birth_date(today, min_age=min_age)


def _master(s: Session) -> tuple[frozenset[str], dict[str, str | None]]:
    """(desa/kelurahan codes, active PMKS category code -> SPM group), read once per transaction."""
    cached = s.info.get("persons.master")
    if cached is None:
        kelurahan = frozenset(s.scalars(select(Region.code).where(Region.level.in_(VILLAGE_LEVELS),
                                                                  Region.deleted_at.is_(None))))
        categories = dict(s.execute(select(PmksCategory.code, PmksCategory.spm_group).where(
            PmksCategory.active.is_(True), PmksCategory.deleted_at.is_(None))).all())
        cached = s.info["persons.master"] = (kelurahan, categories)
    return cached


def normalise_draft(s: Session, draft: PersonDraft, today: date | None = None,
                    previous: PersonDraft | None = None) -> PersonDraft:
    """Validate ``draft`` against the rules and master data; return it cleaned.

    Raises ValidationError listing every problem (field names are the draft's fields).
    ``previous``: the stored values of the person being updated. A NIK or No. KK that is
    not changed is held only to the rules of its digits, so a rule added later (region
    codes, the KK issue date) applies to new and changed numbers; ``spm-desktop check``
    lists the stored ones failing it.
    """
    today = today or clock.today()
    errors: list[FieldError] = []
    _check_texts(draft, errors)
    texts = _cleaned_texts(draft)
    _check_name_lengths(texts["name"], texts["alias"], errors)
    sex = (draft.sex or "").strip().upper()
    if sex not in SEXES:
        errors.append(FieldError("sex", "Jenis kelamin harus L (laki-laki) atau P (perempuan)."))
    birth_date, birth_year = _checked_birth(draft, today, errors)
    category = (draft.category_code or "").strip() or None
    nik = clean_identity(draft.nik) or None
    if nik is not None:
        birth_date, birth_year = _checked_nik(s, nik, previous, sex, birth_date, birth_year, category, today, errors)
    no_kk = clean_identity(draft.no_kk) or None
    if no_kk is not None:
        unchanged = previous is not None and previous.no_kk == no_kk
        problem = kk_format_problem(no_kk) if unchanged else kk_problem(no_kk, today)
        if problem:
            errors.append(FieldError("no_kk", problem))
    kelurahan = (draft.kelurahan_code or "").strip() or None
    _check_master_codes(s, kelurahan, category, errors)
    if errors:
        raise ValidationError(errors)
    return replace(draft, **texts, sex=sex, nik=nik, no_kk=no_kk, birth_date=birth_date, birth_year=birth_year,
                   kelurahan_code=kelurahan, category_code=category)


def _check_texts(draft: PersonDraft, errors: list[FieldError]) -> None:
    """No control or bidi-override characters in any text field."""
    for fld, label, multiline in TEXT_FIELDS:
        problem = text_problem(getattr(draft, fld), label, multiline)
        if problem:
            errors.append(FieldError(fld, problem))


def _check_name_lengths(name: str, alias: str, errors: list[FieldError]) -> None:
    if not name:
        errors.append(FieldError("name", "Nama wajib diisi (boleh nama panggilan bila nama asli belum diketahui)."))
    elif len(name) > MAX_NAME:
        errors.append(FieldError("name", f"Nama paling panjang {MAX_NAME} huruf."))
    if len(alias) > MAX_NAME:
        errors.append(FieldError("alias", f"Alias paling panjang {MAX_NAME} huruf."))


def _checked_birth(draft: PersonDraft, today: date, errors: list[FieldError]) -> tuple[date | None, int | None]:
    """The birth date (not in the future, not absurdly early) or the estimated birth year."""
    birth_date, birth_year = draft.birth_date, draft.birth_year
    if birth_date is not None:
        if birth_date > today:
            errors.append(FieldError("birth_date", "Tanggal lahir tidak boleh di masa depan."))
        elif birth_date.year < EARLIEST_BIRTH_YEAR:
            errors.append(FieldError("birth_date",
                                     f"Tanggal lahir sebelum tahun {EARLIEST_BIRTH_YEAR} tidak masuk akal."))
        return birth_date, birth_date.year
    if birth_year is not None and not EARLIEST_BIRTH_YEAR <= birth_year <= today.year:
        errors.append(FieldError("birth_year",
                                 f"Perkiraan tahun lahir harus antara {EARLIEST_BIRTH_YEAR} dan {today.year}."))
    return birth_date, birth_year


def _checked_nik(s: Session, nik: str, previous: PersonDraft | None, sex: str, birth_date: date | None,
                 birth_year: int | None, category: str | None, today: date,
                 errors: list[FieldError]) -> tuple[date | None, int | None]:
    """The NIK's rules (only its digit rules when unchanged), its agreement with sex and birth
    date; without a birth date, the date the NIK gives (century from the estimated year, or
    the lansia age). Returns the birth date and year to store."""
    unchanged = previous is not None and previous.nik == nik
    problem = nik_format_problem(nik) if unchanged else nik_problem(nik)
    if problem:
        errors.append(FieldError("nik", problem))
        return birth_date, birth_year
    info = parse_nik(nik, check_region=False)
    if sex in SEXES and sex != info.sex:
        wanted = "41–71 untuk perempuan" if sex == "P" else "01–31 untuk laki-laki"
        errors.append(FieldError(
            "nik", f"Digit 7–8 NIK ({nik[6:8]}) tidak cocok dengan jenis kelamin {SEXES[sex].lower()}: "
                   f"harus {wanted}."))
    if birth_date is not None:
        if not info.birth_date_matches(birth_date):
            errors.append(FieldError(
                "nik", f"Digit 7–12 NIK ({nik[6:12]}) tidak cocok dengan tanggal lahir "
                       f"{short_date(birth_date)}; periksa kembali NIK atau tanggal lahir."))
        return birth_date, birth_year
    lansia = category is not None and _master(s)[1].get(category) == "lansia"
    derived = _nik_century_date(info, birth_year, today, LANSIA_AGE if lansia else None)
    if derived <= today:
        return derived, derived.year
    return birth_date, birth_year


def _check_master_codes(s: Session, kelurahan: str | None, category: str | None, errors: list[FieldError]) -> None:
    if kelurahan is not None and kelurahan not in _master(s)[0]:
        errors.append(FieldError("kelurahan_code", f"Desa/kelurahan dengan kode {kelurahan} tidak dikenal."))
    if category is not None and category not in _master(s)[1]:
        errors.append(FieldError("category_code", f"Kategori PMKS '{category}' tidak dikenal atau tidak aktif."))


class DuplicateNikError(ConflictError):
    """The NIK belongs to another person already; ``person_id`` points at them."""

    def __init__(self, message: str, person_id: str) -> None:
        super().__init__(message, "nik")
        self.person_id = person_id


def check_nik_free(s: Session, nik: str | None, own_id: str | None = None) -> None:
    """Refuse a NIK held by another person (pointing at that person)."""
    if not nik:
        return
    other = s.execute(select(Person.id, Person.name, Person.deleted_at, Person.merged_into)
                      .where(Person.nik == nik, Person.id != (own_id or ""))).first()
    if other is None:
        return
    raise nik_taken(nik, other.id, other.name, merged=bool(other.merged_into), deleted=other.deleted_at is not None)


def nik_taken(nik: str, person_id: str, name: str, *, merged: bool = False, deleted: bool = False) -> DuplicateNikError:
    """The refusal for a NIK another person holds (pointing at that person)."""
    if merged:
        note = " (data itu sudah digabung ke data lain)"
    elif deleted:
        note = " (data itu sudah dihapus; pulihkan atau hubungi supervisor)"
    else:
        note = ""
    return DuplicateNikError(
        f"NIK {nik} sudah terdaftar atas nama {name}{note}. Buka data yang sudah ada, "
        "jangan mendaftarkan orang yang sama dua kali.", person_id)


# ----- reading --------------------------------------------------------------------------



def _info(s: Session, p: Person) -> PersonInfo:
    kel = s.scalars(select(Region).where(Region.code == p.kelurahan_code)).first() if p.kelurahan_code else None
    kec = (s.scalars(select(Region).where(Region.code == kel.parent_code)).first()
           if kel is not None and kel.parent_code else None)
    cat = (s.scalar(select(PmksCategory.name).where(PmksCategory.code == p.category_code))
           if p.category_code else None)
    return PersonInfo(
        id=p.id, **_stored(p), birth_year_estimated=bool(p.birth_year_estimated),
        kelurahan_name=kel.name if kel else "", kecamatan_code=kec.code if kec else None,
        kecamatan_name=kec.name if kec else "", category_name=cat or "", merged_into=p.merged_into,
        deleted=p.deleted_at is not None, revision=p.revision or 1)


def load_person(s: Session, person_id: str, *, for_write: bool = False) -> Person:
    """The ORM person (not deleted); for a write also not merged into another person."""
    p = load_live(s, Person, person_id, "Data penerima layanan", "person_id")
    if for_write and p.merged_into:
        survivor = s.get(Person, p.merged_into)
        name = survivor.name if survivor else "data lain"
        raise ConflictError(f"Data {p.name} sudah digabung ke {name}; gunakan data tersebut.", "person_id")
    return p


def get_person(db: Database, actor: Actor, person_id: str) -> PersonInfo:
    """One person by id (merged persons too: ``merged_into`` says where they went)."""
    require(actor, "person.view")
    with db.reading() as s:
        return _info(s, load_person(s, person_id))


def person_age(db: Database, actor: Actor, person_id: str, on: date) -> int | None:
    """Completed years on ``on`` (from the estimated birth year when the date is unknown)."""
    return get_person(db, actor, person_id).age_on(on)


def age_on(person: PersonSummary, on: date) -> int | None:
    """Completed years of ``person`` on ``on``; None when neither date nor year is known."""
    return _age_on(on, person.birth_date, person.birth_year)


# ----- writing --------------------------------------------------------------------------


def apply_draft(p: Person, draft: PersonDraft, estimated_year: bool) -> None:
    for f in DRAFT_FIELDS:
        setattr(p, f, getattr(draft, f))
    p.birth_year_estimated = estimated_year
    p.search_name = search_key(draft.name, draft.alias)


def _changed(p: Person, draft: PersonDraft, estimated: bool) -> bool:
    if _stored(p) != {f: getattr(draft, f) for f in DRAFT_FIELDS}:
        return True
    return (bool(p.birth_year_estimated), p.search_name or "") != (estimated, search_key(draft.name, draft.alias))


def insert_person(s: Session, clean: PersonDraft, person_id: str | None = None) -> Person:
    """Add a person from a *validated* draft with its audit entry (no flush: bulk-friendly)."""
    p = Person(id=person_id or new_id(), merged_into=None)
    apply_draft(p, clean, estimated_year=clean.birth_date is None and clean.birth_year is not None)
    s.add(p)
    audit.record(s, "create", "person", p.id, after=p)
    return p


def update_person_values(s: Session, p: Person, clean: PersonDraft) -> bool:
    """Apply a *validated* draft to ``p`` with its audit entry; False (nothing written) when
    every value is already the same."""
    estimated = clean.birth_date is None and clean.birth_year is not None
    if not _changed(p, clean, estimated):
        return False
    before = audit.snapshot(p)
    apply_draft(p, clean, estimated)
    audit.record(s, "update", "person", p.id, before=before, after=p)
    return True


def draft_of(p: Person) -> PersonDraft:
    """The current values of an ORM person as a draft (no queries)."""
    return draft_from(p)


def register_in(s: Session, actor: Actor, draft: PersonDraft, *, person_id: str | None = None,
                confirm_duplicates_ok: bool = False, record_candidates: bool = True) -> Person:
    """Register a person inside the caller's transaction (see :func:`register_person`)."""
    clean = normalise_draft(s, draft)
    check_region_scope(actor, clean.kelurahan_code, "mendaftarkan penerima layanan")
    check_nik_free(s, clean.nik, person_id)
    candidates = candidates_in(s, clean)
    if candidates and not confirm_duplicates_ok:
        raise PossibleDuplicatesError(candidates)
    p = insert_person(s, clean, person_id)
    s.flush()
    if record_candidates:
        remember_candidates(s, p, candidates)
    return p


def register_person(db: Database, actor: Actor, draft: PersonDraft, *,
                    confirm_duplicates_ok: bool = False) -> PersonInfo:
    """Register a new person.

    Refused (nothing written): invalid input (``ValidationError``); a NIK that another person
    holds (:class:`DuplicateNikError`, ``.person_id`` = the existing person). When persons
    with a similar name, the same sex, a birth year within ±2 and the same kecamatan exist,
    :class:`~spm_desktop.core.services.candidates.PossibleDuplicatesError` is raised with
    ``.candidates`` so the form can show them — call again with ``confirm_duplicates_ok=True``
    to register anyway (the pairs then go on the duplicate review list). To show candidates
    while the form is still being filled in, call ``duplicates.find_duplicate_candidates``.
    """
    require(actor, "person.write")
    with db.transaction(actor) as s:
        p = register_in(s, actor, draft, confirm_duplicates_ok=confirm_duplicates_ok)
        return _info(s, p)


def update_in(s: Session, actor: Actor, person_id: str, draft: PersonDraft) -> tuple[Person, bool]:
    """Update inside the caller's transaction; returns (person, whether anything changed)."""
    p = load_person(s, person_id, for_write=True)
    clean = normalise_draft(s, draft, previous=draft_of(p))
    # A tksk changes a person of its scope (living in its kecamatan or linked to it: an open
    # TKSK case, a disaster household there), before and after the change — as the office
    # holds a TKSK laptop's change of a person to (sync.validation).
    for kelurahan in dict.fromkeys((p.kelurahan_code, clean.kelurahan_code)):
        check_person(s, actor, p.id, kelurahan, "mengubah data penerima layanan")
    check_nik_free(s, clean.nik, p.id)
    changed = update_person_values(s, p, clean)
    s.flush()
    return p, changed


def may_change(db: Database, actor: Actor, person_id: str) -> bool:
    """Whether ``actor`` may change the person's record: the permission, and the person in its
    scope (a tksk: living in its kecamatan or linked to it, :mod:`~spm_desktop.core.security.links`)
    — what :func:`update_person` checks, for the person page's Ubah button."""
    if not can(actor, "person.write"):
        return False
    with db.reading() as s:
        p = s.get(Person, person_id)
        return p is not None and person_in_scope(s, actor, p.id, p.kelurahan_code)


def person_to_edit(db: Database, actor: Actor, person_id: str) -> PersonInfo:
    """The person for the edit form, refused with the message a save would get when ``actor``
    may not change them (a tksk: outside its kecamatan and not linked to it)."""
    require(actor, "person.write")
    with db.reading() as s:
        p = load_person(s, person_id)
        check_person(s, actor, p.id, p.kelurahan_code, "mengubah data penerima layanan")
        return _info(s, p)


def update_person(db: Database, actor: Actor, person_id: str, draft: PersonDraft) -> PersonInfo:
    """Replace a person's values with ``draft`` (same rules as registering, without the
    duplicate warning). Saving unchanged values writes nothing."""
    require(actor, "person.write")
    with db.transaction(actor) as s:
        p, _ = update_in(s, actor, person_id, draft)
        return _info(s, p)


def delete_person(db: Database, actor: Actor, person_id: str) -> None:
    """Soft-delete a person (the deletion travels to other databases). Refused while the
    person has an open case: close it first."""
    require(actor, "person.delete")
    with db.transaction(actor) as s:
        p = load_person(s, person_id, for_write=True)
        open_count = s.scalar(select(func.count()).select_from(Case).where(
            Case.person_id == p.id, Case.status == "open", Case.deleted_at.is_(None)))
        if open_count:
            raise ConflictError(f"{p.name} masih memiliki {open_count} kasus terbuka; tutup kasusnya dulu.",
                                "person_id")
        _check_delete_scope(s, actor, p)
        audit.soft_delete(s, p, "person")


def _check_delete_scope(s: Session, actor: Actor, p: Person) -> None:
    """A petugas deletes only a person its unit owns: one with a live case or service event
    of that unit and none of another unit, and no household membership of a disaster (the
    Bidang's). Supervisors and administrators are not restricted."""
    scope = scope_of(actor)
    if scope.unrestricted:
        return
    unit = scope.unit or ""
    live_cases = select(Case.unit).where(Case.person_id == p.id, Case.deleted_at.is_(None))
    live_events = select(ServiceEvent.unit).where(ServiceEvent.person_id == p.id, ServiceEvent.deleted_at.is_(None))
    units = set(s.scalars(live_cases.distinct())) | set(s.scalars(live_events.distinct()))
    in_household = s.scalar(select(func.count()).select_from(HouseholdMember).where(
        HouseholdMember.person_id == p.id, HouseholdMember.deleted_at.is_(None)))
    if not unit or units != {unit} or in_household:
        where = f"unit {unit}" if unit else "unit yang belum ditetapkan"
        raise PermissionDenied(f"Anda hanya berhak menghapus penerima layanan milik {where} Anda sendiri "
                               "(kasus dan layanannya hanya dari unit itu); minta supervisor untuk menghapusnya.")


def rebuild_search_names(db: Database, actor: Actor, batch: int = 5000) -> int:
    """Recompute ``search_name`` (and the name keys of the duplicate search) of every person;
    returns how many search names changed."""
    require(actor, "master.edit")
    changed = 0
    with db.transaction(actor) as s:
        last = ""
        while True:
            rows = s.execute(select(Person.id, Person.name, Person.alias, Person.search_name)
                             .where(Person.id > last).order_by(Person.id).limit(batch)).all()
            if not rows:
                break
            for r in rows:
                key = search_key(r.name, r.alias)
                if key != r.search_name:
                    s.get(Person, r.id).search_name = key
                    changed += 1
            s.flush()
            last = rows[-1].id
        rebuild_name_keys(s.connection())  # the duplicate search's keys, with the same rules
        if changed:
            audit.record(s, "rebuild_search_names", "person", "", after={"changed": changed})
    return changed


__all__ = [
    "PersonDraft", "PersonSummary", "PersonInfo", "DuplicateNikError",
    "register_person", "update_person", "delete_person", "get_person", "person_age", "age_on", "rebuild_search_names",
    "register_in", "update_in", "load_person", "normalise_draft", "check_nik_free", "draft_from", "draft_of",
    "DRAFT_FIELDS",
]
