"""Reading one record by id the way every service does: a soft-deleted row (``deleted_at``
set) counts as missing."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from spm_desktop.core.domain.errors import NotFoundError

T = TypeVar("T")


def live(s: Session, model: type[T], record_id: str | None) -> T | None:
    """The row of ``model`` with ``record_id``; None when there is none or it was deleted."""
    row = s.get(model, record_id) if record_id else None
    return None if row is None or row.deleted_at is not None else row


def load_live(s: Session, model: type[T], record_id: str | None, what: str, field: str) -> T:
    """:func:`live`, or :class:`NotFoundError` "<what> tidak ditemukan (mungkin sudah dihapus)." on ``field``."""
    row = live(s, model, record_id)
    if row is None:
        raise NotFoundError(f"{what} tidak ditemukan (mungkin sudah dihapus).", field)
    return row
