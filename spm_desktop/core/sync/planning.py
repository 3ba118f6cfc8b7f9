"""Planning an import: what each incoming record does to this database (no writes).

The rules are in :mod:`spm_desktop.core.sync.importer`; this module decides, per record,
insert / update / keep / re-key, which records are conflicts and who keeps a shared NIK.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spm_desktop.core.storage.models import SyncPackage, SyncPeer
from spm_desktop.core.sync import envelope, payload
from spm_desktop.core.sync.codec import CodecError, TableCodec, enc
from spm_desktop.core.sync.envelope import PackageRefused

CHUNK = 500


@dataclass
class OpenedPackage:
    manifest: payload.Manifest
    tables: list[tuple[TableCodec, list[list[Any]]]]  # rows in codec column order, values checked
    file_name: str
    # Decoded values by the identity of a row list above (alive as long as this package), so
    # the writer does not decode every row a second time. Rows the import changes are new
    # lists and are decoded afresh.
    decoded: dict[int, dict[str, Any]] = field(default_factory=dict)
    peer_id: str = ""  # the enrolled sender (sync_peer.id)
    peer_name: str = ""  # and its name as enrolled here


def _newer(codec: TableCodec, a: list[Any], b: list[Any]) -> bool:
    """True when version ``a`` beats version ``b`` by the rule: the higher hybrid logical clock
    (:mod:`~spm_desktop.core.storage.hlc`; never the wall clock), then the device id, then a
    hash of the content, so every database decides the same way."""
    h, o = codec.index("hlc"), codec.index("origin_device")
    ka, kb = (a[h] or 0, a[o] or ""), (b[h] or 0, b[o] or "")
    if ka != kb:
        return ka > kb
    return codec.content_hash(a) > codec.content_hash(b)


@dataclass
class _PeerState:
    device_id: str
    acked_seq: int  # the peer holds every change of this database up to here
    received: list[tuple[int, int]]

    def changed_here(self, seq: int, origin: str) -> bool:
        """Changed here since the peer last acknowledged this database's changes (counted by
        this database's change counter, never by a clock), and not as received from it."""
        if seq <= self.acked_seq or origin == self.device_id:
            return False
        return not any(lo < seq <= hi for lo, hi in self.received)


@dataclass
class TablePlan:
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
    before: dict[str, list[Any]] = field(default_factory=dict)  # id -> this database's version (updates)
    decoded: dict[int, dict[str, Any]] = field(default_factory=dict)  # see OpenedPackage.decoded
    # (record id, person id): rows of a scoped sender about a person outside its scope here that
    # it never held (see _withheld); they refuse the package (validation.Context.unheld)
    unheld: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Plan:
    tables: list[TablePlan]
    nik_aside: dict[str, str]  # person id -> NIK set aside
    local_nik_losers: list[list[Any]]  # local person rows (encoded) that lose their NIK
    duplicate_pairs: list[tuple[str, str, str]]  # (person a, person b, nik)


def acknowledged(peer: SyncPeer, manifest: payload.Manifest) -> int:
    """How far ``peer`` holds this database's changes, the answer its package carries counted
    already (preview and import alike: the import takes the answer first)."""
    return max(peer.acked_seq, min(manifest.ack.applied_until, peer.last_sent_seq))


def _peer_state(session: Session, manifest: payload.Manifest) -> _PeerState:
    peer = session.scalars(select(SyncPeer).where(SyncPeer.device_id == manifest.source_device_id)).first()
    received = []
    for counts in session.scalars(select(SyncPackage.counts).where(
            SyncPackage.direction == "in", SyncPackage.peer_device_id == manifest.source_device_id)):
        if isinstance(counts, dict) and isinstance(counts.get("seq"), int):
            received.append((counts["seq"] - 1, counts["seq"]))
    acked = acknowledged(peer, manifest) if peer is not None else 0
    return _PeerState(manifest.source_device_id, acked, received)


def _local_rows(session: Session, codec: TableCodec, ids: list[str]) -> dict[str, tuple[list[Any], int]]:
    t = codec.table
    cols = [t.c[c] for c in codec.columns] + [t.c.change_seq]
    out: dict[str, tuple[list[Any], int]] = {}
    id_at = codec.index("id")
    for start in range(0, len(ids), CHUNK):
        for r in session.execute(select(*cols).where(t.c.id.in_(ids[start:start + CHUNK]))):
            out[r[id_at]] = (codec.encode(r[:-1]), r[-1])
    return out


def decode_rows(codec: TableCodec, table: payload.TableRows, decoded: dict[int, dict[str, Any]]) -> list[list[Any]]:
    """Rows reordered to the codec's column order, every value checked against its column."""
    order = [table.columns.index(c) for c in codec.columns]
    rows = [[r[i] for i in order] for r in table.rows] if list(table.columns) != list(codec.columns) else table.rows
    id_at = codec.index("id")
    try:
        values = codec.decode_many(rows)  # every value checked, text lengths too
        for r in rows:
            if not isinstance(r[id_at], str) or not 0 < len(r[id_at]) <= 36:
                raise CodecError("id tidak sah")
        decoded.update(zip(map(id, rows), values, strict=True))
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
            for start in range(0, len(values), CHUNK):
                stmt = select(t.c.id, *[t.c[c] for c in key]).where(t.c[key[0]].in_(values[start:start + CHUNK]))
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


# The column naming the person of a row, in the tables a scoped sender's edit of a withheld person comes in.
# The column naming the person a row is about, in the tables a scoped device may write about
# persons (a membership or a household head links them to the kecamatan: one naming a person
# never sent to the device would pull that person into its scope).
PERSON_COLUMN = {"person": "id", "cases": "person_id", "service_event": "person_id",
                 "household_member": "person_id", "household": "head_person_id"}


def _withheld(session: Session, package: OpenedPackage) -> tuple[set[str], set[str]]:
    """Persons a scoped sender (TKSK laptop, shelter) sends records of that are outside the
    scope this database sends it now, in two sets:

    - those it holds (:func:`~spm_desktop.core.sync.scope.peer_holds`: sent to it and the
      removal not yet acknowledged, last changed there, in a conflict with its version): it
      may never have received their latest version here (a person the office moved out of the
      kecamatan while the laptop edited them), so its acknowledgement says nothing about them.
      A record of theirs that differs from this database's version, which it never received
      (a scoped package carries a removal, not the version), is a conflict that keeps this
      version, never a silent loss nor a refusal sent again with every package;
    - those recorded here that it never held: any record of theirs is a write outside its
      scope (a crafted package), which refuses the package.
    """
    from spm_desktop.core.storage.models import Person
    from spm_desktop.core.sync.scope import _chunks, device_scope, peer_holds

    sender = session.get(SyncPeer, package.peer_id) if package.peer_id else None
    if sender is None or sender.role not in ("tksk", "unit"):
        return set(), set()
    named: set[str] = set()
    for codec, rows in package.tables:
        column = PERSON_COLUMN.get(codec.name)
        if column:
            at = codec.index(column)
            named |= {r[at] for r in rows if r[at]}
    if not named:
        return set(), set()
    # since = the largest INTEGER: the scope only, nothing "touched" (the counters are INTEGER columns)
    scope = device_scope(session, sender.role, sender.kecamatan_code, sender.unit, sender.device_id or "",
                         2 ** 31 - 1)
    outside = named - scope.persons
    if not outside:
        return set(), set()
    held = peer_holds(session, sender, acknowledged(sender, package.manifest), outside)
    here: set[str] = set()
    for chunk in _chunks(outside - held):
        here |= set(session.scalars(select(Person.id).where(Person.id.in_(chunk))))
    return outside - here, here


def _plan_table(session: Session, codec: TableCodec, rows: list[list[Any]], peer: _PeerState,
                this_device: str, withheld: set[str] = frozenset(), unheld: set[str] = frozenset()) -> TablePlan:
    plan = TablePlan(codec, incoming=len(rows))
    id_at = codec.index("id")
    local = _local_rows(session, codec, [r[id_at] for r in rows])
    origin_at = codec.index("origin_device")
    is_setting = codec.name == "setting"
    shared_at = codec.index("shared") if is_setting else -1
    keys = _KeyIndex(session, codec, rows)
    person_column = PERSON_COLUMN.get(codec.name)
    person_at = codec.index(person_column) if person_column and withheld else None
    unheld_at = codec.index(person_column) if person_column and unheld else None
    for remote in rows:
        if is_setting and remote[shared_at] is not True:
            plan.kept_local += 1  # a local setting never travels; ignore one that claims to
            continue
        found = local.get(remote[id_at])
        if unheld_at is not None and remote[unheld_at] in unheld and (found is None or found[0] != remote):
            plan.unheld.append((remote[id_at], remote[unheld_at]))  # a write about a person it never held
            continue
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
        if (not same_content and person_at is not None and mine[person_at] in withheld
                and mine[origin_at] != remote[origin_at]):
            # The sender never received this version (the person left its scope here, and a
            # scoped package carries a removal, not the version): whatever its revision count,
            # its edit was made on an older one. A conflict for a supervisor, and this version
            # stays — a scoped device never writes a person outside its scope, even as a
            # conflict's winner (nor is its package refused for good for an edit it will send again).
            plan.conflicts.append((mine[id_at], mine, remote, "local"))
            plan.kept_local += 1
            continue
        if (not same_content and peer.changed_here(seq, mine[origin_at])
                and remote[origin_at] != this_device):
            plan.conflicts.append((mine[id_at], mine, remote, "remote" if remote_wins else "local"))
        if remote_wins:
            plan.updates.append(remote)
            plan.before[remote[id_at]] = mine
        else:
            plan.kept_local += 1
    return plan


def _plan_rekey(plan: TablePlan, codec: TableCodec, mine: list[Any], remote: list[Any]) -> None:
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
        plan.before[winner[id_at]] = mine


def _plan_niks(session: Session, person: TablePlan) -> tuple[dict[str, str], list[list[Any]], list]:
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
    for start in range(0, len(nik_list), CHUNK):
        stmt = select(*[t.c[c] for c in codec.columns]).where(t.c.nik.in_(nik_list[start:start + CHUNK]))
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


def _own_area(session: Session, codec: TableCodec, rows: list[list[Any]]) -> list[list[Any]]:
    """Only regions of this database's adopted area are taken (issue 20): a package from a
    database of another kabupaten/kota never adds its places here."""
    from spm_desktop.core.storage.seed import adopted_area_code

    area = adopted_area_code(session)
    at = codec.columns.index("code")
    return [r for r in rows if area is not None and str(r[at]).startswith(area + ".")]


def make_plan(session: Session, package: OpenedPackage, this_device: str) -> Plan:
    peer = _peer_state(session, package.manifest)
    withheld, unheld = _withheld(session, package)
    plans = []
    for codec, rows in package.tables:
        if codec.name == "region":
            rows = _own_area(session, codec, rows)
        plans.append(_plan_table(session, codec, rows, peer, this_device, withheld, unheld))
        plans[-1].decoded = package.decoded
    person = next((p for p in plans if p.codec.name == "person"), None)
    aside, losers, pairs = _plan_niks(session, person) if person else ({}, [], [])
    return Plan(plans, aside, losers, pairs)


