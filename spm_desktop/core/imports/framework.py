"""The generic file importer: read a table, run every row through a kind, all or nothing.

See :mod:`spm_desktop.core.imports` for the file contract and how to add a kind.
"""

from __future__ import annotations

import csv
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import DomainError, ValidationError
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Region

log = logging.getLogger(__name__)

# Namespace of the ids derived from a file's ``id`` column: importing the same row again
# (here or in another office's database) gives the same record id.
IMPORT_NAMESPACE = uuid.UUID("2f6c0f7e-3c59-4f0e-a7f1-5d1c93b0e8a4")
HEADER_LINE = 1
MAX_ERRORS_SHOWN = 200

OUTCOMES = ("created", "updated", "unchanged")
TRUE_WORDS = {"ya", "y", "true", "1", "benar", "yes"}
FALSE_WORDS = {"tidak", "t", "false", "0", "salah", "no", "tdk", ""}


# ----- file contract --------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False  # the column must be in the header and every row must fill it


@dataclass(frozen=True)
class ImportKind:
    """One importable file kind.

    ``apply(ctx, row)`` validates one row and writes it through the session-level service
    functions, returning ``"created"``, ``"updated"`` or ``"unchanged"``. It reports cell
    problems with ``row.error(column, message)`` + ``row.check()``; a ``DomainError`` it
    lets escape is reported on the column that ``field_columns`` maps its ``field`` to.
    ``extra_columns(session)`` may allow more header names (e.g. detail fields).
    ``prepare(ctx, rows)`` runs once before the rows (e.g. to read every referenced record
    in one query). ``finish(ctx)`` runs once after every row succeeded, in the same
    transaction. Each row runs in a SAVEPOINT, so a row that fails half-way leaves nothing;
    a kind whose ``apply`` validates everything before adding anything (and never flushes)
    may set ``row_savepoints=False`` to let the whole file go out in one flush.
    """

    name: str
    title: str  # Indonesian, e.g. "penerima layanan"
    columns: tuple[Column, ...]
    apply: Callable[[ImportContext, Row], str]
    field_columns: dict[str, str] = field(default_factory=dict)
    permission: str = "import.run"
    extra_columns: Callable[[Session], set[str]] | None = None
    prepare: Callable[[ImportContext, list[Row]], None] | None = None
    finish: Callable[[ImportContext], None] | None = None
    row_savepoints: bool = True

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column_for(self, field_name: str) -> str:
        if field_name in self.column_names:
            return field_name
        return self.field_columns.get(field_name, field_name or "-")


_KINDS: dict[str, ImportKind] = {}


def register_kind(kind: ImportKind) -> ImportKind:
    """Make ``kind`` available to :func:`run_import` and the CLI (``import <name>``)."""
    _KINDS[kind.name] = kind
    return kind


def registered_kinds() -> dict[str, ImportKind]:
    return dict(_KINDS)


def get_kind(name: str) -> ImportKind:
    from spm_desktop.core.imports import load_kinds

    load_kinds()
    if name not in _KINDS:
        raise ValidationError(f"Jenis impor '{name}' tidak dikenal; pilih salah satu: {', '.join(sorted(_KINDS))}.",
                              "kind")
    return _KINDS[name]


def external_id(kind: str, value: str) -> str:
    """The record id derived from a file's ``id`` value for ``kind`` (deterministic)."""
    return str(uuid.uuid5(IMPORT_NAMESPACE, f"{kind}:{value.strip()}"))


def derived_id(kind: str, *parts: Any) -> str:
    """A record id derived from a row's natural key, for rows without an ``id``."""
    return str(uuid.uuid5(IMPORT_NAMESPACE, f"{kind}:auto:" + "|".join("" if p is None else str(p) for p in parts)))


# ----- rows -----------------------------------------------------------------------------


def header_key(text: Any) -> str:
    return "_".join(str(text or "").strip().lower().split())


@dataclass
class CellError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"baris {self.line}, kolom {self.column}: {self.message}"


class RowRefused(Exception):
    """Raised by :meth:`Row.check` when the row has cell errors."""


@dataclass
class Row:
    line: int  # spreadsheet line number (the header is line 1)
    values: dict[str, str]
    errors: list[CellError] = field(default_factory=list)

    def has(self, column: str) -> bool:
        """The column is in the file (its cell may still be empty)."""
        return column in self.values

    def text(self, column: str, required: bool = False) -> str:
        value = (self.values.get(column) or "").strip()
        if required and not value:
            self.error(column, "wajib diisi.")
        return value

    def error(self, column: str, message: str) -> None:
        self.errors.append(CellError(self.line, column, message))

    def check(self) -> None:
        if self.errors:
            raise RowRefused()

    def date(self, column: str, required: bool = False) -> date | None:
        text = self.text(column, required)
        if not text:
            return None
        parsed = parse_date(text)
        if parsed is None:
            self.error(column, f"'{text}' bukan tanggal; tulis YYYY-MM-DD atau DD/MM/YYYY.")
        return parsed

    def int(self, column: str, default: int | None = None, required: bool = False) -> int | None:
        text = self.text(column, required)
        if not text:
            return default
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is None or not number.is_integer():
            self.error(column, f"'{text}' bukan bilangan bulat.")
            return None
        return int(number)

    def bool(self, column: str) -> bool:
        text = self.text(column).lower()
        if text in TRUE_WORDS:
            return True
        if text not in FALSE_WORDS:
            self.error(column, f"'{text}' harus 'ya' atau 'tidak'.")
        return False


def parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(path: str | Path) -> tuple[list[str], list[Row]]:
    """Header keys and data rows of a ``.csv`` (UTF-8) or ``.xlsx`` (first sheet) file.

    Completely empty rows are skipped (their line numbers are still counted).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ValidationError(f"Berkas {path} tidak ditemukan.", "file")
    if suffix == ".csv":
        raw = _read_csv(path)
    elif suffix == ".xlsx":
        raw = _read_xlsx(path)
    else:
        raise ValidationError("Berkas impor harus .csv (UTF-8) atau .xlsx.", "file")
    if not raw:
        raise ValidationError("Berkas kosong: baris pertama harus berisi nama kolom.", "file")
    headers = [header_key(h) for h in raw[0]]
    rows: list[Row] = []
    for offset, cells in enumerate(raw[1:], start=HEADER_LINE + 1):
        texts = [_cell_text(c) for c in cells]
        if not any(texts):
            continue
        values = {h: (texts[i] if i < len(texts) else "") for i, h in enumerate(headers) if h}
        rows.append(Row(offset, values))
    return headers, rows


def _read_csv(path: Path) -> list[list[Any]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            sample = fh.read(4096)
            fh.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            return [row for row in csv.reader(fh, dialect)]
    except UnicodeDecodeError as exc:
        raise ValidationError("Berkas CSV harus disimpan dengan pengodean UTF-8.", "file") from exc
    except csv.Error as exc:  # e.g. a field longer than the csv module allows
        raise ValidationError(f"Berkas {path.name} bukan berkas CSV yang bisa dibaca ({exc}).", "file") from exc


def _read_xlsx(path: Path) -> list[list[Any]]:
    from spm_desktop.core.imports.xlsx import read_first_sheet

    try:
        return read_first_sheet(path)
    except Exception:  # noqa: BLE001 - damaged files raise zlib/zip/XML/EOF errors alike
        # openpyxl reads what the fast reader does not handle, or refuses the file.
        return _read_xlsx_openpyxl(path)


def _read_xlsx_openpyxl(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    unreadable = f"Berkas {path.name} bukan berkas Excel (.xlsx) yang bisa dibaca."
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise ValidationError(unreadable, "file") from exc
    try:
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    except Exception as exc:  # read-only mode parses the sheet lazily: damage shows up here
        raise ValidationError(unreadable, "file") from exc
    finally:
        wb.close()


# ----- running --------------------------------------------------------------------------


@dataclass
class ImportContext:
    """What a kind's ``apply`` gets: the open session, the actor and a per-run cache."""

    session: Session
    actor: Actor
    kind: ImportKind
    headers: list[str]
    dry_run: bool
    cache: dict[str, Any] = field(default_factory=dict)
    touched: dict[str, list[str]] = field(default_factory=dict)  # free use by kinds (e.g. new ids)

    def region_code(self, text: str, level: str) -> str | None:
        """A region code from a code or a name (case-insensitive); None when unknown."""
        key = f"regions:{level}"
        if key not in self.cache:
            table: dict[str, str] = {}
            for code, name in self.session.execute(select(Region.code, Region.name).where(
                    Region.level == level, Region.deleted_at.is_(None))):
                table[code.lower()] = code
                table[" ".join(name.lower().split())] = code
            self.cache[key] = table
        return self.cache[key].get(" ".join(text.lower().split()))


@dataclass(frozen=True)
class ImportResult:
    kind: str
    file: str
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool

    def summary(self) -> str:
        verb = "akan" if self.dry_run else "telah"
        head = "Uji coba (tidak ada yang disimpan): " if self.dry_run else ""
        return (f"{head}{self.rows} baris dibaca; {self.created} data {verb} ditambahkan, {self.updated} "
                f"{verb} diperbarui, {self.unchanged} tidak berubah.")


class ImportRefused(ValidationError):
    """The file was refused; ``lines`` lists every error as ``baris N, kolom X: pesan``."""

    def __init__(self, errors: list[CellError]) -> None:
        self.lines = [str(e) for e in errors]
        shown = self.lines[:MAX_ERRORS_SHOWN]
        more = len(self.lines) - len(shown)
        text = f"berkas ditolak, tidak ada yang disimpan ({len(self.lines)} kesalahan):\n" + "\n".join(shown)
        if more:
            text += f"\n… dan {more} kesalahan lainnya."
        from spm_desktop.core.domain.errors import FieldError

        super().__init__([FieldError(f"baris {e.line}, kolom {e.column}", e.message) for e in errors])
        self.message = text
        self.args = (text,)


class _DryRunDone(Exception):
    pass


def _check_header(kind: ImportKind, headers: list[str], extra: set[str]) -> list[CellError]:
    errors: list[CellError] = []
    allowed = set(kind.column_names) | extra
    seen: set[str] = set()
    for h in headers:
        if not h:
            continue
        if h in seen:
            errors.append(CellError(HEADER_LINE, h, "kolom ini muncul dua kali."))
        seen.add(h)
        if h not in allowed:
            errors.append(CellError(HEADER_LINE, h, f"kolom tidak dikenal untuk impor {kind.title}; kolom yang "
                                                    f"boleh: {', '.join(kind.column_names)}."))
    for c in kind.columns:
        if c.required and c.name not in seen:
            errors.append(CellError(HEADER_LINE, c.name, "kolom wajib ini tidak ada di baris judul."))
    return errors


def run_import(db: Database, actor: Actor, kind_name: str, path: str | Path, *, dry_run: bool = False,
               progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Import a whole file of ``kind_name`` in ONE transaction: every row or none.

    Rows are processed in file order (a later row may refer to an earlier one). Every
    problem of every row is collected; when there is any, nothing is written and
    :class:`ImportRefused` lists them all. ``dry_run`` validates everything the same way and
    then rolls back. ``progress(done, total)`` is called after each row (plain callback).
    """
    kind = get_kind(kind_name)
    require(actor, kind.permission)
    headers, rows = read_table(path)
    if not dry_run and rows:
        from spm_desktop.core.storage.backup import backup_before

        backup_before(db, "before-import")  # a copy of the database file before every import
    counts = dict.fromkeys(OUTCOMES, 0)
    errors: list[CellError] = []
    try:
        with db.transaction(actor) as s:
            extra = kind.extra_columns(s) if kind.extra_columns else set()
            errors.extend(_check_header(kind, headers, extra))
            if errors:
                raise ImportRefused(errors)
            if not rows:
                raise ValidationError("Berkas tidak berisi baris data.", "file")
            ctx = ImportContext(s, actor, kind, headers, dry_run)
            if kind.prepare is not None:
                kind.prepare(ctx, rows)
            ids_seen: dict[str, int] = {}
            for done, row in enumerate(rows, start=1):
                ref = row.text("id") if "id" in headers else ""
                if ref:
                    if ref in ids_seen:
                        errors.append(CellError(row.line, "id", f"id '{ref}' sudah dipakai di baris {ids_seen[ref]}."))
                        continue
                    ids_seen[ref] = row.line
                _run_row(ctx, row, counts, errors)
                if progress is not None:
                    progress(done, len(rows))
            if not errors and kind.finish is not None:
                kind.finish(ctx)
            if errors:
                raise ImportRefused(errors)
            s.flush()  # a rule the kinds did not foresee shows up here, not as a crash at commit
            if dry_run:
                raise _DryRunDone()
            audit.record(s, "import", kind.name, "", after={"file": Path(path).name, "rows": len(rows), **counts})
    except _DryRunDone:
        pass
    except IntegrityError as exc:
        log.warning("import %s %s refused by the database: %s", kind.name, path, exc)
        clash = CellError(HEADER_LINE, "-", "data berkas bertabrakan dengan data yang sudah ada (mis. NIK atau id "
                                            "ganda); tidak ada yang disimpan.")
        raise ImportRefused([clash]) from exc
    return ImportResult(kind=kind.name, file=str(path), rows=len(rows), dry_run=dry_run, **counts)


def _run_row(ctx: ImportContext, row: Row, counts: dict[str, int], errors: list[CellError]) -> None:
    kind = ctx.kind
    try:
        if kind.row_savepoints:
            with ctx.session.begin_nested():
                outcome = kind.apply(ctx, row)
                row.check()
        else:
            outcome = kind.apply(ctx, row)
            row.check()
        counts[outcome] += 1
    except RowRefused:
        errors.extend(row.errors)
    except ValidationError as exc:
        errors.extend(row.errors)
        errors.extend(CellError(row.line, kind.column_for(e.field), e.message) for e in exc.errors)
    except DomainError as exc:
        errors.extend(row.errors)
        errors.append(CellError(row.line, kind.column_for(exc.field), exc.message))
