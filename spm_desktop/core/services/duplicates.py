"""Possible duplicate persons: the warning before saving, the review list, and merging.

The same human is often registered twice (at a shelter and by a TKSK). With a NIK the
database refuses the second registration outright (:class:`persons.DuplicateNikError`).
Without one, a person of the same sex whose name is similar (:func:`core.domain.names.match_names`:
titles, bin/binti, given-name prefixes such as Siti/Sri/Andi/Teuku/I Made, old spellings,
Chinese word order), born within ±:data:`BIRTH_YEAR_TOLERANCE` years and scoring at least
:data:`CANDIDATE_THRESHOLD` in :func:`pair_score` (birth date, NIK digits, No. KK and
desa/kelurahan agreeing or not) is a *candidate* — one search for the form and the import:
the form shows the candidates before saving (:func:`find_duplicate_candidates`, or the
:class:`~.candidates.PossibleDuplicatesError` that ``register_person`` raises; the search itself
is :mod:`.candidates`), and a registration the
user confirms anyway puts the pairs on the review list (``DuplicateCandidate`` rows:
open → not_duplicate | merged). :func:`merge_persons` moves every case, service event and
household membership of one person to the survivor and marks the other ``merged_into``;
merged persons receive no new events, and roll-ups count them as their survivor.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from spm_desktop.core.domain.names import search_key
from spm_desktop.core.domain.nik import parse_nik
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services import persons as persons_svc
from spm_desktop.core.services.activities import move_person_links
from spm_desktop.core.services.candidates import (
    BIRTH_YEAR_TOLERANCE,
    FACT_COLUMNS,
    MAX_CANDIDATES,
    Candidate,
    Facts,
    candidates_in,
    ordered_pair,
    pair_score,
    person_facts,
    remember_candidates,
    village_parents,
)
from spm_desktop.core.services.person_search import PersonRow, rows_by_id
from spm_desktop.core.storage.base import new_id, utcnow
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import (
    Case,
    DuplicateCandidate,
    Household,
    HouseholdMember,
    Person,
    ServiceEvent,
)
from spm_desktop.core.storage.records import live

REVIEW_STATUSES = ("open", "not_duplicate", "merged")


@dataclass(frozen=True)
class DuplicatePair:
    """One row of the review list, with both persons' main data."""

    id: str
    status: str
    score: int
    reason: str
    reviewed_by: str
    a: PersonRow
    b: PersonRow


@dataclass(frozen=True)
class MergeResult:
    survivor_id: str
    merged_id: str
    cases_moved: int
    events_moved: int
    memberships_moved: int


def find_duplicate_candidates(db: Database, actor: Actor, draft: persons_svc.PersonDraft,
                              exclude_person_id: str | None = None) -> list[Candidate]:
    """Candidates for a form being filled in (no validation: what is there is used).

    Also reports the person already holding the draft's NIK, with score 100.
    """
    require(actor, "person.view")
    birth_year = draft.birth_date.year if draft.birth_date else draft.birth_year
    sex = (draft.sex or "").strip().upper()
    nik = (draft.nik or "").strip() or None
    kelurahan = (draft.kelurahan_code or "").strip() or None
    probe = persons_svc.PersonDraft(name=draft.name or "", alias=draft.alias or "", sex=sex, nik=nik,
                                    no_kk=(draft.no_kk or "").strip() or None, birth_date=draft.birth_date,
                                    birth_year=birth_year, kelurahan_code=kelurahan)
    exclude = (exclude_person_id,) if exclude_person_id else ()
    with db.reading() as s:
        out: list[Candidate] = []
        if nik:
            holder = s.execute(select(Person).where(Person.nik == nik, Person.deleted_at.is_(None))).scalar()
            if holder is not None and holder.id not in exclude:
                out.append(Candidate(person_id=holder.id, name=holder.name, alias=holder.alias or "", sex=holder.sex,
                                     nik=holder.nik, birth_date=holder.birth_date, birth_year=holder.birth_year,
                                     kelurahan_code=holder.kelurahan_code, score=100, reason="NIK sama"))
        seen = {c.person_id for c in out}
        out.extend(c for c in candidates_in(s, probe, exclude) if c.person_id not in seen)
        return out


def scan_for_duplicates(db: Database, actor: Actor, person_ids: list[str] | None = None) -> int:
    """Look for candidates of the given persons (all persons when None); new pairs go on the
    review list. Returns how many pairs were added. Used after imports and sync."""
    require(actor, "person.write")
    with db.transaction(actor) as s:
        q = select(Person).where(Person.deleted_at.is_(None), Person.merged_into.is_(None))
        if person_ids is not None:
            q = q.where(Person.id.in_(person_ids))
        added = 0
        for p in s.scalars(q).all():
            draft = persons_svc.PersonDraft(name=p.name, alias=p.alias or "", sex=p.sex, nik=p.nik, no_kk=p.no_kk,
                                            birth_date=p.birth_date, birth_year=p.birth_year,
                                            kelurahan_code=p.kelurahan_code)
            added += remember_candidates(s, p, candidates_in(s, draft, (p.id,)))
        return added


def record_candidates_bulk(s: Session, person_ids: list[str]) -> int:
    """Put every candidate pair involving ``person_ids`` on the review list, in one pass.

    For bulk writers (file import): the same search as :func:`candidates_in` — same name keys,
    same sex, birth year within the tolerance, scored by :func:`pair_score` — but every live
    person is read once and grouped by (sex, name key) in memory instead of one query per new
    person. At most :data:`MAX_CANDIDATES` pairs per new person, best first.
    """
    new = set(person_ids)
    if not new:
        return 0
    parents = village_parents(s)
    people: dict[str, Facts] = {}
    blocks: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for r in s.execute(select(*FACT_COLUMNS).where(Person.deleted_at.is_(None), Person.merged_into.is_(None))):
        facts = person_facts(r, parents)
        people[r.id] = facts
        for key in facts.keys():
            blocks.setdefault((facts.sex, key), []).append((facts.birth_year or -1, r.id))
    for members in blocks.values():
        members.sort()
    existing = {(a, b) for a, b in s.execute(select(DuplicateCandidate.person_a_id, DuplicateCandidate.person_b_id))}
    per_person: dict[str, int] = {}
    added = 0
    for pid in sorted(new):
        probe = people.get(pid)
        if probe is None:
            continue
        others = _block_mates(probe, blocks)
        others.discard(pid)
        scored = []
        for other in others:
            if other in new and other < pid:
                continue  # judged when ``other`` was the probe: the counts below only grow, so again the same
            pair = ordered_pair(pid, other)
            if pair in existing:
                continue
            result = pair_score(probe, people[other])
            if result is not None:
                scored.append((-result[0], other, result))
        for _neg, other, (score, reasons) in sorted(scored):
            if per_person.get(pid, 0) >= MAX_CANDIDATES or per_person.get(other, 0) >= MAX_CANDIDATES:
                continue
            pair = ordered_pair(pid, other)
            if pair in existing:
                continue
            existing.add(pair)
            per_person[pid] = per_person.get(pid, 0) + 1
            per_person[other] = per_person.get(other, 0) + 1
            row = DuplicateCandidate(id=new_id(), person_a_id=pair[0], person_b_id=pair[1], score=score,
                                     status="open", reason=", ".join(reasons))
            s.add(row)
            audit.record(s, "create", "duplicate_candidate", row.id, after={
                "person_a_id": pair[0], "person_b_id": pair[1], "score": score, "reason": row.reason})
            added += 1
    return added


def _block_mates(probe: Facts, blocks: dict[tuple[str, str], list[tuple[int, str]]]) -> set[str]:
    """The persons sharing a name key and the sex with ``probe``, birth year within the
    tolerance or unknown on either side (``blocks``: sorted by birth year, unknown as -1)."""
    import bisect

    others: set[str] = set()
    for key in probe.keys():
        members = blocks.get((probe.sex, key), [])
        unknown_end = bisect.bisect_left(members, (0, ""))
        others.update(i for _, i in members[:unknown_end])  # unknown birth year
        if probe.birth_year:
            lo = bisect.bisect_left(members, (probe.birth_year - BIRTH_YEAR_TOLERANCE, ""))
            hi = bisect.bisect_right(members, (probe.birth_year + BIRTH_YEAR_TOLERANCE, "\uffff"))
            others.update(i for _, i in members[lo:hi])
        else:
            others.update(i for _, i in members[unknown_end:])
    return others


# ----- review list -----------------------------------------------------------------------


def list_duplicate_pairs(db: Database, actor: Actor, status: str | None = "open") -> list[DuplicatePair]:
    """The review list (``status`` None: every pair), highest similarity first."""
    require(actor, "person.view")
    if status is not None and status not in REVIEW_STATUSES:
        raise ValidationError(f"Status '{status}' tidak dikenal.", "status")
    with db.reading() as s:
        q = select(DuplicateCandidate).where(DuplicateCandidate.deleted_at.is_(None))
        if status is not None:
            q = q.where(DuplicateCandidate.status == status)
        pairs = s.scalars(q.order_by(DuplicateCandidate.score.desc(), DuplicateCandidate.created_at)).all()
        ids = {i for p in pairs for i in (p.person_a_id, p.person_b_id)}
        rows = {r.id: r for r in rows_by_id(s, sorted(ids))}
        return [DuplicatePair(id=p.id, status=p.status, score=p.score, reason=p.reason, reviewed_by=p.reviewed_by,
                              a=rows[p.person_a_id], b=rows[p.person_b_id])
                for p in pairs if p.person_a_id in rows and p.person_b_id in rows]


def open_pairs_for_export(db: Database, actor: Actor) -> list[dict]:
    """The open pairs as plain data for ``spm-desktop duplicates --json``, highest score first:
    ``{"a": {"id", "ref", "nama"}, "b": {…}, "score", "alasan"}`` (``ref``: the id in the import file)."""
    require(actor, "person.view")
    with db.reading() as s:
        pairs = s.execute(select(DuplicateCandidate.person_a_id, DuplicateCandidate.person_b_id,
                                 DuplicateCandidate.score, DuplicateCandidate.reason)
                          .where(DuplicateCandidate.status == "open", DuplicateCandidate.deleted_at.is_(None))
                          .order_by(DuplicateCandidate.score.desc(), DuplicateCandidate.person_a_id,
                                    DuplicateCandidate.person_b_id)).all()
        ids = sorted({i for p in pairs for i in (p.person_a_id, p.person_b_id)})
        people = {}
        for chunk in range(0, len(ids), 500):
            people.update((r.id, {"id": r.id, "ref": r.import_ref, "nama": r.name}) for r in s.execute(
                select(Person.id, Person.import_ref, Person.name).where(Person.id.in_(ids[chunk:chunk + 500]))))
    return [{"a": people[p.person_a_id], "b": people[p.person_b_id], "score": p.score, "alasan": p.reason}
            for p in pairs if p.person_a_id in people and p.person_b_id in people]


def count_open_pairs(db: Database, actor: Actor) -> int:
    """Unreviewed pairs (the recap warns about them)."""
    require(actor, "person.view")
    from sqlalchemy import func

    with db.reading() as s:
        return int(s.scalar(select(func.count()).select_from(DuplicateCandidate).where(
            DuplicateCandidate.status == "open", DuplicateCandidate.deleted_at.is_(None))) or 0)


def mark_not_duplicate(db: Database, actor: Actor, pair_id: str) -> None:
    """The reviewer decided the two are different persons."""
    require(actor, "person.merge")
    with db.transaction(actor) as s:
        pair = live(s, DuplicateCandidate, pair_id)
        if pair is None:
            raise NotFoundError("Pasangan data ganda tidak ditemukan.", "pair_id")
        if pair.status != "open":
            raise ConflictError("Pasangan ini sudah diperiksa.", "pair_id")
        before = audit.snapshot(pair)
        pair.status = "not_duplicate"
        pair.reviewed_by = actor.username
        s.flush()
        audit.record(s, "update", "duplicate_candidate", pair.id, before=before, after=pair)


# ----- merging ---------------------------------------------------------------------------

_FILLABLE = ("no_kk", "birth_date", "birth_place", "address", "kelurahan_code", "category_code", "disability_type",
             "phone")


def _merge_fields(survivor: Person, other: Person) -> None:
    """Fill what the survivor lacks from the other; keep the other's name as an alias."""
    for name in _FILLABLE:
        if not getattr(survivor, name) and getattr(other, name):
            setattr(survivor, name, getattr(other, name))
    if survivor.birth_date is not None:
        survivor.birth_year, survivor.birth_year_estimated = survivor.birth_date.year, False
    elif survivor.birth_year is None and other.birth_year is not None:
        survivor.birth_year, survivor.birth_year_estimated = other.birth_year, other.birth_year_estimated
    aliases = [a for a in (survivor.alias or "", other.name, other.alias or "") if a]
    known = {search_key(survivor.name)}
    merged_alias: list[str] = []
    for a in aliases:
        if search_key(a) not in known:
            known.add(search_key(a))
            merged_alias.append(a)
    survivor.alias = ", ".join(merged_alias)[:160]
    if other.notes and other.notes not in (survivor.notes or ""):
        survivor.notes = f"{survivor.notes}\n{other.notes}".strip()
    survivor.search_name = search_key(survivor.name, survivor.alias)


def merge_persons(db: Database, actor: Actor, survivor_id: str, other_id: str) -> MergeResult:
    """Merge ``other`` into ``survivor`` in one transaction.

    Every case, service event and household membership (and household headship) of the
    other moves to the survivor; the survivor gets the other's NIK/KK/birth data where it
    has none and the other's name as an alias; the other is marked ``merged_into`` and can
    no longer receive events. Refused: same person, either one deleted or already merged,
    two different NIKs, two open cases of the same SPM group, or both in different
    households of one disaster. The audit entry holds both persons before and after.
    """
    require(actor, "person.merge")
    if survivor_id == other_id:
        raise ValidationError("Pilih dua data yang berbeda untuk digabung.", "other_id")
    with db.transaction(actor) as s:
        survivor = persons_svc.load_person(s, survivor_id, for_write=True)
        other = persons_svc.load_person(s, other_id, for_write=True)
        if survivor.nik and other.nik and survivor.nik != other.nik:
            raise ConflictError(f"Kedua data memiliki NIK berbeda ({survivor.nik} dan {other.nik}); "
                                "dua NIK yang sah berarti dua orang yang berbeda.", "other_id")
        open_groups = {c.spm_group for c in s.scalars(select(Case).where(
            Case.person_id == survivor.id, Case.status == "open", Case.deleted_at.is_(None)))}
        other_open = s.scalars(select(Case).where(
            Case.person_id == other.id, Case.status == "open", Case.deleted_at.is_(None)))
        clash = [c.spm_group for c in other_open if c.spm_group in open_groups]
        if clash:
            raise ConflictError(f"Keduanya memiliki kasus terbuka kelompok {', '.join(sorted(set(clash)))}; tutup "
                                "salah satu kasus dulu sebelum menggabungkan.", "other_id")
        before = {"survivor": audit.snapshot(survivor), "merged": audit.snapshot(other)}
        memberships_moved = _move_memberships(s, survivor, other)
        cases_moved = 0
        for c in s.scalars(select(Case).where(Case.person_id == other.id)).all():
            c.person_id = survivor.id
            cases_moved += 1
        events_moved = 0
        for e in s.scalars(select(ServiceEvent).where(ServiceEvent.person_id == other.id)).all():
            e.person_id = survivor.id
            events_moved += 1
        for h in s.scalars(select(Household).where(Household.head_person_id == other.id)).all():
            h.head_person_id = survivor.id
        move_person_links(s, survivor.id, other.id)
        nik = other.nik
        if nik and not survivor.nik:
            other.nik = None
            s.flush()
            survivor.nik = nik
        _merge_fields(survivor, other)
        _check_merged_identity(survivor)
        other.merged_into = survivor.id
        _settle_pairs(s, survivor.id, other.id, actor)
        s.flush()
        after = {"survivor": audit.snapshot(survivor), "merged": audit.snapshot(other),
                 "cases_moved": cases_moved, "events_moved": events_moved, "memberships_moved": memberships_moved}
        audit.record(s, "merge", "person", survivor.id, before=before, after=after)
        return MergeResult(survivor.id, other.id, cases_moved, events_moved, memberships_moved)


def _check_merged_identity(survivor: Person) -> None:
    """The merged person must still satisfy the NIK rules of a local write: a NIK or a birth
    date taken from the other record may disagree with the survivor's sex or birth date (a
    record other computers would then refuse in a sync package). Refused, nothing merged."""
    if not survivor.nik:
        return
    try:
        info = parse_nik(survivor.nik, check_region=False)
    except ValidationError:
        return  # an old stored NIK that fails today's digit rules: `check` lists it
    if survivor.sex in ("L", "P") and survivor.sex != info.sex:
        raise ConflictError(
            f"NIK {survivor.nik} milik {'perempuan' if info.sex == 'P' else 'laki-laki'} (digit 7–8 = "
            f"{survivor.nik[6:8]}), sedangkan jenis kelamin data yang dipertahankan "
            f"{'perempuan' if survivor.sex == 'P' else 'laki-laki'}; perbaiki jenis kelamin atau NIK salah satu "
            "data dulu, lalu gabungkan.", "other_id")
    if survivor.birth_date is not None and not info.birth_date_matches(survivor.birth_date):
        raise ConflictError(
            f"Digit 7–12 NIK {survivor.nik} tidak cocok dengan tanggal lahir "
            f"{short_date(survivor.birth_date)} hasil penggabungan; perbaiki tanggal lahir atau NIK salah satu "
            "data dulu, lalu gabungkan.", "other_id")


def _move_memberships(s: Session, survivor: Person, other: Person) -> int:
    moved = 0
    mine = {m.disaster_id: m for m in s.scalars(select(HouseholdMember).where(
        HouseholdMember.person_id == survivor.id))}
    for m in s.scalars(select(HouseholdMember).where(HouseholdMember.person_id == other.id)).all():
        own = mine.get(m.disaster_id)
        if own is None:
            m.person_id = survivor.id
            moved += 1
            continue
        if own.deleted_at is None and m.deleted_at is None and own.household_id != m.household_id:
            raise ConflictError("Keduanya tercatat di rumah tangga yang berbeda pada bencana yang sama; "
                                "perbaiki data rumah tangga dulu.", "other_id")
        # Same household (or one already removed): keep one membership, the flags of both.
        own.pregnant_breastfeeding = own.pregnant_breastfeeding or m.pregnant_breastfeeding
        own.disability = own.disability or m.disability
        if own.deleted_at is not None and m.deleted_at is None:
            own.deleted_at, own.household_id, own.relation = None, m.household_id, m.relation
        if m.deleted_at is None:

            m.deleted_at = utcnow()
    return moved


def _settle_pairs(s: Session, survivor_id: str, other_id: str, actor: Actor) -> None:
    """The merged pair becomes ``merged``; other pairs of the merged person move to the survivor."""
    pairs = s.scalars(select(DuplicateCandidate).where(or_(
        DuplicateCandidate.person_a_id == other_id, DuplicateCandidate.person_b_id == other_id))).all()
    for pair in pairs:
        third = pair.person_b_id if pair.person_a_id == other_id else pair.person_a_id
        if third == survivor_id:
            pair.status, pair.reviewed_by = "merged", actor.username
            continue
        a, b = ordered_pair(survivor_id, third)
        taken = s.scalar(select(DuplicateCandidate.id).where(
            DuplicateCandidate.person_a_id == a, DuplicateCandidate.person_b_id == b))
        if taken:
            pair.status, pair.reviewed_by = "merged", actor.username
        else:
            pair.person_a_id, pair.person_b_id = a, b


def resolve_person_id(s: Session, person_id: str) -> str:
    """The surviving person of ``person_id`` (following merges)."""
    seen: set[str] = set()
    current = person_id
    while current not in seen:
        seen.add(current)
        nxt = s.scalar(select(Person.merged_into).where(Person.id == current))
        if not nxt:
            return current
        current = nxt
    return current


__all__ = [
    "DuplicatePair", "MergeResult", "find_duplicate_candidates", "scan_for_duplicates", "list_duplicate_pairs",
    "open_pairs_for_export", "count_open_pairs", "mark_not_duplicate", "merge_persons", "resolve_person_id",
    "record_candidates_bulk",
]
