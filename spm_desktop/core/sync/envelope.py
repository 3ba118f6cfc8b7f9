"""The encrypted envelope of a ``.spmsync`` file.

Layout (all integers big-endian)::

    magic      8 bytes   b"SPMSYNC\\0"
    format     u16       envelope/package format version
    log2_n     u8        scrypt cost (n = 2**log2_n)
    r, p       u8, u8    scrypt block size and parallelism
    salt       16 bytes  random per package
    nonce      12 bytes  random per package
    key_check  16 bytes  proves the passphrase before decrypting (tells "wrong passphrase"
                         apart from "modified file")
    body_len   u64       length of the AES-GCM body (ciphertext + 16-byte tag)
    body       body_len bytes

The whole header is the AES-GCM associated data, so changing any byte of the file - header
or body - fails authentication. The plaintext is zlib-compressed; it is only inflated after
authentication, and never beyond :data:`MAX_PLAIN_BYTES`.
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
FORMAT_VERSION = 1
HEADER = struct.Struct(">8sHBBB16s12s16sQ")
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 15, 8, 1
# Bounds accepted when reading, so a crafted header cannot make scrypt eat the machine.
_LOG2_N_RANGE, _R_RANGE, _P_RANGE = range(14, 21), range(1, 17), range(1, 5)
# A package of the whole city (100,000 persons, 1,000,000 events) compresses to well under this.
MAX_PACKAGE_BYTES = 512 * 1024 * 1024
MAX_PLAIN_BYTES = 2 * 1024 * 1024 * 1024
MIN_PASSPHRASE = 8


class PackageRefused(DomainError):
    """A package that must not be applied; the message tells the user why."""


MSG_NOT_PACKAGE = "Berkas ini bukan paket sinkronisasi SPM Desktop (.spmsync)."
MSG_NEWER_FORMAT = ("Paket dibuat oleh versi SPM Desktop yang lebih baru. Perbarui aplikasi di komputer ini "
                    "terlebih dahulu, lalu impor ulang.")
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
def _derive(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> tuple[bytes, bytes]:
    material = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    derived = Scrypt(salt=salt, length=64, n=2**log2_n, r=r, p=p).derive(material)
    check = hmac.new(derived[32:], b"spmsync key check", hashlib.sha256).digest()[:16]
    return derived[:32], check


def check_passphrase(passphrase: str) -> str:
    if not passphrase:
        raise PackageRefused("Frasa sandi sinkronisasi belum diatur. Isi frasa sandi kantor di halaman "
                             "Sinkronisasi (atau berikan --passphrase-file).", "passphrase")
    if len(passphrase) < MIN_PASSPHRASE:
        raise PackageRefused(f"Frasa sandi sinkronisasi minimal {MIN_PASSPHRASE} karakter.", "passphrase")
    return passphrase


def seal(plaintext: bytes, passphrase: str) -> bytes:
    """Compress and encrypt ``plaintext``; returns the whole file content."""
    check_passphrase(passphrase)
    salt, nonce = os.urandom(16), os.urandom(12)
    key, key_check = _derive(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)
    body_plain = zlib.compress(plaintext, 6)
    body_len = len(body_plain) + 16
    if HEADER.size + body_len > MAX_PACKAGE_BYTES:
        raise PackageRefused(MSG_TOO_LARGE.format(size=_mib(HEADER.size + body_len), limit=_mib(MAX_PACKAGE_BYTES)))
    header = HEADER.pack(MAGIC, FORMAT_VERSION, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P, salt, nonce, key_check, body_len)
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
    """Authenticate, decrypt and inflate a package; refuses with an Indonesian message."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageRefused(MSG_TOO_LARGE.format(size=_mib(len(data)), limit=_mib(MAX_PACKAGE_BYTES)))
    if len(data) < len(MAGIC) or data[: len(MAGIC)] != MAGIC:
        raise PackageRefused(MSG_NOT_PACKAGE)
    if len(data) < HEADER.size:
        raise PackageRefused(MSG_TRUNCATED)
    header = data[: HEADER.size]
    _magic, fmt, log2_n, r, p, salt, nonce, key_check, body_len = HEADER.unpack(header)
    if fmt > FORMAT_VERSION:
        raise PackageRefused(MSG_NEWER_FORMAT)
    if fmt < 1 or log2_n not in _LOG2_N_RANGE or r not in _R_RANGE or p not in _P_RANGE:
        raise PackageRefused(MSG_MALFORMED.format(detail="kepala berkas tidak sah"))
    if body_len > MAX_PACKAGE_BYTES:
        raise PackageRefused(MSG_MALFORMED.format(detail="ukuran isi tidak masuk akal"))
    actual = len(data) - HEADER.size
    if actual < body_len:
        raise PackageRefused(MSG_TRUNCATED)
    if actual > body_len:
        raise PackageRefused(MSG_TAMPERED)
    check_passphrase(passphrase)
    key, expected_check = _derive(passphrase, salt, log2_n, r, p)
    if not hmac.compare_digest(key_check, expected_check):
        raise PackageRefused(MSG_WRONG_PASSPHRASE, "passphrase")
    try:
        compressed = AESGCM(key).decrypt(nonce, data[HEADER.size:], header)
    except InvalidTag:
        raise PackageRefused(MSG_TAMPERED) from None
    return _inflate(compressed)


def _inflate(compressed: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(compressed, MAX_PLAIN_BYTES)
        if inflater.unconsumed_tail:
            raise PackageRefused(MSG_TOO_LARGE.format(size=f"> {_mib(MAX_PLAIN_BYTES)} setelah dibuka",
                                                      limit=_mib(MAX_PLAIN_BYTES)))
        if not inflater.eof:
            raise PackageRefused(MSG_MALFORMED.format(detail="data terkompresi tidak lengkap"))
    except zlib.error:
        raise PackageRefused(MSG_MALFORMED.format(detail="data terkompresi rusak")) from None
    return out
