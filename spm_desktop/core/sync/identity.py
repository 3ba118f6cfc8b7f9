"""This database's identity for exchanges: device name, office passphrase, peers, history.

The passphrase lives in the local (never travelling) setting ``sync.passphrase``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.base import seed_id
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import LocalDevice, Setting, SyncPackage, SyncPeer
from spm_desktop.core.sync.envelope import MIN_PASSPHRASE

PASSPHRASE_KEY = "sync.passphrase"
MAX_DEVICE_NAME = 120


@dataclass(frozen=True)
class DeviceInfo:
    id: str
    name: str
    change_seq: int
    passphrase_set: bool


@dataclass(frozen=True)
class PeerInfo:
    id: str
    name: str
    device_id: str | None
    last_sent_seq: int
    last_sent_at: datetime | None
    last_received_at: datetime | None


@dataclass(frozen=True)
class PackageRecord:
    id: str
    direction: str  # out | in
    peer_name: str
    created_at: datetime
    processed_at: datetime
    counts: dict
    file_name: str

    @property
    def total(self) -> int:
        """Records the package carried."""
        return sum((self.counts or {}).get("tables", {}).values())


def stored_passphrase(session: Session) -> str:
    value = session.scalar(select(Setting.value).where(Setting.key == PASSPHRASE_KEY))
    return value if isinstance(value, str) else ""


def device_info(db: Database) -> DeviceInfo:
    with db.reading() as s:
        dev = s.scalars(select(LocalDevice)).one()
        return DeviceInfo(dev.id, dev.name, dev.change_seq, bool(stored_passphrase(s)))


def set_device_name(db: Database, actor: Actor, name: str) -> DeviceInfo:
    """Rename this database ("TKSK Pontianak Barat"); the name travels in every package."""
    require(actor, "settings.edit")
    name = (name or "").strip()
    if not name:
        raise ValidationError("Nama perangkat wajib diisi, mis. \"TKSK Pontianak Barat\".", "device_name")
    if len(name) > MAX_DEVICE_NAME:
        raise ValidationError(f"Nama perangkat paling panjang {MAX_DEVICE_NAME} karakter.", "device_name")
    with db.transaction(actor) as s:
        dev = s.scalars(select(LocalDevice)).one()
        before = {"name": dev.name}
        dev.name = name
        audit.record(s, "update", "local_device", dev.id, before=before, after={"name": name})
    return device_info(db)


def set_passphrase(db: Database, actor: Actor, passphrase: str) -> DeviceInfo:
    """Store the office passphrase locally (it never travels and is not written to the audit)."""
    require(actor, "settings.edit")
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise ValidationError(f"Frasa sandi sinkronisasi minimal {MIN_PASSPHRASE} karakter.", "passphrase")
    if passphrase != passphrase.strip():
        raise ValidationError("Frasa sandi tidak boleh diawali atau diakhiri spasi.", "passphrase")
    with db.transaction(actor) as s:
        row = s.scalars(select(Setting).where(Setting.key == PASSPHRASE_KEY)).first()
        if row is None:
            row = Setting(id=seed_id("setting", PASSPHRASE_KEY), key=PASSPHRASE_KEY, shared=False)
            s.add(row)
        row.value = passphrase
        row.shared = False
        row.deleted_at = None
        s.flush()
        audit.record(s, "update", "setting", row.id, after={"key": PASSPHRASE_KEY, "value": "(diubah)"})
    return device_info(db)


def list_peers(db: Database) -> list[PeerInfo]:
    with db.reading() as s:
        return [PeerInfo(p.id, p.name, p.device_id, p.last_sent_seq, p.last_sent_at, p.last_received_at)
                for p in s.scalars(select(SyncPeer).order_by(func.lower(SyncPeer.name)))]


def package_history(db: Database, limit: int = 200) -> list[PackageRecord]:
    """Packages sent and received, newest first."""
    with db.reading() as s:
        rows = s.scalars(select(SyncPackage).order_by(SyncPackage.processed_at.desc()).limit(limit))
        return [PackageRecord(p.id, p.direction, p.peer_name, p.created_at, p.processed_at, dict(p.counts or {}),
                              p.file_name) for p in rows]


def heal_counter(session: Session, device: LocalDevice | None = None) -> int:
    """This database's change counter, raised to the highest stamp in the travelling tables
    when it lags behind (a copied or restored file, a re-created device row): otherwise new
    changes would be stamped below an export bookmark and never sent."""
    from spm_desktop.core.storage.models import SYNCED_MODELS

    device = device or session.scalars(select(LocalDevice)).one()
    highest = max((session.scalar(select(func.max(m.change_seq))) or 0) for m in SYNCED_MODELS)
    if highest > device.change_seq:
        device.change_seq = highest
        session.flush()
    return device.change_seq


def find_or_create_peer(session: Session, name: str, device_id: str | None = None) -> SyncPeer:
    """The peer with this device id, else with this name (case-insensitive), else a new one."""
    peer = None
    if device_id:
        peer = session.scalars(select(SyncPeer).where(SyncPeer.device_id == device_id)).first()
    if peer is None and name:
        by_name = session.scalars(select(SyncPeer).where(func.lower(SyncPeer.name) == name.lower())).first()
        if by_name is not None and (not device_id or by_name.device_id in (None, device_id)):
            peer = by_name
    if peer is None:
        unique = name or "Perangkat tanpa nama"
        taken = {n.lower() for n in session.scalars(select(SyncPeer.name))}
        n = 2
        while unique.lower() in taken:
            unique = f"{name} ({n})"
            n += 1
        peer = SyncPeer(name=unique, device_id=device_id)
        session.add(peer)
        session.flush()
    if device_id and peer.device_id is None:
        peer.device_id = device_id
    if device_id and name and peer.name != name:
        # The other computer was renamed: follow it unless another peer already has that name.
        clash = session.scalar(select(SyncPeer.id).where(func.lower(SyncPeer.name) == name.lower(),
                                                         SyncPeer.id != peer.id))
        if clash is None:
            peer.name = name
    return peer
