"""Conflicts to review: records changed on both sides since the last exchange.

The import already applied the winner by the rule; the supervisor confirms or reverses it.
Choosing a side writes that content as a new revision made here, so it travels with the next
package and wins everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ConflictError, NotFoundError, ValidationError
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Person, SyncConflict
from spm_desktop.core.sync.codec import CODECS, STAMP_COLUMNS

ENTITY_LABELS = {
    "region": "Wilayah", "pmks_category": "Kategori PMKS", "service_type": "Jenis layanan", "target": "Target",
    "setting": "Pengaturan", "mutu_check": "Daftar periksa mutu (lama)", "mutu_quantity": "Jumlah tersedia (mutu)",
    "person": "Penerima layanan", "cases": "Kasus",
    "case_need": "Kebutuhan kasus", "disaster": "Bencana", "household": "Keluarga terdampak",
    "household_member": "Anggota keluarga terdampak", "service_event": "Layanan", "duplicate_candidate": "Data ganda",
    "volunteer": "Relawan", "group_activity": "Kegiatan kelompok", "group_activity_person": "PPKS pada kegiatan",
    "group_activity_volunteer": "Relawan pada kegiatan",
}
CHOICES = {"keep_local": "local", "keep_remote": "remote"}


@dataclass(frozen=True)
class FieldDifference:
    field: str
    local: Any
    remote: Any


@dataclass(frozen=True)
class ConflictInfo:
    id: str
    entity: str
    entity_label: str
    entity_id: str
    title: str  # e.g. the person's name, for the list
    winner: str  # local | remote, applied by the rule at import
    detected_at: datetime
    resolved_at: datetime | None
    resolution: str  # "" while open; then the side kept: local | remote
    resolved_by: str
    differences: tuple[FieldDifference, ...]
    local_updated: str  # "who, when" of each version
    remote_updated: str


def _title(data: dict | None) -> str:
    data = data or {}
    for key in ("name", "key", "code", "item", "service_code", "no_kk"):
        if data.get(key):
            return str(data[key])
    return str(data.get("id", ""))[:8]


def _info(c: SyncConflict) -> ConflictInfo:
    local, remote = c.local_data or {}, c.remote_data or {}
    diffs = tuple(FieldDifference(k, local.get(k), remote.get(k)) for k in remote
                  if k not in STAMP_COLUMNS and k != "id" and local.get(k) != remote.get(k))
    return ConflictInfo(c.id, c.entity, ENTITY_LABELS.get(c.entity, c.entity), c.entity_id,
                        _title(remote) or _title(local), c.winner, c.detected_at, c.resolved_at, c.resolution,
                        c.resolved_by, diffs, f"{local.get('updated_by', '')}, {local.get('updated_at', '')}",
                        f"{remote.get('updated_by', '')}, {remote.get('updated_at', '')}")


def list_conflicts(db: Database, actor: Actor, include_resolved: bool = False) -> list[ConflictInfo]:
    require(actor, "sync.run")
    with db.reading() as s:
        stmt = select(SyncConflict).order_by(SyncConflict.detected_at.desc())
        if not include_resolved:
            stmt = stmt.where(SyncConflict.resolved_at.is_(None))
        return [_info(c) for c in s.scalars(stmt)]


def resolve_conflict(db: Database, actor: Actor, conflict_id: str, choice: str, note: str = "") -> ConflictInfo:
    """``choice``: ``keep_local`` (the version this computer had) or ``keep_remote`` (the
    package's). The chosen content becomes the record's new revision unless it already is."""
    require(actor, "sync.resolve")
    if choice not in CHOICES:
        raise ValidationError("Pilih 'pertahankan milik saya' atau 'pakai kiriman'.", "choice")
    with db.transaction(actor) as s:
        conflict = s.get(SyncConflict, conflict_id)
        if conflict is None:
            raise NotFoundError("Konflik tidak ditemukan.")
        if conflict.resolved_at is not None:
            raise ConflictError("Konflik ini sudah diselesaikan.")
        codec = CODECS[conflict.entity]
        chosen = conflict.local_data if choice == "keep_local" else conflict.remote_data
        obj = s.get(codec.model, conflict.entity_id)
        if chosen is None or obj is None:
            raise NotFoundError("Data yang dipilih tidak tersedia lagi; konflik tidak bisa diterapkan.")
        values = codec.decode([chosen[c] for c in codec.columns])
        before = audit.snapshot(obj)
        if conflict.entity == "person":
            _check_nik_free(s, obj.id, values.get("nik"))
        for col, value in values.items():
            if col != "id" and col not in STAMP_COLUMNS:
                setattr(obj, col, value)
        s.flush()  # a changed record gets a new revision (tracking listener)
        conflict.resolved_at = utcnow()
        conflict.resolution = CHOICES[choice]  # the column holds the side kept (local | remote)
        conflict.resolved_by = actor.username
        conflict.note = note.strip()
        audit.record(s, "resolve_conflict", conflict.entity, conflict.entity_id, before=before, after=obj)
        s.flush()
        return _info(conflict)


def _check_nik_free(s, person_id: str, nik: str | None) -> None:
    if not nik:
        return
    other = s.scalar(select(Person.id).where(Person.nik == nik, Person.id != person_id))
    if other is not None:
        raise ConflictError(f"NIK {nik} kini dipakai data penerima lain; periksa dan gabungkan data ganda dahulu.")
