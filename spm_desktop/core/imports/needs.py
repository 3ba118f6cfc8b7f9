"""``import needs``: id, **case** (an id from a cases file, or a case's record id),
**kode_layanan**, **tanggal_asesmen** — a need found by an assessment on that date: the
intake's assessment or a re-assessment (architecture §4 v2). A need is never dated before
the case's intake, after its exit or in the future. Re-importing the same row changes
nothing; without ``id`` a need is identified by (case, kode_layanan, tanggal_asesmen).
"""

from __future__ import annotations

from spm_desktop.core.domain.errors import ConflictError
from spm_desktop.core.imports.framework import Column, ImportContext, ImportKind, Row, register_kind
from spm_desktop.core.imports.refs import resolve_case
from spm_desktop.core.services import cases as cases_svc
from spm_desktop.core.storage.models import CaseNeed

COLUMNS = (Column("id"), Column("case", required=True), Column("kode_layanan", required=True),
           Column("tanggal_asesmen", required=True))
FIELD_COLUMNS = {"case_id": "case", "needs": "kode_layanan", "assessed_on": "tanggal_asesmen",
                 "need_id": "id"}


def apply(ctx: ImportContext, row: Row) -> str:
    s = ctx.session
    case_id = resolve_case(ctx, row, "case")
    code = row.text("kode_layanan", required=True)
    assessed = row.date("tanggal_asesmen", required=True)
    row.check()
    need_id = ctx.record_id(row, case_id, code, assessed)
    existing = ctx.existing(row, CaseNeed, need_id, "kebutuhan ini")
    if existing is not None:
        if (existing.case_id, existing.service_code, existing.assessed_on) != (case_id, code, assessed):
            raise ConflictError("id kebutuhan ini sudah dipakai untuk kasus, kode atau tanggal lain.", "need_id")
        return "unchanged"
    c = cases_svc.load_case(s, case_id)
    cases_svc.reassess_in(s, ctx.actor, c, [code], assessed, need_ids=[need_id])
    return "created"


KIND = register_kind(ImportKind(name="needs", title="kebutuhan (asesmen)", columns=COLUMNS, apply=apply,
                                field_columns=FIELD_COLUMNS))
