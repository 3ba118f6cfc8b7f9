"""How the rows of each travelling table are written into a package and read back.

Every column of a synced table travels except ``change_seq`` (this database's own counter).
Values become JSON: datetimes and dates as ISO text, decimals as text, JSON columns as is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, String, Table, Text, UniqueConstraint

from spm_desktop.core.storage.models import SYNCED_MODELS

STAMP_COLUMNS = ("created_at", "updated_at", "updated_by", "origin_device", "revision", "hlc", "created_device")
# Columns that never travel: this database's change counter, and the derived values the
# database's own triggers keep (migrations 0002 and 0013).
LOCAL_COLUMNS = ("change_seq", "need_mask", "need_bit", "need_assessed_on", "need_reassessed_on", "need_unmet",
                 "need_first_met", "need_last_met")
# Longest text accepted in a column without a declared length (notes, addresses, ...).
MAX_TEXT = 20_000


class CodecError(ValueError):
    """A value in a package does not fit its column."""


def enc(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in ("datetime", "date"):
        return value.isoformat()
    if kind == "decimal":
        return str(value)
    return value


_PLAIN_TYPES = {"str": str, "int": int, "bool": bool}
_FROM_ISO = {"datetime": datetime.fromisoformat, "date": date.fromisoformat}


def _dec(kind: str, value: Any) -> Any:
    if value is None or kind == "json":
        return value
    plain = _PLAIN_TYPES.get(kind)
    if plain is not None and type(value) is plain:  # the common case, checked exactly and fast
        return value
    try:
        if kind == "datetime":
            return datetime.fromisoformat(value)
        if kind == "date":
            return date.fromisoformat(value)
        if kind == "decimal":
            return Decimal(value)
        if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise CodecError(f"bukan bilangan bulat: {value!r}")
        if kind == "bool" and not isinstance(value, bool):
            raise CodecError(f"bukan ya/tidak: {value!r}")
        if kind == "str" and not isinstance(value, str):
            raise CodecError(f"bukan teks: {value!r}")
    except (TypeError, ValueError, InvalidOperation) as exc:
        raise CodecError(str(exc)) from None
    return value


# A column's type -> its kind in a package, first match wins.
_KINDS = ((DateTime, "datetime"), (Date, "date"), (Numeric, "decimal"), (Boolean, "bool"), (Integer, "int"),
          (JSON, "json"), ((String, Text), "str"))


def _kind(column) -> str:
    t = column.type
    for types, kind in _KINDS:
        if isinstance(t, types):
            return kind
    raise TypeError(f"no sync codec for {column.table.name}.{column.name}: {t!r}")


@dataclass(frozen=True)
class TableCodec:
    model: type
    table: Table
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    content: tuple[int, ...]  # positions of the columns that are content (not id, not stamps)
    self_refs: tuple[str, ...]  # columns with a foreign key into the same table
    unique_keys: tuple[tuple[str, ...], ...]  # natural keys (UNIQUE constraints other than the id)
    text_limits: tuple[tuple[int, int], ...] = ()  # (position, longest length) of each text column

    @property
    def name(self) -> str:
        return self.table.name

    def encode(self, row: Sequence[Any]) -> list[Any]:
        return [enc(k, v) for k, v in zip(self.kinds, row, strict=True)]

    def decode(self, row: Sequence[Any]) -> dict[str, Any]:
        return {c: _dec(k, v) for c, k, v in zip(self.columns, self.kinds, row, strict=True)}

    def encode_many(self, rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """:meth:`encode` of every row, column by column."""
        if not rows:
            return []
        columns = []
        for kind, values in zip(self.kinds, zip(*rows, strict=True), strict=True):
            if kind in ("datetime", "date"):
                values = [None if v is None else v.isoformat() for v in values]
            elif kind == "decimal":
                values = [None if v is None else str(v) for v in values]
            columns.append(values)
        return list(map(list, zip(*columns, strict=True)))

    def decode_many(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """:meth:`decode` of every row, column by column (the same checks and conversions; a
        110,000-row package would otherwise make two million calls), and no text longer than
        its column allows (a record has a size limit)."""
        if not rows:
            return []
        if any(len(r) != len(self.columns) for r in rows):
            raise CodecError("jumlah kolom tidak cocok")
        out_columns = []
        limits = dict(self.text_limits)
        for at, (kind, values) in enumerate(zip(self.kinds, zip(*rows, strict=True), strict=True)):
            types = set(map(type, values))
            types.discard(type(None))
            plain = _PLAIN_TYPES.get(kind)
            if kind == "json" or (plain is not None and types <= {plain}):
                column = values
            elif kind in _FROM_ISO and types <= {str}:
                parse = _FROM_ISO[kind]
                try:
                    column = [None if v is None else parse(v) for v in values]
                except ValueError as exc:
                    raise CodecError(str(exc)) from None
            else:  # the other conversions and the exact type checks, value by value
                column = [_dec(kind, v) for v in values]
            if kind == "str":
                limit = limits[at]
                if max(map(len, filter(None, column)), default=0) > limit:
                    raise CodecError(f"kolom {self.columns[at]}: teks lebih dari {limit} karakter")
            out_columns.append(column)
        names = self.columns
        return [dict(zip(names, values, strict=True)) for values in zip(*out_columns, strict=True)]

    def decode_value(self, column: str, value: Any) -> Any:
        return _dec(self.kinds[self.index(column)], value)

    def index(self, column: str) -> int:
        return self.columns.index(column)

    def content_of(self, encoded: Sequence[Any]) -> tuple:
        return tuple(_freeze(encoded[i]) for i in self.content)

    def content_hash(self, encoded: Sequence[Any]) -> str:
        data = [encoded[i] for i in self.content]
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _freeze(value: Any) -> Any:
    """A hashable form of a JSON value (dicts and lists as sorted tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _codec(model) -> TableCodec:
    table: Table = model.__table__
    cols = [c for c in table.columns if c.name not in LOCAL_COLUMNS]
    names = tuple(c.name for c in cols)
    content = tuple(i for i, n in enumerate(names) if n != "id" and n not in STAMP_COLUMNS)
    self_refs = tuple(c.name for c in cols if any(fk.column.table is table for fk in c.foreign_keys))
    uniques: list[tuple[str, ...]] = []
    for cons in table.constraints:
        key = tuple(c.name for c in cons.columns)
        if isinstance(cons, UniqueConstraint) and key not in uniques:
            uniques.append(key)
    kinds = tuple(_kind(c) for c in cols)
    limits = tuple((i, getattr(c.type, "length", None) or MAX_TEXT) for i, c in enumerate(cols) if kinds[i] == "str")
    return TableCodec(model, table, names, kinds, content, self_refs, tuple(uniques), limits)


CODECS: dict[str, TableCodec] = {m.__tablename__: _codec(m) for m in SYNCED_MODELS}
TABLE_ORDER: tuple[str, ...] = tuple(m.__tablename__ for m in SYNCED_MODELS)
