"""The roll-up's one statement over the events and needs (architecture §4).

``raw`` groups ALL live events by (person id, service code) — the order of the covering
index ``ix_service_event_person_code_date``, so the database streams it without sorting —
keeping, for the window only, the first date and a "first key" ``date|kelurahan[|unit]``
(the person is attributed to where they were first served that year). ``fine`` then
resolves merged and deleted persons (only the few persons concerned are regrouped). One
UNION ALL statement derives:

* ``i`` rows — (code, first month, kelurahan[|unit]) → persons: the monthly and cumulative
  output indicators and the location breakdowns (cells add up to the totals);
* ``p`` rows — (code, sex, age group on the first service date, PMKS category) → persons,
  only when such breakdowns are asked for;
* ``s`` rows — per SPM group: sasaran and terpenuhi — the needs of :mod:`spm`, each checked
  by an index seek for a live event of that code in the window (covering indexes on
  ``service_event``, ``case_need`` and ``cases`` keep every step inside the indexes).

Unit-counted types are summed by a second, small statement restricted to their codes.
Only aggregated rows leave the database; no Python loop runs over events or persons.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from spm_desktop.core.domain.groups import AGE_CHILD_BELOW, AGE_ELDERLY_FROM
from spm_desktop.core.rollup.spm import needs_rows
from spm_desktop.core.rollup.sql import age_on, in_window, month_of, person_key, resolved_persons
from spm_desktop.core.storage.models import Case, Person, ServiceEvent

DIMENSIONS: dict[str, str] = {
    "kecamatan": "Kecamatan",
    "kelurahan": "Kelurahan",
    "sex": "Jenis kelamin",
    "age_group": "Kelompok umur",
    "unit": "Unit layanan",
    "pmks_category": "Kategori PPKS",
}
PERSON_DIMS = ("sex", "age_group", "pmks_category")
SEP = "|"


@dataclass
class ScanCounts:
    """``monthly[code][m]``: persons first served (or quantity) in month m;
    ``by_dim[dim][(value, code)]``: persons (or quantity) by breakdown value — kecamatan is
    filled in by the caller from ``kelurahan``; ``groups[g] = (sasaran, terpenuhi)``."""

    monthly: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    by_dim: dict[str, dict[tuple[str, str], int]] = field(default_factory=lambda: defaultdict(dict))
    groups: dict[str, tuple[int, int]] = field(default_factory=dict)


def _const(text: str):
    """An inlined constant (no bound parameter: PostgreSQL can match it in GROUP BY)."""
    return literal_column(f"'{text}'", String)


def _num(n: int):
    return literal_column(str(int(n)), Integer)


def _add(counter: dict, key, n: int) -> None:
    counter[key] = counter.get(key, 0) + n


def scan(session: Session, start: date, end: date, quantity_codes: list[str], rule: str,
         dims: tuple[str, ...] = ()) -> ScanCounts:
    out = ScanCounts()
    _scan_persons(session, start, end, rule, dims, set(quantity_codes), out)
    if quantity_codes:
        _sum_quantities(session, start, end, quantity_codes, dims, out)
    return out


def _first_key(ev, with_unit: bool):
    parts = [cast(ev.c.event_date, String), _const(SEP), func.coalesce(ev.c.kelurahan_code, _const(""))]
    if with_unit:
        cs = Case.__table__
        unit = func.coalesce(
            func.nullif(ev.c.unit, _const("")),
            select(cs.c.unit).where(cs.c.id == ev.c.case_id).scalar_subquery(),
            _const(""))
        parts += [_const(SEP), unit]
    key = parts[0]
    for p in parts[1:]:
        key = key.concat(p)
    return key


def _scan_persons(session, start, end, rule, dims, skip: set[str], out: ScanCounts) -> None:
    ev = ServiceEvent.__table__
    live = and_(ev.c.deleted_at.is_(None), in_window(ev.c.event_date, start, end))
    with_unit = "unit" in dims
    # "first" (the date of the first service, for the age group) only when it is needed.
    first = (func.min(case((live, ev.c.event_date), else_=null())) if set(PERSON_DIMS) & set(dims)
             else cast(null(), Date)).label("first")
    raw = (
        select(ev.c.person_id.label("pid"), ev.c.service_code.label("code"), first,
               func.min(case((live, _first_key(ev, with_unit)), else_=null())).label("fk"))
        .group_by(ev.c.person_id, ev.c.service_code)
        .cte("raw")
    )
    res = resolved_persons()
    touched = union_all(select(res.c.src.label("pid")),
                        select(res.c.dst).where(res.c.dst.is_not(None))).subquery("touched")
    # The few merged/deleted persons and their survivors are regrouped from their own events.
    ev2 = ServiceEvent.__table__.alias("ev2")
    live2 = and_(ev2.c.deleted_at.is_(None), in_window(ev2.c.event_date, start, end))
    key = person_key(ev2.c.person_id, res)
    regrouped = (
        select(ev2.c.service_code, key, func.min(ev2.c.event_date), func.min(_first_key(ev2, with_unit)))
        .select_from(ev2.outerjoin(res, res.c.src == ev2.c.person_id))
        .where(live2, ev2.c.person_id.in_(select(touched.c.pid)), key.is_not(None))
        .group_by(ev2.c.service_code, key)
    )
    fine = union_all(
        select(raw.c.code, raw.c.pid.label("pk"), raw.c.first, raw.c.fk)
        .where(raw.c.fk.is_not(None), raw.c.pid.not_in(select(touched.c.pid))),
        regrouped,
    ).cte("fine")

    # month (2 chars after "YYYY-") and everything after "YYYY-MM-DD|"
    month = func.substr(fine.c.fk, _num(6), _num(2))
    rest = func.substr(fine.c.fk, _num(12))
    parts = [select(_const("i").label("kind"), fine.c.code, month.label("k1"), rest.label("k2"),
                    _const("").label("k3"), func.count().label("n"), cast(null(), Integer).label("n2"))
             .group_by(fine.c.code, month, rest)]
    if set(PERSON_DIMS) & set(dims):
        parts.append(_person_part(fine))
    parts.append(_groups_part(start, end, rule, res))
    for kind, code, k1, k2, k3, n, n2 in session.execute(union_all(*parts)):
        if kind != "s" and code in skip:
            continue  # unit-counted: summed by _sum_quantities
        if kind == "i":
            _add(out.monthly[code], int(k1), int(n))
            loc, _, unit = (k2 or "").partition(SEP)
            _add(out.by_dim["kelurahan"], (loc, code), int(n))
            if with_unit:
                _add(out.by_dim["unit"], (unit, code), int(n))
        elif kind == "p":
            for d, value in zip(PERSON_DIMS, (k1, k2, k3), strict=True):
                _add(out.by_dim[d], (value or "", code), int(n))
        else:
            out.groups[code] = (int(n), int(n2 or 0))


def _person_part(fine):
    pp = Person.__table__.alias("pp")
    age = age_on(pp.c.birth_date, pp.c.birth_year, fine.c.first)
    age_group = case((age < AGE_CHILD_BELOW, "anak"), (age >= AGE_ELDERLY_FROM, "lansia"),
                     (age.is_not(None), "dewasa"), else_=null())
    inner = (select(fine.c.code, pp.c.sex.label("sex"), age_group.label("age_group"),
                    pp.c.category_code.label("cat"))
             .select_from(fine.outerjoin(pp, pp.c.id == fine.c.pk)).subquery("pdims"))
    return (select(_const("p"), inner.c.code, inner.c.sex, inner.c.age_group, inner.c.cat, func.count(),
            cast(null(), Integer))
            .group_by(inner.c.code, inner.c.sex, inner.c.age_group, inner.c.cat))


def _groups_part(start, end, rule, res):
    """Per SPM group: sasaran and terpenuhi. A need is met when the person, or anyone merged
    into them, has a live event of that code in the window (index seeks on the covering
    ``ix_service_event_person_code_date``; the second EXISTS only runs for unmet needs)."""
    needs = needs_rows(start, end, res).subquery("needs")
    ev = ServiceEvent.__table__.alias("need_ev")
    ev_alias = ServiceEvent.__table__.alias("alias_ev")
    own = exists().where(ev.c.person_id == needs.c.pk, ev.c.service_code == needs.c.code,
                         in_window(ev.c.event_date, start, end), ev.c.deleted_at.is_(None))
    merged = (exists().select_from(res.join(ev_alias, ev_alias.c.person_id == res.c.src))
              .where(res.c.dst == needs.c.pk, ev_alias.c.service_code == needs.c.code,
                     in_window(ev_alias.c.event_date, start, end), ev_alias.c.deleted_at.is_(None)))
    met_code = case((or_(own, merged), needs.c.code), else_=null())
    per = (select(needs.c.grp, needs.c.pk, func.count(func.distinct(needs.c.code)).label("needed"),
                  func.count(func.distinct(met_code)).label("met"))
           .group_by(needs.c.grp, needs.c.pk).subquery("per_person"))
    ok = per.c.met == per.c.needed if rule == "all_needed" else per.c.met > _num(0)
    return (select(_const("s"), per.c.grp, _const(""), _const(""), _const(""), func.count(),
                   func.sum(case((ok, _num(1)), else_=_num(0))))
            .group_by(per.c.grp))


def _sum_quantities(session, start, end, codes, dims, out: ScanCounts) -> None:
    ev = ServiceEvent.__table__
    res = resolved_persons()
    key = person_key(ev.c.person_id, res)
    pp = Person.__table__.alias("pp")
    cs = Case.__table__.alias("cs")
    age = age_on(pp.c.birth_date, pp.c.birth_year, ev.c.event_date)
    w = (
        select(ev.c.service_code.label("code"), month_of(ev.c.event_date).label("m"), ev.c.quantity.label("qty"),
               func.coalesce(ev.c.kelurahan_code, _const("")).label("kelurahan"),
               func.coalesce(func.nullif(ev.c.unit, _const("")), cs.c.unit, _const("")).label("unit"),
               pp.c.sex.label("sex"), pp.c.category_code.label("pmks_category"),
               case((age < AGE_CHILD_BELOW, "anak"), (age >= AGE_ELDERLY_FROM, "lansia"),
                    (age.is_not(None), "dewasa"), else_=null()).label("age_group"))
        .select_from(ev.outerjoin(res, res.c.src == ev.c.person_id).outerjoin(pp, pp.c.id == key)
                     .outerjoin(cs, cs.c.id == ev.c.case_id))
        .where(ev.c.deleted_at.is_(None), in_window(ev.c.event_date, start, end),
               ev.c.service_code.in_(codes), key.is_not(None))
        .subquery("w")
    )
    names = ("kelurahan", "unit", *PERSON_DIMS)
    cols = [w.c[n] for n in names]
    q = select(w.c.code, w.c.m, *cols, func.sum(w.c.qty)).group_by(w.c.code, w.c.m, *cols)
    for row in session.execute(q):
        code, month, values, total = row[0], int(row[1]), row[2:-1], int(row[-1] or 0)
        _add(out.monthly[code], month, total)
        for d, value in zip(names, values, strict=True):
            _add(out.by_dim[d], (value or "", code), total)
