"""``spm.keys``: the wrapped database keys and the login counters beside an encrypted SQLite file.

The SQLite database (and every backup of it) is encrypted by SQLCipher under one random
256-bit **database key** made at ``init``. That key is never stored in the clear: ``spm.keys``
holds it *wrapped* — AES-256-GCM under a key-encryption key derived with Argon2id — once per
user password and once under the **recovery key** shown once at ``init``. Logging in unwraps
the database key with the typed password before the database is opened.

File format (JSON, owner-only, replaced atomically)::

    {"format": "spm.keys/1",
     "key_id": hex,                 # HMAC(db key, "key id"): which database key this file wraps
     "generation": n,               # +1 on every authenticated rewrite
     "entries": {ENTRY_ID: {"kind": "user"|"recovery", "salt", "nonce", "ct",
                            "t", "m", "p",        # Argon2id time, memory (KiB), parallelism
                            "one_time": bool}},   # a password set by an administrator
     "mac": hex,                    # HMAC-SHA256 over everything above, key derived from the db key
     "pending": [{"entry": ENTRY_ID or "", "at": iso, "reason": ...}]}   # NOT authenticated

Entry ids of users are a hash of the username (the file does not list usernames in the
clear; it is not meant to keep them secret). The AES-GCM associated data binds each wrapped
key to its entry id and cost parameters, so an entry cannot be moved to another user.

**What the MAC can and cannot do** (issue 18, "think this through"): the MAC key is derived
from the database key, so it can only be checked after a successful unwrap and only written
by a process that holds the key. It therefore protects the authenticated part — the set of
entries, their one-time flags and cost parameters, the key id, the generation — against edits:
a login whose unwrap succeeds but whose MAC does not match is refused (the recovery key path,
``recover``, rewrites the file). A *failed* login happens without the key, so the failure
counters it writes (``pending``) cannot be authenticated: deleting them ends a lock-out early.
That is no loss: someone who can edit ``spm.keys`` can also copy it and guess passwords
offline, where no counter applies; the Argon2id cost of every guess is the protection there,
and the lock-out protects the login screen. Pending failures are written to the audit trail
(``login_failed``, ``recorded_before_open``) at the next successful login and then cleared.

Cost parameters are stored per entry and never trusted below :data:`FLOOR` (a file edited to
``t=1, m=8`` is refused, not obeyed). New entries use :data:`DEFAULT_COST`; the environment
variable ``SPM_KDF_COST=minimum`` makes new entries with :data:`FLOOR` instead — the test
suite sets it to keep its hundreds of logins fast (real Argon2id, the same code path, the
smallest cost this program accepts).

A password change does not change the database key (that would re-encrypt the file): someone
who kept a copy of an old ``spm.keys`` *and* knows the old password can still decrypt a copy
of the database made before the change.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from spm_desktop.core.domain.errors import DomainError

KEYS_FILENAME = "spm.keys"
FORMAT = "spm.keys/1"
RECOVERY_ENTRY = "recovery"
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
MAX_PENDING = 1000
COST_ENV = "SPM_KDF_COST"


@dataclass(frozen=True)
class Cost:
    t: int  # Argon2id passes
    m: int  # memory in KiB
    p: int  # lanes

    def at_least_floor(self) -> bool:
        return self.t >= FLOOR.t and self.m >= FLOOR.m and self.p >= FLOOR.p


FLOOR = Cost(2, 19_456, 1)  # OWASP's minimum for Argon2id (19 MiB, 2 passes)
DEFAULT_COST = Cost(3, 65_536, 4)  # RFC 9106 "low memory" profile, argon2-cffi's default for passwords


def configured_cost() -> Cost:
    return FLOOR if os.environ.get(COST_ENV, "").strip().lower() == "minimum" else DEFAULT_COST


class KeysError(DomainError):
    """spm.keys missing, unreadable or not matching."""


WRONG_LOGIN = "Nama pengguna atau kata sandi salah."
NO_WRAPPED_KEY = ("Kata sandi akun ini belum dapat membuka basis data terenkripsi (akun dibuat sebelum enkripsi "
                  "atau dinonaktifkan). Minta administrator mengatur ulang kata sandi Anda (kata sandi sekali pakai).")
TAMPERED = ("Berkas kunci spm.keys telah diubah di luar aplikasi (tanda keasliannya tidak cocok). Basis data tidak "
            "dibuka. Administrator dapat memulihkannya dengan kunci pemulihan: spm-desktop recover.")


def keys_path_for(db_file: Path) -> Path:
    return Path(db_file).with_name(KEYS_FILENAME)


def entry_id(username: str) -> str:
    digest = hashlib.sha256(b"spm.keys user\0" + username.strip().lower().encode("utf-8")).hexdigest()
    return "u-" + digest[:32]


def key_id(db_key: bytes) -> str:
    return hmac.new(db_key, b"spm.keys key id", hashlib.sha256).hexdigest()[:32]


def _mac_key(db_key: bytes) -> bytes:
    return hmac.new(db_key, b"spm.keys mac v1", hashlib.sha256).digest()


def new_db_key() -> bytes:
    return secrets.token_bytes(32)


# ----- recovery key ------------------------------------------------------------------------

def new_recovery_key() -> str:
    """256 random bits as 13 groups of 4 base32 characters (``ABCD-EFGH-…``), to print and keep."""
    text = base64.b32encode(secrets.token_bytes(32)).decode().rstrip("=")  # 52 characters
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def normalise_recovery_key(text: str) -> str:
    """What was typed or read from a file, without spaces, dashes and case differences."""
    return "".join(ch for ch in text.upper() if ch.isalnum()).replace("0", "O").replace("1", "I").replace("8", "B")


# ----- wrapping ----------------------------------------------------------------------------

def _kek(secret: str, salt: bytes, cost: Cost) -> bytes:
    return hash_secret_raw(secret.encode("utf-8"), salt, time_cost=cost.t, memory_cost=cost.m,
                           parallelism=cost.p, hash_len=32, type=Type.ID)


def _aad(eid: str, cost: Cost) -> bytes:
    return f"{FORMAT}|{eid}|{cost.t}|{cost.m}|{cost.p}".encode()


def wrap(db_key: bytes, eid: str, secret: str, kind: str, cost: Cost | None = None, one_time: bool = False) -> dict:
    cost = cost or configured_cost()
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    ct = AESGCM(_kek(secret, salt, cost)).encrypt(nonce, db_key, _aad(eid, cost))
    return {"kind": kind, "salt": salt.hex(), "nonce": nonce.hex(), "ct": ct.hex(), "t": cost.t, "m": cost.m,
            "p": cost.p, "one_time": bool(one_time)}


def unwrap(entry: dict, eid: str, secret: str) -> bytes | None:
    """The database key, or None when ``secret`` is wrong. Cost below the floor: KeysError."""
    try:
        cost = Cost(int(entry["t"]), int(entry["m"]), int(entry["p"]))
        salt, nonce, ct = bytes.fromhex(entry["salt"]), bytes.fromhex(entry["nonce"]), bytes.fromhex(entry["ct"])
    except (KeyError, ValueError, TypeError) as exc:
        raise KeysError(TAMPERED) from exc
    if not cost.at_least_floor() or len(salt) < 16:
        raise KeysError(TAMPERED)
    try:
        return AESGCM(_kek(secret, salt, cost)).decrypt(nonce, ct, _aad(eid, cost))
    except InvalidTag:
        return None


_DUMMY = {"salt": "00" * 16}


def _dummy_work() -> None:
    """The Argon2id work of one unwrap, for refusals that need none (unknown user, lock-out):
    every refusal takes as long as a wrong password."""
    _kek("tidak-dipakai", bytes(16), configured_cost())


# ----- the file ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Unlocked:
    """A successful unwrap: the key and what the login must do next."""
    db_key: bytes
    entry: str
    one_time: bool  # the password was set by an administrator: the user must choose a new one
    pending: tuple[dict, ...]  # failed logins recorded in spm.keys since the last successful one


def _canonical(data: dict) -> bytes:
    body = {k: data[k] for k in ("format", "key_id", "generation", "entries")}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _now() -> datetime:
    from spm_desktop.core.storage.base import utcnow

    return utcnow()


class KeyStore:
    """Reads and writes one ``spm.keys`` file."""

    def __init__(self, path: Path | None, data: dict | None = None) -> None:
        """``path``: the file; or ``data``: the keys carried by a backup (kept in memory)."""
        self.path = Path(path) if path is not None else None
        self._data = data

    def exists(self) -> bool:
        return self._data is not None or (self.path is not None and self.path.is_file())

    # -- raw file --
    def load(self) -> dict:
        if self.path is None:
            data = json.loads(json.dumps(self._data or {}))
            if data.get("format") != FORMAT or not isinstance(data.get("entries"), dict):
                raise KeysError(TAMPERED)
            data.setdefault("pending", [])
            return data
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise KeysError(f"Berkas kunci {self.path.name} tidak ditemukan di {self.path.parent}; basis data "
                            "terenkripsi tidak bisa dibuka tanpanya (pulihkan dari cadangan).") from exc
        except (OSError, ValueError) as exc:
            raise KeysError(TAMPERED) from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("entries"), dict):
            raise KeysError(TAMPERED)
        data.setdefault("pending", [])
        return data

    def _save(self, data: dict) -> None:
        if self.path is None:
            self._data = data
            return
        write_private(self.path, json.dumps(data, indent=1, sort_keys=True).encode())

    def _seal(self, data: dict, db_key: bytes) -> None:
        data["generation"] = int(data.get("generation", 0)) + 1
        data["key_id"] = key_id(db_key)
        data["mac"] = hmac.new(_mac_key(db_key), _canonical(data), hashlib.sha256).hexdigest()
        self._save(data)

    def verify(self, data: dict, db_key: bytes) -> None:
        expected = hmac.new(_mac_key(db_key), _canonical(data), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, str(data.get("mac", ""))) or data.get("key_id") != key_id(db_key):
            raise KeysError(TAMPERED)

    # -- creation and authenticated changes (the caller holds the key) --
    def create(self, db_key: bytes, username: str, password: str, recovery_key: str) -> None:
        data = {"format": FORMAT, "generation": 0, "entries": {
            entry_id(username): wrap(db_key, entry_id(username), password, "user"),
            RECOVERY_ENTRY: wrap(db_key, RECOVERY_ENTRY, normalise_recovery_key(recovery_key), "recovery"),
        }, "pending": []}
        self._seal(data, db_key)

    def set_password(self, db_key: bytes, username: str, password: str, one_time: bool = False) -> None:
        """Wrap the key under ``username``'s new password (replacing the old wrapping)."""
        data = self.load()
        self.verify(data, db_key)
        eid = entry_id(username)
        data["entries"][eid] = wrap(db_key, eid, password, "user", one_time=one_time)
        data["pending"] = [p for p in data["pending"] if p.get("entry") != eid]
        self._seal(data, db_key)

    def remove_user(self, db_key: bytes, username: str) -> None:
        data = self.load()
        self.verify(data, db_key)
        if data["entries"].pop(entry_id(username), None) is not None:
            self._seal(data, db_key)

    def has_user(self, username: str) -> bool:
        return entry_id(username) in self.load()["entries"]

    # -- login --
    def locked_until(self, data: dict, eid: str) -> datetime | None:
        failures = [p for p in data["pending"] if p.get("entry") == eid and p.get("reason") == "password"]
        if len(failures) < MAX_FAILED_LOGINS:
            return None
        nth = failures[MAX_FAILED_LOGINS * (len(failures) // MAX_FAILED_LOGINS) - 1]
        try:
            return datetime.fromisoformat(nth["at"]) + timedelta(minutes=LOCK_MINUTES)
        except (KeyError, ValueError):
            return None

    def _record_failure(self, eid: str, reason: str, now: datetime) -> None:
        with contextlib.suppress(KeysError):
            data = self.load()
            failure = {"entry": eid, "at": now.isoformat(), "reason": reason}
            data["pending"] = (data["pending"] + [failure])[-MAX_PENDING:]
            with contextlib.suppress(OSError):  # a read-only folder: the refusal still stands
                self._save(data)

    def unlock(self, username: str, password: str, now: datetime | None = None) -> Unlocked:
        """Unwrap with a user's password. Wrong password, unknown user, lock-out: DomainError
        (all after the same Argon2id work), recorded in ``pending``."""
        now = now or _now()
        data = self.load()
        eid = entry_id(username)
        entry = data["entries"].get(eid)
        if entry is None or entry.get("kind") != "user":
            _dummy_work()
            self._record_failure("", "unknown", now)
            raise DomainError(WRONG_LOGIN, "password")
        until = self.locked_until(data, eid)
        if until is not None and until > now:
            _dummy_work()
            self._record_failure(eid, "locked", now)
            minutes = max(1, int((until - now).total_seconds() // 60) + 1)
            raise DomainError(f"Akun dikunci karena {MAX_FAILED_LOGINS} kali salah kata sandi. Coba lagi dalam "
                              f"{minutes} menit atau hubungi administrator.", "password")
        db_key = unwrap(entry, eid, password)
        if db_key is None:
            self._record_failure(eid, "password", now)
            raise DomainError(WRONG_LOGIN, "password")
        self.verify(data, db_key)
        return Unlocked(db_key, eid, bool(entry.get("one_time")), tuple(data["pending"]))

    def unlock_recovery(self, recovery_key: str) -> bytes:
        """Unwrap with the recovery key (the MAC is not required: this is the way back from a
        damaged or tampered file; the AES-GCM tag proves the key)."""
        data = self.load()
        entry = data["entries"].get(RECOVERY_ENTRY)
        if entry is None:
            raise KeysError("Berkas kunci tidak memuat kunci pemulihan.")
        db_key = unwrap(entry, RECOVERY_ENTRY, normalise_recovery_key(recovery_key))
        if db_key is None:
            raise DomainError("Kunci pemulihan salah.", "recovery_key")
        return db_key

    def login_succeeded(self, db_key: bytes, eid: str) -> None:
        """Clear this user's failures and the failures already written to the audit trail."""
        data = self.load()
        self.verify(data, db_key)
        data["pending"] = []
        self._seal(data, db_key)

    def rebuild(self, db_key: bytes, recovery_key: str, username: str, password: str) -> None:
        """After ``recover``: keep every entry that is well formed, replace the administrator's
        and the recovery wrapping, clear the counters and seal the file again."""
        try:
            old = self.load()["entries"]
        except KeysError:
            old = {}
        entries = {eid: e for eid, e in old.items() if isinstance(e, dict) and e.get("kind") == "user"}
        entries[entry_id(username)] = wrap(db_key, entry_id(username), password, "user")
        entries[RECOVERY_ENTRY] = wrap(db_key, RECOVERY_ENTRY, normalise_recovery_key(recovery_key), "recovery")
        self._seal({"format": FORMAT, "generation": 0, "entries": entries, "pending": []}, db_key)


def write_private(path: Path, content: bytes) -> None:
    """Write ``path`` owner-only and atomically (temporary file, fsync, rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
