"""Keeps the sync columns of travelling records true on every flush.

Services never touch ``revision``, ``updated_at``, ``updated_by``, ``origin_device``,
``hlc``, ``created_device`` or ``change_seq``: this listener sets them from the session's
``info`` (actor, device, clock). The sync importer sets ``session.info["sync_apply"] = True``
so that incoming values are kept as they are and only this database's ``change_seq`` is
stamped. ``session.info["clock"]`` (``Database.clock``) is the wall clock, injectable in tests.
"""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from spm_desktop.core.storage import base
from spm_desktop.core.storage.base import SyncMixin
from spm_desktop.core.storage.hlc import advance, observe


def next_change_seq(session: Session) -> int:
    """Advance this database's change counter by one and return the new value."""
    session.execute(text("UPDATE local_device SET change_seq = change_seq + 1"))
    value = session.execute(text("SELECT MAX(change_seq) FROM local_device")).scalar()
    return int(value or 0)


@event.listens_for(Session, "before_flush")
def _stamp_sync_columns(session: Session, _flush_context, _instances) -> None:
    new = [o for o in session.new if isinstance(o, SyncMixin)]
    dirty = [o for o in session.dirty if isinstance(o, SyncMixin) and session.is_modified(o)]
    if not new and not dirty:
        return
    clock = session.info.get("clock") or base.utcnow
    now = clock()
    seq, tick = advance(session, now)
    applying = session.info.get("sync_apply", False)
    actor = session.info.get("actor")
    username = getattr(actor, "username", "") or ""
    device = session.info.get("device_id", "") or ""
    highest = tick
    for obj in new:
        obj.change_seq = seq
        if applying:
            continue
        obj.created_at = obj.created_at or now
        obj.updated_at = now
        obj.updated_by = username
        obj.origin_device = device
        obj.revision = 1
        obj.hlc = tick
        if hasattr(obj, "created_device"):
            obj.created_device = device
    for obj in dirty:
        obj.change_seq = seq
        if applying:
            continue
        obj.updated_at = now
        obj.updated_by = username
        obj.origin_device = device
        obj.revision = (obj.revision or 0) + 1
        # Never behind the version this edit was made from (received from a clock ahead).
        obj.hlc = max(tick, (obj.hlc or 0) + 1)
        highest = max(highest, obj.hlc)
    if highest > tick:
        observe(session, highest)
