"""``import households``: **disaster** (id from a disasters file, or record id), **no_kk**,
**person** (id from a persons file, NIK, or record id of a person already registered),
**hubungan** (kepala, istri, suami, anak, lainnya), hamil_menyusui (ya/tidak), disabilitas
(ya/tidak), mengungsi (ya/tidak; the same for every row of a family), butuh_psikososial
(ya/tidak), dikecualikan (service codes of default needs waived for the member, separated by
``;``), alasan_dikecualikan (required with dikecualikan) — one row per member (architecture §9).

Rows with the same disaster and No. KK form one household; every household in the file must
end up with exactly one kepala. A person belongs to one household per disaster. Importing the
same file again changes nothing; a changed row updates the member.
"""

from __future__ import annotations

from spm_desktop.core.domain.groups import HOUSEHOLD_RELATIONS
from spm_desktop.core.domain.nik import kk_problem
from spm_desktop.core.domain.vulnerable import VICTIM_NEED_CODES, split_codes
from spm_desktop.core.imports.framework import (
    CellError,
    Column,
    ImportContext,
    ImportKind,
    ImportRefused,
    Row,
    derived_id,
    register_kind,
)
from spm_desktop.core.imports.refs import resolve_disaster, resolve_person
from spm_desktop.core.services.household_changes import households_without_head, put_member_in

COLUMNS = (
    Column("disaster", required=True), Column("no_kk", required=True), Column("person", required=True),
    Column("hubungan", required=True), Column("hamil_menyusui"), Column("disabilitas"), Column("mengungsi"),
    Column("butuh_psikososial"), Column("dikecualikan"), Column("alasan_dikecualikan"),
)
FIELD_COLUMNS = {
    "disaster_id": "disaster", "no_kk": "no_kk", "person_id": "person", "person": "person", "relation": "hubungan",
    "pregnant_breastfeeding": "hamil_menyusui", "disability": "disabilitas", "displaced": "mengungsi",
    "needs_psychosocial": "butuh_psikososial", "waived": "dikecualikan", "waiver_reason": "alasan_dikecualikan",
}


def apply(ctx: ImportContext, row: Row) -> str:
    disaster_text = row.text("disaster", required=True)
    disaster_id = resolve_disaster(ctx, row, "disaster") if disaster_text else None
    no_kk = row.text("no_kk", required=True)
    if no_kk and kk_problem(no_kk):
        row.error("no_kk", kk_problem(no_kk))
    person_id = resolve_person(ctx, row, "person")
    relation = row.text("hubungan", required=True).lower()
    if relation and relation not in HOUSEHOLD_RELATIONS:
        row.error("hubungan", f"'{relation}' bukan hubungan keluarga; pilih: {', '.join(HOUSEHOLD_RELATIONS)}.")
    pregnant = row.bool("hamil_menyusui")
    disability = row.bool("disabilitas")
    displaced = row.bool("mengungsi")
    psychosocial = row.bool("butuh_psikososial")
    waived = split_codes(row.text("dikecualikan"))
    unknown = [c for c in waived if c not in VICTIM_NEED_CODES]
    if unknown:
        row.error("dikecualikan", f"kode {', '.join(unknown)} bukan kebutuhan korban bencana; pilih dari: "
                                  f"{', '.join(VICTIM_NEED_CODES)}.")
    reason = row.text("alasan_dikecualikan")
    if waived and not reason:
        row.error("alasan_dikecualikan", "wajib diisi bila ada kebutuhan yang dikecualikan.")
    if reason and not waived:
        row.error("alasan_dikecualikan", "diisi, tetapi kolom dikecualikan kosong.")
    family = ctx.cache.setdefault("household_displaced", {})
    key = (disaster_id, no_kk)
    if disaster_id and no_kk:
        first = family.setdefault(key, (row.line, displaced))
        if first[1] != displaced:
            row.error("mengungsi", f"harus sama untuk semua anggota KK {no_kk} (baris {first[0]}: "
                                   f"{'ya' if first[1] else 'tidak'}).")
    row.check()
    household, outcome = put_member_in(
        ctx.session, ctx.actor, disaster_id, no_kk, person_id, relation, pregnant, disability,
        household_id=derived_id("households", disaster_id, no_kk),
        member_id=derived_id("household_members", disaster_id, person_id), displaced=displaced,
        needs_psychosocial=psychosocial, waived=waived, waiver_reason=reason)
    ctx.touched.setdefault("households", [])
    if household.id not in ctx.touched["households"]:
        ctx.touched["households"].append(household.id)
        ctx.cache.setdefault("household_line", {})[household.id] = (row.line, no_kk)
    return outcome


def finish(ctx: ImportContext) -> None:
    """Every household of the file has its kepala keluarga."""
    lines = ctx.cache.get("household_line", {})
    missing = households_without_head(ctx.session, ctx.touched.get("households", []))
    if missing:
        raise ImportRefused([CellError(lines[h.id][0], "hubungan", f"KK {lines[h.id][1]} tidak punya baris dengan "
                                                                  "hubungan 'kepala'.") for h in missing])


KIND = register_kind(ImportKind(name="households", title="keluarga terdampak bencana", columns=COLUMNS, apply=apply,
                                field_columns=FIELD_COLUMNS, finish=finish))
