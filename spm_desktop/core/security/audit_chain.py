"""The audit trail as a hash chain (architecture §7).

Every entry carries its position ``seq`` (1, 2, 3, … per database), the hash of the previous
entry ``prev_hash`` (64 zeros for the first) and its own ``entry_hash`` = SHA-256 over a
canonical JSON of (format tag, seq, prev_hash, id, time, username, action, entity, entity id,
device, ``snapshot_hash``). The before/after snapshots are hashed separately
(``snapshot_hash``), so a laptop may blank the snapshots of a person who left its scope
(:func:`blank_snapshots`; the database triggers allow exactly that change) without breaking
the chain. Deleting an entry leaves a gap, editing one changes its hash, and an entry inserted
by hand has no valid place in the chain: :func:`verify_chain` (run by ``spm-desktop check``)
names the first broken link. The last hash (:func:`chain_head`) stands for the whole trail.

Entries get their place when the session flushes (a ``before_flush`` listener), in the order
:func:`spm_desktop.core.security.audit.record` created them. Writers are serialised: SQLite
transactions begin IMMEDIATE, and on PostgreSQL every write transaction first takes
:data:`AUDIT_LOCK_KEY` (``Database.transaction``), so two desks never take the same place.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, null, select, text, update
from sqlalchemy.orm import Session

from spm_desktop.core.domain.dates import date_time
from spm_desktop.core.storage.base import new_id, utcnow
from spm_desktop.core.storage.engine import AUDIT_LOCK_KEY
from spm_desktop.core.storage.models import AuditEntry

FORMAT = "spm-audit-v1"
GENESIS = "0" * 64
PENDING_KEY = "audit_chain.pending"
_BATCH = 5000


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def _time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _blank(value: Any) -> bool:
    return value is None


def snapshot_hash(before: Any, after: Any) -> str:
    return hashlib.sha256(_canonical({"before": before, "after": after})).hexdigest()


def entry_hash(seq: int, prev_hash: str, entry_id: str, at: datetime, username: str, action: str, entity: str,
               entity_id: str, device_id: str, snap_hash: str) -> str:
    fields = [FORMAT, seq, prev_hash, entry_id, _time(at), username or "", action or "", entity or "",
              entity_id or "", device_id or "", snap_hash]
    return hashlib.sha256(_canonical(fields)).hexdigest()


def hash_of(e) -> str:
    """The entry hash of an entry (ORM object or row with the same attributes) as stored."""
    return entry_hash(e.seq, e.prev_hash, e.id, e.at, e.username, e.action, e.entity, e.entity_id, e.device_id,
                      e.snapshot_hash)


def remember(session: Session, entry: AuditEntry) -> None:
    """Called by ``audit.record``: the entry gets its place in the chain at the next flush."""
    session.info.setdefault(PENDING_KEY, []).append(entry)


def lock_chain(session_or_conn) -> None:
    """PostgreSQL: hold the chain's advisory lock until the transaction ends (no-op on SQLite,
    whose writers are serialised by BEGIN IMMEDIATE)."""
    bind = session_or_conn.get_bind() if hasattr(session_or_conn, "get_bind") else session_or_conn
    if bind.dialect.name == "postgresql":
        session_or_conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


def _head(session: Session) -> tuple[int, str]:
    with session.no_autoflush:
        row = session.execute(select(AuditEntry.seq, AuditEntry.entry_hash).where(AuditEntry.seq.is_not(None))
                              .order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (int(row.seq), row.entry_hash) if row else (0, GENESIS)


@event.listens_for(Session, "before_flush")
def _link_new_entries(session: Session, _flush_context, _instances) -> None:
    new = session.new  # built on each access: once here (a 10,000-row import has 10,000 entries)
    pending = [e for e in session.info.get(PENDING_KEY, ()) if e in new]
    session.info[PENDING_KEY] = []
    # Entries added without audit.record (tools, tests) are linked too, in time order.
    linked = {id(e) for e in pending}
    others = sorted((o for o in new if isinstance(o, AuditEntry) and o.seq is None and id(o) not in linked),
                    key=lambda o: (o.at or datetime.max, o.id or ""))
    entries = pending + others
    if not entries:
        return
    lock_chain(session)
    seq, prev = _head(session)
    for e in entries:
        seq += 1
        e.id = e.id or new_id()
        e.at = e.at or utcnow()
        e.seq, e.prev_hash = seq, prev
        e.snapshot_hash = snapshot_hash(e.before, e.after)
        e.entry_hash = prev = entry_hash(seq, e.prev_hash, e.id, e.at, e.username, e.action, e.entity, e.entity_id,
                                         e.device_id, e.snapshot_hash)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    head: str  # entry_hash of the last entry (GENESIS for an empty trail)
    head_seq: int
    blanked: int  # entries whose snapshots were blanked (still linked)
    broken_seq: int | None = None  # the first broken link
    broken_id: str = ""
    broken_at: datetime | None = None
    reason: str = ""

    def message(self) -> str:
        if self.ok:
            return f"Jejak audit utuh: {self.entries} entri, ujung rantai {self.head[:16]}…"
        where = f"entri #{self.broken_seq}" if self.broken_seq is not None else "sebuah entri"
        when = f" ({date_time(self.broken_at, seconds=True)} UTC)" if self.broken_at else ""
        return f"Jejak audit rusak mulai {where}{when}, id {self.broken_id}: {self.reason}."

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "head": self.head, "head_seq": self.head_seq,
                "blanked": self.blanked,
                "first_broken": None if self.ok else {
                    "seq": self.broken_seq, "id": self.broken_id,
                    "at": self.broken_at.isoformat() if self.broken_at else None, "reason": self.reason}}


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole trail in chain order and report the first broken link."""
    unplaced = session.execute(select(AuditEntry.id, AuditEntry.at).where(AuditEntry.seq.is_(None))
                               .order_by(AuditEntry.at).limit(1)).first()
    total = blanked = 0
    expected, prev = 1, GENESIS
    last = 0
    while True:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.seq >= expected).order_by(AuditEntry.seq)
                               .limit(_BATCH)).all()
        for e in rows:
            total += 1
            reason = ""
            if e.seq != expected:
                reason = (f"entri #{expected}" + (f"–#{e.seq - 1}" if e.seq - 1 > expected else "")
                          + " hilang (dihapus)")
            elif e.prev_hash != prev:
                reason = "tidak menyambung ke entri sebelumnya"
            elif hash_of(e) != e.entry_hash:
                reason = "isi entri diubah"
            elif not (_blank(e.before) and _blank(e.after)) and snapshot_hash(e.before, e.after) != e.snapshot_hash:
                reason = "isi sebelum/sesudah diubah"
            if reason:
                return ChainReport(False, total, prev, last, blanked, e.seq, e.id, e.at, reason)
            if _blank(e.before) and _blank(e.after) and snapshot_hash(None, None) != e.snapshot_hash:
                blanked += 1
            prev, last, expected = e.entry_hash, e.seq, e.seq + 1
        if len(rows) < _BATCH:
            break
        session.expunge_all()
    if unplaced is not None:
        return ChainReport(False, total + 1, prev, last, blanked, None, unplaced.id, unplaced.at,
                           "disisipkan di luar aplikasi (tanpa tempat di rantai)")
    return ChainReport(True, total, prev, last, blanked)


def chain_head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the last entry: printed on the signed recap, carried in sync packages."""
    return _head(session)


def blank_snapshots(session: Session, entry_ids: list[str]) -> int:
    """Set the before/after snapshots of these entries to NULL (the chain stays valid: it
    covers their hash, not their content). Returns how many entries were blanked."""
    if not entry_ids:
        return 0
    result = session.execute(update(AuditEntry).where(AuditEntry.id.in_(entry_ids))
                             .values(before=null(), after=null()).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)
