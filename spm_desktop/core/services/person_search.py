"""Finding persons: the search as you type (:func:`search_persons`) and the paged, filtered,
sorted person list (:func:`list_persons`, :func:`count_persons`, :func:`list_person_ids`).

Read-only; every public function takes the :class:`Database` and the acting :class:`Actor`,
checks ``person.view`` and runs one short read transaction. Names are matched on
``Person.search_name`` (the normalised "name alias" kept by :mod:`core.services.persons`) through
the covering index ``ix_person_live_name``; digits match the start of a NIK or No. KK.
:mod:`core.services.person_index` applies the same rules in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.names import name_tokens
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services.persons import PersonSummary
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Case, Person, PmksCategory, Region

SEARCH_LIMIT = 50
LIST_SORTS = ("name", "nik", "birth_year", "kelurahan", "created_at", "updated_at")

_Kel = aliased(Region, name="kel")
_Kec = aliased(Region, name="kec")



@dataclass(frozen=True)
class PersonRow(PersonSummary):
    """One line of a search result or of the person list."""

    open_cases: int


@dataclass(frozen=True)
class PersonQuery:
    """Filters and sort order of the lazy person list (all optional).

    ``unit``: persons with a (not deleted) case at that unit; with ``has_open_case`` True,
    an open case at that unit. ``has_open_case`` False: persons without any open case.
    ``text``: the same matching as :func:`search_persons` (name/alias part, NIK or KK prefix).
    ``sort``: one of :data:`LIST_SORTS`; ``descending`` reverses it.
    """

    category_code: str | None = None
    kecamatan_code: str | None = None
    kelurahan_code: str | None = None
    unit: str | None = None
    has_open_case: bool | None = None
    sex: str | None = None
    text: str = ""
    sort: str = "name"
    descending: bool = False


@dataclass(frozen=True)
class PersonPage:
    rows: tuple[PersonRow, ...]
    offset: int
    total: int


def digits_of(text: str) -> str | None:
    """The digits of a NIK/KK typed with spaces or dots, or None when it is not a number."""
    compact = "".join(text.split()).replace(".", "").replace("-", "")
    return compact if compact.isdigit() else None


def _upper_bound(prefix: str) -> str | None:
    """The smallest string above every string starting with ``prefix`` (a–z/0–9 text), or
    None when there is none ("zz", "99"). Stays inside the alphabet of the prefix so the
    bound sorts the same way in SQLite and in PostgreSQL's locale collations."""
    stripped = prefix.rstrip("z9")
    if not stripped:
        return None
    last = stripped[-1]
    return stripped[:-1] + ("a" if last == " " else chr(ord(last) + 1))


def _prefix_range(column, prefix: str):
    """``column`` starts with ``prefix`` (a–z/0–9 text) as an index range seek."""
    upper = _upper_bound(prefix)
    return column >= prefix if upper is None else and_(column >= prefix, column < upper)


def _name_match(text: str):
    """(where clause, rank expression) for a name text, or None when it holds nothing.

    Runs on the covering index ``ix_person_live_name``: a LIKE scan of the short normalised
    names, never of the wide person rows. A one-letter text matches names starting with it
    (in index order), anything longer matches every word anywhere in the name or alias.
    """
    tokens = name_tokens(text)
    if not tokens:
        return None
    sn = Person.search_name
    whole = " ".join(tokens)
    if len(whole) == 1:
        return _prefix_range(sn, whole), None
    where = and_(*[sn.contains(t) for t in tokens])
    rank = case((sn == whole, 0), (_prefix_range(sn, whole), 1), (_token_starts(tokens), 2), else_=3)
    return where, rank


def _match(text: str):
    """(where clause, rank expression or None) for a search text, or None when empty."""
    text = (text or "").strip()
    digits = digits_of(text)
    if digits:
        where = or_(_prefix_range(Person.nik, digits), _prefix_range(Person.no_kk, digits))
        return where, case((_prefix_range(Person.nik, digits), 0), else_=1)
    return _name_match(text)


def _token_starts(tokens: list[str]):
    sn = Person.search_name
    return and_(*[or_(sn.startswith(t), sn.contains(" " + t)) for t in tokens])


# How many "contains" matches one scan collects to rank them in Python; a text matching more
# names than this is common enough that the ordered token-start query stops early instead.
RANK_SCAN_CAP = 300


def _starts_word(search_name: str, tokens: list[str]) -> bool:
    return all(search_name.startswith(t) or f" {t}" in search_name for t in tokens)


def _search_ids(s: Session, text: str, limit: int) -> list[str]:
    """Ids of the best ``limit`` matches (see :func:`search_persons` for the order).

    Every query walks ``ix_person_live_name`` in (search_name, id) order and stops at its
    LIMIT instead of sorting all matches: first the names starting with the text (an index
    range seek); then one scan collecting names that contain every word, ranked here (every
    word at a word start before words inside a word). Name tokens are plain a–z/0–9, so the
    LIKE patterns need no escaping.
    """
    text = (text or "").strip()
    digits = digits_of(text)
    if digits:
        return _number_ids(s, digits, limit)
    tokens = name_tokens(text)
    if not tokens:
        return []
    sn = Person.search_name
    whole = " ".join(tokens)
    starts = _prefix_range(sn, whole)
    ordered = (Person.search_name, Person.id)
    ids = list(s.scalars(select(Person.id).where(live(), starts).order_by(*ordered).limit(limit)))
    if len(ids) >= limit or len(whole) == 1:
        return ids
    taken = set(ids)
    rows = s.execute(select(Person.id, Person.search_name).where(live(), *[sn.contains(t) for t in tokens])
                     .order_by(*ordered).limit(RANK_SCAN_CAP)).all()
    if len(rows) < RANK_SCAN_CAP:  # every match is here: rank them exactly
        ranked = sorted((r for r in rows if r.id not in taken),
                        key=lambda r: (not _starts_word(r.search_name, tokens), r.search_name, r.id))
        return ids + [r.id for r in ranked][: limit - len(ids)]
    # Very common text: token-start matches in index order (stops early), then the rest.
    more = s.scalars(select(Person.id).where(live(), _token_starts(tokens), ~starts)
                     .order_by(*ordered).limit(limit - len(ids)))
    ids.extend(more)
    taken = set(ids)
    ids.extend(r.id for r in rows if r.id not in taken and not _starts_word(r.search_name, tokens))
    return ids[:limit]


def _number_ids(s: Session, digits: str, limit: int) -> list[str]:
    """NIK prefix matches first, then No. KK prefix matches, each in number order.

    Deleted and merged persons are dropped after the range scan (rare; filtering them in
    SQL would steer the planner away from the NIK / KK index).
    """
    out: list[str] = []
    for column in (Person.nik, Person.no_kk):
        rows = s.execute(select(Person.id, Person.deleted_at, Person.merged_into)
                         .where(_prefix_range(column, digits)).order_by(column, Person.id).limit(limit * 2 + 10))
        out.extend(r.id for r in rows if r.deleted_at is None and r.merged_into is None and r.id not in out)
    return out[:limit]


def _open_cases_col():
    return (select(func.count()).select_from(Case)
            .where(Case.person_id == Person.id, Case.status == "open", Case.deleted_at.is_(None))
            .correlate(Person).scalar_subquery())


# The columns of PersonRow read from the person row itself (the rest come from joins).
_JOINED = {"kelurahan_name": "", "kecamatan_code": None, "kecamatan_name": "", "category_name": "", "open_cases": 0}
_OWN_COLUMNS = tuple(f.name for f in fields(PersonRow) if f.name not in _JOINED)


def _row_select():
    return (select(*[getattr(Person, name) for name in _OWN_COLUMNS],
                   _Kel.name.label("kelurahan_name"), _Kec.code.label("kecamatan_code"),
                   _Kec.name.label("kecamatan_name"), PmksCategory.name.label("category_name"),
                   _open_cases_col().label("open_cases"))
            .outerjoin(_Kel, _Kel.code == Person.kelurahan_code)
            .outerjoin(_Kec, _Kec.code == _Kel.parent_code)
            .outerjoin(PmksCategory, PmksCategory.code == Person.category_code))


def _row(r) -> PersonRow:
    values = dict(r._mapping)
    for name, empty in _JOINED.items():
        if values[name] is None:
            values[name] = empty
    values["alias"] = values["alias"] or ""
    values["birth_year_estimated"] = bool(values["birth_year_estimated"])
    return PersonRow(**values)


def live():
    """A person still listed: neither deleted nor merged into another."""
    return and_(Person.deleted_at.is_(None), Person.merged_into.is_(None))


def rows_by_id(s: Session, ids: Sequence[str]) -> list[PersonRow]:
    if not ids:
        return []
    found = {r.id: _row(r) for r in s.execute(_row_select().where(Person.id.in_(list(ids))))}
    return [found[i] for i in ids if i in found]


def search_persons(db: Database, actor: Actor, text: str, limit: int = SEARCH_LIMIT) -> list[PersonRow]:
    """Persons matching ``text``, best matches first (at most ``limit``).

    Digits (spaces and dots allowed) match the start of a NIK or No. KK; anything else
    matches parts of the name or alias, case- and accent-insensitive and across spelling
    variants (every word typed must occur). Order: exact name, name starting with the text,
    every word at the start of a name word, other matches; then alphabetically. Deleted and
    merged persons are not shown.
    """
    require(actor, "person.view")
    with db.reading() as s:
        return rows_by_id(s, _search_ids(s, text, limit))


def _person_where(q: PersonQuery) -> list:
    """The filters of ``q`` on the person row itself (not the case filters)."""
    clauses = [live()]
    if q.category_code:
        clauses.append(Person.category_code == q.category_code)
    if q.kelurahan_code:
        clauses.append(Person.kelurahan_code == q.kelurahan_code)
    if q.kecamatan_code:
        clauses.append(Person.kelurahan_code.startswith(q.kecamatan_code + ".", autoescape=True))
    if q.sex:
        clauses.append(Person.sex == q.sex)
    if q.text.strip():
        match = _match(q.text)
        if match is not None:
            clauses.append(match[0])
    return clauses


def _query_where(q: PersonQuery) -> list:
    clauses = _person_where(q)
    # IN (subquery) rather than a correlated EXISTS: the subquery runs once on
    # ix_cases_open_person, which keeps the count of 100k persons fast.
    case_clauses = [Case.deleted_at.is_(None)]
    if q.unit:
        case_clauses.append(Case.unit == q.unit)
    if q.has_open_case is not None:
        open_ids = select(Case.person_id).where(Case.status == "open", *case_clauses)
        clauses.append(Person.id.in_(open_ids) if q.has_open_case else Person.id.not_in(open_ids))
    if q.unit and q.has_open_case is not True:
        clauses.append(Person.id.in_(select(Case.person_id).where(*case_clauses)))
    return clauses


def _count(s: Session, q: PersonQuery) -> int:
    """``count(*)`` of the list. With the open-case filter the persons with an open case are
    counted from the (much smaller) set of open cases, and "without an open case" is the
    rest: a fraction of the cost of testing 100k persons against the case list."""
    if q.has_open_case is None:
        return int(s.scalar(select(func.count()).select_from(Person).where(*_query_where(q))) or 0)
    unit = [Case.unit == q.unit] if q.unit else []
    with_open = int(s.scalar(
        select(func.count(func.distinct(Case.person_id))).select_from(Case).join(Person, Person.id == Case.person_id)
        .where(Case.status == "open", Case.deleted_at.is_(None), *unit, *_person_where(q))) or 0)
    if q.has_open_case:
        return with_open
    return _count(s, replace(q, has_open_case=None)) - with_open


_SORT_COLUMNS = {
    "name": (Person.search_name,),
    "nik": (Person.nik,),
    "birth_year": (Person.birth_year,),
    "kelurahan": (Person.kelurahan_code,),
    "created_at": (Person.created_at,),
    "updated_at": (Person.updated_at,),
}


def count_persons(db: Database, actor: Actor, query: PersonQuery = PersonQuery()) -> int:
    """How many persons the list shows for ``query``."""
    require(actor, "person.view")
    with db.reading() as s:
        return _count(s, query)


def list_person_ids(db: Database, actor: Actor, query: PersonQuery = PersonQuery()) -> list[str]:
    """Every person id of the list in display order (for a model that keeps only ids)."""
    require(actor, "person.view")
    with db.reading() as s:
        return list(s.scalars(select(Person.id).where(*_query_where(query)).order_by(*_order(query))))


def _order(q: PersonQuery) -> list:
    if q.sort not in _SORT_COLUMNS:
        raise ValidationError(f"Urutan '{q.sort}' tidak dikenal; pilih salah satu: {', '.join(LIST_SORTS)}.", "sort")
    cols = list(_SORT_COLUMNS[q.sort])
    if q.text.strip() and q.sort == "name":
        match = _match(q.text)
        if match is not None and match[1] is not None:
            cols.insert(0, match[1])
    ordered = [c.desc() if q.descending else c.asc() for c in cols]
    return [*ordered, Person.id.desc() if q.descending else Person.id.asc()]


def list_persons(db: Database, actor: Actor, query: PersonQuery = PersonQuery(), offset: int = 0,
                 limit: int = 200, *, with_total: bool = True) -> PersonPage:
    """One page of the person list for the GUI's lazy table model.

    Contract: read-only, one short read transaction, safe to call from the GUI's worker
    thread; rows are in ``query.sort`` order (ties broken by id, so pages never overlap);
    ``total`` is :func:`count_persons` for the same query (``-1`` when ``with_total`` is
    False, to save the count when only the next page is wanted). A model typically calls
    ``list_persons(q, 0, 200)`` first, then ``list_persons(q, n, 200, with_total=False)`` in
    ``fetchMore``. Deleted and merged persons are never listed.
    """
    require(actor, "person.view")
    if offset < 0 or limit <= 0:
        raise ValidationError("Posisi dan jumlah baris harus bilangan positif.", "offset")
    order = _order(query)
    where = _query_where(query)
    with db.reading() as s:
        ids = list(s.scalars(select(Person.id).where(*where).order_by(*order).offset(offset).limit(limit)))
        rows = tuple(rows_by_id(s, ids))
        total = _count(s, query) if with_total else -1
    return PersonPage(rows=rows, offset=offset, total=total)


__all__ = [
    "PersonRow", "PersonQuery", "PersonPage", "LIST_SORTS", "SEARCH_LIMIT",
    "search_persons", "list_persons", "count_persons", "list_person_ids", "digits_of", "live", "rows_by_id",
]
