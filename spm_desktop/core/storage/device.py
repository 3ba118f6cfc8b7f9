"""This database's private keys: an Ed25519 key that signs its change packages and an X25519
key that opens those sent to it (architecture §6), made once and stored base64 in its
``local_device`` row, which never travels. Made when the database is first opened
(:func:`spm_desktop.core.storage.open.ensure_device`) or, for a database from before
enrolment existed, when sync first asks (:func:`spm_desktop.core.sync.identity.ensure_keys`)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from spm_desktop.core.storage.models import LocalDevice


def give_keys(device: LocalDevice) -> bool:
    """Make the device's two private keys when it lacks either; True when they were made."""
    if device.sign_key and device.box_key:
        return False
    raw = (Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    device.sign_key = base64.b64encode(Ed25519PrivateKey.generate().private_bytes(*raw)).decode("ascii")
    device.box_key = base64.b64encode(X25519PrivateKey.generate().private_bytes(*raw)).decode("ascii")
    return True
