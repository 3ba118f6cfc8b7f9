"""Local records that never travel: users, audit trail, this device, sync bookkeeping."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from spm_desktop.core.storage.base import Base, new_id, utcnow


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(160))
    nip: Mapped[str] = mapped_column(String(30), default="")
    role: Mapped[str] = mapped_column(String(20))  # admin/supervisor/petugas/tksk/viewer/system
    unit: Mapped[str] = mapped_column(String(20), default="")  # petugas: own unit
    kecamatan_code: Mapped[str | None] = mapped_column(String(20))  # tksk: own kecamatan
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEntry(Base):
    """Append-only trail of every write and every login (architecture §7)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_entity", "entity", "entity_id"),
        Index("ix_audit_entry_username", "username"),
        Index("ux_audit_entry_seq", "seq", unique=True),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(40))  # create/update/delete/merge/import/export/login/...
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_id: Mapped[str] = mapped_column(String(36), default="")
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    device_id: Mapped[str] = mapped_column(String(36), default="")
    # Hash chain (core/security/audit_chain): position, the previous entry's hash, this
    # entry's hash, and the hash of before/after kept apart so snapshots can be blanked.
    seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    entry_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    snapshot_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")


class LocalDevice(Base):
    """This database's identity (exactly one row), its change counter and its key pairs
    (raw private keys, base64: Ed25519 signs packages, X25519 opens packages sent to it)."""

    __tablename__ = "local_device"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    change_seq: Mapped[int] = mapped_column(Integer, default=0)
    sign_key: Mapped[str | None] = mapped_column(String(64))
    box_key: Mapped[str | None] = mapped_column(String(64))
    # The rules version person_name_key was built with (storage.name_keys.NAME_KEYS_VERSION;
    # 0: not built yet, rebuilt at the next open).
    name_keys: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    hlc: Mapped[int] = mapped_column(BigInteger, default=0)  # the last hybrid logical clock value issued


class SyncPeer(Base):
    """Another database this one exchanges packages with: an enrolled device (its public
    keys, role and scope, set by an administrator) or, before enrolment, a name only."""

    __tablename__ = "sync_peer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    device_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    last_sent_seq: Mapped[int] = mapped_column(Integer, default=0)
    # This database's change counter up to which the peer acknowledged applying our packages:
    # the next package carries every change after it (a refused package is sent again).
    acked_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The peer's change counter up to which its packages were applied here (our acknowledgement).
    received_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_received_at: Mapped[datetime | None] = mapped_column(DateTime)
    role: Mapped[str] = mapped_column(String(10), default="")  # office | tksk | unit ("" = not enrolled)
    kecamatan_code: Mapped[str | None] = mapped_column(String(20))  # tksk: its kecamatan
    unit: Mapped[str] = mapped_column(String(20), default="")  # unit: UPRS | PLAT
    sign_public: Mapped[str | None] = mapped_column(String(64), unique=True)  # Ed25519, base64
    box_public: Mapped[str | None] = mapped_column(String(64))  # X25519, base64
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTime)
    enrolled_by: Mapped[str] = mapped_column(String(64), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str] = mapped_column(String(64), default="")


class SyncPackage(Base):
    """A package sent or received (history shown on the Sinkronisasi page)."""

    __tablename__ = "sync_package"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the package's own id
    direction: Mapped[str] = mapped_column(String(3))  # out | in
    peer_device_id: Mapped[str] = mapped_column(String(36), default="")
    peer_name: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    processed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    counts: Mapped[Any] = mapped_column(JSON, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    file_name: Mapped[str] = mapped_column(Text, default="")
    # in: applied | refused (here); out: sent | acknowledged | refused (answered by the peer)
    status: Mapped[str] = mapped_column(String(12), default="")
    reasons: Mapped[Any] = mapped_column(JSON, nullable=True)  # refusal: [[table, record, field, reason], ...]
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)  # out: when the peer's answer arrived


class SyncPeerPerson(Base):
    """A person this database sent whole to a scoped peer (a TKSK laptop, a unit's computer) in
    the package that carried its change counter up to ``sent_seq``: once the peer acknowledged
    that far, the peer holds them, and a later change of theirs travels alone, not with all
    their records again (issue 17: nothing is sent twice). When the person is listed for
    removal there, ``removed_seq`` is the change counter of that package: the peer may still
    hold them (and send an edit of them, a conflict here) until it acknowledges that far; the
    row goes then (:func:`~spm_desktop.core.sync.exporter.note_held`)."""

    __tablename__ = "sync_peer_person"

    peer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sent_seq: Mapped[int] = mapped_column(Integer, default=0)
    removed_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SyncPeerRecord(Base):
    """A disaster or a group activity (``entity``) this database sent whole to a scoped peer
    in the package that carried its change counter up to ``sent_seq``: once the peer
    acknowledged that far, it holds them, and a later change travels alone — its households,
    members and list entries are not sent again with it (issue 17: nothing is sent twice).
    Forgotten when the record leaves the peer's scope (it is sent whole again if it comes
    back)."""

    __tablename__ = "sync_peer_record"

    peer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entity: Mapped[str] = mapped_column(String(40), primary_key=True)  # disaster | group_activity
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sent_seq: Mapped[int] = mapped_column(Integer, default=0)


class SyncConflict(Base):
    """A record changed on both sides since the last exchange; a supervisor picks a side."""

    __tablename__ = "sync_conflict"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(36), index=True)
    package_id: Mapped[str] = mapped_column(String(36), default="")
    local_data: Mapped[Any] = mapped_column(JSON, nullable=True)
    remote_data: Mapped[Any] = mapped_column(JSON, nullable=True)
    winner: Mapped[str] = mapped_column(String(10), default="")  # local | remote (applied by rule)
    detected_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution: Mapped[str] = mapped_column(String(10), default="")  # keep_local | keep_remote
    resolved_by: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
