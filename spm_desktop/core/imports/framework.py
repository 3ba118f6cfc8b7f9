"""The generic file importer: read a table, run every row through a kind, all or nothing.

See :mod:`spm_desktop.core.imports` for the file contract and how to add a kind.
"""

from __future__ import annotations

import csv
import importlib
import io
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import DomainError, ValidationError
from spm_desktop.core.domain.names import strip_accents
from spm_desktop.core.domain.nik import clean_identity
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Region
from spm_desktop.core.wilayah import normalise_code

log = logging.getLogger(__name__)

# Namespace of the ids derived from a file's ``id`` column: importing the same row again
# (here or in another office's database) gives the same record id.
IMPORT_NAMESPACE = uuid.UUID("2f6c0f7e-3c59-4f0e-a7f1-5d1c93b0e8a4")
HEADER_LINE = 1
MAX_ERRORS_SHOWN = 200

OUTCOMES = ("created", "updated", "unchanged")
VILLAGE_LEVELS = ("kelurahan", "desa")
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


# Modules of this package that register a kind (order = order shown in the CLI help). They are
# imported by name when first needed (:func:`load_kinds`): a kind module imports this framework,
# never the other way round.
KIND_MODULES: list[str] = ["persons", "cases", "needs", "events", "relawan", "activities", "disasters", "households",
                          "targets", "layanan"]

_loaded = False


def load_kinds() -> dict[str, ImportKind]:
    """Import every kind module once; returns the registered kinds."""
    global _loaded
    if not _loaded:
        for module in KIND_MODULES:
            importlib.import_module(f"spm_desktop.core.imports.{module}")
        _loaded = True
    return registered_kinds()


def get_kind(name: str) -> ImportKind:
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


# Columns holding identity numbers: a numeric spreadsheet cell has already lost digits there
# (Excel keeps 15 significant digits; a NIK has 16), so such a cell is refused, never converted.
IDENTITY_COLUMNS = frozenset({"nik", "no_kk", "nik_pelapor"})
# Columns that name a person by id or NIK: a numeric cell of NIK length is refused the same way.
PERSON_REF_COLUMNS = frozenset({"person"})
NIK_LIKE_DIGITS = 15
# Phone columns: Excel drops the leading 0 of a number typed into a numeric cell.
PHONE_COLUMNS = frozenset({"telepon", "no_hp", "phone"})
NUMERIC_IDENTITY = ("{label} tersimpan sebagai angka, sehingga digit terakhirnya bisa sudah berubah; "
                    "format kolom sebagai Teks lalu ketik ulang")
CSV_DELIMITERS = (";", ",", "\t")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    return str(value).strip()


def _number_problem(column: str, value: Any) -> str | None:
    """Why a numeric cell cannot be taken in ``column`` (None: it can)."""
    if column in IDENTITY_COLUMNS:
        label = "NIK" if column.startswith("nik") else "No. KK"
        return NUMERIC_IDENTITY.format(label=label) + "."
    if column in PERSON_REF_COLUMNS and len(_cell_text(value).lstrip("-")) >= NIK_LIKE_DIGITS:
        return NUMERIC_IDENTITY.format(label="NIK") + "."
    return None


def _row_from_cells(line: int, headers: list[str], cells: list[Any]) -> Row:
    """One data row; a numeric identity cell or a filled cell beyond the header is an error of
    the row (reported like any cell error; the row is not applied)."""
    row = Row(line, {})
    for index, value in enumerate(cells):
        header = headers[index] if index < len(headers) else ""
        if index >= len(headers):
            text = _cell_text(value)
            if text:
                row.error(f"ke-{index + 1}", f"sel di luar kolom baris judul berisi '{text[:40]}'; tambahkan nama "
                                             "kolomnya di baris judul atau hapus isinya (tidak ada yang disimpan).")
            continue
        if not header:
            continue
        if isinstance(value, str) and header in IDENTITY_COLUMNS | PERSON_REF_COLUMNS:
            cleaned = clean_identity(value)  # '6171 0114.0285 0012 as pasted from a spreadsheet
            if header in IDENTITY_COLUMNS or cleaned.isdigit():
                row.values[header] = cleaned
                continue
        if _is_number(value):
            problem = _number_problem(header, value)
            if problem:
                row.error(header, problem)
                row.values[header] = ""
                continue
            if header in PHONE_COLUMNS:
                digits = _cell_text(value)
                row.values[header] = digits if digits.startswith("0") else f"0{digits}"
                continue
        row.values[header] = _cell_text(value)
    for header in headers[len(cells):]:
        if header:
            row.values.setdefault(header, "")
    return row


# Limits of one import file, checked before anything is loaded: a bigger file is refused with
# a message saying how to split it, instead of running out of memory half-way.
MAX_FILE_BYTES = 100 * 1000 * 1000
MAX_DATA_ROWS = 500_000
MAX_XLSX_UNPACKED_BYTES = 200 * 1000 * 1000
SPLIT_ADVICE = ("Bagi berkas menjadi beberapa berkas yang lebih kecil (mis. per kecamatan atau per tahun), lalu "
                "impor satu per satu. Tidak ada yang disimpan.")


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.1f}".replace(".", ",") + " MB"


def check_file_limits(path: Path) -> None:
    """Refuse a file over :data:`MAX_FILE_BYTES`, or an ``.xlsx`` whose parts unpack to more
    than :data:`MAX_XLSX_UNPACKED_BYTES`, before reading any of it."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValidationError(f"Berkas {path.name} berukuran {_megabytes(size)}, lebih dari batas "
                              f"{MAX_FILE_BYTES // 10**6} MB untuk sekali impor. {SPLIT_ADVICE}", "file")
    if path.suffix.lower() == ".csv":
        # Count the records first (bytes, line by line: '"' and line breaks are single bytes in
        # UTF-8), so a file with too many rows is refused before any row is built.
        counter = _RecordCounter(None)
        with path.open("rb") as fh:
            for line in fh:
                counter.feed(line.decode("latin-1"))
                if counter.records > MAX_DATA_ROWS + HEADER_LINE:
                    raise too_many_rows(path)
    if path.suffix.lower() == ".xlsx":
        import zipfile

        try:
            with zipfile.ZipFile(path) as zf:
                unpacked = sum(info.file_size for info in zf.infolist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise ValidationError(f"Berkas {path.name} bukan berkas Excel (.xlsx) yang bisa dibaca.", "file") from exc
        # zipfile never unpacks more than a part's declared size, so the sum bounds the reading.
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise ValidationError(
                f"Berkas {path.name} ({_megabytes(size)}) membengkak menjadi {_megabytes(unpacked)} saat dibuka, "
                f"lebih dari batas {MAX_XLSX_UNPACKED_BYTES // 10**6} MB; berkas seperti ini tidak dibaca. Salin "
                f"lembar datanya saja ke buku kerja baru atau simpan sebagai .csv. {SPLIT_ADVICE}", "file")


def too_many_rows(path: Path) -> ValidationError:
    limit = f"{MAX_DATA_ROWS:,}".replace(",", ".")
    return ValidationError(f"Berkas {path.name} berisi lebih dari {limit} baris data, batas sekali impor. "
                           f"{SPLIT_ADVICE}", "file")


def read_table(path: str | Path) -> tuple[list[str], list[Row]]:
    """Header keys and data rows of a ``.csv`` (UTF-8) or ``.xlsx`` (first sheet) file.

    The file is read as a stream, one record at a time, after :func:`check_file_limits`; more
    than :data:`MAX_DATA_ROWS` data rows refuse it. Completely empty rows are skipped (their
    line numbers are still counted). A row may come back with errors already (see
    :func:`_row_from_cells`); the importer reports them.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ValidationError(f"Berkas {path} tidak ditemukan.", "file")
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError("Berkas impor harus .csv (UTF-8) atau .xlsx.", "file")
    check_file_limits(path)
    if suffix == ".csv":
        return _table(path, _csv_records(path))
    try:
        return _table(path, _xlsx_records(path))
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - damaged files raise zlib/zip/XML/EOF errors alike
        # openpyxl reads what the fast reader does not handle, or refuses the file.
        return _table(path, _xlsx_records_openpyxl(path))


def _table(path: Path, records) -> tuple[list[str], list[Row]]:
    """Header and rows from ``records``: an iterator of (line number, cells)."""
    headers: list[str] | None = None
    rows: list[Row] = []
    for line, cells in records:
        if headers is None:
            headers = [header_key(h) for h in cells]
            continue
        if line - HEADER_LINE > MAX_DATA_ROWS:
            raise too_many_rows(path)
        if not any(_cell_text(c) for c in cells):
            continue
        rows.append(_row_from_cells(line, headers, list(cells)))
    if headers is None:
        raise ValidationError("Berkas kosong: baris pertama harus berisi nama kolom.", "file")
    return headers, rows


def csv_delimiter(header_line: str) -> str:
    """The delimiter of a CSV file, decided from its header line alone: the most frequent of
    ``;``, ``,`` and tab (comma when none). Column names hold no quotes or apostrophes, so
    nothing in the data can mislead it (``csv.Sniffer`` took ``'`` as the quote character
    when addresses held apostrophes and silently merged rows)."""
    counts = {d: header_line.count(d) for d in CSV_DELIMITERS}
    best = max(CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


class _RecordCounter:
    """Passes the physical lines of a CSV file to ``csv.reader`` and counts the records they
    hold with ``"`` as the quote character: line breaks outside quotes, plus a last line
    without one. Every ``"`` toggles quoting (a doubled ``""`` toggles twice), so a stray quote
    makes this disagree with the parser and the file is refused rather than read with rows
    merged. Works line by line (``str.count``), so a large file streams."""

    def __init__(self, lines) -> None:
        self.lines = lines
        self.records = 0
        self.quoted = False
        self.pending = False

    def __iter__(self):
        for line in self.lines:
            self.feed(line)
            yield line

    def feed(self, line: str) -> None:
        body = line.rstrip("\r\n")
        if line.count('"') % 2:
            self.quoted = not self.quoted
        ends = len(body) != len(line)
        if ends and not self.quoted:
            self.records += 1
            self.pending = False
        elif body or ends:
            self.pending = True

    def total(self) -> int:
        return self.records + (1 if self.pending else 0)


def count_csv_records(text: str) -> int:
    """Records in CSV ``text`` (see :class:`_RecordCounter`)."""
    counter = _RecordCounter(io.StringIO(text, newline=""))
    for _ in counter:
        pass
    return counter.total()


def _csv_records(path: Path):
    """(line number, cells) of each CSV record, read as a stream."""
    try:
        # Universal newlines: Windows line ends (also inside quoted cells) read as "\n".
        with path.open(encoding="utf-8-sig") as fh:
            header_line = fh.readline()
            delimiter = csv_delimiter(header_line)
            fh.seek(0)
            counter = _RecordCounter(fh)
            reader = csv.reader(counter, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
            read = 0
            try:
                for cells in reader:
                    read += 1
                    yield read, cells  # _table stops at MAX_DATA_ROWS
            except csv.Error as exc:  # a badly quoted field, or one longer than the csv module allows
                raise ValidationError(f"Berkas {path.name} bukan berkas CSV yang bisa dibaca ({exc}); periksa tanda "
                                      'kutip (") yang tidak berpasangan. Tidak ada yang disimpan.', "file") from exc
            if read != counter.total():
                fh.seek(0)
                where = stray_quote_line(fh, delimiter)
                place = f" di baris {where}" if where else ""
                raise ValidationError(
                    f'Berkas {path.name} tidak dapat dibaca dengan pasti: ada tanda kutip (") yang tidak berpasangan'
                    f"{place}, sehingga batas antarbaris tidak jelas dan sebuah baris bisa hilang. Hapus tanda kutip "
                    'itu atau apit seluruh isi selnya dengan tanda kutip (tanda kutip di dalamnya ditulis dua kali: '
                    '""), lalu impor lagi. Tidak ada yang disimpan.', "file")
    except UnicodeDecodeError as exc:
        raise ValidationError("Berkas CSV harus disimpan dengan pengodean UTF-8.", "file") from exc


def stray_quote_line(text, delimiter: str) -> int | None:
    """Line number (1-based) of the first ``"`` standing inside an unquoted cell (``text``: a
    string or an open file)."""
    line, quoted, at_field_start, previous = 1, False, True, ""
    chunks = [text] if isinstance(text, str) else iter(lambda: text.read(1 << 16), "")
    for chunk in chunks:
        for ch in chunk:
            if quoted:
                if ch == '"':
                    quoted = False
                elif ch == "\n":
                    line += 1
            elif ch == '"':
                if not at_field_start and previous != '"':
                    return line
                quoted = True
            elif ch == "\n":
                line += 1
            at_field_start = not quoted and ch in (delimiter, "\n", "\r")
            previous = ch
    return None


def _xlsx_records(path: Path):
    from spm_desktop.core.imports.xlsx import iter_first_sheet

    yield from iter_first_sheet(path)  # _table stops at MAX_DATA_ROWS


def _xlsx_records_openpyxl(path: Path):
    from openpyxl import load_workbook

    unreadable = f"Berkas {path.name} bukan berkas Excel (.xlsx) yang bisa dibaca."
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise ValidationError(unreadable, "file") from exc
    try:
        ws = wb.worksheets[0]
        for line, values in enumerate(ws.iter_rows(values_only=True), start=1):
            yield line, list(values)  # _table stops at MAX_DATA_ROWS
    except ValidationError:
        raise
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
    warnings: list[str] = field(default_factory=list)  # "baris N, kolom X: pesan" that do not refuse

    def warn(self, row: Row, column: str, message: str) -> None:
        self.warnings.append(str(CellError(row.line, column, message)))

    def file_id(self, row: Row) -> str | None:
        """The record id the row's ``id`` cell names for this kind (:func:`external_id`); None
        when the cell is empty."""
        ref = row.text("id")
        return external_id(self.kind.name, ref) if ref else None

    def record_id(self, row: Row, *natural_key: Any) -> str:
        """The row's record id: from its ``id`` cell, else derived from ``natural_key``
        (:func:`derived_id`), so importing the same row again finds the same record."""
        return self.file_id(row) or derived_id(self.kind.name, *natural_key)

    def existing(self, row: Row, model: type, record_id: str, what: str) -> Any:
        """The ``model`` record the row updates, None for a new one. A deleted record refuses
        the row on its ``id`` column (``what`` names it: "kasus ini")."""
        found = self.session.get(model, record_id)
        if found is not None and found.deleted_at is not None:
            row.error("id", f"{what} sudah dihapus; tidak bisa diimpor ulang.")
            row.check()
        return found

    def create_or_update(self, existing: Any, data: Any, create: Callable[..., Any],
                         update: Callable[[Session, Actor, str, Any], tuple[Any, bool]], **ids: str) -> str:
        """Write ``data`` through a service's session-level functions: ``create(session, actor,
        data, **ids)`` when ``existing`` is None, else ``update(session, actor, existing.id,
        data)`` (which returns the record and whether it changed); returns the outcome."""
        if existing is None:
            create(self.session, self.actor, data, **ids)
            return "created"
        _, changed = update(self.session, self.actor, existing.id, data)
        return "updated" if changed else "unchanged"

    def _places(self, level: str) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
        """(code -> code, name key -> [(code, name)]) of the live regions of ``level``
        (``kelurahan`` means every desa/kelurahan), read once per import."""
        key = f"regions:{level}"
        if key not in self.cache:
            levels = VILLAGE_LEVELS if level in VILLAGE_LEVELS else (level,)
            codes: dict[str, str] = {}
            names: dict[str, list[tuple[str, str]]] = {}
            for code, name in self.session.execute(select(Region.code, Region.name).where(
                    Region.level.in_(levels), Region.deleted_at.is_(None)).order_by(Region.code)):
                codes[code] = code
                names.setdefault(place_key(name), []).append((code, name))
            self.cache[key] = (codes, names)
        return self.cache[key]

    def region_code(self, text: str, level: str) -> str | None:
        """A region code from a code (dotted or not) or a name matched ignoring case, spaces
        and punctuation; None when unknown or when several places have that name."""
        codes, names = self._places(level)
        found = codes.get(normalise_code(text))
        if found is None:
            matches = names.get(place_key(text), [])
            found = matches[0][0] if len(matches) == 1 else None
        return found

    def place(self, row: Row, column: str, level: str, required: bool = False) -> str | None:
        """The region a cell names (see :meth:`region_code`), recording the cell error when it
        is unknown or when its name belongs to several places (never guessed)."""
        text = row.text(column, required)
        if not text:
            return None
        codes, names = self._places(level)
        found = codes.get(normalise_code(text))
        if found is not None:
            return found
        matches = names.get(place_key(text), [])
        label = "desa/kelurahan" if level in VILLAGE_LEVELS else level
        if len(matches) == 1:
            return matches[0][0]
        if matches:
            listed = ", ".join(code for code, _ in matches)
            row.error(column, f"ada {len(matches)} {label} bernama {matches[0][1]}; tulis kodenya ({listed}).")
        else:
            row.error(column, f"{label} '{text}' tidak dikenal (isi kode atau nama {label} di wilayah kerja).")
        return None


def place_key(text: str) -> str:
    """A place name compared ignoring case, spaces and punctuation ("Parit Tokaya" = "Parittokaya")."""
    return "".join(ch for ch in strip_accents(text) if ch.isalnum())


@dataclass(frozen=True)
class ImportResult:
    kind: str
    file: str
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    warnings: tuple[str, ...] = ()  # accepted, but worth a look (e.g. a NIK region missing from the lists)

    def summary(self) -> str:
        verb = "akan" if self.dry_run else "telah"
        head = "Uji coba (tidak ada yang disimpan): " if self.dry_run else ""
        text = (f"{head}{self.rows} baris dibaca; {self.created} data {verb} ditambahkan, {self.updated} "
                f"{verb} diperbarui, {self.unchanged} tidak berubah.")
        if self.warnings:
            shown = self.warnings[:MAX_ERRORS_SHOWN]
            text += f"\nPeringatan ({len(self.warnings)}, tetap diimpor):\n" + "\n".join(shown)
            if len(self.warnings) > len(shown):
                text += f"\n… dan {len(self.warnings) - len(shown)} peringatan lainnya."
        return text


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
        if h not in allowed and h not in extra:  # ``extra`` may be a rule (e.g. any target_YYYY)
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
    warnings: list[str] = []
    try:
        with db.transaction(actor) as s:
            extra = kind.extra_columns(s) if kind.extra_columns else set()
            errors.extend(_check_header(kind, headers, extra))
            if errors:
                raise ImportRefused(errors)
            if not rows:
                raise ValidationError("Berkas tidak berisi baris data.", "file")
            ctx = ImportContext(s, actor, kind, headers, dry_run, warnings=warnings)
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
    return ImportResult(kind=kind.name, file=str(path), rows=len(rows), dry_run=dry_run, warnings=tuple(warnings),
                        **counts)


def _run_row(ctx: ImportContext, row: Row, counts: dict[str, int], errors: list[CellError]) -> None:
    kind = ctx.kind
    if row.errors:  # refused while reading (a numeric NIK, a cell beyond the header): never applied
        errors.extend(row.errors)
        return
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
