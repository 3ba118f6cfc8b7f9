"""Group activities (kegiatan kelompok): record, change, remove, list (architecture §4).

A service type whose counting rule is ``participants`` (bimbingan sosial kepada keluarga dan
masyarakat: 1.06.04.2.01.0006, 1.06.04.2.02.0008) or ``named_participants`` (Tagana:
1.06.06.2.02.0002) is recorded as a group activity: its date, kelurahan, the number of
participants (male and female: the attendances the indicator sums), the facilitator, notes,
the PPKS whose families took part (for them the need of that code is met) and the roster
volunteers who took part (a Tagana indicator counts each once a year).

Refused (nothing written): a type of another counting rule (it is recorded per person), an
inactive or unknown type, a missing or future date, an unknown kelurahan, negative or no
participants, more PPKS listed than participants, PPKS on a Tagana activity, a Tagana
activity without a volunteer, more volunteers than participants, a deleted or merged person,
a deleted volunteer; a TKSK outside their own kecamatan.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ConflictError, FieldError, NotFoundError, ValidationError
from spm_desktop.core.domain.groups import ACTIVITY_RULES
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.security.scope import check_region_scope, region_filter
from spm_desktop.core.services.persons import load_person
from spm_desktop.core.storage import catalogue
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import (
    GroupActivity,
    GroupActivityPerson,
    GroupActivityVolunteer,
    Person,
    Region,
    ServiceType,
    Volunteer,
)
from spm_desktop.core.storage.records import live, load_live

# Links get ids derived from (activity, person/volunteer): two databases listing the same
# person on the same activity agree on the row.
LINK_NAMESPACE = uuid.UUID("5d0c8a57-6a55-4c8e-8f3e-2b6e4f1c9a71")
SCOPE_WHAT = "mencatat kegiatan kelompok"


def link_id(activity_id: str, other_id: str) -> str:
    return str(uuid.uuid5(LINK_NAMESPACE, f"{activity_id}:{other_id}"))


@dataclass(frozen=True)
class ActivityInput:
    service_code: str
    activity_date: date | None
    kelurahan_code: str
    participants_male: int = 0
    participants_female: int = 0
    facilitator: str = ""
    notes: str = ""
    person_ids: tuple[str, ...] = ()
    volunteer_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Listed:
    id: str
    name: str
    detail: str  # a person's NIK, a volunteer's organisation


@dataclass(frozen=True)
class ActivityInfo:
    id: str
    service_code: str
    service_name: str
    counting_rule: str
    activity_date: date
    kelurahan_code: str | None
    kelurahan_name: str
    participants_male: int
    participants_female: int
    facilitator: str
    notes: str
    persons: tuple[Listed, ...]
    volunteers: tuple[Listed, ...]

    @property
    def participants(self) -> int:
        return self.participants_male + self.participants_female


@dataclass(frozen=True)
class ActivityType:
    code: str
    name: str
    counting_rule: str


# ----- validation -----------------------------------------------------------------------


def activity_types(s: Session, active_only: bool = True) -> list[ServiceType]:
    return catalogue.service_types(s, active_only=active_only, rules=ACTIVITY_RULES)


def _count(value, field: str, label: str, errors: list[FieldError]) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or isinstance(value, float) or not str(value).strip().isdigit():
        errors.append(FieldError(field, f"{label} harus bilangan bulat 0 atau lebih."))
        return 0
    return int(str(value).strip())


def _unique(ids: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for i in ids or ():
        i = (i or "").strip()
        if i and i not in out:
            out.append(i)
    return tuple(out)


def _master(s: Session) -> tuple[dict[str, ServiceType], dict[str, str]]:
    """(live service types by code, live region levels by code), read once per transaction —
    a sync import checks a thousand activities with these rules."""
    cached = s.info.get("activities.master")
    if cached is None:
        types = catalogue.by_code(s)
        levels = dict(s.execute(select(Region.code, Region.level).where(Region.deleted_at.is_(None))).all())
        cached = s.info["activities.master"] = (types, levels)
    return cached


def _activity_type(s: Session, code: str, errors: list[FieldError]) -> ServiceType | None:
    """The active service type of ``code`` when it is recorded as group activities."""
    st = _master(s)[0].get(code)
    if st is None:
        errors.append(FieldError("service_code", f"Kode layanan {code or '(kosong)'} tidak dikenal."))
    elif st.counting_rule not in ACTIVITY_RULES:
        errors.append(FieldError("service_code", f"Layanan {st.name} dicatat per orang di halaman Catat Layanan, "
                                                 "bukan sebagai kegiatan kelompok."))
    elif not st.active:
        errors.append(FieldError("service_code", f"Layanan {st.name} tidak aktif lagi; tidak bisa dicatat."))
    return st


def _check_activity_date(on: date | None, today: date, errors: list[FieldError]) -> None:
    if on is None:
        errors.append(FieldError("activity_date", "Tanggal kegiatan wajib diisi."))
    elif on > today:
        errors.append(FieldError("activity_date", "Tanggal kegiatan tidak boleh di masa depan."))


def _checked_village(s: Session, code: str | None, errors: list[FieldError]) -> str:
    """The desa/kelurahan code of the place, which must be in the region list."""
    kelurahan = (code or "").strip()
    if not kelurahan:
        errors.append(FieldError("kelurahan_code", "Desa/kelurahan tempat kegiatan wajib dipilih."))
    elif _master(s)[1].get(kelurahan) not in ("kelurahan", "desa"):
        errors.append(FieldError("kelurahan_code", f"Desa/kelurahan {kelurahan} tidak ada di daftar wilayah."))
    return kelurahan


def _check_lists(st: ServiceType | None, total: int, persons: tuple[str, ...], volunteers: tuple[str, ...],
                 errors: list[FieldError]) -> None:
    """Who is listed against how many took part: PPKS for family guidance, roster volunteers
    for Tagana (at least one), never more names than participants."""
    if not any(e.field.startswith("participants") for e in errors) and total == 0:
        errors.append(FieldError("participants_male", "Jumlah peserta (laki-laki + perempuan) paling sedikit 1."))
    tagana = st is not None and st.counting_rule == "named_participants"
    if tagana and persons:
        errors.append(FieldError("person_ids", "Kegiatan Tagana mencantumkan relawan dari daftar relawan, bukan "
                                               "PPKS."))
    elif total and len(persons) > total:
        errors.append(FieldError("person_ids", f"PPKS yang keluarganya ikut ({len(persons)} orang) tidak boleh lebih "
                                               f"banyak dari jumlah peserta ({total})."))
    if tagana and not volunteers:
        errors.append(FieldError("volunteer_ids", "Kegiatan Tagana harus mencantumkan paling sedikit satu relawan "
                                                  "dari daftar relawan."))
    elif total and len(volunteers) > total:
        errors.append(FieldError("volunteer_ids", f"Relawan yang ikut ({len(volunteers)} orang) tidak boleh lebih "
                                                  f"banyak dari jumlah peserta ({total})."))


def _check_listed_exist(s: Session, persons: tuple[str, ...], volunteers: tuple[str, ...],
                        errors: list[FieldError]) -> None:
    for pid in persons:
        try:
            load_person(s, pid, for_write=True)
        except NotFoundError:
            errors.append(FieldError("person_ids", f"Penerima layanan {pid} tidak ditemukan (mungkin sudah dihapus)."))
        except ConflictError as exc:
            errors.append(FieldError("person_ids", exc.message))
    for vid in volunteers:
        v = live(s, Volunteer, vid)
        if v is None:
            errors.append(FieldError("volunteer_ids", f"Relawan {vid} tidak ada di daftar relawan."))


def validate_activity(s: Session, data: ActivityInput, today: date | None = None) -> tuple[ActivityInput, ServiceType]:
    """Check an activity's input; returns it normalised with its service type. Raises
    :class:`ValidationError` listing every problem."""
    today = today or clock.today()
    errors: list[FieldError] = []
    code = (data.service_code or "").strip()
    st = _activity_type(s, code, errors)
    _check_activity_date(data.activity_date, today, errors)
    kelurahan = _checked_village(s, data.kelurahan_code, errors)
    male = _count(data.participants_male, "participants_male", "Jumlah peserta laki-laki", errors)
    female = _count(data.participants_female, "participants_female", "Jumlah peserta perempuan", errors)
    persons, volunteers = _unique(data.person_ids), _unique(data.volunteer_ids)
    _check_lists(st, male + female, persons, volunteers, errors)
    _check_listed_exist(s, persons, volunteers, errors)
    facilitator = " ".join((data.facilitator or "").split())
    if len(facilitator) > 160:
        errors.append(FieldError("facilitator", "Nama fasilitator paling panjang 160 huruf."))
    if errors:
        raise ValidationError(errors)
    assert st is not None
    return replace(data, service_code=code, kelurahan_code=kelurahan, participants_male=male,
                   participants_female=female, facilitator=facilitator, notes=(data.notes or "").strip(),
                   person_ids=persons, volunteer_ids=volunteers), st


# ----- reading --------------------------------------------------------------------------


def load_activity(s: Session, activity_id: str) -> GroupActivity:
    return load_live(s, GroupActivity, activity_id, "Kegiatan kelompok", "activity_id")


def _listed(s: Session, ids: list[str]) -> tuple[dict[str, list[Listed]], dict[str, list[Listed]]]:
    persons: dict[str, list[Listed]] = {i: [] for i in ids}
    volunteers: dict[str, list[Listed]] = {i: [] for i in ids}
    if not ids:
        return persons, volunteers
    for aid, pid, name, nik in s.execute(
            select(GroupActivityPerson.activity_id, Person.id, Person.name, Person.nik)
            .join(Person, Person.id == GroupActivityPerson.person_id)
            .where(GroupActivityPerson.activity_id.in_(ids), GroupActivityPerson.deleted_at.is_(None))
            .order_by(Person.name, Person.id)):
        persons[aid].append(Listed(pid, name, nik or ""))
    for aid, vid, name, org in s.execute(
            select(GroupActivityVolunteer.activity_id, Volunteer.id, Volunteer.name, Volunteer.organisation)
            .join(Volunteer, Volunteer.id == GroupActivityVolunteer.volunteer_id)
            .where(GroupActivityVolunteer.activity_id.in_(ids), GroupActivityVolunteer.deleted_at.is_(None))
            .order_by(Volunteer.name, Volunteer.id)):
        volunteers[aid].append(Listed(vid, name, org or ""))
    return persons, volunteers


def _infos(s: Session, rows: list[GroupActivity]) -> list[ActivityInfo]:
    ids = [a.id for a in rows]
    persons, volunteers = _listed(s, ids)
    types = catalogue.by_code(s, live=False)
    codes = {a.kelurahan_code for a in rows if a.kelurahan_code}
    names = dict(s.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all()) if codes else {}
    out = []
    for a in rows:
        st = types.get(a.service_code)
        out.append(ActivityInfo(
            id=a.id, service_code=a.service_code, service_name=st.name if st else a.service_code,
            counting_rule=st.counting_rule if st else "", activity_date=a.activity_date,
            kelurahan_code=a.kelurahan_code, kelurahan_name=names.get(a.kelurahan_code or "", ""),
            participants_male=a.participants_male, participants_female=a.participants_female,
            facilitator=a.facilitator or "", notes=a.notes or "", persons=tuple(persons[a.id]),
            volunteers=tuple(volunteers[a.id])))
    return out


def get_activity(db: Database, actor: Actor, activity_id: str) -> ActivityInfo:
    require(actor, "person.view")
    with db.reading() as s:
        return _infos(s, [load_activity(s, activity_id)])[0]


def list_activities(db: Database, actor: Actor, year: int | None = None, service_code: str | None = None,
                    person_id: str | None = None, volunteer_id: str | None = None) -> list[ActivityInfo]:
    """Live activities, newest first (a TKSK sees those of their own kecamatan), optionally of
    one year, one service code, listing one person or one volunteer."""
    require(actor, "person.view")
    with db.reading() as s:
        q = select(GroupActivity).where(GroupActivity.deleted_at.is_(None),
                                        region_filter(actor, GroupActivity.kelurahan_code))
        if year is not None:
            q = q.where(GroupActivity.activity_date >= date(year, 1, 1),
                        GroupActivity.activity_date <= date(year, 12, 31))
        if service_code:
            q = q.where(GroupActivity.service_code == service_code)
        if person_id:
            q = q.where(GroupActivity.id.in_(select(GroupActivityPerson.activity_id).where(
                GroupActivityPerson.person_id == person_id, GroupActivityPerson.deleted_at.is_(None))))
        if volunteer_id:
            q = q.where(GroupActivity.id.in_(select(GroupActivityVolunteer.activity_id).where(
                GroupActivityVolunteer.volunteer_id == volunteer_id, GroupActivityVolunteer.deleted_at.is_(None))))
        rows = list(s.scalars(q.order_by(GroupActivity.activity_date.desc(), GroupActivity.created_at.desc(),
                                         GroupActivity.id)))
        return _infos(s, rows)


def list_activity_types(db: Database, actor: Actor) -> list[ActivityType]:
    """The active service types recorded as group activities, in catalogue order."""
    require(actor, "person.view")
    with db.reading() as s:
        return [ActivityType(t.code, t.name, t.counting_rule) for t in activity_types(s)]


# ----- writing --------------------------------------------------------------------------


def _apply(a: GroupActivity, data: ActivityInput) -> None:
    a.service_code, a.activity_date, a.kelurahan_code = data.service_code, data.activity_date, data.kelurahan_code
    a.participants_male, a.participants_female = data.participants_male, data.participants_female
    a.facilitator, a.notes = data.facilitator, data.notes


def _sync_links(s: Session, model, column: str, activity_id: str, wanted: tuple[str, ...]) -> bool:
    """Make the live links of ``activity_id`` exactly ``wanted`` (revive, add, soft-delete)."""
    changed = False
    links = s.scalars(select(model).where(model.activity_id == activity_id))
    existing = {getattr(link, column): link for link in links}
    for other in wanted:
        link = existing.get(other)
        if link is None:
            s.add(model(id=link_id(activity_id, other), activity_id=activity_id, **{column: other}))
            changed = True
        elif link.deleted_at is not None:
            link.deleted_at = None
            changed = True
    now = utcnow()
    for other, link in existing.items():
        if other not in wanted and link.deleted_at is None:
            link.deleted_at = now
            changed = True
    return changed


def _live_links(s: Session, model, column: str, activity_id: str) -> list[str]:
    return sorted(s.scalars(select(getattr(model, column)).where(model.activity_id == activity_id,
                                                                 model.deleted_at.is_(None))))


def _snapshot(s: Session, a: GroupActivity) -> dict:
    snap = audit.snapshot(a) or {}
    snap["person_ids"] = _live_links(s, GroupActivityPerson, "person_id", a.id)
    snap["volunteer_ids"] = _live_links(s, GroupActivityVolunteer, "volunteer_id", a.id)
    return snap


def record_activity_in(s: Session, actor: Actor, data: ActivityInput, activity_id: str | None = None) -> GroupActivity:
    """Record an activity inside the caller's transaction (audited)."""
    data, _ = validate_activity(s, data)
    check_region_scope(actor, data.kelurahan_code, SCOPE_WHAT)
    a = GroupActivity(id=activity_id) if activity_id else GroupActivity()
    _apply(a, data)
    s.add(a)
    s.flush()
    _sync_links(s, GroupActivityPerson, "person_id", a.id, data.person_ids)
    _sync_links(s, GroupActivityVolunteer, "volunteer_id", a.id, data.volunteer_ids)
    s.flush()
    audit.record(s, "create", "group_activity", a.id, after=_snapshot(s, a))
    return a


def update_activity_in(s: Session, actor: Actor, activity_id: str, data: ActivityInput) -> tuple[GroupActivity, bool]:
    """Change an activity inside the caller's transaction; (activity, whether anything changed)."""
    a = load_activity(s, activity_id)
    check_region_scope(actor, a.kelurahan_code, SCOPE_WHAT)
    data, _ = validate_activity(s, data)
    check_region_scope(actor, data.kelurahan_code, SCOPE_WHAT)
    before = _snapshot(s, a)
    _apply(a, data)
    changed = s.is_modified(a)
    changed |= _sync_links(s, GroupActivityPerson, "person_id", a.id, data.person_ids)
    changed |= _sync_links(s, GroupActivityVolunteer, "volunteer_id", a.id, data.volunteer_ids)
    if not changed:
        return a, False
    s.flush()
    audit.record(s, "update", "group_activity", a.id, before=before, after=_snapshot(s, a))
    return a, True


def record_activity(db: Database, actor: Actor, data: ActivityInput) -> ActivityInfo:
    """Record one group activity (see the module docstring for what is refused)."""
    require(actor, "activity.write")
    with db.transaction(actor) as s:
        return _infos(s, [record_activity_in(s, actor, data)])[0]


def update_activity(db: Database, actor: Actor, activity_id: str, data: ActivityInput) -> ActivityInfo:
    """Replace an activity's values and lists (same rules). Unchanged values write nothing."""
    require(actor, "activity.write")
    with db.transaction(actor) as s:
        a, _ = update_activity_in(s, actor, activity_id, data)
        return _infos(s, [a])[0]


def delete_activity(db: Database, actor: Actor, activity_id: str) -> None:
    """Remove an activity recorded by mistake (soft delete with its lists; travels with sync)."""
    require(actor, "activity.write")
    with db.transaction(actor) as s:
        a = load_activity(s, activity_id)
        check_region_scope(actor, a.kelurahan_code, SCOPE_WHAT)
        before = _snapshot(s, a)
        now = utcnow()
        a.deleted_at = now
        for model in (GroupActivityPerson, GroupActivityVolunteer):
            for link in s.scalars(select(model).where(model.activity_id == a.id, model.deleted_at.is_(None))):
                link.deleted_at = now
        s.flush()
        audit.record(s, "delete", "group_activity", a.id, before=before, after=audit.snapshot(a))


def move_person_links(s: Session, survivor_id: str, other_id: str) -> int:
    """A merge: the activities listing ``other`` list ``survivor`` instead (inside the merge's
    transaction). Returns how many activities now list the survivor through the move."""
    moved = 0
    mine = set(s.scalars(select(GroupActivityPerson.activity_id).where(
        GroupActivityPerson.person_id == survivor_id, GroupActivityPerson.deleted_at.is_(None))))
    now = utcnow()
    for link in s.scalars(select(GroupActivityPerson).where(GroupActivityPerson.person_id == other_id,
                                                            GroupActivityPerson.deleted_at.is_(None))).all():
        link.deleted_at = now
        if link.activity_id not in mine:
            _sync_links(s, GroupActivityPerson, "person_id", link.activity_id,
                        (*_live_links(s, GroupActivityPerson, "person_id", link.activity_id), survivor_id))
            mine.add(link.activity_id)
            moved += 1
    return moved


__all__ = [
    "ActivityInput", "ActivityInfo", "ActivityType", "Listed", "record_activity", "update_activity",
    "delete_activity", "get_activity", "list_activities", "list_activity_types", "record_activity_in",
    "update_activity_in", "validate_activity", "load_activity", "activity_types", "move_person_links", "link_id",
]
