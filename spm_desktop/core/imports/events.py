"""``import events``: id, **person** (id from a persons file, NIK or record id), case (id from a
cases file), **kode_layanan**, **tanggal**, jumlah (default 1), kelurahan (code or name),
disaster (id from a disasters file), keterangan; also unit and one column per detail field
of the service types (``resources/service_types.json`` keys, e.g. ``meals_per_day``,
``days``, ``document``, ``destination``, ``outcome``; a ``multi`` field lists its choices
separated by ``;``).

Without ``id`` an event is identified by all its values, so re-importing the same file adds
nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from spm_desktop.core.domain.detail_fields import detail_fields
from spm_desktop.core.imports.framework import Column, ImportContext, ImportKind, Row, register_kind
from spm_desktop.core.imports.refs import resolve_case, resolve_disaster, resolve_person
from spm_desktop.core.services import events as events_svc
from spm_desktop.core.storage import catalogue
from spm_desktop.core.storage.models import ServiceEvent

COLUMNS = (
    Column("id"), Column("person", required=True), Column("case"), Column("kode_layanan", required=True),
    Column("tanggal", required=True), Column("jumlah"), Column("kelurahan"), Column("disaster"),
    Column("keterangan"), Column("unit"),
)
FIELD_COLUMNS = {
    "person_id": "person", "case_id": "case", "service_code": "kode_layanan", "event_date": "tanggal",
    "quantity": "jumlah", "kelurahan_code": "kelurahan", "disaster_id": "disaster", "notes": "keterangan",
    "unit": "unit", "details": "kode_layanan", "event_id": "id",
}


def detail_columns(s: Session) -> set[str]:
    keys: set[str] = set()
    for st in catalogue.service_types(s, live=False):
        keys.update(f.key for f in detail_fields(st.detail_fields))
    return keys


def apply(ctx: ImportContext, row: Row) -> str:
    s = ctx.session
    person_id = resolve_person(ctx, row, "person")
    case_id = resolve_case(ctx, row, "case")
    disaster_id = resolve_disaster(ctx, row, "disaster")
    on = row.date("tanggal", required=True)
    quantity = row.int("jumlah", default=1)
    code = row.text("kode_layanan", required=True)
    kelurahan = ctx.place(row, "kelurahan", "kelurahan")
    if "detail_keys" not in ctx.cache:
        ctx.cache["detail_keys"] = detail_columns(s)
    details = {k: row.text(k) for k in ctx.headers if k in ctx.cache["detail_keys"] and row.text(k)}
    row.check()
    draft = events_svc.EventDraft(
        person_id=person_id or "", service_code=code, event_date=on, quantity=quantity if quantity is not None else 1,
        details=details, case_id=case_id, disaster_id=disaster_id, unit=row.text("unit"), kelurahan_code=kelurahan,
        notes=row.text("keterangan"), officer=ctx.actor.full_name or ctx.actor.username)
    event_id = ctx.record_id(row, person_id, code, on, case_id, disaster_id, quantity, kelurahan, draft.unit,
                             draft.notes, sorted(details.items()))
    existing = ctx.existing(row, ServiceEvent, event_id, "catatan layanan ini")
    return ctx.create_or_update(existing, draft, events_svc.record_event_in, events_svc.edit_event_in,
                                event_id=event_id)


KIND = register_kind(ImportKind(name="events", title="layanan", columns=COLUMNS, apply=apply,
                                field_columns=FIELD_COLUMNS, extra_columns=detail_columns))
