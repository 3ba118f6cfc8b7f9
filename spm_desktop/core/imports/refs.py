"""Resolving references between import files: a person or volunteer by id or NIK, a case, a disaster, an event.

A reference is tried as the ``id`` of an earlier import of that kind first
(:func:`external_id`), then as a record id of this database; a person also by NIK.
"""

from __future__ import annotations

from sqlalchemy import select

from spm_desktop.core.imports.framework import ImportContext, Row, external_id
from spm_desktop.core.storage.models import Case, Disaster, Person, ServiceEvent, Volunteer


def _live_id(ctx: ImportContext, model, candidate: str) -> str | None:
    # session.get: the service validating the row next finds the record in the identity map.
    found = ctx.session.get(model, candidate)
    return found.id if found is not None and found.deleted_at is None else None


def _find_by_nik_or_id(ctx: ImportContext, model, kind: str, value: str) -> str | None:
    """The live ``model`` record a reference names: a NIK, the ``id`` of an earlier ``kind`` file, or a record id."""
    value = value.strip()
    if value.isdigit() and len(value) == 16:
        found = ctx.session.scalar(select(model.id).where(model.nik == value, model.deleted_at.is_(None)))
        if found:
            return found
    for candidate in (external_id(kind, value), value):
        found = _live_id(ctx, model, candidate)
        if found:
            return found
    return None


def find_person(ctx: ImportContext, value: str) -> str | None:
    """The live person a reference names (earlier ``id``, NIK, or record id), or None."""
    return _find_by_nik_or_id(ctx, Person, "persons", value)


def resolve_person(ctx: ImportContext, row: Row, column: str, required: bool = True) -> str | None:
    """The person a cell refers to (earlier ``id``, NIK, or record id); records a cell error."""
    value = row.text(column, required)
    if not value:
        return None
    found = find_person(ctx, value)
    if found is None:
        row.error(column, f"penerima layanan '{value}' tidak ditemukan (isi id dari berkas persons atau NIK).")
    return found


def find_volunteer(ctx: ImportContext, value: str) -> str | None:
    """The live roster volunteer a reference names (``id`` of a relawan file, NIK, or record id)."""
    return _find_by_nik_or_id(ctx, Volunteer, "relawan", value)


def split_list(text: str) -> list[str]:
    """A cell listing several references separated by ``;``."""
    return [part.strip() for part in text.split(";") if part.strip()]


def _resolve_by_id(ctx: ImportContext, row: Row, column: str, model, kind: str, label: str) -> str | None:
    """A record named by its import id (from an earlier ``kind`` file) or its record id."""
    value = row.text(column)
    if not value:
        return None
    for candidate in (external_id(kind, value), value):
        found = _live_id(ctx, model, candidate)
        if found:
            return found
    row.error(column, f"{label} '{value}' tidak ditemukan (isi id dari berkas {kind}).")
    return None


def resolve_case(ctx: ImportContext, row: Row, column: str) -> str | None:
    return _resolve_by_id(ctx, row, column, Case, "cases", "kasus")


def resolve_disaster(ctx: ImportContext, row: Row, column: str) -> str | None:
    return _resolve_by_id(ctx, row, column, Disaster, "disasters", "kejadian bencana")


def resolve_event(ctx: ImportContext, row: Row, column: str) -> str | None:
    return _resolve_by_id(ctx, row, column, ServiceEvent, "events", "layanan rujukan")
