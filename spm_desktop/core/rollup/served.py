"""Who was served what, when and where: the output indicators and their breakdowns.

ONE statement scans the window's events once: it groups them by (service code, resolved
person, breakdown values) keeping the first date, and from that set derives both the
month each person first received a service in the year (→ monthly and cumulative figures)
and the distinct persons per breakdown value. Unit-counted types are summed by a second,
small statement restricted to their codes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import String, case, cast, func, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from spm_desktop.core.domain.groups import AGE_CHILD_BELOW, AGE_ELDERLY_FROM
from spm_desktop.core.rollup.sql import age_on, in_window, month_of, person_key, resolved_persons
from spm_desktop.core.storage.models import Case, Person, Region, ServiceEvent

DIMENSIONS: dict[str, str] = {
    "kecamatan": "Kecamatan",
    "kelurahan": "Kelurahan",
    "sex": "Jenis kelamin",
    "age_group": "Kelompok umur",
    "unit": "Unit layanan",
    "pmks_category": "Kategori PPKS",
}


@dataclass
class ServedCounts:
    """Raw figures: ``monthly[code][m]`` new persons (or quantity) in month m;
    ``by_dim[dim][(value, code)]`` and ``persons_by_dim[dim][value]`` distinct persons."""

    monthly: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    by_dim: dict[str, dict[tuple[str, str], int]] = field(default_factory=lambda: defaultdict(dict))
    persons_by_dim: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))


def _dim_columns(dims: tuple[str, ...], ev, key):
    """Expressions of the requested breakdowns and the joins they need."""
    cols = {}
    joins = []
    if {"kecamatan", "kelurahan"} & set(dims):
        rg = Region.__table__.alias("rg")
        joins.append((rg, rg.c.code == ev.c.kelurahan_code))
        cols["kecamatan"] = case((rg.c.level == "kecamatan", rg.c.code), else_=rg.c.parent_code)
        cols["kelurahan"] = case((rg.c.level == "kelurahan", rg.c.code), else_=null())
    if {"sex", "age_group", "pmks_category"} & set(dims):
        pp = Person.__table__.alias("pp")
        joins.append((pp, pp.c.id == key))
        age = age_on(pp.c.birth_date, pp.c.birth_year, ev.c.event_date)
        cols["sex"] = pp.c.sex
        cols["age_group"] = case(
            (age < AGE_CHILD_BELOW, "anak"), (age >= AGE_ELDERLY_FROM, "lansia"), (age.is_not(None), "dewasa"),
            else_=null(),
        )
        cols["pmks_category"] = pp.c.category_code
    if "unit" in dims:
        cs = Case.__table__.alias("cs")
        joins.append((cs, cs.c.id == ev.c.case_id))
        cols["unit"] = func.coalesce(func.nullif(ev.c.unit, ""), cs.c.unit)
    return {d: cols[d].label(f"d_{d}") for d in dims}, joins


def _event_source(ev, res, joins):
    src = ev.outerjoin(res, res.c.src == ev.c.person_id)
    for table, on in joins:
        src = src.outerjoin(table, on)
    return src


def count_served(
    session: Session,
    start: date,
    end: date,
    person_codes: list[str],
    quantity_codes: list[str],
    dims: tuple[str, ...] = (),
) -> ServedCounts:
    out = ServedCounts()
    if person_codes:
        _count_persons(session, start, end, person_codes, dims, out)
    if quantity_codes:
        _sum_quantities(session, start, end, quantity_codes, dims, out)
    return out


def _const(text: str):
    """A constant string column (inlined, so PostgreSQL needs no parameter type)."""
    return literal_column(f"'{text}'", String)


def _window_rows(start, end, codes, dims, with_quantity: bool):
    """Subquery of the window's live events: code, resolved person, breakdown values, date.

    Expressions are computed here and grouped by column outside, so GROUP BY never repeats
    an expression with bound parameters (PostgreSQL could not match them)."""
    ev = ServiceEvent.__table__
    res = resolved_persons()
    key = person_key(ev.c.person_id, res)
    dim_cols, joins = _dim_columns(dims, ev, key)
    extra = [ev.c.quantity.label("qty")] if with_quantity else []
    return (
        select(ev.c.service_code.label("code"), key.label("pk"), *dim_cols.values(),
               ev.c.event_date.label("day"), *extra)
        .select_from(_event_source(ev, res, joins))
        .where(ev.c.deleted_at.is_(None), in_window(ev.c.event_date, start, end),
               ev.c.service_code.in_(codes), key.is_not(None))
        .subquery("w")
    )


def _count_persons(session, start, end, codes, dims, out: ServedCounts) -> None:
    w = _window_rows(start, end, codes, dims, with_quantity=False)
    dcols = [w.c[f"d_{d}"] for d in dims]
    fine = (select(w.c.code, w.c.pk, *dcols, func.min(w.c.day).label("first"))
            .group_by(w.c.code, w.c.pk, *dcols).cte("fine"))
    if dims:
        src = (select(fine.c.code, fine.c.pk, func.min(fine.c.first).label("first"))
               .group_by(fine.c.code, fine.c.pk).subquery("per_person"))
    else:
        src = fine
    m = month_of(src.c.first)
    parts = [select(_const("m").label("kind"), src.c.code, cast(m, String).label("dim"), func.count().label("n"))
             .group_by(src.c.code, m)]
    for d in dims:
        col = fine.c[f"d_{d}"]
        parts.append(select(_const(d), fine.c.code, col, func.count(func.distinct(fine.c.pk)))
                     .group_by(fine.c.code, col))
        parts.append(select(_const("all:" + d), _const(""), col, func.count(func.distinct(fine.c.pk)))
                     .group_by(col))
    for kind, code, dim, n in session.execute(union_all(*parts)):
        if kind == "m":
            out.monthly[code][int(dim)] = int(n)
        elif kind.startswith("all:"):
            out.persons_by_dim[kind[4:]][dim or ""] = int(n)
        else:
            out.by_dim[kind][(dim or "", code)] = int(n)


def _sum_quantities(session, start, end, codes, dims, out: ServedCounts) -> None:
    w = _window_rows(start, end, codes, dims, with_quantity=True)
    dcols = [w.c[f"d_{d}"] for d in dims]
    m = month_of(w.c.day)
    q = select(w.c.code, m, *dcols, func.sum(w.c.qty)).group_by(w.c.code, m, *dcols)
    for row in session.execute(q):
        code, month, values, total = row[0], int(row[1]), row[2:-1], int(row[-1] or 0)
        out.monthly[code][month] = out.monthly[code].get(month, 0) + total
        for d, value in zip(dims, values, strict=True):
            k = (value or "", code)
            out.by_dim[d][k] = out.by_dim[d].get(k, 0) + total


