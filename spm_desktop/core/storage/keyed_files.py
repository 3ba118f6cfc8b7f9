"""Backups that carry their wrapped keys: the keys trailer.

A backup of an encrypted database is ONE file: the SQLCipher database, as SQLite's backup API
wrote it (encrypted with the database key), followed by a copy of ``spm.keys`` as it was when
the backup was made::

    [encrypted SQLite pages …][spm.keys JSON][8-byte big-endian JSON length]["SPMKEYS1"]

SQLite reads the database size from the (encrypted) file header and ignores bytes past the
last page, so the file still opens, read-only, as a database (integrity_check included). A
restore copies only the database part into the staged file. Restoring needs a password valid
at backup time or the recovery key: it unwraps the trailer's copy, not today's ``spm.keys``.
A plain backup (made before the database was encrypted) has no trailer.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

MAGIC = b"SPMKEYS1"
_TAIL = 16  # length + magic


def read_trailer(path: Path) -> dict | None:
    """The keys copied into a backup, or None (plain file, no trailer, unreadable)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            if size < _TAIL:
                return None
            f.seek(size - _TAIL)
            tail = f.read(_TAIL)
            if tail[8:] != MAGIC:
                return None
            (length,) = struct.unpack(">Q", tail[:8])
            if length <= 0 or length > min(size - _TAIL, 10_000_000):
                return None
            f.seek(size - _TAIL - length)
            data = json.loads(f.read(length).decode("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def database_size(path: Path) -> int:
    """Bytes of ``path`` that belong to the database (all of them when there is no trailer)."""
    size = Path(path).stat().st_size
    trailer = read_trailer(path)
    if trailer is None:
        return size
    with open(path, "rb") as f:
        f.seek(size - _TAIL)
        (length,) = struct.unpack(">Q", f.read(8))
    return size - _TAIL - length


def append_trailer(path: Path, keys_json: bytes) -> None:
    with open(path, "ab") as f:
        f.write(keys_json)
        f.write(struct.pack(">Q", len(keys_json)) + MAGIC)
        f.flush()
        os.fsync(f.fileno())


def copy_database_part(source: Path, target: Path) -> None:
    """Copy the database part of ``source`` (without its trailer) to ``target`` (owner-only)."""
    remaining = database_size(source)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with open(source, "rb") as src:
            while remaining > 0:
                chunk = src.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                os.write(fd, chunk)
                remaining -= len(chunk)
        os.fsync(fd)
    finally:
        os.close(fd)


def scrub(path: Path) -> None:
    """Overwrite a plain file with zeros before removing it ("as far as the OS allows": a
    journaling file system or an SSD may keep older copies of its blocks)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        fd = os.open(path, os.O_WRONLY)
    except OSError:
        path.unlink(missing_ok=True)
        return
    try:
        zeros = bytes(1 << 20)
        written = 0
        while written < size:
            written += os.write(fd, zeros[:min(len(zeros), size - written)])
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)
