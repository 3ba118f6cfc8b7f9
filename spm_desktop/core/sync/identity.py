"""This database's identity for exchanges, and the devices it exchanges with.

Each installation has two key pairs (:class:`~spm_desktop.core.sync.envelope.DeviceKeys`),
made when its device row is created (``init``, first start, or the first start after the
upgrade). Its public identity — device id, name, the two public keys, self-signed — is a small
file (``sync identity --out FILE``) with a short fingerprint to read aloud. An administrator
enrols the other side's identity with a role and a scope (``office``; ``tksk`` with its
kecamatan; ``unit`` with UPRS or PLAT); only enrolled, not revoked devices' packages are opened,
and packages are written only for an enrolled device.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import date_time
from spm_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.device import give_keys
from spm_desktop.core.storage.models import LocalDevice, Region, SyncPackage, SyncPeer
from spm_desktop.core.sync.envelope import DeviceKeys, fingerprint

MAX_DEVICE_NAME = 120
IDENTITY_SUFFIX = ".spmid"
IDENTITY_TYPE = "spm-desktop-identity"
IDENTITY_VERSION = 1
MAX_IDENTITY_BYTES = 16 * 1024
# The roles of an enrolled device: the office, a TKSK laptop (one kecamatan), a unit (UPRS/PLAT).
OFFICE, TKSK_DEVICE, UNIT_DEVICE = "office", "tksk", "unit"
ROLES = {OFFICE: "Kantor", TKSK_DEVICE: "TKSK", UNIT_DEVICE: "Unit layanan"}
UNITS = ("UPRS", "PLAT")
MSG_NO_PASSPHRASE = ("Frasa sandi sinkronisasi tidak dipakai lagi: setiap komputer kini punya identitas sendiri. "
                     "Daftarkan komputer lain dengan 'spm-desktop sync identity --out BERKAS' di komputer itu, lalu "
                     "'spm-desktop sync enrol BERKAS --name NAMA --role office|tksk|unit' di komputer ini (atau di "
                     "halaman Sinkronisasi). Lihat README, bagian Sync packages.")


@dataclass(frozen=True)
class DeviceInfo:
    id: str
    name: str
    change_seq: int
    fingerprint: str
    enrolled_peers: int  # enrolled and not revoked


@dataclass(frozen=True)
class PeerInfo:
    id: str
    name: str
    device_id: str | None
    last_sent_seq: int
    last_sent_at: datetime | None
    last_received_at: datetime | None
    role: str = ""
    kecamatan_code: str | None = None
    unit: str = ""
    fingerprint: str = ""
    enrolled_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def enrolled(self) -> bool:
        return bool(self.role) and self.revoked_at is None

    @property
    def scope_label(self) -> str:
        if self.role == TKSK_DEVICE:
            return f"TKSK, kecamatan {self.kecamatan_code}"
        if self.role == UNIT_DEVICE:
            return f"Unit {self.unit}"
        return ROLES.get(self.role, "belum didaftarkan")


@dataclass(frozen=True)
class Identity:
    """Another installation's public identity, as read from its file."""

    device_id: str
    name: str
    sign_public: bytes
    box_public: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.sign_public, self.box_public)


@dataclass(frozen=True)
class PackageRecord:
    id: str
    direction: str  # out | in
    peer_name: str
    created_at: datetime
    processed_at: datetime
    counts: dict
    file_name: str
    # in: applied | refused here; out: sent | acknowledged | refused (the peer's answer)
    status: str = ""
    reasons: tuple[tuple[str, str, str, str], ...] = ()  # (table, record, field, reason) of a refusal
    answered_at: datetime | None = None

    @property
    def total(self) -> int:
        """Records the package carried."""
        return sum((self.counts or {}).get("tables", {}).values())

    @property
    def status_label(self) -> str:
        if self.direction == "in":
            return {"refused": "ditolak di sini", "applied": "diterapkan"}.get(self.status, "diterapkan")
        return {"acknowledged": "diterima mitra", "refused": "DITOLAK mitra"}.get(self.status,
                                                                                    "terkirim, belum dijawab")

    def reason_lines(self) -> list[str]:
        from spm_desktop.core.sync.conflicts import ENTITY_LABELS

        out = []
        for table, record, field, reason in self.reasons:
            where = " ".join(x for x in (ENTITY_LABELS.get(table, table), record[:8]) if x)
            out.append(f"{where}, {field}: {reason}" if where or field else reason)
        return out


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def ensure_keys(session: Session, device: LocalDevice | None = None) -> DeviceKeys:
    """This device's keys, made now if it has none yet (a database from before enrolment)."""
    device = device or session.scalars(select(LocalDevice)).one()
    if give_keys(device):
        session.flush()
    return DeviceKeys.from_raw(_unb64(device.sign_key), _unb64(device.box_key))


def device_keys(session: Session) -> DeviceKeys:
    return ensure_keys(session)


def device_info(db: Database) -> DeviceInfo:
    with db.sessions.begin() as s:
        dev = s.scalars(select(LocalDevice)).one()
        keys = ensure_keys(s, dev)
        enrolled = s.scalar(select(func.count()).select_from(SyncPeer).where(
            SyncPeer.role != "", SyncPeer.revoked_at.is_(None))) or 0
        return DeviceInfo(dev.id, dev.name, dev.change_seq, fingerprint(keys.sign_public, keys.box_public), enrolled)


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("Nama perangkat wajib diisi, mis. \"TKSK Pontianak Barat\".", "device_name")
    if len(name) > MAX_DEVICE_NAME:
        raise ValidationError(f"Nama perangkat paling panjang {MAX_DEVICE_NAME} karakter.", "device_name")
    return name


def set_device_name(db: Database, actor: Actor, name: str) -> DeviceInfo:
    """Rename this database ("TKSK Pontianak Barat"); the name is in its identity file."""
    require(actor, "settings.edit")
    name = _clean_name(name)
    with db.transaction(actor) as s:
        dev = s.scalars(select(LocalDevice)).one()
        before = {"name": dev.name}
        dev.name = name
        audit.record(s, "update", "local_device", dev.id, before=before, after={"name": name})
    return device_info(db)


# ----- identity files -----------------------------------------------------------------------


def _identity_body(device_id: str, name: str, sign_public: bytes, box_public: bytes) -> dict:
    return {"type": IDENTITY_TYPE, "version": IDENTITY_VERSION, "device_id": device_id, "name": name,
            "sign_public": _b64(sign_public), "box_public": _b64(box_public)}


def _canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def identity_document(device_id: str, name: str, keys: DeviceKeys) -> str:
    """The identity file's text for ``keys``: public keys, self-signed."""
    body = _identity_body(device_id, name, keys.sign_public, keys.box_public)
    doc = dict(body, signature=_b64(keys.sign.sign(_canonical(body))))
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def write_identity(db: Database, actor: Actor, target: str | Path) -> Identity:
    """Write this device's public identity (self-signed) to ``target``; no secret is in it."""
    require(actor, "sync.run")
    target = Path(target)
    if target.is_dir():
        raise ValidationError("Tujuan harus nama berkas, bukan folder.", "file")
    with db.transaction(actor) as s:
        dev = s.scalars(select(LocalDevice)).one()
        keys = ensure_keys(s, dev)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(identity_document(dev.id, dev.name, keys), encoding="utf-8")
        audit.record(s, "export", "device_identity", dev.id, after={"file": target.name})
        return Identity(dev.id, dev.name, keys.sign_public, keys.box_public)


MSG_BAD_IDENTITY = ("Berkas ini bukan identitas komputer SPM Desktop yang sah ({detail}). Buat ulang di komputer itu "
                    "dengan 'sync identity --out BERKAS' atau tombol 'Simpan identitas komputer ini…'.")


def read_identity(path: str | Path) -> Identity:
    def bad(detail: str) -> ValidationError:
        return ValidationError(MSG_BAD_IDENTITY.format(detail=detail), "file")

    try:
        raw = Path(path).read_bytes()[: MAX_IDENTITY_BYTES + 1]
    except OSError as exc:
        raise ValidationError(f"Berkas identitas {path} tidak bisa dibaca: {exc.strerror}.", "file") from exc
    if len(raw) > MAX_IDENTITY_BYTES:
        raise bad("berkas terlalu besar")
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise bad("bukan JSON") from None
    keys = {"type", "version", "device_id", "name", "sign_public", "box_public", "signature"}
    if not isinstance(doc, dict) or set(doc) != keys or doc["type"] != IDENTITY_TYPE:
        raise bad("isian tidak lengkap")
    if doc["version"] != IDENTITY_VERSION:
        raise bad("versi tidak dikenal")
    if not all(isinstance(doc[k], str) for k in keys - {"version"}) or not 0 < len(doc["device_id"]) <= 36:
        raise bad("isian tidak sah")
    try:
        sign_public, box_public, signature = (_unb64(doc[k]) for k in ("sign_public", "box_public", "signature"))
        if len(sign_public) != 32 or len(box_public) != 32:
            raise ValueError
        body = {k: doc[k] for k in keys - {"signature"}}
        Ed25519PublicKey.from_public_bytes(sign_public).verify(signature, _canonical(body))
    except (ValueError, InvalidSignature):
        raise bad("tanda tangan atau kunci tidak sah") from None
    return Identity(doc["device_id"], doc["name"][:MAX_DEVICE_NAME], sign_public, box_public)


# ----- enrolment --------------------------------------------------------------------------


def _peer_info(p: SyncPeer) -> PeerInfo:
    fp = fingerprint(_unb64(p.sign_public), _unb64(p.box_public)) if p.sign_public and p.box_public else ""
    return PeerInfo(p.id, p.name, p.device_id, p.last_sent_seq, p.last_sent_at, p.last_received_at, p.role,
                    p.kecamatan_code, p.unit, fp, p.enrolled_at, p.revoked_at)


def enrol_device(db: Database, actor: Actor, path: str | Path, name: str, role: str,
                 kecamatan: str | None = None, unit: str | None = None) -> PeerInfo:
    """Enrol the identity in ``path`` under ``name`` with a role and its scope. Enrolling the
    same device again changes its name, role or scope (never its keys)."""
    require(actor, "settings.edit")
    name = _clean_name(name)
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise ValidationError("Peran perangkat harus office, tksk atau unit.", "role")
    kecamatan = (kecamatan or "").strip() or None
    unit = (unit or "").strip().upper()
    if role == TKSK_DEVICE and not kecamatan:
        raise ValidationError("Perangkat TKSK wajib diberi kecamatan (--kecamatan KODE).", "kecamatan")
    if role != TKSK_DEVICE and kecamatan:
        raise ValidationError("Kecamatan hanya untuk perangkat TKSK.", "kecamatan")
    if role == UNIT_DEVICE and unit not in UNITS:
        raise ValidationError(f"Perangkat unit wajib diberi unit: {' atau '.join(UNITS)} (--unit).", "unit")
    if role != UNIT_DEVICE and unit:
        raise ValidationError("Unit hanya untuk perangkat unit layanan.", "unit")
    ident = read_identity(path)
    with db.transaction(actor) as s:
        dev = s.scalars(select(LocalDevice)).one()
        if ident.device_id == dev.id:
            raise ValidationError("Ini identitas komputer ini sendiri; daftarkan identitas komputer lain.", "file")
        if kecamatan is not None:
            known = s.scalar(select(Region.code).where(Region.code == kecamatan, Region.level == "kecamatan",
                                                       Region.deleted_at.is_(None)))
            if known is None:
                raise ValidationError(f"Kode kecamatan {kecamatan} tidak dikenal.", "kecamatan")
        sign_b64, box_b64 = _b64(ident.sign_public), _b64(ident.box_public)
        peer = s.scalars(select(SyncPeer).where(SyncPeer.device_id == ident.device_id)).first()
        by_key = s.scalars(select(SyncPeer).where(SyncPeer.sign_public == sign_b64)).first()
        if by_key is not None and by_key is not peer:
            raise ConflictError(f"Kunci ini sudah terdaftar untuk perangkat {by_key.name}.")
        if peer is not None and peer.revoked_at is not None:
            raise ConflictError(f"Perangkat {peer.name} sudah dicabut; perangkat yang dicabut tidak bisa didaftarkan "
                                "lagi. Pasang ulang SPM Desktop di komputer itu untuk identitas baru.")
        if peer is not None and peer.sign_public and peer.sign_public != sign_b64:
            raise ConflictError(f"Perangkat {peer.name} sudah terdaftar dengan kunci lain. Jika komputer itu dipasang "
                                "ulang, cabut dulu pendaftarannya (sync revoke) lalu daftarkan identitas barunya.")
        clash = s.scalars(select(SyncPeer).where(func.lower(SyncPeer.name) == name.lower())).first()
        if clash is not None and clash is not peer:
            if clash.role or clash.device_id:
                raise ConflictError(f"Nama {name} sudah dipakai perangkat lain.")
            peer = peer or clash  # a name typed for exports before enrolment: this is that device
        before = _peer_info(peer).__dict__ if peer is not None else None
        if peer is None:
            peer = SyncPeer(name=name, device_id=ident.device_id)
            s.add(peer)
        peer.name, peer.device_id, peer.role = name, ident.device_id, role
        peer.kecamatan_code, peer.unit = kecamatan, unit
        peer.sign_public, peer.box_public = sign_b64, box_b64
        peer.enrolled_at, peer.enrolled_by = utcnow(), actor.username
        s.flush()
        info = _peer_info(peer)
        audit.record(s, "enrol", "sync_peer", peer.id, before=_jsonable(before), after=_jsonable(info.__dict__))
        return info


def _jsonable(d: dict | None) -> dict | None:
    if d is None:
        return None
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in d.items()}


def revoke_device(db: Database, actor: Actor, name: str) -> PeerInfo:
    """Revoke an enrolled device (a lost laptop): its packages are refused from now on and
    nothing more is written for it."""
    require(actor, "settings.edit")
    with db.transaction(actor) as s:
        peer = s.scalars(select(SyncPeer).where(func.lower(SyncPeer.name) == (name or "").strip().lower())).first()
        if peer is None or not peer.role:
            raise NotFoundError(f"Tidak ada perangkat terdaftar bernama {name!r}.")
        if peer.revoked_at is not None:
            raise ConflictError(f"Perangkat {peer.name} sudah dicabut.")
        peer.revoked_at, peer.revoked_by = utcnow(), actor.username
        s.flush()
        info = _peer_info(peer)
        audit.record(s, "revoke", "sync_peer", peer.id, after=_jsonable(info.__dict__))
        return info


def enrolled_peer(session: Session, name: str) -> SyncPeer:
    """The enrolled, not revoked peer called ``name``, for an export."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("Pilih komputer tujuan yang sudah didaftarkan.", "peer")
    peer = session.scalars(select(SyncPeer).where(func.lower(SyncPeer.name) == name.lower())).first()
    if peer is None or not peer.role or not peer.box_public:
        raise ValidationError(f"Komputer tujuan {name!r} belum didaftarkan. Daftarkan identitasnya dulu "
                              "(sync enrol) di komputer ini.", "peer")
    if peer.revoked_at is not None:
        raise ValidationError(f"Komputer {peer.name} sudah dicabut; paket tidak dibuat untuknya.", "peer")
    return peer


def kecamatan_choices(db: Database) -> list[tuple[str, str]]:
    """(code, name) of every kecamatan, for the enrolment form."""
    with db.reading() as s:
        return [(r.code, r.name) for r in s.execute(select(Region.code, Region.name).where(
            Region.level == "kecamatan", Region.deleted_at.is_(None)).order_by(Region.code))]


def clock_warning(db: Database) -> str:
    """A warning when this computer's clock is behind the newest package it received (its
    clock was set back, or the battery of its clock failed): new edits would be stamped
    earlier than what it already holds. "" when the clock looks right."""
    from spm_desktop.core.storage.base import utcnow

    with db.reading() as s:
        # Applied packages only: one refused for a sender clock far ahead says nothing of this one's.
        newest = s.scalar(select(func.max(SyncPackage.created_at)).where(SyncPackage.direction == "in",
                                                                       SyncPackage.status == "applied"))
    now = utcnow()
    if newest is None or newest <= now:
        return ""
    return (f"Tanggal/jam komputer ini ({date_time(now)} UTC) lebih awal dari paket sinkronisasi terakhir yang "
            f"diterima ({date_time(newest)} UTC). Perbaiki tanggal dan jam komputer ini sebelum mencatat data.")


def list_peers(db: Database) -> list[PeerInfo]:
    """Every device this one knows: enrolled, revoked, and (from before enrolment) named only."""
    with db.reading() as s:
        return [_peer_info(p) for p in s.scalars(select(SyncPeer).order_by(func.lower(SyncPeer.name)))]


def package_history(db: Database, limit: int = 200) -> list[PackageRecord]:
    """Packages sent and received, newest first."""
    with db.reading() as s:
        rows = s.scalars(select(SyncPackage).order_by(SyncPackage.processed_at.desc()).limit(limit))
        return [_package_record(p) for p in rows]


def _package_record(p: SyncPackage) -> PackageRecord:
    return PackageRecord(p.id, p.direction, p.peer_name, p.created_at, p.processed_at, dict(p.counts or {}),
                         p.file_name, p.status or "", tuple(tuple(r) for r in (p.reasons or [])), p.answered_at)


def refused_problems(db: Database, package: PackageRecord):
    """The reasons a peer gave for refusing ``package``, each with the record as this computer
    names it and the person to open (:func:`~spm_desktop.core.sync.preflight.describe`)."""
    from spm_desktop.core.sync.preflight import describe

    with db.reading() as s:
        return describe(s, [tuple(r) for r in package.reasons])


def open_refusals(db: Database) -> list[PackageRecord]:
    """Packages sent from here that their peer refused, not yet followed by one it accepted:
    their changes travel again in the next package, once corrected here."""
    with db.reading() as s:
        out: list[PackageRecord] = []
        for p in s.scalars(select(SyncPackage).where(SyncPackage.direction == "out", SyncPackage.status == "refused")
                           .order_by(SyncPackage.processed_at.desc())):
            accepted_later = s.scalar(select(func.count()).select_from(SyncPackage).where(
                SyncPackage.direction == "out", SyncPackage.peer_device_id == p.peer_device_id,
                SyncPackage.status == "acknowledged", SyncPackage.processed_at > p.processed_at))
            if not accepted_later and not any(o.peer_name == p.peer_name for o in out):
                out.append(_package_record(p))
        return out


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
