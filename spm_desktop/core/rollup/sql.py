"""Building blocks of the roll-up SQL (SQLAlchemy Core; runs on SQLite and PostgreSQL).

Person resolution (architecture §4): a merged-away person counts as its final survivor
(``merged_into`` followed to the end of the chain); a deleted person who was not merged
counts nowhere. Only these exceptional persons go into the :func:`resolved_persons` CTE,
so the big event scans join against a handful of rows, not the whole person table.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CTE, Integer, String, and_, case, cast, extract, func, literal, literal_column, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from spm_desktop.core.storage.models import Person

# A merge chain longer than this is treated as broken (and its persons counted nowhere).
MAX_MERGE_DEPTH = 32


def resolved_persons(name: str = "resolved") -> CTE:
    """CTE ``(src, dst)``: every merged or deleted person and the survivor it counts as.

    ``dst`` is NULL when the person counts nowhere (deleted, survivor deleted, broken chain).
    Persons not in the CTE count as themselves.
    """
    p = Person.__table__
    # Two ranges of ix_person_live_name (deleted; merged and not deleted) instead of an OR,
    # which would read the whole index.
    seed = union_all(
        select(p.c.id.label("src"), p.c.merged_into.label("dst")).where(p.c.deleted_at.is_not(None)),
        select(p.c.id, p.c.merged_into).where(p.c.deleted_at.is_(None), p.c.merged_into.is_not(None)),
    ).cte(f"{name}_seed")
    chain = (
        select(seed.c.src, seed.c.dst, literal(0, Integer).label("depth"))
        .cte(f"{name}_chain", recursive=True)
    )
    nxt = p.alias(f"{name}_next")
    chain = chain.union_all(
        select(chain.c.src, nxt.c.merged_into, chain.c.depth + 1)
        .join(nxt, nxt.c.id == chain.c.dst)
        .where(nxt.c.merged_into.is_not(None), chain.c.depth < MAX_MERGE_DEPTH)
    )
    end = p.alias(f"{name}_end")
    final = case(
        (and_(chain.c.dst.is_not(None), end.c.merged_into.is_(None), end.c.deleted_at.is_(None)), chain.c.dst),
        else_=None,
    )
    return (
        select(chain.c.src, func.max(final).label("dst"))
        .select_from(chain.outerjoin(end, end.c.id == chain.c.dst))
        .group_by(chain.c.src)
        .cte(name)
    )


def person_key(person_id: ColumnElement, resolved: CTE) -> ColumnElement:
    """The person an id counts as (use with ``outerjoin(resolved, resolved.c.src == person_id)``)."""
    return case((resolved.c.src.is_(None), person_id), else_=resolved.c.dst)


def const(text: str) -> ColumnElement:
    """An inlined string constant (no bound parameter: PostgreSQL can match it in GROUP BY)."""
    return literal_column(f"'{text}'", String)


def in_window(column: ColumnElement, start: date, end: date) -> ColumnElement:
    return and_(column >= start, column <= end)


def year_of(column: ColumnElement) -> ColumnElement:
    return cast(extract("year", column), Integer)


def month_of(column: ColumnElement) -> ColumnElement:
    return cast(extract("month", column), Integer)


def _month_day(column: ColumnElement) -> ColumnElement:
    return cast(extract("month", column), Integer) * 100 + cast(extract("day", column), Integer)


def age_on(birth_date: ColumnElement, birth_year: ColumnElement, on: ColumnElement) -> ColumnElement:
    """Age in whole years on a date; from the birth date when known, else the (estimated)
    birth year; NULL when neither is known."""
    exact = year_of(on) - year_of(birth_date) - case((_month_day(on) < _month_day(birth_date), 1), else_=0)
    return case(
        (birth_date.is_not(None), exact),
        (birth_year.is_not(None), year_of(on) - birth_year),
        else_=None,
    )
