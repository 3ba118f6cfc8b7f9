"""The decrypted content of a package: a manifest and the rows of each table.

Plaintext layout: ``u32 manifest length | manifest JSON | tables JSON``. The manifest's
``content_hash`` is the SHA-256 of the tables JSON bytes, checked on reading. ``audit_head``
is the head of the sender's audit hash chain (``seq:hash``) when it made the package: the
receiver records it in its own audit trail, so the sender's trail cannot later be cut back
below it unnoticed. ``recipient`` is the role and scope under which the sender enrolled the
recipient (signed with the package): the recipient's pre-flight holds its next packages to the
rules of exactly that enrolment (a laptop does not enrol itself; the office enrolled it).
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from dataclasses import dataclass
from typing import Any

from spm_desktop.core.sync.codec import CODECS, TABLE_ORDER
from spm_desktop.core.sync.envelope import MSG_MALFORMED, PackageRefused

PAYLOAD_VERSION = 1
_LEN = struct.Struct(">I")
_AUDIT_HEAD = re.compile(r"[0-9]{1,12}:[0-9a-f]{64}")
_MANIFEST_KEYS = {"format", "package_id", "schema_revision", "source_device_id", "source_device_name",
                  "created_at", "to_peer", "full", "counts", "content_hash", "until_seq", "hlc", "ack", "evict",
                  "audit_head", "recipient"}
# Read without the keys added later, so a package of another schema revision is refused by
# its revision (with the message saying which side to update), not as malformed.
_LATER_KEYS = {"until_seq", "hlc", "ack", "evict", "audit_head", "recipient"}
_ROLES = ("office", "tksk", "unit")
MAX_EVICT = 2_000_000
MAX_ANSWERS = 20  # answers to the peer's latest packages carried back
MAX_REASONS = 200  # refusal reasons kept per answer


@dataclass(frozen=True)
class Answer:
    """This database's answer to one package it received from the peer."""

    package_id: str
    status: str  # applied | refused
    reasons: tuple[tuple[str, str, str, str], ...] = ()  # (table, record, field, reason)

    def as_json(self) -> dict[str, Any]:
        return {"package_id": self.package_id, "status": self.status, "reasons": [list(r) for r in self.reasons]}


@dataclass(frozen=True)
class Enrolment:
    """How the sender enrolled the recipient: ``role`` (office | tksk | unit) and its scope."""

    role: str
    kecamatan: str = ""
    unit: str = ""

    def as_json(self) -> dict[str, str]:
        return {"role": self.role, "kecamatan": self.kecamatan, "unit": self.unit}


@dataclass(frozen=True)
class Ack:
    """What the sender of a package says about the packages it received from its recipient:
    every change up to ``applied_until`` of the recipient's counter is applied there, and the
    answers to the latest packages (a refusal with its reasons)."""

    applied_until: int = 0
    answers: tuple[Answer, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"applied_until": self.applied_until, "answers": [a.as_json() for a in self.answers]}


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
    until_seq: int = 0  # the sender's change counter this package carries changes up to
    hlc: int = 0  # the sender's hybrid logical clock when it made the package
    ack: Ack = Ack()
    # To a TKSK device: persons that left its scope; it removes them and their records.
    evict: tuple[str, ...] = ()
    audit_head: str = ""  # "seq:hash" of the sender's audit hash chain when it was made
    recipient: Enrolment | None = None  # how the sender enrolled the recipient (its role and scope)

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["ack"] = self.ack.as_json()
        if self.recipient is None:
            del d["recipient"]
        else:
            d["recipient"] = self.recipient.as_json()
        return d


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
    if not isinstance(raw, dict) or not _MANIFEST_KEYS - _LATER_KEYS <= set(raw) <= _MANIFEST_KEYS:
        raise _bad("isian manifes tidak lengkap")
    if raw["format"] != PAYLOAD_VERSION or not isinstance(raw["counts"], dict):
        raise _bad("versi isi paket tidak dikenal")
    if not all(isinstance(raw[k], str) for k in _MANIFEST_KEYS - _LATER_KEYS - {"format", "full", "counts"}):
        raise _bad("isian manifes tidak sah")
    for key in ("until_seq", "hlc"):
        if key in raw and not _natural(raw[key]):
            raise _bad("isian manifes tidak sah")
    raw["ack"] = _read_ack(raw.get("ack", {"applied_until": 0, "answers": []}))
    evict = raw.get("evict", [])
    if (not isinstance(evict, list) or len(evict) > MAX_EVICT
            or not all(isinstance(x, str) and 0 < len(x) <= 36 for x in evict)):
        raise _bad("isian manifes tidak sah")
    raw["evict"] = tuple(evict)
    if "audit_head" in raw and not (isinstance(raw["audit_head"], str) and _AUDIT_HEAD.fullmatch(raw["audit_head"])):
        raise _bad("ujung jejak audit pengirim tidak sah")
    if "recipient" in raw:
        raw["recipient"] = _read_enrolment(raw["recipient"])
    return Manifest(**raw), _LEN.size + n


def _read_enrolment(raw: Any) -> Enrolment:
    if (not isinstance(raw, dict) or set(raw) != {"role", "kecamatan", "unit"} or raw["role"] not in _ROLES
            or not all(isinstance(raw[k], str) and len(raw[k]) <= 40 for k in ("kecamatan", "unit"))):
        raise _bad("peran penerima tidak sah")
    return Enrolment(raw["role"], raw["kecamatan"], raw["unit"])


def _natural(value: Any) -> bool:
    from spm_desktop.core.storage.hlc import LIMIT

    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < LIMIT


def _read_ack(raw: Any) -> Ack:
    if not isinstance(raw, dict) or set(raw) != {"applied_until", "answers"} or not _natural(raw["applied_until"]):
        raise _bad("jawaban paket tidak sah")
    answers = raw["answers"]
    if not isinstance(answers, list) or len(answers) > MAX_ANSWERS:
        raise _bad("jawaban paket tidak sah")
    out = []
    for a in answers:
        if (not isinstance(a, dict) or set(a) != {"package_id", "status", "reasons"}
                or not isinstance(a["package_id"], str) or len(a["package_id"]) > 36
                or a["status"] not in ("applied", "refused") or not isinstance(a["reasons"], list)
                or len(a["reasons"]) > MAX_REASONS):
            raise _bad("jawaban paket tidak sah")
        reasons = []
        for r in a["reasons"]:
            if not isinstance(r, list) or len(r) != 4 or not all(isinstance(x, str) and len(x) <= 2000 for x in r):
                raise _bad("jawaban paket tidak sah")
            reasons.append(tuple(r))
        out.append(Answer(a["package_id"], a["status"], tuple(reasons)))
    return Ack(raw["applied_until"], tuple(out))


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
