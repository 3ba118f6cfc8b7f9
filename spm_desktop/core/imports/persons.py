"""``import persons``: id, nik, no_kk, **nama**, alias, **jenis_kelamin** (L/P), tanggal_lahir,
perkiraan_tahun_lahir, tempat_lahir, alamat, kelurahan (code or name), kategori_pmks (code
or name), jenis_disabilitas.

A row updates the person with the same ``id`` (earlier import) or, without ``id``, the
person holding its NIK; otherwise it registers a new person. Columns left out of the file
keep their values on update. Possible duplicates (similar name, same sex, birth year ±2,
same kecamatan) do not stop the import: they go on the duplicate review list.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.names import normalise_name
from spm_desktop.core.imports.framework import (
    Column,
    ImportContext,
    ImportKind,
    Row,
    derived_id,
    external_id,
    register_kind,
)
from spm_desktop.core.services import persons as persons_svc
from spm_desktop.core.storage.models import Person, PmksCategory

COLUMNS = (
    Column("id"), Column("nik"), Column("no_kk"), Column("nama", required=True), Column("alias"),
    Column("jenis_kelamin", required=True), Column("tanggal_lahir"), Column("perkiraan_tahun_lahir"),
    Column("tempat_lahir"), Column("alamat"), Column("kelurahan"), Column("kategori_pmks"),
    Column("jenis_disabilitas"),
)
# draft field -> column
FIELD_COLUMNS = {
    "name": "nama", "alias": "alias", "sex": "jenis_kelamin", "nik": "nik", "no_kk": "no_kk",
    "birth_date": "tanggal_lahir", "birth_year": "perkiraan_tahun_lahir", "birth_place": "tempat_lahir",
    "address": "alamat", "kelurahan_code": "kelurahan", "category_code": "kategori_pmks",
    "disability_type": "jenis_disabilitas", "person_id": "id",
}
SEX_WORDS = {"l": "L", "laki-laki": "L", "laki laki": "L", "lk": "L", "p": "P", "perempuan": "P", "pr": "P"}


def _category(ctx: ImportContext, text: str) -> str | None:
    if "categories" not in ctx.cache:
        table = {}
        for code, name in ctx.session.execute(select(PmksCategory.code, PmksCategory.name)):
            table[code.lower()] = code
            table[" ".join(name.lower().split())] = code
        ctx.cache["categories"] = table
    return ctx.cache["categories"].get(" ".join(text.lower().split()))


def _draft(ctx: ImportContext, row: Row, base: persons_svc.PersonDraft | None) -> persons_svc.PersonDraft:
    values: dict = {}
    values["name"] = row.text("nama", required=True)
    sex_text = row.text("jenis_kelamin", required=True)
    if sex_text:
        values["sex"] = SEX_WORDS.get(sex_text.lower(), sex_text.upper())
    if row.has("nik"):
        values["nik"] = row.text("nik") or None
    if row.has("no_kk"):
        values["no_kk"] = row.text("no_kk") or None
    if row.has("alias"):
        values["alias"] = row.text("alias")
    if row.has("tanggal_lahir"):
        values["birth_date"] = row.date("tanggal_lahir")
    if row.has("perkiraan_tahun_lahir"):
        values["birth_year"] = row.int("perkiraan_tahun_lahir")
    for column, name in (("tempat_lahir", "birth_place"), ("alamat", "address"),
                         ("jenis_disabilitas", "disability_type")):
        if row.has(column):
            values[name] = row.text(column)
    if row.has("kelurahan"):
        text = row.text("kelurahan")
        code = ctx.region_code(text, "kelurahan") if text else None
        if text and code is None:
            row.error("kelurahan", f"kelurahan '{text}' tidak dikenal (isi kode atau nama kelurahan).")
        values["kelurahan_code"] = code
    if row.has("kategori_pmks"):
        text = row.text("kategori_pmks")
        code = _category(ctx, text) if text else None
        if text and code is None:
            row.error("kategori_pmks", f"kategori PMKS '{text}' tidak dikenal.")
        values["category_code"] = code
    if base is None:
        return persons_svc.PersonDraft(**{"sex": "", **values})
    if "birth_date" in values or "birth_year" in values:
        base = replace(base, birth_date=None, birth_year=None)
    return replace(base, **values)


def _collect_rule_errors(ctx: ImportContext, row: Row, draft: persons_svc.PersonDraft) -> None:
    bad_columns = {e.column for e in row.errors}
    try:
        persons_svc.normalise_draft(ctx.session, draft)
    except ValidationError as exc:
        for e in exc.errors:
            column = FIELD_COLUMNS.get(e.field, e.field)
            if column not in bad_columns:
                row.error(column, e.message)


def apply(ctx: ImportContext, row: Row) -> str:
    s = ctx.session
    ref = row.text("id")
    target_id: str | None = external_id("persons", ref) if ref else None
    existing: Person | None = s.get(Person, target_id) if target_id else None
    nik = row.text("nik")
    if existing is None and not ref and nik:
        existing = s.scalars(select(Person).where(Person.nik == nik)).first()
    if existing is not None and existing.deleted_at is not None:
        row.error("id" if ref else "nik", "data penerima layanan ini sudah dihapus; tidak bisa diimpor ulang.")
        row.check()
    if existing is not None and existing.merged_into:
        target = s.get(Person, existing.merged_into)
        existing = target if target is not None and target.deleted_at is None else existing
    base = persons_svc._info(s, existing).to_draft() if existing is not None else None
    draft = _draft(ctx, row, base)
    if row.errors:  # list the rule problems of the other cells too
        _collect_rule_errors(ctx, row, draft)
    row.check()
    if existing is not None:
        _, changed = persons_svc.update_in(s, ctx.actor, existing.id, draft)
        return "updated" if changed else "unchanged"
    if target_id is None:
        target_id = derived_id("persons", normalise_name(draft.name), draft.sex, draft.birth_date, draft.birth_year,
                               draft.kelurahan_code, draft.nik)
        found = s.get(Person, target_id)
        if found is not None:
            _, changed = persons_svc.update_in(s, ctx.actor, found.id, draft)
            return "updated" if changed else "unchanged"
    persons_svc.register_in(s, ctx.actor, draft, person_id=target_id, confirm_duplicates_ok=True)
    return "created"


KIND = register_kind(ImportKind(name="persons", title="penerima layanan", columns=COLUMNS, apply=apply,
                                field_columns=FIELD_COLUMNS, permission="import.run"))
