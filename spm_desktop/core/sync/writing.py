"""Writing a planned import inside the caller's transaction (Core statements in bulk).

Rows exactly as received are stamped with one change counter value (the exporter never
echoes them back to that peer); rows the import itself changes (a NIK set aside, a duplicate
suggestion, a re-keyed natural key) get a second value and travel on as new revisions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.storage import hlc
from spm_desktop.core.storage.base import seed_id, utcnow
from spm_desktop.core.storage.models import DuplicateCandidate, SyncConflict
from spm_desktop.core.storage.name_keys import refresh_name_keys
from spm_desktop.core.storage.summaries import bulk_inserts
from spm_desktop.core.storage.tracking import next_change_seq
from spm_desktop.core.sync.codec import TableCodec
from spm_desktop.core.sync.identity import heal_counter
from spm_desktop.core.sync.planning import CHUNK, OpenedPackage, Plan, TablePlan

NIK_ASIDE_NOTE = "[Sinkronisasi] NIK {nik} juga dipakai data lain; disimpan di sini sampai data ganda diperiksa."


def _local_stamp(codec: TableCodec, row: list[Any], actor: Actor, device: str, now: datetime,
                 tick: int) -> list[Any]:
    """``row`` as a new revision made here (so that it travels and wins elsewhere)."""
    row = list(row)
    row[codec.index("revision")] = (row[codec.index("revision")] or 0) + 1
    row[codec.index("hlc")] = max(tick, (row[codec.index("hlc")] or 0) + 1)
    row[codec.index("updated_at")] = now.isoformat()
    row[codec.index("updated_by")] = actor.username
    row[codec.index("origin_device")] = device
    return row


def _set_aside(codec: TableCodec, row: list[Any], nik: str) -> list[Any]:
    row = list(row)
    row[codec.index("nik")] = None
    note = NIK_ASIDE_NOTE.format(nik=nik)
    notes = row[codec.index("notes")] or ""
    if note not in notes:
        row[codec.index("notes")] = f"{notes}\n{note}".strip()
    return row


def apply_plan(s: Session, package: OpenedPackage, plan: Plan, actor: Actor) -> int:
    """Write the plan (inside the caller's transaction); returns new duplicate suggestions."""
    # Rows exactly as received get ``seq`` (the exporter never echoes them back to that peer);
    # rows this import had to change itself (NIK set aside, suggestions) get ``local_seq``.
    heal_counter(s)
    # This clock moves up to the sender's: what is edited here afterwards orders after all of it.
    hlc.observe(s, max([package.manifest.hlc] + [_highest_hlc(codec, rows) for codec, rows in package.tables]))
    device, now = s.info.get("device_id", ""), (s.info.get("clock") or utcnow)()
    seq = next_change_seq(s)
    local_seq, tick = hlc.advance(s, now)
    s.info["sync_seq"] = seq
    with bulk_inserts(s, (seq, local_seq)):
        for tp in plan.tables:
            codec = tp.codec
            if codec.name == "person":
                _prepare_person_niks(s, tp, plan, actor, device, now, tick)
            _write_table(s, tp, seq, local_seq)
            if codec.name == "person":  # the duplicate search's index follows the names written
                id_at = codec.index("id")
                refresh_name_keys(s.connection(), [r[id_at] for r in (*tp.inserts, *tp.updates)]
                                  + [i for old, row in tp.rekeys for i in (old, row[id_at])])
            _record_conflicts(s, tp, package.manifest.package_id)
        count = _add_duplicate_candidates(s, plan.duplicate_pairs, actor, device, now, local_seq, tick)
        _observe_local_stamps(s, plan)
        return count


def _highest_hlc(codec: TableCodec, rows: list[list[Any]]) -> int:
    at = codec.index("hlc")
    return max((r[at] or 0 for r in rows), default=0)


def _observe_local_stamps(s: Session, plan: Plan) -> None:
    """A row stamped here above the tick (its version was ahead) moves the clock too."""
    highest = 0
    for tp in plan.tables:
        if tp.edited_here:
            at, id_at = tp.codec.index("hlc"), tp.codec.index("id")
            highest = max([highest] + [r[at] or 0 for r in tp.updates + tp.inserts if r[id_at] in tp.edited_here])
    hlc.observe(s, highest)


def _prepare_person_niks(s, tp: TablePlan, plan: Plan, actor, device, now, tick) -> None:
    codec = tp.codec
    id_at = codec.index("id")
    tp.inserts = [_local_stamp(codec, _set_aside(codec, r, plan.nik_aside[r[id_at]]), actor, device, now,
                               tick) if r[id_at] in plan.nik_aside else r for r in tp.inserts]
    tp.updates = [_local_stamp(codec, _set_aside(codec, r, plan.nik_aside[r[id_at]]), actor, device, now,
                               tick) if r[id_at] in plan.nik_aside else r for r in tp.updates]
    losers = [_local_stamp(codec, _set_aside(codec, r, plan.nik_aside[r[id_at]]), actor, device, now, tick)
              for r in plan.local_nik_losers]
    # Free every NIK that moves before writing, so no intermediate state breaks UNIQUE(nik).
    t = codec.table
    moving = [r[id_at] for r in tp.updates] + [r[id_at] for r in losers]
    for start in range(0, len(moving), CHUNK):
        s.connection().execute(update(t).where(t.c.id.in_(moving[start:start + CHUNK])).values(nik=None))
    tp.updates.extend(losers)
    tp.edited_here = set(plan.nik_aside)


def _columns(codec: TableCodec, rows: list[list[Any]], seqs: list[int], prefix: str = "",
             decoded: dict[int, dict[str, Any]] | None = None) -> dict[str, list[Any]]:
    """The decoded values of ``rows`` column by column (``prefix`` + column name), with
    ``change_seq`` from ``seqs``."""
    values = [(decoded or {}).get(id(r)) or codec.decode(r) for r in rows]
    out = {f"{prefix}{c}": [v[c] for v in values] for c in codec.columns}
    out[f"{prefix}change_seq"] = seqs
    return out


def _executemany(conn, stmt, columns: dict[str, list[Any]]) -> None:
    """``conn.execute(stmt, params)`` for many rows given column by column, without
    SQLAlchemy's per-row parameter bookkeeping (≈ 1.8 s for a 110k-row package): the
    statement is compiled once, and each column's values — None included, as JSON stores it
    as ``null`` — go through its column type's bind processor, the same function SQLAlchemy
    would apply, before one DBAPI executemany."""
    if not columns or not next(iter(columns.values())):
        return
    dialect = conn.dialect
    compiled = stmt.compile(dialect=dialect, column_keys=list(columns))
    names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
    procs = [_bind_processor(compiled.binds[n].type.dialect_impl(dialect), dialect) for n in names]
    bound = [columns[n] if f is None else list(map(f, columns[n])) for n, f in zip(names, procs, strict=True)]
    if compiled.positional:
        rows: list[Any] = list(zip(*bound, strict=True))
    else:
        rows = [dict(zip(names, values, strict=True)) for values in zip(*bound, strict=True)]
    conn.exec_driver_sql(compiled.string, rows)


# SQLite's DATETIME and DATE with their default storage formats: the text their bind
# processors make, from ``isoformat`` (a 110k-row package binds ≈ 470,000 such values; the
# processors fill a dict and a %-format per value, ≈ 3 times slower).
_SQLITE_DATETIME = "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
_SQLITE_DATE = "%(year)04d-%(month)02d-%(day)02d"


def _bind_processor(impl, dialect):
    """``impl``'s bind processor, or a faster one making the same text (SQLite dates)."""
    process = impl.bind_processor(dialect)
    if dialect.name != "sqlite" or process is None:
        return process
    storage = getattr(impl, "_storage_format", None)
    if isinstance(impl, DateTime) and storage == _SQLITE_DATETIME:
        def fast(value):
            if type(value) is datetime and value.tzinfo is None:
                return value.isoformat(" ", "microseconds")
            return process(value)
        return fast
    if isinstance(impl, Date) and not isinstance(impl, DateTime) and storage == _SQLITE_DATE:
        def fast_date(value):
            return value.isoformat() if type(value) is date else process(value)
        return fast_date
    return process


# New rows go in in the order of their table's largest index with random keys (the events'
# person/code/date index, the needs' case index): its leaves and the parent rows their
# foreign keys look up are then visited once, left to right, instead of at random.
INSERT_ORDER = {"service_event": ("person_id", "service_code", "event_date"), "case_need": ("case_id",)}


def _write_table(s: Session, tp: TablePlan, seq: int, local_seq: int) -> None:
    codec, t = tp.codec, tp.codec.table
    conn = s.connection()
    id_at = codec.index("id")

    def seqs(rows: list[list[Any]]) -> list[int]:
        return [local_seq if r[id_at] in tp.edited_here else seq for r in rows]

    order = INSERT_ORDER.get(codec.name)
    if order and tp.inserts:
        at = [codec.index(c) for c in order]
        tp.inserts.sort(key=lambda r: tuple(r[i] or "" for i in at))
    if tp.inserts:
        columns = _columns(codec, tp.inserts, seqs(tp.inserts), "", tp.decoded)
        deferred = []
        if codec.self_refs:  # written after every row of the table exists
            refs = [columns[c] for c in codec.self_refs]
            deferred = [{"b_id": i, **{f"b_{c}": v for c, v in zip(codec.self_refs, values, strict=True)}}
                        for i, *values in zip(columns["id"], *refs, strict=True)
                        if any(v is not None for v in values)]
            for c in codec.self_refs:
                columns[c] = [None] * len(columns["id"])
        _executemany(conn, insert(t), columns)
        if deferred:
            stmt = update(t).where(t.c.id == bindparam("b_id")).values(
                {c: bindparam(f"b_{c}") for c in codec.self_refs})
            conn.execute(stmt, deferred)
    cols = [c for c in codec.columns if c != "id"] + ["change_seq"]
    if tp.updates:
        stmt = update(t).where(t.c.id == bindparam("b_id")).values({c: bindparam(f"b_{c}") for c in cols})
        _executemany(conn, stmt, _columns(codec, tp.updates, seqs(tp.updates), "b_", tp.decoded))
    for old_id, row in tp.rekeys:
        # A re-keyed row is a version the sender does not hold under this id: it must travel.
        values = dict(codec.decode(row), change_seq=local_seq)
        conn.execute(update(t).where(t.c.id == old_id).values(values))


def _record_conflicts(s: Session, tp: TablePlan, package_id: str) -> None:
    codec = tp.codec
    cols = codec.columns
    for entity_id, mine, remote, winner in tp.conflicts:
        remote_data = dict(zip(cols, remote, strict=True))
        open_same = s.scalars(select(SyncConflict).where(
            SyncConflict.entity == codec.name, SyncConflict.entity_id == entity_id,
            SyncConflict.resolved_at.is_(None))).all()
        if any(c.remote_data == remote_data for c in open_same):
            continue
        s.add(SyncConflict(entity=codec.name, entity_id=entity_id, package_id=package_id,
                           local_data=dict(zip(cols, mine, strict=True)) if mine else None,
                           remote_data=remote_data, winner=winner))
    s.flush()


def new_duplicate_pairs(s: Session, pairs: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    out = []
    for a, b, nik in pairs:
        exists = s.scalar(select(DuplicateCandidate.id).where(or_(
            DuplicateCandidate.id == seed_id("duplicate_candidate", f"{a}:{b}"),
            and_(DuplicateCandidate.person_a_id == a, DuplicateCandidate.person_b_id == b),
            and_(DuplicateCandidate.person_a_id == b, DuplicateCandidate.person_b_id == a))))
        if exists is None:
            out.append((a, b, nik))
    return out


def _add_duplicate_candidates(s: Session, pairs, actor: Actor, device: str, now: datetime, seq: int,
                              tick: int) -> int:
    """One suggestion per pair sharing a NIK; its id depends only on the pair, so the
    suggestion made on each side of an exchange is the same record."""
    new = new_duplicate_pairs(s, pairs)
    if not new:
        return 0
    rows = [dict(id=seed_id("duplicate_candidate", f"{a}:{b}"), person_a_id=a, person_b_id=b,
                 reason=f"NIK sama ({nik}) dari sinkronisasi", score=100, status="open", reviewed_by="",
                 created_at=now, updated_at=now, updated_by=actor.username, origin_device=device, revision=1,
                 hlc=tick, deleted_at=None, change_seq=seq) for a, b, nik in new]
    s.connection().execute(insert(DuplicateCandidate.__table__), rows)
    return len(rows)



def out_of_scope(s: Session, package: OpenedPackage, peer_id: str) -> list[str]:
    """Remove the persons the office says left this (TKSK) device's scope, with their cases,
    needs, events, household memberships and duplicate pairs: physically and locally (nothing
    travels back; the office keeps them). Kept: persons this device registered, persons with
    changes made here that the office has not acknowledged yet (they travel first; the office
    decides), persons the package itself carries, and persons a kept person was merged into.
    This function lists them; :func:`remove_persons` removes them."""
    from spm_desktop.core.storage.models import LocalDevice, Person, SyncPeer

    wanted = set(package.manifest.evict)
    if not wanted:
        return []
    for codec, rows in package.tables:
        if codec.name == "person":
            wanted -= {r[codec.index("id")] for r in rows}
    peer = s.get(SyncPeer, peer_id)
    device = s.scalars(select(LocalDevice)).one()
    ids = sorted(wanted)
    gone: list[str] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        kept = set(s.scalars(select(Person.id).where(Person.id.in_(chunk), or_(
            Person.created_device == device.id,
            and_(Person.change_seq > peer.acked_seq, Person.origin_device == device.id)))))
        gone.extend(i for i in chunk if i not in kept)
    if not gone:
        return []
    # A person still held here that was merged into one of them keeps that one too.
    targets = set()
    for start in range(0, len(gone), CHUNK):
        targets |= set(s.scalars(select(Person.merged_into).where(Person.merged_into.in_(gone[start:start + CHUNK]),
                                                                   Person.id.not_in(gone[start:start + CHUNK]))))
    return [i for i in gone if i not in targets]


def remove_persons(s: Session, gone: list[str]) -> int:
    """Remove ``gone`` (see :func:`out_of_scope`) and their records; returns persons removed."""
    from spm_desktop.core.storage.models import (
        Case,
        CaseNeed,
        GroupActivityPerson,
        HouseholdMember,
        Person,
        ServiceEvent,
    )
    from spm_desktop.core.storage.models import Household as HouseholdModel

    conn = s.connection()
    p = Person.__table__
    removed = 0
    for start in range(0, len(gone), CHUNK):
        chunk = gone[start:start + CHUNK]
        records = personal_records(s, chunk)
        _forget_in_audit_trail(s, chunk, records)
        conn.execute(update(p).where(p.c.id.in_(chunk)).values(merged_into=None))
        cases = select(Case.id).where(Case.person_id.in_(chunk)).scalar_subquery()
        _remove_layanan(conn, chunk, cases, records["letter"])
        conn.execute(ServiceEvent.__table__.delete().where(ServiceEvent.__table__.c.person_id.in_(chunk)))
        conn.execute(CaseNeed.__table__.delete().where(CaseNeed.__table__.c.case_id.in_(cases)))
        conn.execute(Case.__table__.delete().where(Case.__table__.c.person_id.in_(chunk)))
        conn.execute(HouseholdMember.__table__.delete().where(HouseholdMember.__table__.c.person_id.in_(chunk)))
        h = HouseholdModel.__table__
        conn.execute(update(h).where(h.c.head_person_id.in_(chunk)).values(head_person_id=None))
        d = DuplicateCandidate.__table__
        conn.execute(d.delete().where(or_(d.c.person_a_id.in_(chunk), d.c.person_b_id.in_(chunk))))
        g = GroupActivityPerson.__table__
        conn.execute(g.delete().where(g.c.person_id.in_(chunk)))
        c = SyncConflict.__table__
        for entity, ids in records.items():  # both versions of a conflict are personal data too
            if entity in KEPT_UNLINKED:
                continue  # a complaint about them stays here (unlinked): so do its conflicts
            for part in _parts(ids):
                conn.execute(c.delete().where(c.c.entity == entity, c.c.entity_id.in_(part)))
        removed += conn.execute(p.delete().where(p.c.id.in_(chunk))).rowcount or 0
    return removed


def _parts(ids: list[str] | set[str]) -> list[list[str]]:
    ids = sorted(ids)
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


def personal_records(s: Session, persons: list[str]) -> dict[str, set[str]]:
    """The ids of the records about ``persons`` held here, by sync table name: the persons,
    their cases, needs, events, household memberships, households they head and duplicate
    pairs with them."""
    from spm_desktop.core.storage.models import Case, CaseNeed, Household, HouseholdMember, ServiceEvent

    out: dict[str, set[str]] = {"person": set(persons)}
    out["cases"] = set(s.scalars(select(Case.id).where(Case.person_id.in_(persons))))
    out["case_need"] = {n for part in _parts(out["cases"])
                        for n in s.scalars(select(CaseNeed.id).where(CaseNeed.case_id.in_(part)))}
    out["service_event"] = set(s.scalars(select(ServiceEvent.id).where(ServiceEvent.person_id.in_(persons))))
    out["household_member"] = set(s.scalars(select(HouseholdMember.id).where(HouseholdMember.person_id.in_(persons))))
    out["household"] = set(s.scalars(select(Household.id).where(Household.head_person_id.in_(persons))))
    d = DuplicateCandidate
    out["duplicate_candidate"] = set(s.scalars(select(d.id).where(or_(d.person_a_id.in_(persons),
                                                                      d.person_b_id.in_(persons)))))
    out.update(_layanan_records(s, persons, out["cases"], out["service_event"]))
    return out


def _layanan_records(s: Session, persons: list[str], cases: set[str], events: set[str]) -> dict[str, set[str]]:
    """Issue 21: their referrals and DTSEN proposals, the complaints about them (which may stay,
    unlinked, but their snapshots and follow-up notes describe the person) with the follow-ups,
    and the letters printed here from any of those records (a letter holds the person's data)."""
    from spm_desktop.core.storage.models import Complaint, ComplaintFollowUp, DtsenProposal, Letter, Referral

    out: dict[str, set[str]] = {}
    r, c = Referral, Complaint
    out["referral"] = set(s.scalars(select(r.id).where(r.person_id.in_(persons))))
    out["complaint"] = set(s.scalars(select(c.id).where(c.person_id.in_(persons))))
    for part in _parts(cases):
        out["referral"] |= set(s.scalars(select(r.id).where(r.case_id.in_(part))))
        out["complaint"] |= set(s.scalars(select(c.id).where(c.case_id.in_(part))))
    out["dtsen_proposal"] = set(s.scalars(select(DtsenProposal.id).where(DtsenProposal.person_id.in_(persons))))
    out["complaint_followup"] = {f for part in _parts(out["complaint"]) for f in s.scalars(
        select(ComplaintFollowUp.id).where(ComplaintFollowUp.complaint_id.in_(part)))}
    sources = out["referral"] | out["complaint"] | set(events)
    out["letter"] = {x for part in _parts(sources) for x in s.scalars(select(Letter.id).where(
        Letter.record_id.in_(part)))}
    return out


# Audit entities (services name a case "case"; a resolved sync conflict names the sync table).
_AUDIT_ENTITIES = {"person": ("person",), "cases": ("case", "cases"), "case_need": ("case_need",),
                   "service_event": ("service_event",), "household_member": ("household_member",),
                   "household": ("household",), "duplicate_candidate": ("duplicate_candidate",),
                   "referral": ("referral",), "complaint": ("complaint",),
                   "complaint_followup": ("complaint_followup",), "dtsen_proposal": ("dtsen_proposal",),
                   "letter": ("letter",)}


def _forget_in_audit_trail(s: Session, persons: list[str], records: dict[str, set[str]]) -> int:
    """Blank the before/after snapshots of this database's audit entries about ``persons``
    and their records (issue 17/18: a laptop keeps no personal snapshot of a person who left
    its scope). The entries stay in the hash chain, which covers the snapshots' hash only:
    ``check`` still reports the trail intact. A merge entry naming one of them (as the person
    merged away) is blanked too."""
    from spm_desktop.core.security.audit_chain import blank_snapshots
    from spm_desktop.core.storage.models import AuditEntry

    a = AuditEntry
    entries: set[str] = set()
    for table, ids in records.items():
        for part in _parts(ids):
            entries |= set(s.scalars(select(a.id).where(a.entity.in_(_AUDIT_ENTITIES[table]), a.entity_id.in_(part),
                                                        or_(a.before.is_not(None), a.after.is_not(None)))))
    wanted = set(persons)
    for entry_id, after in s.execute(select(a.id, a.after).where(a.entity == "person", a.action == "merge",
                                                                a.after.is_not(None))):
        merged = (after or {}).get("merged") if isinstance(after, dict) else None
        if isinstance(merged, dict) and merged.get("id") in wanted:
            entries.add(entry_id)
    return blank_snapshots(s, sorted(entries))


# Records about a removed person that stay on the device, unlinked from him (issue 21).
KEPT_UNLINKED = ("complaint", "complaint_followup")


def _remove_layanan(conn, chunk: list[str], cases, letters: set[str]) -> None:
    """Issue 21: the removed persons' referrals and DTSEN proposals go, and the letters (drafts,
    local) printed here from their records; a complaint about one of them stays (its
    desa/kelurahan may be in scope) without the link to the person or case."""
    from spm_desktop.core.storage.models import Complaint, DtsenProposal, Letter, Referral

    for part in _parts(letters):
        conn.execute(Letter.__table__.delete().where(Letter.__table__.c.id.in_(part)))

    r, d, c = Referral.__table__, DtsenProposal.__table__, Complaint.__table__
    conn.execute(r.delete().where(or_(r.c.person_id.in_(chunk), r.c.case_id.in_(cases))))
    conn.execute(d.delete().where(d.c.person_id.in_(chunk)))
    conn.execute(update(c).where(or_(c.c.person_id.in_(chunk), c.c.case_id.in_(cases)))
                 .values(person_id=None, case_id=None))
