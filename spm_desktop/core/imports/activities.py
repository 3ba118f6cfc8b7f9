"""``import activities``: id, **kode_layanan** (a type with the ``participants`` or
``named_participants`` counting rule), **tanggal**, **kelurahan** (code or name),
**peserta_l**, **peserta_p**, orang (ids from a persons file or NIKs of the PPKS whose
families took part, separated by ``;``), relawan (ids from a relawan file, NIKs or record ids
of roster volunteers who took part, separated by ``;``), fasilitator, keterangan
(architecture §9).

Re-importing a row with the same ``id`` updates that activity (its lists become the file's);
without ``id`` an activity is identified by all its values, so re-importing the same file
adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from spm_desktop.core.imports.framework import Column, ImportContext, ImportKind, Row, register_kind
from spm_desktop.core.imports.refs import find_person, find_volunteer, split_list
from spm_desktop.core.services.activities import ActivityInput, record_activity_in, update_activity_in
from spm_desktop.core.storage.models import GroupActivity

COLUMNS = (
    Column("id"), Column("kode_layanan", required=True), Column("tanggal", required=True),
    Column("kelurahan", required=True), Column("peserta_l", required=True), Column("peserta_p", required=True),
    Column("orang"), Column("relawan"), Column("fasilitator"), Column("keterangan"),
)
FIELD_COLUMNS = {
    "service_code": "kode_layanan", "activity_date": "tanggal", "kelurahan_code": "kelurahan",
    "participants_male": "peserta_l", "participants_female": "peserta_p", "person_ids": "orang",
    "volunteer_ids": "relawan", "facilitator": "fasilitator", "notes": "keterangan", "activity_id": "id",
}


def _count(row: Row, column: str) -> int:
    value = row.int(column, required=True)
    if value is not None and value < 0:
        row.error(column, "jumlah peserta tidak boleh negatif.")
    return value or 0


def _listed(ctx: ImportContext, row: Row, column: str, find: Callable[[ImportContext, str], str | None], label: str,
            file_kind: str) -> list[str]:
    """The distinct records a ``;``-separated cell names, in order; records a cell error per unknown name."""
    found_ids: list[str] = []
    for ref in split_list(row.text(column)):
        found = find(ctx, ref)
        if found is None:
            row.error(column, f"{label} '{ref}' tidak ditemukan (isi id dari berkas {file_kind} atau NIK).")
        elif found not in found_ids:
            found_ids.append(found)
    return found_ids


def apply(ctx: ImportContext, row: Row) -> str:
    code = row.text("kode_layanan", required=True)
    on = row.date("tanggal", required=True)
    kel_text = row.text("kelurahan", required=True)
    kelurahan = ctx.region_code(kel_text, "kelurahan") if kel_text else None
    if kel_text and kelurahan is None:
        row.error("kelurahan", f"kelurahan '{kel_text}' tidak dikenal.")
    male, female = _count(row, "peserta_l"), _count(row, "peserta_p")
    persons = _listed(ctx, row, "orang", find_person, "penerima layanan", "persons")
    volunteers = _listed(ctx, row, "relawan", find_volunteer, "relawan", "relawan")
    row.check()
    data = ActivityInput(service_code=code, activity_date=on, kelurahan_code=kelurahan or "",
                         participants_male=male, participants_female=female,
                         facilitator=row.text("fasilitator"), notes=row.text("keterangan"),
                         person_ids=tuple(persons), volunteer_ids=tuple(volunteers))
    activity_id = ctx.record_id(row, code, on, kelurahan, male, female, " ".join(data.facilitator.split()),
                                data.notes, sorted(persons), sorted(volunteers))
    existing = ctx.existing(row, GroupActivity, activity_id, "kegiatan ini")
    return ctx.create_or_update(existing, data, record_activity_in, update_activity_in, activity_id=activity_id)


KIND = register_kind(ImportKind(name="activities", title="kegiatan kelompok", columns=COLUMNS, apply=apply,
                                field_columns=FIELD_COLUMNS))
