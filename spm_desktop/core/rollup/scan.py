"""The roll-up's one statement over the events and needs (architecture §4).

``raw`` gives, per (person id, service code) served in the window, the first date and a
"first key" ``date|kelurahan[|unit]`` (the person is attributed to where they were first
served that year). It reads ``service_first``, the per-year first services the database's
triggers keep (migration 0002): one index range, no grouping of events. With the unit
breakdown it groups the live events of the window instead (from the partial covering index
``ix_service_event_live_date``), as the unit can come from the case. ``fine`` then resolves
merged and deleted persons (only the few persons concerned are regrouped from their events).
One UNION ALL statement derives:

* ``i`` rows — (code, first month, kelurahan[|unit]) → persons: the monthly and cumulative
  output indicators and the location breakdowns (cells add up to the totals);
* ``p`` rows — (code, sex, age group on the first service date, PMKS category) → persons,
  only when such breakdowns are asked for;

Sasaran and terpenuhi of the SPM groups are not counted here: :mod:`met` loads the
overlapping cases with their needs' met dates and judges them (architecture §4 v2).

Unit-counted types are summed by a second, small statement restricted to their codes.
Both statements are built once per shape (fulfilment rule, breakdowns, codes) with the
window as bound parameters, so a roll-up only executes them. Only aggregated rows leave
the database; no Python loop runs over events or persons.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from spm_desktop.core.domain.groups import AGE_CHILD_BELOW, AGE_ELDERLY_FROM
from spm_desktop.core.rollup.sql import age_on, const, in_window, month_of, person_key, resolved_persons
from spm_desktop.core.storage.models import Case, Person, ServiceEvent, ServiceFirst, UncountedEvent

DIMENSIONS: dict[str, str] = {
    "kecamatan": "Kecamatan",
    "kelurahan": "Desa/kelurahan",
    "sex": "Jenis kelamin",
    "age_group": "Kelompok umur",
    "unit": "Unit layanan",
    "pmks_category": "Kategori PPKS",
}
PERSON_DIMS = ("sex", "age_group", "pmks_category")
QUANTITY_DIMS = ("kelurahan", "unit", *PERSON_DIMS)
SEP = "|"


@dataclass
class ScanCounts:
    """``monthly[code][m]``: persons first served (or quantity) in month m;
    ``by_dim[dim][(value, code)]``: persons (or quantity) by breakdown value — kecamatan is
    filled in by the caller from ``kelurahan``."""

    monthly: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    by_dim: dict[str, dict[tuple[str, str], int]] = field(default_factory=lambda: defaultdict(dict))


def counts(ev):
    """The event counts: it is not in ``uncounted_event`` (meals below the daily standard,
    disaster meals outside the emergency period; migration 0003)."""
    u = UncountedEvent.__table__
    return ~exists().where(u.c.event_id == ev.c.id)


def _num(n: int):
    return literal_column(str(int(n)), Integer)


def _add(counter: dict, key, n: int) -> None:
    counter[key] = counter.get(key, 0) + n


# The window of every statement: bound at execution, so the built statements are reused.
START = bindparam("start", type_=Date)
END = bindparam("end", type_=Date)
YEAR = bindparam("year", type_=Integer)


def scan(session: Session, start: date, end: date, quantity_codes: list[str], rule: str,
         dims: tuple[str, ...] = ()) -> ScanCounts:
    out = ScanCounts()
    window = {"start": start, "end": end, "year": start.year}
    with_unit, with_person = "unit" in dims, bool(set(PERSON_DIMS) & set(dims))
    rows = session.execute(_persons_statement(rule, with_unit, with_person), window)
    _read_persons(rows, with_unit, set(quantity_codes), out)
    if quantity_codes:
        _read_quantities(session.execute(_quantities_statement(tuple(quantity_codes)), window), out)
    return out


def _first_key(ev, with_unit: bool):
    parts = [cast(ev.c.event_date, String), const(SEP), func.coalesce(ev.c.kelurahan_code, const(""))]
    if with_unit:
        cs = Case.__table__
        unit = func.coalesce(
            func.nullif(ev.c.unit, const("")),
            select(cs.c.unit).where(cs.c.id == ev.c.case_id).scalar_subquery(),
            const(""))
        parts += [const(SEP), unit]
    key = parts[0]
    for p in parts[1:]:
        key = key.concat(p)
    return key


@lru_cache(maxsize=16)
def _persons_statement(rule: str, with_unit: bool, with_person: bool):
    start, end = START, END
    raw = _firsts(with_unit, with_person).cte("raw")
    res = resolved_persons()
    touched = union_all(select(res.c.src.label("pid")),
                        select(res.c.dst).where(res.c.dst.is_not(None))).cte("touched")
    # The few merged/deleted persons and their survivors are regrouped from their own events.
    ev2 = ServiceEvent.__table__.alias("ev2")
    live2 = and_(ev2.c.deleted_at.is_(None), in_window(ev2.c.event_date, start, end), counts(ev2))
    key = person_key(ev2.c.person_id, res)
    regrouped = (
        select(ev2.c.service_code, key, func.min(ev2.c.event_date), func.min(_first_key(ev2, with_unit)))
        .select_from(ev2.outerjoin(res, res.c.src == ev2.c.person_id))
        .where(live2, ev2.c.person_id.in_(select(touched.c.pid)), key.is_not(None))
        .group_by(ev2.c.service_code, key)
    )
    fine = union_all(
        select(raw.c.code, raw.c.pid.label("pk"), raw.c.first, raw.c.fk)
        .where(raw.c.pid.not_in(select(touched.c.pid))),
        regrouped,
    ).cte("fine")

    # month (2 chars after "YYYY-") and everything after "YYYY-MM-DD|"
    month = func.substr(fine.c.fk, _num(6), _num(2))
    rest = func.substr(fine.c.fk, _num(12))
    parts = [select(const("i").label("kind"), fine.c.code, month.label("k1"), rest.label("k2"),
                    const("").label("k3"), func.count().label("n"), cast(null(), Integer).label("n2"))
             .group_by(fine.c.code, month, rest)]
    if with_person:
        parts.append(_person_part(fine))
    return union_all(*parts) if len(parts) > 1 else parts[0]


def _firsts(with_unit: bool, with_person: bool):
    """(pid, code, first, fk) of every person id and code served in the window ("first", the
    date of the first service, only when the age group needs it)."""
    if not with_unit:
        sf = ServiceFirst.__table__
        first = sf.c.first_date if with_person else cast(null(), Date)
        return (select(sf.c.person_id.label("pid"), sf.c.service_code.label("code"), first.label("first"),
                       sf.c.first_key.label("fk"))
                .where(sf.c.year == YEAR, sf.c.first_date <= END))
    ev = ServiceEvent.__table__
    first = (func.min(ev.c.event_date) if with_person else cast(null(), Date)).label("first")
    return (select(ev.c.person_id.label("pid"), ev.c.service_code.label("code"), first,
                   func.min(_first_key(ev, with_unit)).label("fk"))
            .where(ev.c.deleted_at.is_(None), in_window(ev.c.event_date, START, END), counts(ev))
            .group_by(ev.c.person_id, ev.c.service_code))


def _read_persons(rows, with_unit: bool, skip: set[str], out: ScanCounts) -> None:
    for kind, code, k1, k2, k3, n, _n2 in rows:
        if code in skip:
            continue  # unit-counted: summed by the quantities statement
        if kind == "i":
            _add(out.monthly[code], int(k1), int(n))
            loc, _, unit = (k2 or "").partition(SEP)
            _add(out.by_dim["kelurahan"], (loc, code), int(n))
            if with_unit:
                _add(out.by_dim["unit"], (unit, code), int(n))
        else:
            for d, value in zip(PERSON_DIMS, (k1, k2, k3), strict=True):
                _add(out.by_dim[d], (value or "", code), int(n))


def _person_part(fine):
    pp = Person.__table__.alias("pp")
    age = age_on(pp.c.birth_date, pp.c.birth_year, fine.c.first)
    age_group = case((age < AGE_CHILD_BELOW, "anak"), (age >= AGE_ELDERLY_FROM, "lansia"),
                     (age.is_not(None), "dewasa"), else_=null())
    inner = (select(fine.c.code, pp.c.sex.label("sex"), age_group.label("age_group"),
                    pp.c.category_code.label("cat"))
             .select_from(fine.outerjoin(pp, pp.c.id == fine.c.pk)).subquery("pdims"))
    return (select(const("p"), inner.c.code, inner.c.sex, inner.c.age_group, inner.c.cat, func.count(),
            cast(null(), Integer))
            .group_by(inner.c.code, inner.c.sex, inner.c.age_group, inner.c.cat))


@lru_cache(maxsize=16)
def _quantities_statement(codes: tuple[str, ...]):
    start, end = START, END
    ev = ServiceEvent.__table__
    res = resolved_persons()
    key = person_key(ev.c.person_id, res)
    pp = Person.__table__.alias("pp")
    cs = Case.__table__.alias("cs")
    age = age_on(pp.c.birth_date, pp.c.birth_year, ev.c.event_date)
    w = (
        select(ev.c.service_code.label("code"), month_of(ev.c.event_date).label("m"), ev.c.quantity.label("qty"),
               func.coalesce(ev.c.kelurahan_code, const("")).label("kelurahan"),
               func.coalesce(func.nullif(ev.c.unit, const("")), cs.c.unit, const("")).label("unit"),
               pp.c.sex.label("sex"), pp.c.category_code.label("pmks_category"),
               case((age < AGE_CHILD_BELOW, "anak"), (age >= AGE_ELDERLY_FROM, "lansia"),
                    (age.is_not(None), "dewasa"), else_=null()).label("age_group"))
        .select_from(ev.outerjoin(res, res.c.src == ev.c.person_id).outerjoin(pp, pp.c.id == key)
                     .outerjoin(cs, cs.c.id == ev.c.case_id))
        .where(ev.c.deleted_at.is_(None), in_window(ev.c.event_date, start, end), counts(ev),
               ev.c.service_code.in_(codes), key.is_not(None))
        .subquery("w")
    )
    cols = [w.c[n] for n in QUANTITY_DIMS]
    return select(w.c.code, w.c.m, *cols, func.sum(w.c.qty)).group_by(w.c.code, w.c.m, *cols)


def _read_quantities(rows, out: ScanCounts) -> None:
    for row in rows:
        code, month, values, total = row[0], int(row[1]), row[2:-1], int(row[-1] or 0)
        _add(out.monthly[code], month, total)
        for d, value in zip(QUANTITY_DIMS, values, strict=True):
            _add(out.by_dim[d], (value or "", code), total)
