"""Possible duplicate persons: the warning before saving, the review list, and merging.

The same human is often registered twice (at a shelter and by a TKSK). With a NIK the
database refuses the second registration outright (:class:`persons.DuplicateNikError`).
Without one, a person of the same sex whose name is similar (:func:`core.domain.names.match_names`:
titles, bin/binti, given-name prefixes such as Siti/Sri/Andi/Teuku/I Made, old spellings,
Chinese word order), born within ±:data:`BIRTH_YEAR_TOLERANCE` years and scoring at least
:data:`CANDIDATE_THRESHOLD` in :func:`pair_score` (birth date, NIK digits, No. KK and
desa/kelurahan agreeing or not) is a *candidate* — one search for the form and the import:
the form shows the candidates before saving (:func:`find_duplicate_candidates`, or the
:class:`PossibleDuplicatesError` that ``register_person`` raises), and a registration the
user confirms anyway puts the pairs on the review list (``DuplicateCandidate`` rows:
open → not_duplicate | merged). :func:`merge_persons` moves every case, service event and
household membership of one person to the survivor and marks the other ``merged_into``;
merged persons receive no new events, and roll-ups count them as their survivor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from spm_desktop.core.domain.names import NameForm, match_names, name_form, search_key
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services import persons as persons_svc
from spm_desktop.core.services.activities import move_person_links
from spm_desktop.core.storage.base import new_id
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import (
    Case,
    DuplicateCandidate,
    Household,
    HouseholdMember,
    Person,
    PersonNameKey,
    Region,
    ServiceEvent,
)

BIRTH_YEAR_TOLERANCE = 2
MAX_CANDIDATES = 10
REVIEW_STATUSES = ("open", "not_duplicate", "merged")


@dataclass(frozen=True)
class Candidate:
    """A person who may be the one being registered."""

    person_id: str
    name: str
    alias: str
    sex: str
    nik: str | None
    birth_date: date | None
    birth_year: int | None
    kelurahan_code: str | None
    score: int  # name similarity 0..100
    reason: str


class PossibleDuplicatesError(ConflictError):
    """Similar persons exist; show ``candidates`` and ask the user before saving."""

    def __init__(self, candidates: list[Candidate]) -> None:
        names = ", ".join(c.name for c in candidates[:3])
        more = f" dan {len(candidates) - 3} lainnya" if len(candidates) > 3 else ""
        super().__init__(
            f"Kemungkinan orang yang sama sudah terdaftar: {names}{more}. Periksa dulu; bila memang "
            "orang yang berbeda, simpan dengan konfirmasi.", "name")
        self.candidates = candidates


@dataclass(frozen=True)
class DuplicatePair:
    """One row of the review list, with both persons' main data."""

    id: str
    status: str
    score: int
    reason: str
    reviewed_by: str
    a: persons_svc.PersonRow
    b: persons_svc.PersonRow


@dataclass(frozen=True)
class MergeResult:
    survivor_id: str
    merged_id: str
    cases_moved: int
    events_moved: int
    memberships_moved: int


# ----- finding candidates ----------------------------------------------------------------


# ----- the one candidate search (form, scan and file import) ------------------------------

CANDIDATE_THRESHOLD = 85  # pair score from which two persons are put before a person to decide
VILLAGE_LEVELS = ("kelurahan", "desa")


@dataclass(frozen=True)
class Facts:
    """What the candidate search compares of one person."""

    id: str
    name: str
    alias: str
    sex: str
    nik: str | None
    no_kk: str | None
    birth_date: date | None
    birth_year: int | None
    kelurahan_code: str | None
    kecamatan_code: str | None

    def forms(self) -> tuple[NameForm, ...]:
        return tuple(name_form(n) for n in (self.name, self.alias) if n)

    def keys(self) -> frozenset[str]:
        return frozenset(k for f in self.forms() for k in f.keys())


def _nik_agrees_with_birth(nik: str, sex: str, birth: date) -> bool | None:
    """Digits 7–12 of a NIK against a birth date entered elsewhere (None: the NIK is unreadable)."""
    if len(nik) != 16 or not nik.isdigit():
        return None
    day = birth.day + (40 if sex == "P" else 0)
    return nik[6:12] == f"{day:02d}{birth.month:02d}{birth.year % 100:02d}"


Adjustment = tuple[float, list[str]]  # points added to the name score, and the reasons said


def pair_score(a: Facts, b: Facts) -> tuple[int, list[str]] | None:
    """Whether ``b`` may be the same human as ``a``: (score, reasons) from
    :data:`CANDIDATE_THRESHOLD` up, else None.

    Name similarity (0–100, :func:`match_names`: titles, bin/binti, given-name prefixes, old
    spellings, word order) is the base; agreement on birth date, NIK digits, No. KK and
    desa/kelurahan raises it, a different birth date, kecamatan or father's name lowers it.
    Different sex, two different NIKs (two valid NIKs are two people) or birth years more than
    :data:`BIRTH_YEAR_TOLERANCE` apart exclude the pair.
    """
    if a.sex and b.sex and a.sex != b.sex:
        return None
    if a.nik and b.nik:
        return (100, ["NIK sama"]) if a.nik == b.nik else None
    if a.birth_year and b.birth_year and abs(a.birth_year - b.birth_year) > BIRTH_YEAR_TOLERANCE:
        return None
    named = _name_score(a, b)
    if named is None:
        return None
    score, reasons = named
    for rule in (_birth_adjustment, _nik_birth_adjustment, _family_card_adjustment, _place_adjustment):
        points, said = rule(a, b)
        score += points
        reasons.extend(said)
    if score < CANDIDATE_THRESHOLD:
        return None
    return min(100, round(score)), reasons


def _name_score(a: Facts, b: Facts) -> Adjustment | None:
    """The best match of the two persons' names and aliases, as points and reasons (None: not alike)."""
    best = None
    for fa in a.forms():
        for fb in b.forms():
            m = match_names(fa, fb)
            if best is None or (m.similarity, not m.other_father) > (best.similarity, not best.other_father):
                best = m
    if best is None or not best.similarity:
        return None
    score = 100 * best.similarity
    reasons = ["nama sama" if best.similarity == 1 else "nama mirip"]
    if best.dropped_prefix:
        score -= 5
        reasons[0] += " (tanpa nama depan seperti Siti/Sri/Andi/I Made)"
    if best.other_father:
        score -= 40
        reasons.append("nama ayah (bin/binti) berbeda")
    return score, reasons


def _other_birth_dates(a: Facts, b: Facts) -> bool:
    return bool(a.birth_date and b.birth_date and a.birth_date != b.birth_date)


def _birth_adjustment(a: Facts, b: Facts) -> Adjustment:
    if a.birth_date and b.birth_date:
        if a.birth_date == b.birth_date:
            return 15, ["tanggal lahir sama"]
        return -30, ["tanggal lahir berbeda"]  # two exact dates that differ: two people far more often than a slip
    if a.birth_year and b.birth_year:
        same = a.birth_year == b.birth_year
        return (5 if same else 0), ["tahun lahir sama" if same else "tahun lahir berdekatan"]
    return 0, []


def _nik_birth_adjustment(a: Facts, b: Facts) -> Adjustment:
    """One side's NIK read against the other side's birth date (digits 7–12)."""
    points, reasons = 0, []
    for x, y in ((a, b), (b, a)):
        if x.nik and not y.nik and y.birth_date:
            agrees = _nik_agrees_with_birth(x.nik, x.sex or y.sex, y.birth_date)
            if agrees is not None:
                points += 10 if agrees else -10
                reasons.append("tanggal lahir cocok dengan NIK" if agrees else "tanggal lahir tidak cocok dengan NIK")
    return points, reasons


def _family_card_adjustment(a: Facts, b: Facts) -> Adjustment:
    if not (a.no_kk and b.no_kk):
        return 0, []
    if a.no_kk != b.no_kk:
        return -5, []
    if _other_birth_dates(a, b):  # one family card, two birth dates: brothers and sisters
        return -20, ["No. KK sama, tanggal lahir berbeda (anggota keluarga lain)"]
    return 15, ["No. KK sama"]


def _place_adjustment(a: Facts, b: Facts) -> Adjustment:
    if not (a.kelurahan_code and b.kelurahan_code):
        return 0, []
    if a.kelurahan_code == b.kelurahan_code:
        return 10, ["desa/kelurahan sama"]
    if a.kecamatan_code and a.kecamatan_code == b.kecamatan_code:
        return 5, ["kecamatan sama"]
    return -25, ["kecamatan berbeda"]


def _parents(s: Session) -> dict[str, str | None]:
    """desa/kelurahan code -> kecamatan code, read once per session."""
    cached = s.info.get("duplicates.parents")
    if cached is None:
        cached = s.info["duplicates.parents"] = dict(s.execute(
            select(Region.code, Region.parent_code).where(Region.level.in_(VILLAGE_LEVELS))).all())
    return cached


_FACT_COLUMNS = (Person.id, Person.name, Person.alias, Person.sex, Person.nik, Person.no_kk, Person.birth_date,
                 Person.birth_year, Person.kelurahan_code)


def _facts(r, parents: dict[str, str | None]) -> Facts:
    return Facts(r.id, r.name, r.alias or "", r.sex, r.nik, r.no_kk, r.birth_date, r.birth_year, r.kelurahan_code,
                 parents.get(r.kelurahan_code) if r.kelurahan_code else None)


def draft_facts(s: Session, draft: persons_svc.PersonDraft, person_id: str = "") -> Facts:
    birth_year = draft.birth_date.year if draft.birth_date else draft.birth_year
    kelurahan = draft.kelurahan_code or None
    return Facts(person_id, draft.name or "", draft.alias or "", draft.sex or "", draft.nik or None,
                 draft.no_kk or None, draft.birth_date, birth_year, kelurahan,
                 _parents(s).get(kelurahan) if kelurahan else None)


def _keyed_ids(s: Session, probe: Facts, keys: frozenset[str]) -> list[str]:
    """Persons of the probe's sex sharing one of ``keys`` (:meth:`NameForm.keys`, the same keys
    the bulk pass compares) with a birth year within the tolerance or unknown: looked up in
    ``person_name_key`` (:mod:`storage.name_keys`) without reading any person row."""
    k = PersonNameKey
    q = select(k.person_id).where(k.key.in_(sorted(keys)), k.sex == probe.sex).distinct()
    if probe.birth_year:
        q = q.where(or_(k.birth_year.is_(None), k.birth_year.between(probe.birth_year - BIRTH_YEAR_TOLERANCE,
                                                                       probe.birth_year + BIRTH_YEAR_TOLERANCE)))
    return sorted(s.scalars(q))


KEYED_CHUNK = 500


def candidates_in(s: Session, draft: persons_svc.PersonDraft, exclude_ids: tuple[str, ...] = ()) -> list[Candidate]:
    """Candidates for a *validated* draft, best first (at most :data:`MAX_CANDIDATES`).

    The one candidate search of the form, the scan and (in bulk) the file import: persons of
    the same sex sharing a name key (:meth:`NameForm.keys`) with a birth year within the
    tolerance (or unknown), scored by :func:`pair_score`.
    """
    probe = draft_facts(s, draft)
    keys = probe.keys()
    if not keys or probe.sex not in ("L", "P"):
        return []
    excluded = set(exclude_ids)
    ids = [i for i in _keyed_ids(s, probe, keys) if i not in excluded]
    parents = _parents(s)
    found: list[Candidate] = []
    for start in range(0, len(ids), KEYED_CHUNK):
        # Only the ids in the query: with "deleted_at IS NULL" in it, SQLite walks the live-name
        # index over every person instead of fetching these rows by id. Deleted and merged
        # persons are skipped here; a different NIK is excluded by pair_score.
        q = select(*_FACT_COLUMNS, Person.deleted_at, Person.merged_into).where(
            Person.id.in_(ids[start:start + KEYED_CHUNK]))
        for r in s.execute(q):
            if r.deleted_at is not None or r.merged_into is not None:
                continue
            scored = pair_score(probe, _facts(r, parents))
            if scored is None:
                continue
            score, reasons = scored
            found.append(Candidate(person_id=r.id, name=r.name, alias=r.alias or "", sex=r.sex, nik=r.nik,
                                   birth_date=r.birth_date, birth_year=r.birth_year, kelurahan_code=r.kelurahan_code,
                                   score=score, reason=", ".join(reasons)))
    found.sort(key=lambda c: (-c.score, c.name))
    return found[:MAX_CANDIDATES]


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


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def remember_candidates(s: Session, person: Person, candidates: list[Candidate]) -> int:
    """Put (person, candidate) pairs on the review list unless already there."""
    added = 0
    for c in candidates:
        a, b = _ordered(person.id, c.person_id)
        existing = s.scalars(select(DuplicateCandidate).where(DuplicateCandidate.person_a_id == a,
                                                              DuplicateCandidate.person_b_id == b)).first()
        if existing is not None:
            continue
        row = DuplicateCandidate(person_a_id=a, person_b_id=b, reason=c.reason, score=c.score, status="open")
        s.add(row)
        s.flush()
        audit.record(s, "create", "duplicate_candidate", row.id, after=row)
        added += 1
    return added


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
    import bisect

    new = set(person_ids)
    if not new:
        return 0
    parents = _parents(s)
    people: dict[str, Facts] = {}
    blocks: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for r in s.execute(select(*_FACT_COLUMNS).where(Person.deleted_at.is_(None), Person.merged_into.is_(None))):
        facts = _facts(r, parents)
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
        others.discard(pid)
        scored = []
        for other in others:
            pair = _ordered(pid, other)
            if pair in existing:
                continue
            result = pair_score(probe, people[other])
            if result is not None:
                scored.append((-result[0], other, result))
        for _neg, other, (score, reasons) in sorted(scored):
            if per_person.get(pid, 0) >= MAX_CANDIDATES or per_person.get(other, 0) >= MAX_CANDIDATES:
                continue
            pair = _ordered(pid, other)
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
        rows = {r.id: r for r in persons_svc._rows_by_id(s, sorted(ids))}
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
        pair = s.get(DuplicateCandidate, pair_id)
        if pair is None or pair.deleted_at is not None:
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
        other.merged_into = survivor.id
        _settle_pairs(s, survivor.id, other.id, actor)
        s.flush()
        after = {"survivor": audit.snapshot(survivor), "merged": audit.snapshot(other),
                 "cases_moved": cases_moved, "events_moved": events_moved, "memberships_moved": memberships_moved}
        audit.record(s, "merge", "person", survivor.id, before=before, after=after)
        return MergeResult(survivor.id, other.id, cases_moved, events_moved, memberships_moved)


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
            from spm_desktop.core.storage.base import utcnow

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
        a, b = _ordered(survivor_id, third)
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
    "Candidate", "PossibleDuplicatesError", "DuplicatePair", "MergeResult", "BIRTH_YEAR_TOLERANCE",
    "candidates_in", "find_duplicate_candidates", "remember_candidates", "scan_for_duplicates",
    "list_duplicate_pairs", "open_pairs_for_export", "count_open_pairs", "mark_not_duplicate", "merge_persons",
    "resolve_person_id", "pair_score", "record_candidates_bulk", "CANDIDATE_THRESHOLD",
]
