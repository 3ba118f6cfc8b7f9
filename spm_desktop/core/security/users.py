"""User accounts: first administrator, login with lock-out.

Every function is one transaction and writes its audit entry (login and failed login too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import ConflictError, DomainError, ValidationError
from spm_desktop.core.security import audit
from spm_desktop.core.security.passwords import check_password_rules, hash_password, verify_password
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import User

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15


@dataclass(frozen=True)
class UserInfo:
    id: str
    username: str
    full_name: str
    nip: str
    role: str
    unit: str
    kecamatan_code: str | None
    active: bool
    locked_until: datetime | None

    def actor(self) -> Actor:
        return Actor(username=self.username, role=self.role, user_id=self.id, full_name=self.full_name,
                     unit=self.unit, kecamatan_code=self.kecamatan_code)


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.username, user.full_name, user.nip, user.role, user.unit,
                    user.kecamatan_code, user.active, user.locked_until)


def _user_snapshot(user: User) -> dict:
    data = audit.snapshot(user)
    data.pop("password_hash", None)
    return data


def has_users(db: Database) -> bool:
    with db.reading() as s:
        return bool(s.scalar(select(func.count()).select_from(User).where(User.role != "system")))


def create_first_admin(db: Database, username: str, full_name: str, password: str, nip: str = "") -> UserInfo:
    """The first run's administrator. Refused once any user exists (no default password)."""
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("_", "").isalnum():
        raise ValidationError("Nama pengguna hanya boleh huruf, angka, titik dan garis bawah.", "username")
    if not full_name.strip():
        raise ValidationError("Nama lengkap wajib diisi.", "full_name")
    check_password_rules(password, username)
    with db.transaction(SYSTEM) as s:
        if s.scalar(select(func.count()).select_from(User)):
            raise ConflictError("Administrator sudah dibuat; masuk dengan akun yang ada.")
        user = User(username=username, full_name=full_name.strip(), nip=nip.strip(), role="admin",
                    password_hash=hash_password(password))
        s.add(user)
        s.flush()
        audit.record(s, "create", "user", user.id, after=_user_snapshot(user))
        return _info(user)


def authenticate(db: Database, username: str, password: str, now: datetime | None = None) -> UserInfo:
    """Check a login. Five failures in a row lock the account for 15 minutes."""
    now = now or utcnow()
    username = username.strip().lower()
    refused = DomainError("Nama pengguna atau kata sandi salah.", "password")
    with db.transaction(Actor(username=username or "?", role="anonymous")) as s:
        user = s.scalars(select(User).where(User.username == username)).first()
        if user is None or not user.active or user.role == "system":
            audit.record(s, "login_failed", "user", user.id if user else "", after={"username": username})
            failure = refused
        elif user.locked_until and user.locked_until > now:
            minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            audit.record(s, "login_failed", "user", user.id, after={"reason": "locked"})
            failure = DomainError(
                f"Akun dikunci karena {MAX_FAILED_LOGINS} kali salah kata sandi. "
                f"Coba lagi dalam {minutes} menit atau hubungi administrator.", "password")
        elif not verify_password(user.password_hash, password):
            user.failed_attempts += 1
            if user.failed_attempts >= MAX_FAILED_LOGINS:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_attempts = 0
            audit.record(s, "login_failed", "user", user.id, after={"reason": "password"})
            failure = refused
        else:
            user.failed_attempts = 0
            user.locked_until = None
            user.last_login_at = now
            audit.record(s, "login", "user", user.id)
            return _info(user)
    # Outside the transaction: the failure count and audit entry are committed first.
    raise failure
