"""Work before authentication is bounded (issue 17): the scrypt and zlib bombs of the
adversarial test are refused in under a second and under 100 MB, measured in a fresh
process: the CPU time of the call (the machine running the tests is shared, so its wall time
is reported but not asserted) and the growth of the peak resident memory."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from spm_desktop.core.sync import envelope
from spm_desktop.core.sync.envelope import HEADER, MAGIC, DeviceKeys, PackageRefused

ROOT = Path(__file__).resolve().parents[3]
MB = 1024 * 1024

MEASURE = textwrap.dedent("""
    import json, resource, sys, time
    from spm_desktop.core.sync import envelope

    path, sign, box = sys.argv[1:4]
    keys = envelope.DeviceKeys.from_raw(bytes.fromhex(sign), bytes.fromhex(box))  # the recipient's
    data = envelope.read_file_guarded(path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    try:
        # (the importer looks the sender up among the enrolled devices between these two calls)
        envelope.unseal(data, envelope.read_header(data), keys)
        message = ""
    except envelope.PackageRefused as exc:
        message = str(exc)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({"seconds": cpu, "wall_seconds": wall, "grown_mb": grown / 1024, "message": message}))
""")


SENDER, RECIPIENT = DeviceKeys.generate(), DeviceKeys.generate()


def _raw(key) -> str:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()


def measure(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE, str(path), _raw(RECIPIENT.sign), _raw(RECIPIENT.box)],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def zero_bomb(repeats: int) -> bytes:
    """A zlib stream of ``repeats`` × 64 MB of zeros, made without compressing them all: after
    a full flush the compressor's output for the same input repeats byte for byte. (The
    stream's checksum is never reached: a bomb is refused long before its end.)"""
    chunk = bytes(64 * MB)
    c = zlib.compressobj(9)
    first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    steady = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    return first + steady * (repeats - 1) + c.flush()


def seal_raw(compressed: bytes, plain_len: int) -> bytes:
    """A package an enrolled device could craft: authentic, any content."""
    ephemeral, nonce = X25519PrivateKey.generate(), os.urandom(12)
    eph_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    header = HEADER.pack(MAGIC, envelope.FORMAT_VERSION, SENDER.sign_public, RECIPIENT.box_public, eph_public, nonce,
                         plain_len, len(compressed) + 16)
    key = envelope._key(ephemeral.exchange(X25519PublicKey.from_public_bytes(RECIPIENT.box_public)), header)
    body = AESGCM(key).encrypt(nonce, compressed, header)
    return header + SENDER.sign.sign(envelope._signed_message(header, body)) + body


@pytest.fixture(scope="module")
def bomb_stream() -> bytes:
    stream = zero_bomb(64)  # 4.3 GB of zeros in about 4 MB
    assert len(stream) < 5 * MB
    return stream


def test_zlib_bomb_that_says_its_size_is_refused_before_inflating(tmp_path, bomb_stream):
    path = tmp_path / "bomb.spmsync"
    path.write_bytes(seal_raw(bomb_stream, 64 * 64 * MB))
    got = measure(path)
    assert "terlalu besar" in got["message"]
    assert got["seconds"] < 1.0 and got["grown_mb"] < 100, got


def test_zlib_bomb_that_lies_about_its_size_stops_at_the_size(tmp_path, bomb_stream):
    # It claims the most a body of its size may inflate to: inflating stops right there.
    body_len = len(bomb_stream) + 16
    path = tmp_path / "liar.spmsync"
    path.write_bytes(seal_raw(bomb_stream, envelope.plain_limit(body_len)))
    got = measure(path)
    assert "bom kompresi" in got["message"]
    assert got["seconds"] < 1.0 and got["grown_mb"] < 100, got


def test_scrypt_cost_in_a_crafted_header_is_never_used(tmp_path):
    # Format 1 read the scrypt cost from the header: 2**20, r=16, p=4 cost 2.1 GB and 36 s.
    # Format 3 has no key derivation to tune; an old header is refused on its format number.
    old = struct.pack(">8sHBBB16s12s16sQ", MAGIC, 1, 20, 16, 4, os.urandom(16), os.urandom(12), os.urandom(16), 64)
    path = tmp_path / "scrypt.spmsync"
    path.write_bytes(old + os.urandom(64))
    got = measure(path)
    assert "versi SPM Desktop yang lebih lama" in got["message"]
    assert got["seconds"] < 1.0 and got["grown_mb"] < 100, got


def test_a_random_package_costs_one_hash_and_one_signature_check(tmp_path):
    # Whatever the header says, a forged package costs a SHA-256 of its body and one Ed25519
    # verification (the sender must also be enrolled: checked before, by the importer).
    fake = HEADER.pack(MAGIC, envelope.FORMAT_VERSION, SENDER.sign_public, RECIPIENT.box_public, os.urandom(32),
                       os.urandom(12), 1000, 4 * MB)
    path = tmp_path / "random.spmsync"
    path.write_bytes(fake + os.urandom(64) + os.urandom(4 * MB))
    got = measure(path)
    assert "Paket telah berubah atau rusak" in got["message"]
    assert got["seconds"] < 1.0 and got["grown_mb"] < 100, got


def test_inflate_checks_the_size_exactly():
    data = zlib.compress(b"x" * 1000)
    assert envelope.inflate(data, 1000) == b"x" * 1000
    with pytest.raises(PackageRefused, match="bom kompresi"):
        envelope.inflate(data, 999)
    with pytest.raises(PackageRefused, match="tidak cocok"):
        envelope.inflate(data, 1001)
    with pytest.raises(PackageRefused, match="sesudah akhir"):
        envelope.inflate(data + b"extra", 1000)
    with pytest.raises(PackageRefused, match="tidak lengkap"):
        envelope.inflate(data[:-6], 1000)


def test_plain_size_is_bounded_by_the_body():
    assert envelope.plain_limit(1000) == envelope.FLOOR_PLAIN_BYTES
    assert envelope.plain_limit(10 * MB) == envelope.MAX_RATIO * 10 * MB
    assert envelope.plain_limit(envelope.MAX_PACKAGE_BYTES) == envelope.MAX_PLAIN_BYTES
