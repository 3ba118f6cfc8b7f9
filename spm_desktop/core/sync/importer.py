"""Import: open a package, preview what it would change, apply it in one transaction.

Rules (architecture §6):

- Upsert by id. Of two versions of a record the higher ``(updated_at, revision,
  origin_device)`` wins (then a hash of the content, so equal stamps still decide the same
  way everywhere).
- A record changed on both sides since the last exchange with that peer becomes a
  :class:`SyncConflict` for a supervisor; the winner by the rule is applied meanwhile.
  "Changed here" means: its ``change_seq`` is past what was last sent to that peer, it did
  not arrive in a package from that peer, and that peer was not the last to edit it.
- Two persons with the same NIK but different ids: the one registered first keeps the NIK,
  the other keeps it in its notes, and a duplicate suggestion is added for review. Both
  databases decide the same way, so they still converge.
- Two rows of a table with a natural key (region code, setting key, case need, ...) made
  apart with different ids: the smaller id survives with the winning content.
- Importing the same package twice changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.base import seed_id, utcnow
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.migrate import head_revision
from spm_desktop.core.storage.models import DuplicateCandidate, SyncConflict, SyncPackage
from spm_desktop.core.storage.tracking import next_change_seq
from spm_desktop.core.sync import envelope, payload
from spm_desktop.core.sync.codec import CODECS, CodecError, TableCodec, enc
from spm_desktop.core.sync.envelope import PackageRefused
from spm_desktop.core.sync.identity import find_or_create_peer, heal_counter, stored_passphrase

_CHUNK = 500
NIK_ASIDE_NOTE = "[Sinkronisasi] NIK {nik} juga dipakai data lain; disimpan di sini sampai data ganda diperiksa."
MSG_SAME_DEVICE = ("Paket ini dibuat oleh komputer ini sendiri ({name}); paket hanya bisa diimpor di komputer "
                   "lain.")
MSG_NEWER_SCHEMA = ("Paket dibuat dengan struktur basis data yang lebih baru (revisi {rev}). Perbarui SPM Desktop "
                    "di komputer ini, lalu impor ulang.")
MSG_OLDER_SCHEMA = ("Paket dibuat dengan struktur basis data versi lama (revisi {rev}). Perbarui SPM Desktop di "
                    "komputer pengirim, lalu buat paket baru.")
MSG_MISSING_PARENT = ("Paket merujuk data yang belum ada di komputer ini (mis. penerima layanan atau kasus yang "
                      "belum pernah dikirim). Minta pengirim membuat paket lengkap (tanpa nama tujuan), lalu impor "
                      "paket itu. Tidak ada data yang diubah.")


@dataclass(frozen=True)
class TableChange:
    table: str
    incoming: int
    new: int
    updated: int
    unchanged: int
    kept_local: int
    conflicts: int


@dataclass(frozen=True)
class ImportSummary:
    """What a package does (preview) or did (apply) to this database."""

    package_id: str
    source_device_id: str
    source_device_name: str
    created_at: str
    full: bool
    tables: tuple[TableChange, ...]
    duplicates: int  # new duplicate suggestions from persons sharing a NIK
    already_imported: bool = False
    backup_file: str = ""

    def _sum(self, attr: str) -> int:
        return sum(getattr(t, attr) for t in self.tables)

    @property
    def incoming(self) -> int:
        return self._sum("incoming")

    @property
    def new(self) -> int:
        return self._sum("new")

    @property
    def updated(self) -> int:
        return self._sum("updated")

    @property
    def unchanged(self) -> int:
        return self._sum("unchanged")

    @property
    def kept_local(self) -> int:
        return self._sum("kept_local")

    @property
    def conflicts(self) -> int:
        return self._sum("conflicts")

    @property
    def changes_anything(self) -> bool:
        return bool(self.new or self.updated or self.duplicates)


@dataclass
class OpenedPackage:
    manifest: payload.Manifest
    tables: list[tuple[TableCodec, list[list[Any]]]]  # rows in codec column order, values checked
    file_name: str
    # Decoded values by the identity of a row list above (alive as long as this package), so
    # the writer does not decode every row a second time. Rows the import changes are new
    # lists and are decoded afresh.
    decoded: dict[int, dict[str, Any]] = field(default_factory=dict)


# ----- reading ---------------------------------------------------------------------------


def open_package(path: str | Path, passphrase: str, this_device_id: str, this_device_name: str = "") -> OpenedPackage:
    """Decrypt and check a package; refuses (``PackageRefused``) before anything is applied."""
    plain = envelope.unseal(envelope.read_file_guarded(path), passphrase)
    manifest, offset = payload.read_manifest(plain)
    if manifest.schema_revision != head_revision():
        from alembic.script import ScriptDirectory

        from spm_desktop.core.storage.migrate import alembic_config

        known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        msg = MSG_OLDER_SCHEMA if manifest.schema_revision in known else MSG_NEWER_SCHEMA
        raise PackageRefused(msg.format(rev=manifest.schema_revision))
    if manifest.source_device_id == this_device_id:
        raise PackageRefused(MSG_SAME_DEVICE.format(name=this_device_name or manifest.source_device_name))
    decoded: dict[int, dict[str, Any]] = {}
    tables = [(CODECS[t.table], _decode_all(CODECS[t.table], t, decoded))
              for t in payload.read_tables(plain, manifest, offset)]
    return OpenedPackage(manifest, tables, Path(path).name, decoded)


# ----- planning --------------------------------------------------------------------------


def _key(codec: TableCodec, row: list[Any]) -> tuple:
    i = codec.index
    return (row[i("updated_at")] or "", row[i("revision")] or 0, row[i("origin_device")] or "",
            codec.content_hash(row))


def _newer(codec: TableCodec, a: list[Any], b: list[Any]) -> bool:
    """True when version ``a`` beats version ``b`` by the rule."""
    ka, kb = _key(codec, a), _key(codec, b)
    return (_when(ka[0]), *ka[1:]) > (_when(kb[0]), *kb[1:])


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso) if iso else datetime.min


@dataclass
class _PeerState:
    device_id: str
    last_sent_seq: int
    received: list[tuple[int, int]]

    def changed_here(self, seq: int, origin: str) -> bool:
        if seq <= self.last_sent_seq or origin == self.device_id:
            return False
        return not any(lo < seq <= hi for lo, hi in self.received)


@dataclass
class _TablePlan:
    codec: TableCodec
    inserts: list[list[Any]] = field(default_factory=list)
    updates: list[list[Any]] = field(default_factory=list)
    rekeys: list[tuple[str, list[Any]]] = field(default_factory=list)  # (old local id, new row)
    unchanged: int = 0
    kept_local: int = 0
    # (id of the record after the import, local version, remote version, winner by the rule)
    conflicts: list[tuple[str, list[Any], list[Any], str]] = field(default_factory=list)
    incoming: int = 0
    edited_here: set[str] = field(default_factory=set)  # ids written as a new revision made here
    decoded: dict[int, dict[str, Any]] = field(default_factory=dict)  # see OpenedPackage.decoded


@dataclass
class _Plan:
    tables: list[_TablePlan]
    nik_aside: dict[str, str]  # person id -> NIK set aside
    local_nik_losers: list[list[Any]]  # local person rows (encoded) that lose their NIK
    duplicate_pairs: list[tuple[str, str, str]]  # (person a, person b, nik)


def _peer_state(session: Session, manifest: payload.Manifest) -> _PeerState:
    from spm_desktop.core.storage.models import SyncPeer

    peer = session.scalars(select(SyncPeer).where(SyncPeer.device_id == manifest.source_device_id)).first()
    received = []
    for counts in session.scalars(select(SyncPackage.counts).where(
            SyncPackage.direction == "in", SyncPackage.peer_device_id == manifest.source_device_id)):
        if isinstance(counts, dict) and isinstance(counts.get("seq"), int):
            received.append((counts["seq"] - 1, counts["seq"]))
    return _PeerState(manifest.source_device_id, peer.last_sent_seq if peer else 0, received)


def _local_rows(session: Session, codec: TableCodec, ids: list[str]) -> dict[str, tuple[list[Any], int]]:
    t = codec.table
    cols = [t.c[c] for c in codec.columns] + [t.c.change_seq]
    out: dict[str, tuple[list[Any], int]] = {}
    id_at = codec.index("id")
    for start in range(0, len(ids), _CHUNK):
        for r in session.execute(select(*cols).where(t.c.id.in_(ids[start:start + _CHUNK]))):
            out[r[id_at]] = (codec.encode(r[:-1]), r[-1])
    return out


def _decode_all(codec: TableCodec, table: payload.TableRows, decoded: dict[int, dict[str, Any]]) -> list[list[Any]]:
    """Rows reordered to the codec's column order, every value checked against its column."""
    order = [table.columns.index(c) for c in codec.columns]
    rows = [[r[i] for i in order] for r in table.rows] if list(table.columns) != list(codec.columns) else table.rows
    id_at = codec.index("id")
    try:
        for r in rows:
            decoded[id(r)] = codec.decode(r)
            if not isinstance(r[id_at], str) or not 0 < len(r[id_at]) <= 36:
                raise CodecError("id tidak sah")
    except CodecError as exc:
        detail = f"nilai tidak sah di tabel '{codec.name}' ({exc})"
        raise PackageRefused(envelope.MSG_MALFORMED.format(detail=detail)) from None
    return rows


class _KeyIndex:
    """Natural keys (UNIQUE columns other than the id) of a table's local rows, loaded once."""

    def __init__(self, session: Session, codec: TableCodec, rows: list[list[Any]]) -> None:
        self.session, self.codec, self.rows = session, codec, rows
        self.keys = [k for k in codec.unique_keys] if codec.name != "person" else []  # persons: see _plan_niks
        self.maps: list[dict[tuple, str]] | None = None

    def _load(self) -> list[dict[tuple, str]]:
        """Local keys of the rows that share the first key column's value with an incoming
        row (so a big table is not read whole: case needs of the incoming cases only)."""
        t, codec = self.codec.table, self.codec
        maps = []
        for key in self.keys:
            kinds = [codec.kinds[codec.index(c)] for c in key]
            first = codec.index(key[0])
            wanted = sorted({r[first] for r in self.rows if r[first] is not None}, key=str)
            values = [codec.decode_value(key[0], v) for v in wanted]
            found: dict[tuple, str] = {}
            for start in range(0, len(values), _CHUNK):
                stmt = select(t.c.id, *[t.c[c] for c in key]).where(t.c[key[0]].in_(values[start:start + _CHUNK]))
                for r in self.session.execute(stmt):
                    found[tuple(enc(k, v) for k, v in zip(kinds, r[1:], strict=True))] = r[0]
            maps.append(found)
        return maps

    def owner(self, row: list[Any]) -> tuple[list[Any], int] | None:
        """A local row with another id holding one of ``row``'s natural keys."""
        if not self.keys:
            return None
        if self.maps is None:
            self.maps = self._load()
        codec = self.codec
        for key, found in zip(self.keys, self.maps, strict=True):
            values = tuple(row[codec.index(c)] for c in key)
            if any(v is None for v in values):
                continue
            local_id = found.get(values)
            if local_id is not None and local_id != row[codec.index("id")]:
                return _local_rows(self.session, codec, [local_id])[local_id]
        return None


def _plan_table(session: Session, codec: TableCodec, rows: list[list[Any]], peer: _PeerState,
                this_device: str) -> _TablePlan:
    plan = _TablePlan(codec, incoming=len(rows))
    id_at = codec.index("id")
    local = _local_rows(session, codec, [r[id_at] for r in rows])
    origin_at = codec.index("origin_device")
    is_setting = codec.name == "setting"
    shared_at = codec.index("shared") if is_setting else -1
    keys = _KeyIndex(session, codec, rows)
    for remote in rows:
        if is_setting and remote[shared_at] is not True:
            plan.kept_local += 1  # a local setting never travels; ignore one that claims to
            continue
        found = local.get(remote[id_at])
        if found is None:
            owner = keys.owner(remote)
            if owner is not None:
                _plan_rekey(plan, codec, owner[0], remote)
                continue
        if found is None:
            plan.inserts.append(remote)
            continue
        mine, seq = found
        if is_setting and mine[shared_at] is not True:
            plan.kept_local += 1
            continue
        if mine == remote:
            plan.unchanged += 1
            continue
        remote_wins = _newer(codec, remote, mine)
        same_content = codec.content_of(mine) == codec.content_of(remote)
        if (not same_content and peer.changed_here(seq, mine[origin_at])
                and remote[origin_at] != this_device):
            plan.conflicts.append((mine[id_at], mine, remote, "remote" if remote_wins else "local"))
        if remote_wins:
            plan.updates.append(remote)
        else:
            plan.kept_local += 1
    return plan


def _plan_rekey(plan: _TablePlan, codec: TableCodec, mine: list[Any], remote: list[Any]) -> None:
    """Same natural key, different ids: the smaller id survives holding the winning version."""
    id_at = codec.index("id")
    remote_wins = _newer(codec, remote, mine)
    winner = list(remote if remote_wins else mine)
    winner[id_at] = min(mine[id_at], remote[id_at])
    if codec.content_of(mine) != codec.content_of(remote):
        plan.conflicts.append((winner[id_at], mine, remote, "remote" if remote_wins else "local"))
    if winner == mine:
        plan.kept_local += 1
    else:
        plan.rekeys.append((mine[id_at], winner))


def _plan_niks(session: Session, person: _TablePlan) -> tuple[dict[str, str], list[list[Any]], list]:
    """Decide who keeps each NIK claimed by more than one person after the import."""
    codec = person.codec
    id_at, nik_at, created_at = codec.index("id"), codec.index("nik"), codec.index("created_at")
    written = {r[id_at]: r for r in person.inserts + person.updates}
    niks = {r[nik_at] for r in written.values() if r[nik_at]}
    if not niks:
        return {}, [], []
    t = codec.table
    claims: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    nik_list = sorted(niks)
    for start in range(0, len(nik_list), _CHUNK):
        stmt = select(*[t.c[c] for c in codec.columns]).where(t.c.nik.in_(nik_list[start:start + _CHUNK]))
        for r in session.execute(stmt):
            row = codec.encode(r)
            if row[id_at] not in written:
                claims[row[nik_at]][row[id_at]] = row
    for pid, row in written.items():
        if row[nik_at]:
            claims[row[nik_at]][pid] = row
    aside: dict[str, str] = {}
    local_losers: list[list[Any]] = []
    pairs: list[tuple[str, str, str]] = []
    for nik, holders in claims.items():
        if len(holders) < 2:
            continue
        keeper = min(holders.values(), key=lambda r: (r[created_at] or "", r[id_at]))
        for pid, row in holders.items():
            if pid == keeper[id_at]:
                continue
            aside[pid] = nik
            if pid not in written:
                local_losers.append(row)
            a, b = sorted((keeper[id_at], pid))
            pairs.append((a, b, nik))
    return aside, local_losers, pairs


def make_plan(session: Session, package: OpenedPackage, this_device: str) -> _Plan:
    peer = _peer_state(session, package.manifest)
    plans = []
    for codec, rows in package.tables:
        plans.append(_plan_table(session, codec, rows, peer, this_device))
        plans[-1].decoded = package.decoded
    person = next((p for p in plans if p.codec.name == "person"), None)
    aside, losers, pairs = _plan_niks(session, person) if person else ({}, [], [])
    return _Plan(plans, aside, losers, pairs)


def _summary(package: OpenedPackage, plan: _Plan | None, duplicates: int = 0, **extra) -> ImportSummary:
    m = package.manifest
    tables = tuple(
        TableChange(p.codec.name, p.incoming, len(p.inserts), len(p.updates) + len(p.rekeys), p.unchanged,
                    p.kept_local, len(p.conflicts))
        for p in (plan.tables if plan else [])
    )
    return ImportSummary(m.package_id, m.source_device_id, m.source_device_name, m.created_at, m.full, tables,
                         duplicates, **extra)


# ----- public entry points ---------------------------------------------------------------


def _open(db: Database, path: str | Path, passphrase: str | None) -> OpenedPackage:
    from spm_desktop.core.sync.identity import device_info

    with db.reading() as s:
        secret = passphrase if passphrase is not None else stored_passphrase(s)
    info = device_info(db)
    return open_package(path, secret, info.id, info.name)


def _already_imported(session: Session, package_id: str) -> bool:
    return session.get(SyncPackage, package_id) is not None


def preview_import(db: Database, actor: Actor, path: str | Path, passphrase: str | None = None) -> ImportSummary:
    """What importing ``path`` would do, without writing anything."""
    require(actor, "sync.run")
    package = _open(db, path, passphrase)
    with db.reading() as s:
        if _already_imported(s, package.manifest.package_id):
            return _summary(package, None, already_imported=True)
        plan = make_plan(s, package, db.device_id)
        return _summary(package, plan, duplicates=len(_new_pairs(s, plan.duplicate_pairs)))


def import_package(db: Database, actor: Actor, path: str | Path, passphrase: str | None = None) -> ImportSummary:
    """Apply a package in one transaction, after a backup copy of the database file."""
    require(actor, "sync.run")
    package = _open(db, path, passphrase)
    with db.reading() as s:
        if _already_imported(s, package.manifest.package_id):
            return _summary(package, None, already_imported=True)
    from spm_desktop.core.storage.backup import backup_before

    backup = backup_before(db, "before-import")
    try:
        with db.transaction(actor) as s:
            if _already_imported(s, package.manifest.package_id):
                return _summary(package, None, already_imported=True)
            plan = make_plan(s, package, db.device_id)
            duplicates = apply_plan(s, package, plan, actor)
            summary = _summary(package, plan, duplicates=duplicates,
                               backup_file=str(backup.path) if backup else "")
            _record(s, package, summary)
            return summary
    except IntegrityError as exc:
        raise PackageRefused(MSG_MISSING_PARENT) from exc


def _record(s: Session, package: OpenedPackage, summary: ImportSummary) -> None:
    m = package.manifest
    peer = find_or_create_peer(s, m.source_device_name, m.source_device_id)
    now = utcnow()
    peer.last_received_at = now
    counts = {"tables": dict(m.counts), "new": summary.new, "updated": summary.updated,
              "conflicts": summary.conflicts, "duplicates": summary.duplicates,
              "seq": s.info.get("sync_seq", 0)}
    s.add(SyncPackage(id=m.package_id, direction="in", peer_device_id=m.source_device_id, peer_name=peer.name,
                      created_at=datetime.fromisoformat(m.created_at), processed_at=now, counts=counts,
                      content_hash=m.content_hash, file_name=package.file_name))
    audit.record(s, "import", "sync_package", m.package_id,
                 after={"from": m.source_device_name, "file": package.file_name, **counts})


# ----- applying --------------------------------------------------------------------------


def _local_stamp(codec: TableCodec, row: list[Any], actor: Actor, device: str, now: datetime) -> list[Any]:
    """``row`` as a new revision made here (so that it travels and wins elsewhere)."""
    row = list(row)
    row[codec.index("revision")] = (row[codec.index("revision")] or 0) + 1
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


def apply_plan(s: Session, package: OpenedPackage, plan: _Plan, actor: Actor) -> int:
    """Write the plan (inside the caller's transaction); returns new duplicate suggestions."""
    # Rows exactly as received get ``seq`` (the exporter never echoes them back to that peer);
    # rows this import had to change itself (NIK set aside, suggestions) get ``local_seq``.
    heal_counter(s)
    seq = next_change_seq(s)
    local_seq = next_change_seq(s)
    s.info["sync_seq"] = seq
    device, now = s.info.get("device_id", ""), utcnow()
    for tp in plan.tables:
        codec = tp.codec
        if codec.name == "person":
            _prepare_person_niks(s, tp, plan, actor, device, now, seq)
        _write_table(s, tp, seq, local_seq)
        _record_conflicts(s, tp, package.manifest.package_id)
    return _add_duplicate_candidates(s, plan.duplicate_pairs, actor, device, now, local_seq)


def _prepare_person_niks(s, tp: _TablePlan, plan: _Plan, actor, device, now, seq) -> None:
    codec = tp.codec
    id_at = codec.index("id")
    tp.inserts = [_local_stamp(codec, _set_aside(codec, r, plan.nik_aside[r[id_at]]), actor, device, now)
                  if r[id_at] in plan.nik_aside else r for r in tp.inserts]
    tp.updates = [_local_stamp(codec, _set_aside(codec, r, plan.nik_aside[r[id_at]]), actor, device, now)
                  if r[id_at] in plan.nik_aside else r for r in tp.updates]
    losers = [_local_stamp(codec, _set_aside(codec, r, plan.nik_aside[r[id_at]]), actor, device, now)
              for r in plan.local_nik_losers]
    # Free every NIK that moves before writing, so no intermediate state breaks UNIQUE(nik).
    t = codec.table
    moving = [r[id_at] for r in tp.updates] + [r[id_at] for r in losers]
    for start in range(0, len(moving), _CHUNK):
        s.connection().execute(update(t).where(t.c.id.in_(moving[start:start + _CHUNK])).values(nik=None))
    tp.updates.extend(losers)
    tp.edited_here = set(plan.nik_aside)


def _params(codec: TableCodec, row: list[Any], seq: int, prefix: str = "",
            decoded: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    values = (decoded or {}).get(id(row)) or codec.decode(row)
    out = {f"{prefix}{k}": v for k, v in values.items()}
    out[f"{prefix}change_seq"] = seq
    return out


def _write_table(s: Session, tp: _TablePlan, seq: int, local_seq: int) -> None:
    codec, t = tp.codec, tp.codec.table
    conn = s.connection()
    id_at = codec.index("id")

    def seq_of(row: list[Any]) -> int:
        return local_seq if row[id_at] in tp.edited_here else seq

    if tp.inserts:
        params = [_params(codec, r, seq_of(r), "", tp.decoded) for r in tp.inserts]
        deferred = [{c: p[c] for c in ("id", *codec.self_refs)} for p in params
                    if any(p[c] is not None for c in codec.self_refs)]
        for p in params:
            for c in codec.self_refs:
                p[c] = None
        conn.execute(insert(t), params)
        if deferred:
            stmt = update(t).where(t.c.id == bindparam("b_id")).values(
                {c: bindparam(f"b_{c}") for c in codec.self_refs})
            conn.execute(stmt, [{f"b_{k}": v for k, v in d.items()} for d in deferred])
    cols = [c for c in codec.columns if c != "id"] + ["change_seq"]
    if tp.updates:
        stmt = update(t).where(t.c.id == bindparam("b_id")).values({c: bindparam(f"b_{c}") for c in cols})
        conn.execute(stmt, [_params(codec, r, seq_of(r), "b_", tp.decoded) for r in tp.updates])
    for old_id, row in tp.rekeys:
        # A re-keyed row is a version the sender does not hold under this id: it must travel.
        stmt = update(t).where(t.c.id == old_id).values(_params(codec, row, local_seq))
        conn.execute(stmt)


def _record_conflicts(s: Session, tp: _TablePlan, package_id: str) -> None:
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


def _new_pairs(s: Session, pairs: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    out = []
    for a, b, nik in pairs:
        exists = s.scalar(select(DuplicateCandidate.id).where(or_(
            DuplicateCandidate.id == seed_id("duplicate_candidate", f"{a}:{b}"),
            and_(DuplicateCandidate.person_a_id == a, DuplicateCandidate.person_b_id == b),
            and_(DuplicateCandidate.person_a_id == b, DuplicateCandidate.person_b_id == a))))
        if exists is None:
            out.append((a, b, nik))
    return out


def _add_duplicate_candidates(s: Session, pairs, actor: Actor, device: str, now: datetime, seq: int) -> int:
    """One suggestion per pair sharing a NIK; its id depends only on the pair, so the
    suggestion made on each side of an exchange is the same record."""
    new = _new_pairs(s, pairs)
    if not new:
        return 0
    rows = [dict(id=seed_id("duplicate_candidate", f"{a}:{b}"), person_a_id=a, person_b_id=b,
                 reason=f"NIK sama ({nik}) dari sinkronisasi", score=100, status="open", reviewed_by="",
                 created_at=now, updated_at=now, updated_by=actor.username, origin_device=device, revision=1,
                 deleted_at=None, change_seq=seq) for a, b, nik in new]
    s.connection().execute(insert(DuplicateCandidate.__table__), rows)
    return len(rows)


__all__ = ["ImportSummary", "TableChange", "preview_import", "import_package", "open_package"]
