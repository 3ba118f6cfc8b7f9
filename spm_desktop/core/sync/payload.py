"""The decrypted content of a package: a manifest and the rows of each table.

Plaintext layout: ``u32 manifest length | manifest JSON | tables JSON``. The manifest's
``content_hash`` is the SHA-256 of the tables JSON bytes, checked on reading.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from typing import Any

from spm_desktop.core.sync.codec import CODECS, TABLE_ORDER
from spm_desktop.core.sync.envelope import MSG_MALFORMED, PackageRefused

PAYLOAD_VERSION = 1
_LEN = struct.Struct(">I")
_MANIFEST_KEYS = {"format", "package_id", "schema_revision", "source_device_id", "source_device_name",
                  "created_at", "to_peer", "full", "counts", "content_hash"}


@dataclass(frozen=True)
class Manifest:
    format: int
    package_id: str
    schema_revision: str
    source_device_id: str
    source_device_name: str
    created_at: str  # ISO UTC
    to_peer: str
    full: bool
    counts: dict[str, int]
    content_hash: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class TableRows:
    table: str
    columns: tuple[str, ...]
    rows: list[list[Any]]


def build(manifest_fields: dict[str, Any], tables: list[TableRows]) -> tuple[Manifest, bytes]:
    """Serialise ``tables`` and a manifest (counts and hash are filled in here)."""
    body = json.dumps(
        [{"table": t.table, "columns": list(t.columns), "rows": t.rows} for t in tables],
        separators=(",", ":"), ensure_ascii=False,
    ).encode("utf-8")
    manifest = Manifest(
        format=PAYLOAD_VERSION,
        counts={t.table: len(t.rows) for t in tables},
        content_hash=hashlib.sha256(body).hexdigest(),
        **manifest_fields,
    )
    head = json.dumps(manifest.as_dict(), ensure_ascii=False).encode("utf-8")
    return manifest, _LEN.pack(len(head)) + head + body


def _bad(detail: str) -> PackageRefused:
    return PackageRefused(MSG_MALFORMED.format(detail=detail))


def read_manifest(plain: bytes) -> tuple[Manifest, int]:
    """The manifest and the offset where the tables start."""
    if len(plain) < _LEN.size:
        raise _bad("manifes tidak ada")
    (n,) = _LEN.unpack_from(plain)
    if n > len(plain) - _LEN.size:
        raise _bad("manifes terpotong")
    try:
        raw = json.loads(plain[_LEN.size:_LEN.size + n])
    except (UnicodeDecodeError, ValueError):
        raise _bad("manifes bukan JSON") from None
    if not isinstance(raw, dict) or set(raw) != _MANIFEST_KEYS:
        raise _bad("isian manifes tidak lengkap")
    if raw["format"] != PAYLOAD_VERSION or not isinstance(raw["counts"], dict):
        raise _bad("versi isi paket tidak dikenal")
    if not all(isinstance(raw[k], str) for k in _MANIFEST_KEYS - {"format", "full", "counts"}):
        raise _bad("isian manifes tidak sah")
    return Manifest(**raw), _LEN.size + n


def read_tables(plain: bytes, manifest: Manifest, offset: int) -> list[TableRows]:
    """Check hash, table names, columns and counts; return the tables in parent-first order."""
    body = plain[offset:]
    if hashlib.sha256(body).hexdigest() != manifest.content_hash:
        raise _bad("sidik isi (content hash) tidak cocok")
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise _bad("data tabel bukan JSON") from None
    if not isinstance(raw, list):
        raise _bad("data tabel tidak sah")
    found: dict[str, TableRows] = {}
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"table", "columns", "rows"}:
            raise _bad("data tabel tidak sah")
        name, columns, rows = item["table"], item["columns"], item["rows"]
        codec = CODECS.get(name)
        if codec is None or name in found:
            raise _bad(f"tabel '{name}' tidak dikenal")
        if not isinstance(columns, list) or sorted(columns) != sorted(codec.columns):
            raise _bad(f"kolom tabel '{name}' tidak dikenal")
        if not isinstance(rows, list) or any(not isinstance(r, list) or len(r) != len(columns) for r in rows):
            raise _bad(f"baris tabel '{name}' tidak sah")
        if manifest.counts.get(name) != len(rows):
            raise _bad(f"jumlah baris tabel '{name}' tidak cocok dengan manifes")
        found[name] = TableRows(name, tuple(columns), rows)
    if set(manifest.counts) != set(found):
        raise _bad("daftar tabel tidak cocok dengan manifes")
    return [found[name] for name in TABLE_ORDER if name in found]
