"""File import (architecture §9): ``spm-desktop import KIND FILE [--dry-run]``.

File contract (every kind)
--------------------------
- ``.csv`` (UTF-8, header row; ``,`` ``;`` or tab separated) or ``.xlsx`` (first sheet),
  same columns. Header names are case-insensitive; spaces become ``_``.
- Dates ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (or real date cells in Excel).
- Optional ``id`` column: the row's external reference. The record id is derived from it
  (:func:`external_id`, a uuid5), so importing the row again — in this or another
  database — updates the same record instead of adding a second one, and other files can
  refer to it. Rows without ``id`` get an id derived from their natural key
  (:func:`derived_id`), so re-importing the same file changes nothing either.
- All or nothing: one transaction for the file, every error of every row listed as
  ``baris N, kolom X: pesan`` (:class:`ImportRefused`); ``dry_run`` validates, reports and
  writes nothing.

Kinds here: ``persons``, ``cases``, ``needs``, ``events``, ``relawan``, ``activities``, ``disasters``,
``households``, ``targets`` (modules of this package).

How to add a kind
-----------------
1. Write ``spm_desktop/core/imports/<kind>.py`` defining
   ``def apply(ctx: ImportContext, row: Row) -> str`` that reads cells with ``row.text``/
   ``row.date``/``row.int``/``row.bool`` (these record cell errors), calls ``row.check()``
   before writing, then writes through your service's *session-level* functions on
   ``ctx.session`` (never open another transaction) and returns ``"created"``,
   ``"updated"`` or ``"unchanged"`` (compare before writing, so a re-import writes
   nothing). The record id is ``ctx.record_id(row, *natural_key)`` (from the ``id`` cell when
   given, :func:`external_id`; else :func:`derived_id` of the natural key) and the record it
   updates ``ctx.existing(row, Model, record_id, "kasus ini")`` (None when new; a deleted one
   refuses the row); refer to other kinds' rows with
   :func:`spm_desktop.core.imports.refs.resolve_person` etc. or ``external_id(other_kind, value)``.
   Raise ``ValidationError``/``DomainError`` for rule violations: their ``field`` is mapped
   to a column by ``field_columns``.
2. At the bottom: ``register_kind(ImportKind(name="<kind>", title="<Indonesian>",
   columns=(Column("id"), Column("nama", required=True), ...), apply=apply,
   field_columns={"service_field": "kolom"}))``.
3. Add the module name to ``KIND_MODULES`` in :mod:`~spm_desktop.core.imports.framework`. The
   CLI's ``import`` command offers every registered kind; tests go in ``tests/core/test_import_<kind>.py``.
"""

from __future__ import annotations

from spm_desktop.core.imports.framework import (
    KIND_MODULES,
    Column,
    ImportContext,
    ImportKind,
    ImportRefused,
    ImportResult,
    Row,
    derived_id,
    external_id,
    get_kind,
    load_kinds,
    read_table,
    register_kind,
    registered_kinds,
    run_import,
)

__all__ = [
    "Column", "ImportContext", "ImportKind", "ImportRefused", "ImportResult", "Row", "KIND_MODULES",
    "derived_id", "external_id", "get_kind", "load_kinds", "read_table", "register_kind", "registered_kinds",
    "run_import",
]
