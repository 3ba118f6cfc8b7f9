"""Met, due, cancelled and terpenuhi — the one implementation of architecture §4 v2 that the
recap, the dashboard, the Kasus list and the case panel all use.

Two steps:

1. **Facts from SQL** (:func:`load_case_facts`, :func:`load_bencana_facts`): the spans (a
   case, or a disaster for its victim) of a person with their live needs, and for every
   need its *met date*: the first counting delivery of its code for the person (or anyone
   merged into them) dated on or after the need's ``assessed_on`` — one index seek per
   need (``ix_service_event_person_code_date``; an event counts unless it is in
   ``uncounted_event``, migration 0003) — kept only when it is not after the case's exit.
   A need of a case closed with an exit reason that settings mark as ending the Dinas's
   responsibility, unmet at the exit, is *cancelled* on the exit date.
2. **Judgement in Python** (:func:`judge`): per (group, person), over the few thousand
   spans that overlap the window, whether the person is sasaran, unassessed, terpenuhi
   and on which date (the met date), whether they left before being served.

For a whole window (:func:`tally_window`, the recap) the usual shape — one case in the group,
all its needs assessed on one date, no merge — skips both: it is judged in SQL, in closed form,
from the need dates the database keeps in the case's row (:mod:`closed_form`: migration 0013,
from ``need_met``, migration 0011, kept by triggers with the same rule as the sources below);
everyone else goes through the two steps above.

Extending it (the interface other parts plug into):

* **More ways to meet a need** — :data:`MET_SOURCES` lists functions
  ``source(person_id_column, code_column, assessed_on_column) -> scalar SELECT`` giving the
  first date on or after ``assessed_on`` at which that source delivers the code to that
  person id (or NULL). Every source is one extra column of the needs statement; the met
  date is the earliest over the sources. The group-activity source
  (:func:`spm_desktop.core.rollup.activities.activity_met_source`: "a ``participants`` need
  of a PPKS is met by an activity of its code listing them") is the second. A new source
  must also be added to ``need_met``'s triggers (a new migration, like 0011) and to
  ``tests/core/summaries.expected_need_met``.
  A source is also asked for merged persons' aliases through :data:`ALIAS_SOURCES`
  (``fn(session, person_ids, codes) -> rows of (person_id, code, date)``).
* **Disaster victims** — judged in SQL by :mod:`spm_desktop.core.rollup.victims` (needs
  assessed on the disaster's start, never cancelled, never unassessed); :func:`tally_window`
  takes their met dates (:func:`spm_desktop.core.rollup.victims.bencana_tally`) into the same
  tallies, so served by month, IKK 2 and the warnings treat them like the case groups. A
  victim's needs could also be fed to :func:`judge` as a :class:`SpanFact` (``assessed=True``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import exists, select, union_all
from sqlalchemy.orm import Session

from spm_desktop.core.domain.groups import CASE_GROUPS
from spm_desktop.core.rollup.activities import activity_alias_rows, activity_met_source
from spm_desktop.core.rollup.closed_form import JUDGE, LEFT, SASARAN, UNASSESSED, case_verdicts
from spm_desktop.core.rollup.sql import resolved_persons
from spm_desktop.core.storage.models import (
    Case,
    CaseNeed,
    ServiceEvent,
    UncountedEvent,
)

BENCANA = "bencana"
ONE_DAY = timedelta(days=1)


# ----- facts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedFact:
    need_id: str
    code: str
    assessed_on: date
    met_on: date | None  # first counting delivery in [assessed_on, exit]; None when none (yet)
    cancelled_on: date | None = None  # the exit date, when the exit ends responsibility and it was unmet

    def met_by(self, t: date) -> bool:
        return self.met_on is not None and self.met_on <= t

    def cancelled_by(self, t: date) -> bool:
        return self.cancelled_on is not None and self.cancelled_on <= t


@dataclass(frozen=True)
class SpanFact:
    """A case (or a disaster, for one of its victims) of one person in one group."""

    id: str
    group: str
    person: str  # resolved person id
    start: date  # intake (disaster: its start)
    end: date | None  # exit (None: open)
    exit_reason: str = ""
    no_need_on: date | None = None  # "tidak ada kebutuhan layanan dasar" assessed on
    needs: tuple[NeedFact, ...] = ()
    assessed: bool = False  # True: never "unassessed" (disaster victims)

    def open_at(self, t: date) -> bool:
        return self.start <= t and (self.end is None or self.end >= t)

    def assessed_by(self, t: date) -> bool:
        return (self.assessed or (self.no_need_on is not None and self.no_need_on <= t)
                or any(n.assessed_on <= t for n in self.needs))


@dataclass(frozen=True)
class Judgement:
    """One person in one group over the window [start, end]."""

    sasaran: bool
    met_on: date | None  # the person's met date in the window (terpenuhi when set)
    unassessed: bool  # an overlapping span unassessed at the end of the window
    unassessed_spans: tuple[str, ...] = ()
    open_after_met: bool = False  # terpenuhi, yet a due need or an unassessed case is open at the end
    left_reason: str | None = None  # not sasaran because every due need was cancelled: the exit reason
    due: tuple[NeedFact, ...] = ()

    @property
    def terpenuhi(self) -> bool:
        return self.met_on is not None


# ----- the rule ---------------------------------------------------------------------------


def judge(spans: Iterable[SpanFact], start: date, end: date, rule: str = "all_needed") -> Judgement:
    """Architecture §4 v2 for one person and group; ``spans`` are those overlapping
    [start, end] (intake ≤ end, exit empty or ≥ start), needs with ``assessed_on`` ≤ end."""
    spans = list(spans)
    before = start - ONE_DAY
    due: list[NeedFact] = []
    unassessed = [s.id for s in spans if not s.assessed_by(end)]
    cancel_reason: dict[str, str] = {}
    for s in spans:
        for n in s.needs:
            if n.assessed_on > end:
                continue
            if n.assessed_on >= start or not n.met_by(before):
                due.append(n)
                if n.cancelled_on is not None:
                    cancel_reason[n.need_id] = s.exit_reason
    live = [n for n in due if not n.cancelled_by(end)]
    sasaran = bool(unassessed or live)
    left = None
    if not sasaran and due:
        last = max(due, key=lambda n: n.cancelled_on or date.min)
        left = cancel_reason.get(last.need_id, "")
    if not sasaran:
        return Judgement(False, None, False, (), False, left, tuple(due))
    met_on = _met_date(spans, due, start, end, rule)
    open_after = met_on is not None and (bool(unassessed) or any(
        not n.met_by(end) and not n.cancelled_by(end) for n in due))
    return Judgement(True, met_on, bool(unassessed), tuple(unassessed), open_after, None, tuple(due))


def _met_date(spans: list[SpanFact], due: list[NeedFact], start: date, end: date, rule: str) -> date | None:
    points = {start}
    for n in due:
        points.update(d for d in (n.assessed_on, n.met_on, n.cancelled_on) if d is not None)
    for s in spans:
        points.update(d for d in (s.start, s.no_need_on, s.end + ONE_DAY if s.end else None) if d is not None)
        points.update(n.assessed_on for n in s.needs)
    for t in sorted(p for p in points if start <= p <= end):
        if any(s.open_at(t) and not s.assessed_by(t) for s in spans):
            continue
        current = [n for n in due if n.assessed_on <= t]
        if not current:
            continue
        met = [n for n in current if n.met_by(t)]
        if not met:
            continue
        if rule == "any_item" or all(n.met_by(t) or n.cancelled_by(t) for n in current):
            return t
    return None


# ----- loading the facts ------------------------------------------------------------------


def _event_source(pid, code, assessed_on):
    """First counting service event of ``code`` for ``pid`` on or after ``assessed_on``."""
    e = ServiceEvent.__table__.alias("met_ev")
    u = UncountedEvent.__table__
    return (select(e.c.event_date)
            .where(e.c.person_id == pid, e.c.service_code == code, e.c.event_date >= assessed_on,
                   e.c.deleted_at.is_(None), ~exists().where(u.c.event_id == e.c.id))
            .order_by(e.c.event_date).limit(1).scalar_subquery())


def _event_alias_rows(s: Session, person_ids: list[str], codes: set[str]):
    e = ServiceEvent.__table__
    u = UncountedEvent.__table__
    return s.execute(select(e.c.person_id, e.c.service_code, e.c.event_date)
                     .where(e.c.person_id.in_(person_ids), e.c.service_code.in_(sorted(codes)),
                            e.c.deleted_at.is_(None), ~exists().where(u.c.event_id == e.c.id)))


MET_SOURCES: list[Callable] = [_event_source, activity_met_source]
ALIAS_SOURCES: list[Callable] = [_event_alias_rows, activity_alias_rows]


@dataclass
class _Resolution:
    """Merged and deleted persons: ``dst[src]`` (None: counts nowhere), ``aliases[pk]``."""

    dst: dict[str, str | None] = field(default_factory=dict)
    aliases: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def key(self, pid: str) -> str | None:
        return self.dst.get(pid, pid)

    def touched(self, pk: str) -> bool:
        return pk in self.aliases


def load_resolution(s: Session) -> _Resolution:
    res = resolved_persons()
    out = _Resolution()
    for src, dst in s.execute(select(res.c.src, res.c.dst)):
        out.dst[src] = dst
        if dst is not None:
            out.aliases[dst].add(src)
    for dst in list(out.aliases):
        out.aliases[dst].add(dst)
    return out


def load_case_facts(s: Session, start: date, end: date, cancelling: Iterable[str], *,
                    groups: Iterable[str] = CASE_GROUPS, case_ids: Iterable[str] | None = None,
                    person_ids: Iterable[str] | None = None,
                    resolution: _Resolution | None = None) -> list[SpanFact]:
    """The live cases overlapping [start, end] with their live needs assessed by ``end``
    (or only ``case_ids`` / the cases of ``person_ids``, whatever their dates), persons
    resolved; cases of persons who count nowhere are left out."""
    resolution = resolution or load_resolution(s)
    cancelling = frozenset(cancelling)
    c, n = Case.__table__, CaseNeed.__table__
    live = [c.c.deleted_at.is_(None), c.c.spm_group.in_(list(groups))]
    if case_ids is not None:
        live.append(c.c.id.in_(list(case_ids)))
    elif person_ids is not None:
        live.append(c.c.person_id.in_(list(person_ids)))
    else:
        live.append(c.c.intake_date <= end)
    cols = (c.c.id, c.c.person_id, c.c.spm_group, c.c.intake_date, c.c.exit_date, c.c.exit_reason,
            c.c.no_need_assessed_on)
    if case_ids is None and person_ids is None:
        case_q = union_all(select(*cols).where(*live, c.c.exit_date.is_(None)),
                           select(*cols).where(*live, c.c.exit_date >= start))
    else:
        case_q = select(*cols).where(*live)
    cases = {r[0]: r for r in s.execute(case_q)}
    if not cases:
        return []
    spans = case_q.subquery("spans")
    firsts = [src(spans.c.person_id, n.c.service_code, n.c.assessed_on).label(f"f{i}")
              for i, src in enumerate(MET_SOURCES)]
    need_q = (select(n.c.case_id, n.c.id, n.c.service_code, n.c.assessed_on, *firsts)
              .select_from(spans.join(n, n.c.case_id == spans.c.id))
              .where(n.c.deleted_at.is_(None), n.c.assessed_on <= end))
    raw: dict[str, list] = defaultdict(list)
    for row in s.execute(need_q):
        dates = [d for d in row[4:] if d is not None]
        raw[row[0]].append((row[1], row[2], row[3], min(dates) if dates else None))
    # Persons with aliases (merges): their needs' firsts over every alias's deliveries.
    touched = {resolution.key(r[1]) for r in cases.values()}
    touched = {pk for pk in touched if pk is not None and resolution.touched(pk)}
    alias_dates = _alias_dates(s, resolution, touched, {code for rows in raw.values() for _, code, _, _ in rows})
    out: list[SpanFact] = []
    for cid, (_, pid, grp, intake, exit_date, reason, no_need) in cases.items():
        pk = resolution.key(pid)
        if pk is None:
            continue
        needs = []
        for need_id, code, assessed, first in raw.get(cid, []):
            if pk in touched:
                first = next((d for d in alias_dates.get((pk, code), ()) if d >= assessed), None)
            met = first if first is not None and (exit_date is None or first <= exit_date) else None
            cancelled = exit_date if met is None and exit_date is not None and reason in cancelling else None
            needs.append(NeedFact(need_id, code, assessed, met, cancelled))
        needs.sort(key=lambda x: (x.assessed_on, x.code, x.need_id))
        out.append(SpanFact(cid, grp, pk, intake, exit_date, reason or "", no_need, tuple(needs)))
    return out


def _alias_dates(s: Session, resolution: _Resolution, touched: set[str], codes: set[str]):
    """(pk, code) → sorted delivery dates over every alias of pk."""
    if not touched or not codes:
        return {}
    ids = sorted({a for pk in touched for a in resolution.aliases[pk]})
    out: dict[tuple[str, str], list[date]] = defaultdict(list)
    for source in ALIAS_SOURCES:
        for pid, code, day in source(s, ids, codes):
            pk = resolution.key(pid)
            if pk is not None:
                out[(pk, code)].append(day)
    for v in out.values():
        v.sort()
    return out


def _chunks(items: list[str], size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def by_person(spans: Iterable[SpanFact]) -> dict[tuple[str, str], list[SpanFact]]:
    out: dict[tuple[str, str], list[SpanFact]] = defaultdict(list)
    for sp in spans:
        out[(sp.group, sp.person)].append(sp)
    return out


def overlaps(span: SpanFact, start: date, end: date) -> bool:
    return span.start <= end and (span.end is None or span.end >= start)


def need_states(s: Session, case_ids: Iterable[str], as_of: date, cancelling: Iterable[str]) -> dict[str, SpanFact]:
    """The cases ``case_ids`` with their live needs and each need's met/cancelled date as of
    ``as_of`` (the Kasus list and the case panel): the same facts the recap judges."""
    ids = list(case_ids)
    if not ids:
        return {}
    facts = load_case_facts(s, date.min, as_of, cancelling, case_ids=ids)
    return {f.id: f for f in facts}


def open_needs(span: SpanFact, as_of: date) -> list[NeedFact]:
    """Needs of a case neither met nor cancelled by ``as_of`` (assessed by then)."""
    return [n for n in span.needs if n.assessed_on <= as_of and not n.met_by(as_of) and not n.cancelled_by(as_of)]


__all__ = ["ALIAS_SOURCES", "MET_SOURCES", "GroupTally", "Judgement", "NeedFact", "SpanFact", "by_person",
           "judge", "load_case_facts", "load_resolution", "need_states", "open_needs", "overlaps", "tally_window"]


# ----- a whole window, per group ---------------------------------------------------------------


@dataclass
class GroupTally:
    """The persons of one group over a window, judged (architecture §4 v2)."""

    group: str
    sasaran: set[str] = field(default_factory=set)
    met_on: dict[str, date] = field(default_factory=dict)  # terpenuhi persons → met date
    unassessed_persons: set[str] = field(default_factory=set)
    unassessed_cases: list[tuple[str, str, date]] = field(default_factory=list)  # (case, person, intake)
    open_after_met: set[str] = field(default_factory=set)
    left_before_served: dict[str, int] = field(default_factory=dict)  # exit reason → persons

    def served_by_month(self) -> tuple[int, ...]:
        months = [0] * 12
        for d in self.met_on.values():
            months[d.month - 1] += 1
        return tuple(months)


def tally_window(s: Session, start: date, end: date, cancelling: Iterable[str], rule: str,
                 *, child_below: int = 5, with_bencana: bool = True, closed_form: bool = True) -> dict[str, GroupTally]:
    """Every group's tally over [start, end] (the recap, the dashboard); ``child_below``: the
    setting ``disaster.usia_rentan_anak``.

    The usual shape — a person with one overlapping case in the group, all of whose needs
    were assessed on one date, not touched by a merge — is judged in SQL from the case's row
    (:mod:`spm_desktop.core.rollup.closed_form`, the need dates of migration 0013); every
    other person goes through :func:`judge` with the facts of :func:`load_case_facts`
    (everyone with ``closed_form=False``: the tests compare the two)."""
    resolution = load_resolution(s)
    cancelling = frozenset(cancelling)
    out = {g: GroupTally(g) for g in (*CASE_GROUPS, BENCANA)}
    if with_bencana:
        victims = out[BENCANA]
        from spm_desktop.core.rollup.victims import bencana_tally

        for pk, met in bencana_tally(s, start, end, rule, child_below).items():
            victims.sasaran.add(pk)
            if met is not None:
                victims.met_on[pk] = met
    only: dict[tuple[str, str], Any] = {}  # (group, person) → the row of their first case
    several: dict[tuple[str, str], list] = {}  # … and of all of them, when they have more than one
    dst = resolution.dst
    for row in case_verdicts(s, start, end, cancelling, rule):
        pid = row[1]
        pk = dst.get(pid, pid)
        if pk is not None:
            key = (row[2], pk)
            first = only.setdefault(key, row)
            if first is not row:
                several.setdefault(key, [first]).append(row)
    detailed = [r[0] for rows in several.values() for r in rows]
    aliases = resolution.aliases
    for key, row in only.items():
        if key in several:
            continue
        group, person = key
        if not closed_form or person in aliases or not _count_verdict(out[group], person, row):
            detailed.append(row[0])
    if detailed:
        spans = load_case_facts(s, start, end, cancelling, case_ids=detailed, resolution=resolution)
        for (group, person), own in by_person(spans).items():
            _add_judgement(out[group], person, own, judge(own, start, end, rule))
    return out


def _count_verdict(tally: GroupTally, person: str, row) -> bool:
    """Count the SQL verdict of a person's only case (:func:`closed_form.case_verdicts`);
    False, having changed nothing, when it says to judge them with :func:`judge`."""
    cid, _pid, _group, verdict, met_on, open_after, reason, intake = row
    if verdict == SASARAN:
        tally.sasaran.add(person)
        if met_on is not None:
            tally.met_on[person] = date.fromisoformat(met_on)
            if open_after:
                tally.open_after_met.add(person)
    elif verdict == UNASSESSED:
        tally.sasaran.add(person)
        tally.unassessed_persons.add(person)
        tally.unassessed_cases.append((cid, person, date.fromisoformat(intake)))
    elif verdict == LEFT:
        key = reason or ""
        tally.left_before_served[key] = tally.left_before_served.get(key, 0) + 1
    elif verdict == JUDGE:
        return False
    return True


def _add_judgement(tally: GroupTally, person: str, own: list[SpanFact], j: Judgement) -> None:
    if j.left_reason is not None:
        tally.left_before_served[j.left_reason] = tally.left_before_served.get(j.left_reason, 0) + 1
    if not j.sasaran:
        return
    tally.sasaran.add(person)
    if j.met_on is not None:
        tally.met_on[person] = j.met_on
    if j.open_after_met:
        tally.open_after_met.add(person)
    if j.unassessed:
        tally.unassessed_persons.add(person)
        by_id = {sp.id: sp for sp in own}
        tally.unassessed_cases.extend((cid, person, by_id[cid].start) for cid in j.unassessed_spans)
