"""Changing the families of a disaster after they were entered: edit a family (members
added, changed or taken out), remove a family entered by mistake, and the one-member-per-row
writer of the ``households`` file import. Same rules as :mod:`.households`; one transaction
per public call, audited.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.groups import HOUSEHOLD_RELATIONS
from spm_desktop.core.domain.nik import check_no_kk, clean_identity
from spm_desktop.core.domain.vulnerable import vulnerable_kinds
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services import persons
from spm_desktop.core.services.disasters import check_disaster_scope, load_disaster
from spm_desktop.core.services.households import (
    HouseholdInfo,
    HouseholdInput,
    add_members,
    audit_view,
    check_not_member_elsewhere,
    check_waiver_fits,
    household_info,
    households_of,
    member_order,
    membership_of,
    place_member,
    validate_household,
    waiver_problems,
)
from spm_desktop.core.services.settings import load_settings
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Household, HouseholdMember, Person
from spm_desktop.core.storage.records import load_live


def load_household(s: Session, household_id: str) -> Household:
    return load_live(s, Household, household_id, "Data keluarga", "household_id")


def get_household(db: Database, actor: Actor, household_id: str) -> HouseholdInfo:
    """One family with its members (members in the order kepala, spouse, children, others)."""
    require(actor, "person.view")
    with db.reading() as s:
        hh = load_household(s, household_id)
        found = next((h for h in households_of(s, load_disaster(s, hh.disaster_id)) if h.id == hh.id), None)
        return found or household_info(hh, [])


def update_household(db: Database, actor: Actor, household_id: str, data: HouseholdInput) -> HouseholdInfo:
    """Replace a family's data and member list. Rows carrying ``person_id`` are members kept
    (their relation and flags may change; the person's own data is edited on the person page),
    rows without it are added (linked by NIK or registered), members left out are taken out
    of the family (their services stay recorded)."""
    require(actor, "disaster.write")
    with db.transaction(actor) as s:
        hh = load_household(s, household_id)
        disaster = load_disaster(s, hh.disaster_id)
        check_disaster_scope(actor, disaster.kelurahan_code)
        if data.disaster_id != disaster.id:
            raise ValidationError("Keluarga tidak bisa dipindah ke bencana lain; hapus lalu daftarkan lagi.",
                                  "disaster_id")
        validate_household(s, data, disaster, exclude_household_id=hh.id)
        before = next((audit_view(h) for h in households_of(s, disaster) if h.id == hh.id), None)
        kept = {persons.load_person(s, m.person_id).id for m in data.members if m.person_id}
        now = utcnow()
        for hm in s.scalars(select(HouseholdMember).where(HouseholdMember.household_id == hh.id,
                                                          HouseholdMember.deleted_at.is_(None))):
            if hm.person_id not in kept:
                hm.deleted_at = now
        hh.no_kk, hh.address = clean_identity(data.no_kk), data.address.strip()
        hh.damage_level, hh.notes, hh.head_person_id = data.damage_level, data.notes.strip(), None
        hh.displaced = bool(data.displaced)
        s.flush()
        members = sorted(add_members(s, actor, disaster, hh, data.members), key=member_order)
        info = household_info(hh, members)
        audit.record(s, "update", "household", hh.id, before=before, after=audit_view(info))
        return info


def remove_household(db: Database, actor: Actor, household_id: str) -> None:
    """Delete a family entered by mistake (soft delete of the household and its memberships;
    the persons and any services already given stay)."""
    require(actor, "disaster.write")
    with db.transaction(actor) as s:
        hh = load_household(s, household_id)
        disaster = load_disaster(s, hh.disaster_id)
        check_disaster_scope(actor, disaster.kelurahan_code)
        now = utcnow()
        before = audit.snapshot(hh)
        for hm in s.scalars(select(HouseholdMember).where(HouseholdMember.household_id == hh.id,
                                                          HouseholdMember.deleted_at.is_(None))):
            hm.deleted_at = now
        hh.deleted_at = now
        s.flush()
        audit.record(s, "delete", "household", hh.id, before=before)


def put_member_in(s: Session, actor: Actor, disaster_id: str, no_kk: str, person_id: str, relation: str,
                  pregnant_breastfeeding: bool = False, disability: bool = False, *,
                  household_id: str | None = None, member_id: str | None = None, displaced: bool = False,
                  needs_psychosocial: bool = False, waived: tuple[str, ...] = (),
                  waiver_reason: str = "") -> tuple[Household, str]:
    """One member of a household of a disaster, inside the caller's transaction (the file
    import: one row per member). The household is found by its No. KK in the disaster, or
    created with ``household_id``; ``displaced`` is the family's (the caller keeps it the same
    for every row of a family). Returns the household and "created"/"updated"/"unchanged"."""
    disaster = load_disaster(s, disaster_id)
    check_disaster_scope(actor, disaster.kelurahan_code)
    no_kk = check_no_kk(no_kk)
    if relation not in HOUSEHOLD_RELATIONS:
        raise ValidationError("Hubungan keluarga harus kepala, istri, suami, anak atau lainnya.", "relation")
    problems = waiver_problems(waived, waiver_reason)
    if problems:
        raise ValidationError(" ".join(p[0].upper() + p[1:] for p in problems), "waived")
    person = persons.load_person(s, person_id)
    while person.merged_into:
        person = persons.load_person(s, person.merged_into)
    if pregnant_breastfeeding and person.sex == "L":
        raise ValidationError(f"{person.name} laki-laki: hamil/menyusui hanya untuk perempuan.",
                              "pregnant_breastfeeding")
    hh = s.scalars(select(Household).where(Household.disaster_id == disaster.id, Household.no_kk == no_kk,
                                           Household.deleted_at.is_(None))).first()
    if hh is None:
        hh = Household(disaster_id=disaster.id, no_kk=no_kk, displaced=bool(displaced))
        if household_id:
            hh.id = household_id
        audit.record_create(s, hh, "household")
    elif bool(hh.displaced) != bool(displaced):
        before_hh = audit.snapshot(hh)
        hh.displaced = bool(displaced)
        s.flush()
        audit.record(s, "update", "household", hh.id, before=before_hh, after=hh)
    kinds = vulnerable_kinds(disaster.start_date, person.birth_date, person.birth_year, pregnant_breastfeeding,
                             disability, load_settings(s).usia_rentan_anak)
    check_waiver_fits(person.name, "waived", waived, bool(displaced), kinds, needs_psychosocial)
    check_not_member_elsewhere(s, disaster, person, -1, hh.id)
    if relation == "kepala":
        if hh.head_person_id and hh.head_person_id != person.id:
            head = s.get(Person, hh.head_person_id)
            raise ValidationError(f"KK {no_kk} sudah punya kepala keluarga ({head.name if head else '-'}); satu "
                                  "keluarga hanya boleh satu kepala.", "relation")
        hh.head_person_id = person.id
    elif hh.head_person_id == person.id:
        hh.head_person_id = None
    before = audit.snapshot(membership_of(s, disaster.id, person.id))
    hm, outcome = place_member(s, hh, person.id, relation, pregnant_breastfeeding, disability, member_id,
                               needs_psychosocial=needs_psychosocial, waived=waived, waiver_reason=waiver_reason)
    s.flush()
    if outcome != "unchanged":
        audit.record(s, "create" if outcome == "created" else "update", "household_member", hm.id,
                     before=before if outcome == "updated" else None, after=hm)
    return hh, outcome


def households_without_head(s: Session, household_ids: list[str]) -> list[Household]:
    """Those of ``household_ids`` that have no kepala keluarga (the import checks this at the end)."""
    if not household_ids:
        return []
    return list(s.scalars(select(Household).where(Household.id.in_(household_ids),
                                                  Household.head_person_id.is_(None))))


