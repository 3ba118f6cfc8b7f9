"""``import persons``: id, nik, no_kk, **nama**, alias, **jenis_kelamin** (L/P), tanggal_lahir,
perkiraan_tahun_lahir, tempat_lahir, alamat, kelurahan (code or name), kategori_pmks (code
or name), jenis_disabilitas.

A row updates the person with the same ``id`` (earlier import) or, without ``id``, the
person holding its NIK; otherwise it registers a new person. Columns left out of the file
keep their values on update. The row's ``id`` is stored as the person's ``import_ref``.
Possible duplicates (the search of the registration form, in bulk:
:func:`duplicates.record_candidates_bulk`) do not stop the import: they go on the review list.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.names import normalise_name
from spm_desktop.core.domain.nik import kk_warning, nik_warning
from spm_desktop.core.imports.framework import Column, ImportContext, ImportKind, Row, register_kind
from spm_desktop.core.security.scope import check_region_scope
from spm_desktop.core.services import persons as persons_svc
from spm_desktop.core.services.duplicates import record_candidates_bulk
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
CHUNK = 500
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
        values["kelurahan_code"] = ctx.place(row, "kelurahan", "kelurahan")
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


def _collect_rule_errors(ctx: ImportContext, row: Row, draft: persons_svc.PersonDraft,
                         previous: persons_svc.PersonDraft | None) -> None:
    bad_columns = {e.column for e in row.errors}
    try:
        persons_svc.normalise_draft(ctx.session, draft, previous=previous)
    except ValidationError as exc:
        for e in exc.errors:
            column = FIELD_COLUMNS.get(e.field, e.field)
            if column not in bad_columns:
                row.error(column, e.message)


def prepare(ctx: ImportContext, rows: list[Row]) -> None:
    """Read every person the file may touch (by id or NIK) in a few queries."""
    s = ctx.session
    ids = [i for i in (ctx.file_id(r) for r in rows) if i]
    niks = [r.text("nik") for r in rows if r.text("nik")]
    people: dict[str, Person] = {}
    for chunk in range(0, len(ids), CHUNK):
        people.update((p.id, p) for p in s.scalars(select(Person).where(Person.id.in_(ids[chunk:chunk + CHUNK]))))
    by_nik: dict[str, Person] = {}
    for chunk in range(0, len(niks), CHUNK):
        by_nik.update((p.nik, p) for p in s.scalars(select(Person).where(Person.nik.in_(niks[chunk:chunk + CHUNK]))))
    ctx.cache["people"] = people
    ctx.cache["by_nik"] = by_nik  # NIK -> person, kept up to date as rows claim NIKs
    ctx.cache["nik_line"] = {}  # NIK -> line of this file that uses it
    ctx.touched["persons"] = []


def _existing(ctx: ImportContext, row: Row, target_id: str | None) -> Person | None:
    people: dict[str, Person] = ctx.cache["people"]
    existing = people.get(target_id) if target_id else None
    nik = row.text("nik")
    if existing is None and target_id is None and nik:
        existing = ctx.cache["by_nik"].get(nik)
    if existing is not None and existing.deleted_at is not None:
        row.error("id" if target_id else "nik", "data penerima layanan ini sudah dihapus; tidak bisa diimpor ulang.")
        row.check()
    if existing is not None and existing.merged_into:
        survivor = ctx.session.get(Person, existing.merged_into)
        if survivor is not None and survivor.deleted_at is None:
            existing = survivor
    return existing


def _claim_nik(ctx: ImportContext, row: Row, nik: str | None, own_id: str) -> None:
    """Refuse a NIK another person holds, in the database or on another line of the file."""
    if not nik:
        return
    line = ctx.cache["nik_line"].get(nik)
    holder = ctx.cache["by_nik"].get(nik)
    if holder is not None and holder.id != own_id:
        if line is not None:
            raise ValidationError(f"NIK {nik} sudah dipakai di baris {line} berkas ini.", "nik")
        raise persons_svc.nik_taken(nik, holder.id, holder.name, merged=bool(holder.merged_into),
                                    deleted=holder.deleted_at is not None)


def apply(ctx: ImportContext, row: Row) -> str:
    s = ctx.session
    target_id = ctx.file_id(row)
    existing = _existing(ctx, row, target_id)
    previous = persons_svc.draft_of(existing) if existing is not None else None
    draft = _draft(ctx, row, previous)
    if row.errors:  # list the rule problems of the other cells too
        _collect_rule_errors(ctx, row, draft, previous)
    row.check()
    clean = persons_svc.normalise_draft(s, draft, previous=previous)
    check_region_scope(ctx.actor, clean.kelurahan_code, "mendaftarkan penerima layanan")
    if existing is None and target_id is None:
        target_id = ctx.record_id(row, normalise_name(clean.name), clean.sex, clean.birth_date, clean.birth_year,
                               clean.kelurahan_code, clean.nik)
        existing = ctx.cache["people"].get(target_id) or s.get(Person, target_id)
    own_id = existing.id if existing is not None else target_id
    _claim_nik(ctx, row, clean.nik, own_id)
    if clean.nik and (previous is None or previous.nik != clean.nik) and nik_warning(clean.nik):
        ctx.warn(row, "nik", nik_warning(clean.nik))
    if clean.no_kk and (previous is None or previous.no_kk != clean.no_kk) and kk_warning(clean.no_kk):
        ctx.warn(row, "no_kk", kk_warning(clean.no_kk))
    ref = row.text("id") or None  # the person's id in the file (the record id is a one-way uuid5 of it)
    if existing is not None:
        old_nik = existing.nik
        changed = persons_svc.update_person_values(s, existing, clean)
        if ref and existing.import_ref != ref:
            existing.import_ref = ref
            changed = True
        outcome = "updated" if changed else "unchanged"
        person = existing
        if old_nik and old_nik != clean.nik:
            ctx.cache["by_nik"].pop(old_nik, None)
    else:
        person = persons_svc.insert_person(s, clean, target_id)
        person.import_ref = ref
        ctx.cache["people"][person.id] = person
        ctx.touched["persons"].append(person.id)
        outcome = "created"
    if clean.nik:
        ctx.cache["by_nik"][clean.nik] = person
        ctx.cache["nik_line"][clean.nik] = row.line
    return outcome


def finish(ctx: ImportContext) -> None:
    """New persons similar to others go on the duplicate review list (they never block)."""
    ctx.session.flush()
    record_candidates_bulk(ctx.session, ctx.touched.get("persons", []))


KIND = register_kind(ImportKind(name="persons", title="penerima layanan", columns=COLUMNS, apply=apply,
                                field_columns=FIELD_COLUMNS, prepare=prepare, finish=finish, row_savepoints=False))
