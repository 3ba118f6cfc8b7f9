"""Append-only audit trail. Every write adds its entry inside the same transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from spm_desktop.core.security import audit_chain
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.models import AuditEntry

# Columns that say nothing about the content and would only bloat the trail.
_SKIP = {"change_seq", "created_at", "updated_at", "updated_by", "origin_device", "revision", "hlc", "need_mask",
         "need_bit", "need_assessed_on", "need_reassessed_on", "need_unmet", "need_first_met", "need_last_met"}


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def snapshot(obj: Any) -> dict[str, Any] | None:
    """The content columns of an ORM object as a JSON-safe dict (None for None)."""
    if obj is None:
        return None
    mapper = inspect(obj).mapper
    return {c.key: _plain(getattr(obj, c.key)) for c in mapper.column_attrs if c.key not in _SKIP}


def record(
    session: Session,
    action: str,
    entity: str = "",
    entity_id: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Add an audit entry for the session's actor. ``before``/``after``: dicts or ORM objects."""
    actor = session.info.get("actor")
    if before is not None and not isinstance(before, (dict, list)):
        before = snapshot(before)
    if after is not None and not isinstance(after, (dict, list)):
        after = snapshot(after)
    entry = AuditEntry(
        username=getattr(actor, "username", "") or "",
        action=action,
        entity=entity,
        entity_id=entity_id or "",
        before=before,
        after=after,
        device_id=session.info.get("device_id", "") or "",
    )
    session.add(entry)
    audit_chain.remember(session, entry)  # its place in the hash chain is taken at flush
    return entry


def record_create(session: Session, obj: Any, entity: str) -> Any:
    """Add a new record, flush it (its id and defaults are set) and record its creation."""
    session.add(obj)
    session.flush()
    record(session, "create", entity, obj.id, after=obj)
    return obj


def record_update(session: Session, obj: Any, entity: str, before: dict[str, Any] | None) -> bool:
    """After ``obj`` was changed from ``before`` (its :func:`snapshot`): flush and record the
    update; False, writing nothing, when no value actually changed."""
    if not session.is_modified(obj):
        return False
    session.flush()
    record(session, "update", entity, obj.id, before=before, after=obj)
    return True


def soft_delete(session: Session, obj: Any, entity: str) -> None:
    """Mark a travelling record deleted (the deletion travels with sync) and record it."""
    before = snapshot(obj)
    obj.deleted_at = utcnow()
    session.flush()
    record(session, "delete", entity, obj.id, before=before, after=obj)
