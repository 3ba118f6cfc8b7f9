"""Export: every record changed since the last package to an enrolled peer (or everything)
into one ``.spmsync`` file signed by this device and encrypted for that peer."""

from __future__ import annotations

import base64
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from spm_desktop.core.collector import collector_paused
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.security import audit
from spm_desktop.core.security.audit_chain import chain_head
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage import hlc
from spm_desktop.core.storage.base import new_id
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.migrate import head_revision
from spm_desktop.core.storage.models import LocalDevice, SyncPackage, SyncPeer
from spm_desktop.core.sync import envelope, payload
from spm_desktop.core.sync.codec import CODECS, TABLE_ORDER
from spm_desktop.core.sync.identity import enrolled_peer, ensure_keys, heal_counter
from spm_desktop.core.sync.scope import (
    DeviceScope,
    _chunks,
    device_scope,
    peer_holds,
    scoped_filter,
    whole_activity_query,
    whole_disaster_query,
    whole_rows_query,
    whole_volunteer_query,
)

FILE_SUFFIX = ".spmsync"


@dataclass(frozen=True)
class ExportResult:
    package_id: str
    file: str
    peer_name: str
    full: bool
    counts: dict[str, int]
    size_bytes: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def received_seqs(session: Session, peer_device_id: str | None) -> list[int]:
    """The change counters stamped on rows exactly as they arrived from that peer."""
    if not peer_device_id:
        return []
    seqs = session.scalars(select(SyncPackage.counts).where(SyncPackage.direction == "in",
                                                            SyncPackage.peer_device_id == peer_device_id))
    return [c["seq"] for c in seqs if isinstance(c, dict) and isinstance(c.get("seq"), int)]


def collect_rows(session: Session, since_seq: int, skip_seqs: list[int] = (), scope: DeviceScope | None = None,
                 own_device: str | None = None) -> list[payload.TableRows]:
    """Rows of every travelling table with ``change_seq > since_seq`` (local settings excluded),
    leaving out rows stamped with one of ``skip_seqs`` (what the peer itself sent, unchanged).
    ``scope``: a TKSK peer's — only its persons' records, those touched sent whole
    (:mod:`~spm_desktop.core.sync.scope`). ``own_device``: only the rows this device changed
    (a TKSK user's export)."""
    out: list[payload.TableRows] = []
    for name in TABLE_ORDER:
        codec = CODECS[name]
        t = codec.table
        cols = [t.c[c] for c in codec.columns]
        stmt = select(*cols).where(t.c.change_seq > since_seq).order_by(t.c.id)
        if skip_seqs:
            stmt = stmt.where(t.c.change_seq.not_in(skip_seqs))
        if name == "setting":
            stmt = stmt.where(t.c.shared.is_(True))
        if name == "region":  # only the adopted area's places travel (issue 20)
            from spm_desktop.core.storage.seed import adopted_area_code

            area = adopted_area_code(session)
            stmt = stmt.where(t.c.code.startswith(f"{area}.", autoescape=True) if area else t.c.code.is_(None))
        if own_device is not None:
            stmt = stmt.where(t.c.origin_device == own_device)
        rows = codec.encode_many(session.execute(stmt).all())
        if scope is not None:
            rows = _scoped(session, scope, name, codec, rows)
        if rows:
            out.append(payload.TableRows(name, codec.columns, rows))
    return out


def _scoped(session: Session, scope: DeviceScope, name: str, codec, rows: list[list]) -> list[list]:
    """``rows`` narrowed to the scope, plus the records sent whole (persons touched in scope,
    disasters that changed in the kecamatan, disasters their events refer to)."""
    rows = scoped_filter(session, scope, name, rows, codec.columns)
    t = codec.table
    cols = [t.c[c] for c in codec.columns]
    extra: list[list] = []
    for chunk in _chunks(scope.whole):
        where = whole_rows_query(scope, name, chunk)
        if where is not None:
            extra.extend(codec.encode(r) for r in session.execute(select(*cols).where(where)))
    # A disaster the peer holds is not sent whole again: its changed rows travel alone.
    whole_disasters = (scope.changed_disasters & scope.disasters) - scope.held_disasters
    if name == "disaster":
        whole_disasters |= scope.whole_event_disasters - scope.held_disasters
    for ids, query in ((whole_disasters, whole_disaster_query), (scope.whole_activities, whole_activity_query),
                       (scope.whole_volunteers, whole_volunteer_query)):
        for chunk in _chunks(ids):
            where = query(name, chunk)
            if where is None:
                break
            extra.extend(codec.encode(r) for r in session.execute(select(*cols).where(where)))
    if not extra:
        return rows
    extra = scoped_filter(session, scope, name, extra, codec.columns)
    id_at = codec.index("id")
    merged = {r[id_at]: r for r in rows}
    for r in extra:
        merged.setdefault(r[id_at], r)
    return [merged[k] for k in sorted(merged)]


def held_there(session: Session, peer: SyncPeer, scope: DeviceScope) -> set[str]:
    """Persons outside the peer's scope it may still hold (:func:`~spm_desktop.core.sync.scope.peer_holds`:
    sent to it and not yet acknowledged as removed, last changed there, or in a conflict with
    its version). A laptop keeps a person it was told to remove while its own edit of them is
    not acknowledged; this lists them again once it is (the laptop ignores ids it does not
    hold)."""
    return peer_holds(session, peer, peer.acked_seq) - scope.persons


def held_by(session: Session, peer: SyncPeer) -> set[str]:
    """Persons ``peer`` holds: sent whole (or sent by it) in what it acknowledged, and not
    listed for removal since."""
    from spm_desktop.core.storage.models import SyncPeerPerson as Held

    return set(session.scalars(select(Held.person_id).where(Held.peer_id == peer.id, Held.sent_seq <= peer.acked_seq,
                                                             Held.removed_seq.is_(None))))


RECORD_TABLES = ("disaster", "group_activity")  # sync_peer_record.entity


def held_records(session: Session, peer: SyncPeer) -> tuple[set[str], set[str]]:
    """(disasters, group activities) ``peer`` holds: sent whole in what it acknowledged."""
    from spm_desktop.core.storage.models import SyncPeerRecord as Rec

    out: dict[str, set[str]] = {t: set() for t in RECORD_TABLES}
    for entity, record in session.execute(select(Rec.entity, Rec.record_id).where(
            Rec.peer_id == peer.id, Rec.sent_seq <= peer.acked_seq)):
        out.setdefault(entity, set()).add(record)
    return out["disaster"], out["group_activity"]


def note_records(session: Session, peer: SyncPeer, scope: DeviceScope, tables: list[payload.TableRows],
                 until: int) -> None:
    """Remember the disasters and group activities this package gives ``peer`` (every row of
    theirs it carries: new ones are sent whole; held once the peer acknowledges ``until``),
    and forget those that left its scope (sent whole again if they come back)."""
    from spm_desktop.core.storage.models import SyncPeerRecord as Rec

    rec = Rec.__table__
    in_scope = {"disaster": scope.disasters | scope.event_disasters, "group_activity": scope.activities}
    sent = {t.table: {r[list(t.columns).index("id")] for r in t.rows} for t in tables if t.table in RECORD_TABLES}
    known: dict[str, set[str]] = {t: set() for t in RECORD_TABLES}
    for entity, record in session.execute(select(Rec.entity, Rec.record_id).where(Rec.peer_id == peer.id)):
        known.setdefault(entity, set()).add(record)
    rows = []
    for entity in RECORD_TABLES:
        for chunk in _chunks(known[entity] - in_scope[entity]):
            session.execute(rec.delete().where(rec.c.peer_id == peer.id, rec.c.entity == entity,
                                               rec.c.record_id.in_(chunk)))
        rows += [{"peer_id": peer.id, "entity": entity, "record_id": r, "sent_seq": until}
                 for r in sorted(sent.get(entity, set()) - known[entity])]
    if rows:
        session.execute(rec.insert(), rows)


def note_held(session: Session, peer: SyncPeer, scope: DeviceScope, tables: list[payload.TableRows],
              evict: list[str], until: int) -> None:
    """Remember the persons this package gives ``peer`` whole (every person row it carries;
    held once the peer acknowledges ``until``; one listed for removal before starts afresh),
    those it holds because it sent them, and those it is told to remove (with ``until``: it
    may hold them until it acknowledges this package); forget those whose removal it
    acknowledged."""
    from spm_desktop.core.storage.models import SyncPeerPerson as Held

    held = Held.__table__
    sent: set[str] = set()
    for t in tables:
        if t.table == "person":
            at = list(t.columns).index("id")
            sent = {r[at] for r in t.rows}
    known = dict(session.execute(select(Held.person_id, Held.removed_seq).where(Held.peer_id == peer.id)).all())
    back = [p for p in sent if p in known and known[p] is not None]
    gone = [p for p in evict if p in known and known[p] is None]
    for ids, values in ((back, {"sent_seq": until, "removed_seq": None}), (gone, {"removed_seq": until})):
        for chunk in _chunks(ids):
            session.execute(held.update().where(held.c.peer_id == peer.id, held.c.person_id.in_(chunk))
                            .values(**values))
    session.execute(held.delete().where(held.c.peer_id == peer.id, held.c.removed_seq <= peer.acked_seq))
    rows = [{"peer_id": peer.id, "person_id": p, "sent_seq": until} for p in sorted(sent - known.keys())]
    rows += [{"peer_id": peer.id, "person_id": p, "sent_seq": 0} for p in sorted(scope.echoed - sent - known.keys())]
    if rows:
        session.execute(held.insert(), rows)


def may_send(role: str, table: str) -> bool:
    """Whether the receiver accepts changes of ``table`` from a device enrolled there as
    ``role`` (:mod:`~spm_desktop.core.sync.validation`'s registry)."""
    from spm_desktop.core.sync import validation_layanan  # noqa: F401  (registers its tables' rules)
    from spm_desktop.core.sync.validation import RULES, TableRules

    return role in RULES.get(table, TableRules(frozenset({"office"}))).roles


def _highest_hlc(table: payload.TableRows) -> int:
    at = list(table.columns).index("hlc")
    return max((r[at] or 0 for r in table.rows), default=0)


def answers_for(session: Session, peer: SyncPeer) -> payload.Ack:
    """This database's answer to ``peer``: its changes applied here up to ``received_seq``,
    and what became of its latest packages (refused ones with their reasons)."""
    rows = session.scalars(select(SyncPackage).where(
        SyncPackage.direction == "in", SyncPackage.peer_device_id == (peer.device_id or ""),
        SyncPackage.status.in_(("applied", "refused"))).order_by(SyncPackage.processed_at.desc())
        .limit(payload.MAX_ANSWERS))
    answers = tuple(payload.Answer(p.id, p.status, tuple(tuple(r) for r in (p.reasons or [])[:payload.MAX_REASONS]))
                    for p in rows)
    return payload.Ack(peer.received_seq, answers)


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".spmsync-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def export_package(
    db: Database,
    actor: Actor,
    target: str | os.PathLike,
    peer_name: str | None = None,
    full: bool = False,
    check: bool = True,
) -> ExportResult:
    """Write a package for the enrolled peer ``peer_name`` to ``target``: the records changed
    since the last change the peer acknowledged (all of them with ``full=True``), so a
    package it refused or never imported is carried again by the next one; and this
    database's answers to the peer's packages (applied up to which change, refusals with their
    reasons). Signed with this device's key, encrypted for the peer's. One transaction; the
    file is complete on disk before it commits. ``check``: first hold this computer's own
    changes to the receiver's rules (:mod:`~spm_desktop.core.sync.preflight`); problems raise
    :class:`~spm_desktop.core.sync.preflight.OutgoingProblems` and nothing is written."""
    require(actor, "sync.run")
    target = Path(target)
    if target.is_dir():
        raise ValidationError("Tujuan ekspor harus nama berkas, bukan folder.", "file")
    with collector_paused(), db.transaction(actor) as s:
        peer = enrolled_peer(s, peer_name or "")
        device = s.scalars(select(LocalDevice)).one()
        keys = ensure_keys(s, device)
        if actor.role == "tksk" and peer.role != "office":
            raise ValidationError("Pengguna TKSK hanya bisa mengirim paket ke kantor.", "peer")
        since = 0 if full else peer.acked_seq
        until = heal_counter(s, device)
        skip = received_seqs(s, peer.device_id) if since else []
        scope = device_scope(s, peer.role or "", peer.kecamatan_code, peer.unit, peer.device_id or "", since,
                             skip, held_by(s, peer) if since else set(),
                             held_records(s, peer) if since else (set(), set()))
        from spm_desktop.core.sync.preflight import sender_scope

        # The role and scope the peer enrolled this computer with (its packages say so), else the user's.
        as_role = sender_scope(s, actor, peer)
        # A TKSK user, or any user of a computer enrolled there as a TKSK device, sends only this
        # laptop's own changes,
        own = device.id if actor.role == "tksk" or as_role[0] == "tksk" else None
        tables = collect_rows(s, since, skip, scope, own)
        if as_role[0] != "office":  # and never what its role may not send (settings an `init` wrote here)
            tables = [t for t in tables if may_send(as_role[0], t.table)]
        evict = sorted(scope.evicted | held_there(s, peer, scope)) if scope is not None else []
        if scope is not None:
            note_held(s, peer, scope, tables, evict, until)
            note_records(s, peer, scope, tables, until)
        now = db.now()
        if check:  # the receiver's rules on this computer's own changes, before anything is written
            from spm_desktop.core.sync.preflight import OutgoingProblems, check_tables

            problems = check_tables(s, actor, device.id, tables, now.isoformat(), as_role)
            if problems:
                raise OutgoingProblems(peer.name, problems)
        head_seq, head_hash = chain_head(s)
        clock = max([hlc.current(s), hlc.from_datetime(now)] + [_highest_hlc(t) for t in tables])
        hlc.observe(s, clock)
        manifest, plain = payload.build(
            dict(package_id=new_id(), schema_revision=head_revision(), source_device_id=device.id,
                 source_device_name=device.name, created_at=now.isoformat(), to_peer=peer.name,
                 full=since == 0, until_seq=until, hlc=clock, ack=answers_for(s, peer), evict=evict,
                 audit_head=f"{head_seq}:{head_hash}",
                 recipient=payload.Enrolment(peer.role, peer.kecamatan_code or "", peer.unit or "")),
            tables,
        )
        data = envelope.seal(plain, keys, base64.b64decode(peer.box_public))
        _write_atomically(target, data)
        peer.last_sent_seq = until
        peer.last_sent_at = now
        s.add(SyncPackage(id=manifest.package_id, direction="out", peer_device_id=peer.device_id or "",
                          peer_name=peer.name, created_at=now, processed_at=now,
                          counts={"tables": manifest.counts, "since_seq": since, "until_seq": until,
                                  "evict": len(evict)},
                          content_hash=manifest.content_hash, file_name=target.name, status="sent"))
        audit.record(s, "export", "sync_package", manifest.package_id,
                     after={"peer": peer.name, "file": target.name, "tables": manifest.counts,
                            "full": manifest.full, "audit_head": manifest.audit_head})
        return ExportResult(manifest.package_id, str(target), peer.name, manifest.full,
                            dict(manifest.counts), len(data))
