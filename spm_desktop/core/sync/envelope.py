"""The signed and encrypted envelope of a ``.spmsync`` file (format 3).

Each installation has two key pairs (made at ``init`` or first start, kept in its own
database): Ed25519 to sign the packages it sends, X25519 to open the packages sent to it. An
administrator enrols the other side's public keys with a role and a scope; there is no shared
passphrase any more. Layout (all integers big-endian)::

    magic      8 bytes   b"SPMSYNC\\0"
    format     u16       envelope/package format version (3)
    sender     32 bytes  the sender's Ed25519 public key (who signed)
    recipient  32 bytes  the recipient's X25519 public key (for whom)
    ephemeral  32 bytes  a fresh X25519 public key per package
    nonce      12 bytes  random per package
    plain_len  u64       length of the plaintext once inflated
    body_len   u64       length of the AES-GCM body (ciphertext + 16-byte tag)
    signature  64 bytes  Ed25519 by ``sender`` over the header above and SHA-256 of the body
    body       body_len bytes: AES-256-GCM (header as associated data) of the zlib-compressed
               plaintext, under HKDF-SHA256 of X25519(ephemeral, recipient)

Work before authentication is bounded (issue 17): there is no key-derivation cost to read from
the file; the header's sizes are checked against the file and against
:data:`MAX_PLAIN_BYTES` and :data:`MAX_RATIO`; the sender must be an enrolled, not revoked
device (a look-up) before the body is hashed and the signature verified; only an authentic
package is decrypted, and inflating is streamed, one input chunk at a time into one buffer of
the authenticated size, stopping as soon as the output would pass it: a decompression bomb
never allocates more than that.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from spm_desktop.core.domain.errors import DomainError

MAGIC = b"SPMSYNC\x00"
FORMAT_VERSION = 3
PREFIX = struct.Struct(">8sH")
HEADER = struct.Struct(">8sH32s32s32s12sQQ")
SIGNATURE_SIZE = 64
PREAMBLE = HEADER.size + SIGNATURE_SIZE  # header and signature: where the body starts
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
_SIGNED = b"spmsync v3 signature"
_KEY_INFO = b"spmsync v3 key"


class PackageRefused(DomainError):
    """A package that must not be applied; the message tells the user why."""


MSG_NOT_PACKAGE = "Berkas ini bukan paket sinkronisasi SPM Desktop (.spmsync)."
MSG_NEWER_FORMAT = ("Paket dibuat oleh versi SPM Desktop yang lebih baru. Perbarui aplikasi di komputer ini "
                    "terlebih dahulu, lalu impor ulang.")
MSG_OLDER_FORMAT = ("Paket dibuat oleh versi SPM Desktop yang lebih lama (format {fmt}). Perbarui SPM Desktop di "
                    "komputer pengirim, lalu buat paket baru.")
MSG_TAMPERED = ("Paket telah berubah atau rusak (isi tidak cocok dengan tanda keasliannya). Jangan dipakai; "
                "minta pengirim membuat paket baru.")
MSG_TRUNCATED = ("Berkas paket terpotong (tidak lengkap), mungkin penyalinan ke flashdisk belum selesai. "
                 "Salin ulang berkasnya atau minta paket baru.")
MSG_TOO_LARGE = "Berkas paket terlalu besar ({size}); batasnya {limit}. Berkas ini ditolak."
MSG_MALFORMED = "Isi paket tidak dikenali atau rusak: {detail}. Minta pengirim membuat paket baru."
MSG_NOT_FOR_ME = ("Paket ini dibuat untuk komputer lain, bukan untuk komputer ini. Minta pengirim membuat paket "
                  "dengan tujuan komputer ini (nama seperti terdaftar di komputer pengirim).")


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


@dataclass(frozen=True)
class DeviceKeys:
    """This installation's private keys."""

    sign: Ed25519PrivateKey
    box: X25519PrivateKey

    @classmethod
    def generate(cls) -> DeviceKeys:
        return cls(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @classmethod
    def from_raw(cls, sign: bytes, box: bytes) -> DeviceKeys:
        return cls(Ed25519PrivateKey.from_private_bytes(sign), X25519PrivateKey.from_private_bytes(box))

    @property
    def sign_public(self) -> bytes:
        return self.sign.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def box_public(self) -> bytes:
        return self.box.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Header:
    sender: bytes  # Ed25519 public key
    recipient: bytes  # X25519 public key
    ephemeral: bytes
    nonce: bytes
    plain_len: int
    body_len: int
    raw: bytes


def fingerprint(sign_public: bytes, box_public: bytes) -> str:
    """A short text to read aloud when enrolling: 20 base-32 characters in groups of four."""
    import base64

    digest = hashlib.sha256(b"spm-desktop identity" + sign_public + box_public).digest()
    text = base64.b32encode(digest).decode()[:20]
    return "-".join(text[i:i + 4] for i in range(0, 20, 4))


def plain_limit(body_len: int) -> int:
    """The largest plaintext a body of ``body_len`` bytes may inflate to."""
    return min(MAX_PLAIN_BYTES, max(FLOOR_PLAIN_BYTES, MAX_RATIO * body_len))


def _too_large_plain(plain_len: int, body_len: int) -> PackageRefused:
    return PackageRefused(MSG_TOO_LARGE.format(size=f"{_mib(plain_len)} setelah dibuka",
                                               limit=_mib(plain_limit(body_len))))


def _key(shared: bytes, header: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO + header).derive(shared)


def _signed_message(header: bytes, body: bytes | memoryview) -> bytes:
    return _SIGNED + header + hashlib.sha256(body).digest()


def seal(plaintext: bytes, sender: DeviceKeys, recipient_box_public: bytes) -> bytes:
    """Compress, encrypt for ``recipient_box_public`` and sign with ``sender``'s key; returns
    the whole file content."""
    ephemeral = X25519PrivateKey.generate()
    nonce = os.urandom(12)
    body_plain = zlib.compress(plaintext, 6)
    body_len = len(body_plain) + 16
    if PREAMBLE + body_len > MAX_PACKAGE_BYTES:
        raise PackageRefused(MSG_TOO_LARGE.format(size=_mib(PREAMBLE + body_len), limit=_mib(MAX_PACKAGE_BYTES)))
    if len(plaintext) > plain_limit(body_len):
        raise _too_large_plain(len(plaintext), body_len)
    ephemeral_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    header = HEADER.pack(MAGIC, FORMAT_VERSION, sender.sign_public, recipient_box_public, ephemeral_public, nonce,
                         len(plaintext), body_len)
    key = _key(ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_box_public)), header)
    body = AESGCM(key).encrypt(nonce, body_plain, header)
    signature = sender.sign.sign(_signed_message(header, body))
    return header + signature + body


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


def read_header(data: bytes) -> Header:
    """The header after the checks that cost nothing (magic, format, sizes against the file)."""
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
    if len(data) < PREAMBLE:
        raise PackageRefused(MSG_TRUNCATED)
    raw = data[: HEADER.size]
    _magic, _fmt, sender, recipient, ephemeral, nonce, plain_len, body_len = HEADER.unpack(raw)
    if body_len > MAX_PACKAGE_BYTES or body_len < 16:
        raise PackageRefused(MSG_MALFORMED.format(detail="ukuran isi tidak masuk akal"))
    actual = len(data) - PREAMBLE
    if actual < body_len:
        raise PackageRefused(MSG_TRUNCATED)
    if actual > body_len:
        raise PackageRefused(MSG_TAMPERED)
    if plain_len > plain_limit(body_len):
        raise _too_large_plain(plain_len, body_len)
    return Header(sender, recipient, ephemeral, nonce, plain_len, body_len, raw)


def unseal(data: bytes, header: Header, keys: DeviceKeys) -> bytearray:
    """Verify the signature of the sender named in ``header`` (the caller has checked that it
    is an enrolled device), decrypt with this device's key and inflate; refuses with an
    Indonesian message. ``header`` comes from :func:`read_header` of the same ``data``."""
    body = memoryview(data)[PREAMBLE:]
    signature = data[HEADER.size:PREAMBLE]
    try:
        Ed25519PublicKey.from_public_bytes(header.sender).verify(signature, _signed_message(header.raw, body))
    except (InvalidSignature, ValueError):
        raise PackageRefused(MSG_TAMPERED) from None
    if header.recipient != keys.box_public:
        raise PackageRefused(MSG_NOT_FOR_ME)
    try:
        shared = keys.box.exchange(X25519PublicKey.from_public_bytes(header.ephemeral))
        compressed = AESGCM(_key(shared, header.raw)).decrypt(header.nonce, bytes(body), header.raw)
    except (InvalidTag, ValueError):
        raise PackageRefused(MSG_TAMPERED) from None
    finally:
        body.release()
    return inflate(compressed, header.plain_len)


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
