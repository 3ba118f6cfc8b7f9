"""The one candidate search for possible duplicate persons — the registration form, the scan
and (in bulk, :func:`spm_desktop.core.services.duplicates.record_candidates_bulk`) the file
import — and putting the pairs found on the review list.

A person of the same sex whose name is similar (:func:`core.domain.names.match_names`: titles,
bin/binti, given-name prefixes such as Siti/Sri/Andi/Teuku/I Made, old spellings, Chinese word
order), born within ±:data:`BIRTH_YEAR_TOLERANCE` years and scoring at least
:data:`CANDIDATE_THRESHOLD` in :func:`pair_score` (birth date, NIK digits, No. KK and
desa/kelurahan agreeing or not) is a *candidate*. This module reads persons and name keys
only; registering (:mod:`.persons`) and reviewing and merging (:mod:`.duplicates`) build on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.errors import ConflictError
from spm_desktop.core.domain.names import NameForm, match_names, name_form
from spm_desktop.core.security import audit
from spm_desktop.core.storage.models import DuplicateCandidate, Person, PersonNameKey, Region

if TYPE_CHECKING:  # the drafts come from the persons service, which builds on this module
    from spm_desktop.core.services.persons import PersonDraft

BIRTH_YEAR_TOLERANCE = 2
MAX_CANDIDATES = 10


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
        return self._forms

    @cached_property
    def _forms(self) -> tuple[NameForm, ...]:  # a bulk import compares each person with hundreds of others
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


def village_parents(s: Session) -> dict[str, str | None]:
    """desa/kelurahan code -> kecamatan code, read once per session."""
    cached = s.info.get("duplicates.parents")
    if cached is None:
        cached = s.info["duplicates.parents"] = dict(s.execute(
            select(Region.code, Region.parent_code).where(Region.level.in_(VILLAGE_LEVELS))).all())
    return cached


FACT_COLUMNS = (Person.id, Person.name, Person.alias, Person.sex, Person.nik, Person.no_kk, Person.birth_date,
                 Person.birth_year, Person.kelurahan_code)


def person_facts(r, parents: dict[str, str | None]) -> Facts:
    return Facts(r.id, r.name, r.alias or "", r.sex, r.nik, r.no_kk, r.birth_date, r.birth_year, r.kelurahan_code,
                 parents.get(r.kelurahan_code) if r.kelurahan_code else None)


def draft_facts(s: Session, draft: PersonDraft, person_id: str = "") -> Facts:
    birth_year = draft.birth_date.year if draft.birth_date else draft.birth_year
    kelurahan = draft.kelurahan_code or None
    return Facts(person_id, draft.name or "", draft.alias or "", draft.sex or "", draft.nik or None,
                 draft.no_kk or None, draft.birth_date, birth_year, kelurahan,
                 village_parents(s).get(kelurahan) if kelurahan else None)


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


def candidates_in(s: Session, draft: PersonDraft, exclude_ids: tuple[str, ...] = ()) -> list[Candidate]:
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
    parents = village_parents(s)
    found: list[Candidate] = []
    for start in range(0, len(ids), KEYED_CHUNK):
        # Only the ids in the query: with "deleted_at IS NULL" in it, SQLite walks the live-name
        # index over every person instead of fetching these rows by id. Deleted and merged
        # persons are skipped here; a different NIK is excluded by pair_score.
        q = select(*FACT_COLUMNS, Person.deleted_at, Person.merged_into).where(
            Person.id.in_(ids[start:start + KEYED_CHUNK]))
        for r in s.execute(q):
            if r.deleted_at is not None or r.merged_into is not None:
                continue
            scored = pair_score(probe, person_facts(r, parents))
            if scored is None:
                continue
            score, reasons = scored
            found.append(Candidate(person_id=r.id, name=r.name, alias=r.alias or "", sex=r.sex, nik=r.nik,
                                   birth_date=r.birth_date, birth_year=r.birth_year, kelurahan_code=r.kelurahan_code,
                                   score=score, reason=", ".join(reasons)))
    found.sort(key=lambda c: (-c.score, c.name))
    return found[:MAX_CANDIDATES]


def ordered_pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def remember_candidates(s: Session, person: Person, candidates: list[Candidate]) -> int:
    """Put (person, candidate) pairs on the review list unless already there."""
    added = 0
    for c in candidates:
        a, b = ordered_pair(person.id, c.person_id)
        existing = s.scalars(select(DuplicateCandidate).where(DuplicateCandidate.person_a_id == a,
                                                              DuplicateCandidate.person_b_id == b)).first()
        if existing is not None:
            continue
        row = DuplicateCandidate(person_a_id=a, person_b_id=b, reason=c.reason, score=c.score, status="open")
        audit.record_create(s, row, "duplicate_candidate")
        added += 1
    return added
