"""``import cases``: id, **person** (an id from a persons file, a NIK or a record id), **unit**
(UPRS, PLAT, TKSK, BIDANG), **kelompok_spm** (disabilitas, anak, lansia, gepeng),
**tanggal_masuk**, dirujuk_oleh, dalam_shelter (ya/tidak), kebutuhan (service codes
separated by ``;``, assessed on the intake date; empty = identified, not yet assessed),
tanpa_kebutuhan (ya: assessed on the intake date as needing no basic service; kebutuhan then
stays empty), tanggal_keluar, alasan_keluar; also kecamatan (code or name, required for
TKSK cases), lokasi_ditemukan, keterangan. Later assessments come in ``import needs``.

A row with ``tanggal_keluar`` is a closed case (``alasan_keluar`` then required); a closed
case may coexist with an open case of the same group. Without ``id`` the case is identified
by (person, kelompok_spm, tanggal_masuk).
"""

from __future__ import annotations

from dataclasses import replace

from spm_desktop.core.domain.errors import ConflictError
from spm_desktop.core.imports.framework import Column, ImportContext, ImportKind, Row, register_kind
from spm_desktop.core.imports.refs import resolve_person
from spm_desktop.core.services import cases as cases_svc
from spm_desktop.core.storage.models import Case

COLUMNS = (
    Column("id"), Column("person", required=True), Column("unit", required=True),
    Column("kelompok_spm", required=True), Column("tanggal_masuk", required=True), Column("dirujuk_oleh"),
    Column("dalam_shelter"), Column("kebutuhan"), Column("tanpa_kebutuhan"), Column("tanggal_keluar"),
    Column("alasan_keluar"), Column("kecamatan"), Column("lokasi_ditemukan"), Column("keterangan"),
)
FIELD_COLUMNS = {
    "person_id": "person", "unit": "unit", "spm_group": "kelompok_spm", "intake_date": "tanggal_masuk",
    "referred_by": "dirujuk_oleh", "in_shelter": "dalam_shelter", "needs": "kebutuhan", "exit_date": "tanggal_keluar",
    "removal_reason": "kebutuhan",
    "exit_reason": "alasan_keluar", "kecamatan_code": "kecamatan", "found_location": "lokasi_ditemukan",
    "notes": "keterangan", "case_id": "id",
}


def _referrer(text: str) -> str:
    """'Satpol PP' -> 'satpol_pp' (keys of groups.REFERRED_BY, or their labels)."""
    from spm_desktop.core.domain.groups import REFERRED_BY

    key = "_".join(text.lower().split())
    for k, label in REFERRED_BY.items():
        if key == k or text.strip().lower() == label.lower():
            return k
    return key


def apply(ctx: ImportContext, row: Row) -> str:
    s = ctx.session
    person_id = resolve_person(ctx, row, "person")
    intake = row.date("tanggal_masuk", required=True)
    exit_date = row.date("tanggal_keluar")
    reason = row.text("alasan_keluar")
    if exit_date is not None and not reason:
        row.error("alasan_keluar", "wajib diisi bila tanggal_keluar diisi.")
    if reason and exit_date is None:
        row.error("tanggal_keluar", "wajib diisi bila alasan_keluar diisi.")
    needs = tuple(code.strip() for code in row.text("kebutuhan").split(";") if code.strip())
    no_need = row.bool("tanpa_kebutuhan")
    if no_need and needs:
        row.error("tanpa_kebutuhan", "kebutuhan harus kosong bila tanpa_kebutuhan = ya.")
    kecamatan = ctx.place(row, "kecamatan", "kecamatan")
    in_shelter = row.bool("dalam_shelter")
    group = row.text("kelompok_spm", required=True).lower()
    row.check()
    draft = cases_svc.CaseDraft(
        person_id=person_id or "", unit=row.text("unit", required=True), spm_group=group, intake_date=intake,
        needs=needs, no_need=no_need, removal_reason="diubah lewat impor berkas kasus",
        referred_by=_referrer(row.text("dirujuk_oleh")) if row.text("dirujuk_oleh") else "",
        found_location=row.text("lokasi_ditemukan"), in_shelter=in_shelter, kecamatan_code=kecamatan,
        notes=row.text("keterangan"))
    case_id = ctx.record_id(row, person_id, group, intake)
    existing = ctx.existing(row, Case, case_id, "kasus ini")
    if existing is None:
        c = cases_svc.open_case_in(s, ctx.actor, draft, case_id=case_id, check_open=exit_date is None)
        if exit_date is not None:
            cases_svc.close_case_in(s, ctx.actor, c, exit_date, reason)
        return "created"
    if existing.person_id != person_id:
        raise ConflictError("id kasus ini sudah dipakai untuk orang lain.", "person_id")
    if existing.status == "closed" and exit_date is None:
        raise ConflictError("kasus ini sudah ditutup; berkas tidak boleh membukanya kembali.", "tanggal_keluar")
    c, changed = cases_svc.update_case_in(s, ctx.actor, existing.id, replace(draft, person_id=existing.person_id))
    if exit_date is not None:
        changed = cases_svc.close_case_in(s, ctx.actor, c, exit_date, reason) or changed
    return "updated" if changed else "unchanged"


KIND = register_kind(ImportKind(name="cases", title="kasus", columns=COLUMNS, apply=apply,
                                field_columns=FIELD_COLUMNS))
