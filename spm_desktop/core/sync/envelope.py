"""The encrypted envelope of a ``.spmsync`` file.

Layout of format 2 (all integers big-endian)::

    magic      8 bytes   b"SPMSYNC\\0"
    format     u16       envelope/package format version
    salt       16 bytes  random per package
    nonce      12 bytes  random per package
    key_check  16 bytes  proves the passphrase before decrypting (tells "wrong passphrase"
                         apart from "modified file")
    plain_len  u64       length of the plaintext once inflated
    body_len   u64       length of the AES-GCM body (ciphertext + 16-byte tag)
    body       body_len bytes

Work before authentication is bounded (issue 17): the key-derivation cost is a constant of
the format version and never read from the file (format 1 carried it in the header, so a
crafted header could make scrypt take gigabytes); the sizes in the header are checked
against the file and against :data:`MAX_PLAIN_BYTES` and :data:`MAX_RATIO` before the key is
derived. The whole header is the AES-GCM associated data, so changing any byte of the file -
header or body - fails authentication before anything is inflated. Inflating is streamed, one
input chunk at a time with a bounded output per step, and stops as soon as the output passes
the authenticated ``plain_len``: a decompression bomb never allocates more than that.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import struct
import unicodedata
import zlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from spm_desktop.core.domain.errors import DomainError

MAGIC = b"SPMSYNC\x00"
FORMAT_VERSION = 2
PREFIX = struct.Struct(">8sH")
HEADER = struct.Struct(">8sH16s12s16sQQ")
# The key-derivation cost of format 2 (32 MB, about 0.1 s); a constant, never from the file.
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 15, 8, 1
# A package of the whole city (100,000 persons, 1,000,000 events) compresses to well under this.
MAX_PACKAGE_BYTES = 512 * 1024 * 1024
MAX_PLAIN_BYTES = 2 * 1024 * 1024 * 1024
# Real packages inflate about 4 times (JSON full of ids); a plaintext may be at most this many
# times its compressed body (or FLOOR_PLAIN_BYTES for a small package), so a small file can
# never claim gigabytes.
MAX_RATIO = 16
FLOOR_PLAIN_BYTES = 8 * 1024 * 1024
INFLATE_IN_CHUNK = 1024 * 1024
INFLATE_OUT_STEP = 16 * 1024 * 1024
MIN_PASSPHRASE = 8


class PackageRefused(DomainError):
    """A package that must not be applied; the message tells the user why."""


MSG_NOT_PACKAGE = "Berkas ini bukan paket sinkronisasi SPM Desktop (.spmsync)."
MSG_NEWER_FORMAT = ("Paket dibuat oleh versi SPM Desktop yang lebih baru. Perbarui aplikasi di komputer ini "
                    "terlebih dahulu, lalu impor ulang.")
MSG_OLDER_FORMAT = ("Paket dibuat oleh versi SPM Desktop yang lebih lama (format {fmt}). Perbarui SPM Desktop di "
                    "komputer pengirim, lalu buat paket baru.")
# The key check depends on the salt, so a changed salt byte reads as a wrong passphrase: say both.
MSG_WRONG_PASSPHRASE = ("Frasa sandi sinkronisasi salah (atau bagian awal berkas paket telah berubah): paket tidak "
                        "bisa dibuka. Pastikan frasa sandi di halaman Sinkronisasi sama dengan frasa sandi kantor.")
MSG_TAMPERED = ("Paket telah berubah atau rusak (isi tidak cocok dengan tanda keasliannya). Jangan dipakai; "
                "minta pengirim membuat paket baru.")
MSG_TRUNCATED = ("Berkas paket terpotong (tidak lengkap), mungkin penyalinan ke flashdisk belum selesai. "
                 "Salin ulang berkasnya atau minta paket baru.")
MSG_TOO_LARGE = "Berkas paket terlalu besar ({size}); batasnya {limit}. Berkas ini ditolak."
MSG_MALFORMED = "Isi paket tidak dikenali atau rusak: {detail}. Minta pengirim membuat paket baru."


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


@functools.lru_cache(maxsize=8)  # preview then import of one file derives once
def _derive(passphrase: str, salt: bytes) -> tuple[bytes, bytes]:
    material = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    derived = Scrypt(salt=salt, length=64, n=2**SCRYPT_LOG2_N, r=SCRYPT_R, p=SCRYPT_P).derive(material)
    check = hmac.new(derived[32:], b"spmsync key check", hashlib.sha256).digest()[:16]
    return derived[:32], check


def check_passphrase(passphrase: str) -> str:
    if not passphrase:
        raise PackageRefused("Frasa sandi sinkronisasi belum diatur. Isi frasa sandi kantor di halaman "
                             "Sinkronisasi (atau berikan --passphrase-file).", "passphrase")
    if len(passphrase) < MIN_PASSPHRASE:
        raise PackageRefused(f"Frasa sandi sinkronisasi minimal {MIN_PASSPHRASE} karakter.", "passphrase")
    return passphrase


def plain_limit(body_len: int) -> int:
    """The largest plaintext a body of ``body_len`` bytes may inflate to."""
    return min(MAX_PLAIN_BYTES, max(FLOOR_PLAIN_BYTES, MAX_RATIO * body_len))


def _too_large_plain(plain_len: int, body_len: int) -> PackageRefused:
    return PackageRefused(MSG_TOO_LARGE.format(size=f"{_mib(plain_len)} setelah dibuka",
                                               limit=_mib(plain_limit(body_len))))


def seal(plaintext: bytes, passphrase: str) -> bytes:
    """Compress and encrypt ``plaintext``; returns the whole file content."""
    check_passphrase(passphrase)
    salt, nonce = os.urandom(16), os.urandom(12)
    key, key_check = _derive(passphrase, salt)
    body_plain = zlib.compress(plaintext, 6)
    body_len = len(body_plain) + 16
    if HEADER.size + body_len > MAX_PACKAGE_BYTES:
        raise PackageRefused(MSG_TOO_LARGE.format(size=_mib(HEADER.size + body_len), limit=_mib(MAX_PACKAGE_BYTES)))
    if len(plaintext) > plain_limit(body_len):
        raise _too_large_plain(len(plaintext), body_len)
    header = HEADER.pack(MAGIC, FORMAT_VERSION, salt, nonce, key_check, len(plaintext), body_len)
    return header + AESGCM(key).encrypt(nonce, body_plain, header)


def read_file_guarded(path: os.PathLike | str) -> bytes:
    """Read a package file, refusing one larger than the limit before reading it."""
    try:
        size = os.path.getsize(path)
        if size > MAX_PACKAGE_BYTES:
            raise PackageRefused(MSG_TOO_LARGE.format(size=_mib(size), limit=_mib(MAX_PACKAGE_BYTES)))
        with open(path, "rb") as fh:
            return fh.read(MAX_PACKAGE_BYTES + 1)
    except OSError as exc:
        raise PackageRefused(f"Berkas paket {path} tidak bisa dibaca: {exc.strerror}.", "file") from exc


def unseal(data: bytes, passphrase: str) -> bytes:
    """Authenticate, decrypt and inflate a package; refuses with an Indonesian message.

    Everything before the key derivation is a few comparisons on the header; the derivation
    costs the same for every file of a format version."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageRefused(MSG_TOO_LARGE.format(size=_mib(len(data)), limit=_mib(MAX_PACKAGE_BYTES)))
    if len(data) < len(MAGIC) or data[: len(MAGIC)] != MAGIC:
        raise PackageRefused(MSG_NOT_PACKAGE)
    if len(data) < PREFIX.size:
        raise PackageRefused(MSG_TRUNCATED)
    _magic, fmt = PREFIX.unpack_from(data)
    if fmt > FORMAT_VERSION:
        raise PackageRefused(MSG_NEWER_FORMAT)
    if fmt < FORMAT_VERSION:
        raise PackageRefused(MSG_OLDER_FORMAT.format(fmt=fmt))
    if len(data) < HEADER.size:
        raise PackageRefused(MSG_TRUNCATED)
    header = data[: HEADER.size]
    _magic, _fmt, salt, nonce, key_check, plain_len, body_len = HEADER.unpack(header)
    if body_len > MAX_PACKAGE_BYTES or body_len < 16:
        raise PackageRefused(MSG_MALFORMED.format(detail="ukuran isi tidak masuk akal"))
    actual = len(data) - HEADER.size
    if actual < body_len:
        raise PackageRefused(MSG_TRUNCATED)
    if actual > body_len:
        raise PackageRefused(MSG_TAMPERED)
    if plain_len > plain_limit(body_len):
        raise _too_large_plain(plain_len, body_len)
    check_passphrase(passphrase)
    key, expected_check = _derive(passphrase, salt)
    if not hmac.compare_digest(key_check, expected_check):
        raise PackageRefused(MSG_WRONG_PASSPHRASE, "passphrase")
    try:
        compressed = AESGCM(key).decrypt(nonce, data[HEADER.size:], header)
    except InvalidTag:
        raise PackageRefused(MSG_TAMPERED) from None
    return inflate(compressed, plain_len)


def inflate(compressed: bytes, plain_len: int) -> bytearray:
    """Inflate ``compressed``, which must give exactly ``plain_len`` bytes: streamed one input
    chunk at a time into one buffer of ``plain_len`` bytes, each step's output bounded by the
    room left, stopped as soon as the output would pass ``plain_len``."""
    inflater = zlib.decompressobj()
    out = bytearray(plain_len)
    target = memoryview(out)
    filled = 0
    view = memoryview(compressed)
    consumed_all = True
    try:
        for start in range(0, len(view), INFLATE_IN_CHUNK):
            if inflater.eof:
                consumed_all = False
                break
            pending = view[start:start + INFLATE_IN_CHUNK]
            while pending and not inflater.eof:
                # Ask for one byte more than the room left: getting it means a bomb.
                piece = inflater.decompress(pending, min(plain_len - filled + 1, INFLATE_OUT_STEP))
                if filled + len(piece) > plain_len:
                    raise _bomb(plain_len)
                target[filled:filled + len(piece)] = piece
                filled += len(piece)
                pending = inflater.unconsumed_tail
        if not inflater.eof:
            raise PackageRefused(MSG_MALFORMED.format(detail="data terkompresi tidak lengkap"))
        if inflater.unused_data or not consumed_all:
            raise PackageRefused(MSG_MALFORMED.format(detail="data sesudah akhir data terkompresi"))
    except zlib.error:
        raise PackageRefused(MSG_MALFORMED.format(detail="data terkompresi rusak")) from None
    finally:
        target.release()
    if filled != plain_len:
        raise PackageRefused(MSG_MALFORMED.format(detail="ukuran isi tidak cocok dengan kepala berkas"))
    return out


def _bomb(plain_len: int) -> PackageRefused:
    return PackageRefused(MSG_TOO_LARGE.format(size=f"lebih dari {_mib(plain_len)} setelah dibuka (bom kompresi)",
                                               limit=_mib(plain_len)))
