"""``import relawan``: id, **nama**, **jenis_kelamin** (L/P), nik, organisasi (default Tagana),
telepon, aktif (ya/tidak, default ya) — the office's volunteer roster (architecture §9).

Re-importing a row with the same ``id`` updates that volunteer; without ``id`` a row with a
NIK updates the volunteer holding it, and one without either is identified by name and sex,
so re-importing the same file adds nothing. Columns left out of the file (and an empty
``aktif``) keep the volunteer's values.
"""

from __future__ import annotations

from sqlalchemy import select

from spm_desktop.core.domain.groups import VOLUNTEER_DEFAULT_ORGANISATION
from spm_desktop.core.domain.names import normalise_name
from spm_desktop.core.imports.framework import Column, ImportContext, ImportKind, Row, register_kind
from spm_desktop.core.services.volunteers import VolunteerInput, register_volunteer_in, update_volunteer_in
from spm_desktop.core.storage.models import Volunteer

COLUMNS = (
    Column("id"), Column("nama", required=True), Column("jenis_kelamin", required=True), Column("nik"),
    Column("organisasi"), Column("telepon"), Column("aktif"),
)
FIELD_COLUMNS = {"name": "nama", "sex": "jenis_kelamin", "nik": "nik", "organisation": "organisasi",
                 "phone": "telepon", "active": "aktif", "volunteer_id": "id", "notes": "id"}


def apply(ctx: ImportContext, row: Row) -> str:
    s = ctx.session
    name = row.text("nama", required=True)
    sex = row.text("jenis_kelamin", required=True).upper()
    nik = row.text("nik")
    active = row.bool("aktif") if row.text("aktif") else None
    row.check()
    volunteer_id = ctx.file_id(row)
    if volunteer_id is None:
        holder = s.scalars(select(Volunteer).where(Volunteer.nik == nik, Volunteer.deleted_at.is_(None))).first() \
            if nik else None
        volunteer_id = holder.id if holder is not None else ctx.record_id(row, normalise_name(name), sex, nik)
    existing: Volunteer | None = ctx.existing(row, Volunteer, volunteer_id, "relawan ini")

    def kept(column: str, current: str, default: str = "") -> str:
        if row.has(column) and row.text(column):
            return row.text(column)
        if row.has(column) and existing is None:
            return default
        return current if existing is not None else default

    data = VolunteerInput(
        name=name, sex=sex, nik=nik if (row.has("nik") or existing is None) else (existing.nik or ""),
        organisation=kept("organisasi", existing.organisation if existing else "", VOLUNTEER_DEFAULT_ORGANISATION),
        phone=kept("telepon", existing.phone if existing else ""),
        active=active if active is not None else (existing.active if existing is not None else True),
        notes=existing.notes if existing is not None else "")
    return ctx.create_or_update(existing, data, register_volunteer_in, update_volunteer_in, volunteer_id=volunteer_id)


KIND = register_kind(ImportKind(name="relawan", title="relawan", columns=COLUMNS, apply=apply,
                                field_columns=FIELD_COLUMNS))
