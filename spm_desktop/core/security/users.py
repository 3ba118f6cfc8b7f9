"""User accounts: first administrator, login with lock-out.

Every function is one transaction and writes its audit entry (login and failed login too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from spm_desktop.core.domain.groups import ROLES, UNITS
from spm_desktop.core.domain.text import text_problem
from spm_desktop.core.security import audit, vault
from spm_desktop.core.security.passwords import check_password_rules, hash_password, verify_password
from spm_desktop.core.security.permissions import require
from spm_desktop.core.security.scope import TKSK_UNIT
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Region, User

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
IDLE_LOCK_MINUTES = 15  # the window locks after this long without keyboard or mouse
SESSION_EVENTS = ("idle_lock", "logout")


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
    last_login_at: datetime | None = None

    def actor(self) -> Actor:
        return Actor(username=self.username, role=self.role, user_id=self.id, full_name=self.full_name,
                     unit=self.unit, kecamatan_code=self.kecamatan_code)


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.username, user.full_name, user.nip, user.role, user.unit,
                    user.kecamatan_code, user.active, user.locked_until, user.last_login_at)


def _user_snapshot(user: User) -> dict:
    data = audit.snapshot(user)
    data.pop("password_hash", None)
    return data


def has_users(db: Database) -> bool:
    with db.reading() as s:
        return bool(s.scalar(select(func.count()).select_from(User).where(User.role != "system")))


def check_first_admin(username: str, full_name: str, password: str) -> str:
    """The first administrator's input rules (before anything is written); the clean username."""
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("_", "").isalnum():
        raise ValidationError("Nama pengguna hanya boleh huruf, angka, titik dan garis bawah.", "username")
    _check_full_name(full_name)
    check_password_rules(password, username)
    return username


def create_first_admin(db: Database, username: str, full_name: str, password: str, nip: str = "") -> UserInfo:
    """The first run's administrator. Refused once any user exists (no default password). On an
    encrypted database the key is already wrapped under this password (vault.initialize)."""
    username = check_first_admin(username, full_name, password)
    with db.transaction(SYSTEM) as s:
        if s.scalar(select(func.count()).select_from(User)):
            raise ConflictError("Administrator sudah dibuat; masuk dengan akun yang ada.")
        user = User(username=username, full_name=full_name.strip(), nip=nip.strip(), role="admin",
                    password_hash=hash_password(password))
        s.add(user)
        s.flush()
        audit.record(s, "create", "user", user.id, after=_user_snapshot(user))
        return _info(user)


UNKNOWN_USER = "pengguna tidak dikenal"
# Verified when the username is unknown or inactive, so a refusal takes as long as a wrong
# password and the timing does not tell which usernames exist.
_DUMMY_HASH = hash_password("tidak-dipakai-0")


def authenticate(db: Database, username: str, password: str, now: datetime | None = None) -> UserInfo:
    """Check a login. Five failures in a row lock the account for 15 minutes.

    A username that is unknown (or inactive) costs the same password verification as a wrong
    password and is recorded as "pengguna tidak dikenal": what was typed — perhaps the
    password itself, typed into the wrong box — is never stored."""
    now = now or utcnow()
    username = username.strip().lower()
    refused = DomainError("Nama pengguna atau kata sandi salah.", "password")
    with db.reading() as s:
        known = s.scalars(select(User.username).where(User.username == username, User.active.is_(True),
                                                      User.role != "system")).first()
    with db.transaction(Actor(username=known or "", role="anonymous")) as s:
        user = s.scalars(select(User).where(User.username == known)).first() if known else None
        if user is None or not user.active or user.role == "system":
            verify_password(_DUMMY_HASH, password)
            audit.record(s, "login_failed", "user", "", after={"reason": UNKNOWN_USER})
            failure = refused
        elif user.locked_until and user.locked_until > now:
            verify_password(_DUMMY_HASH, password)
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


def verify_login(db: Database, username: str, password: str, now: datetime | None = None) -> UserInfo:
    """The same check as :func:`authenticate` on a database that cannot be written (a read-only
    data folder): nothing is recorded, and a locked account stays locked."""
    now = now or utcnow()
    with db.reading() as s:
        user = s.scalars(select(User).where(User.username == username.strip().lower(), User.active.is_(True),
                                            User.role != "system")).first()
        info = _info(user) if user is not None else None
        password_hash = user.password_hash if user is not None else _DUMMY_HASH
    ok = verify_password(password_hash, password)
    if info is None or not ok:
        raise DomainError("Nama pengguna atau kata sandi salah.", "password")
    if info.locked_until and info.locked_until > now:
        raise DomainError("Akun dikunci karena terlalu sering salah kata sandi; hubungi administrator.", "password")
    return info


# ----- user management (admin) ---------------------------------------------------------

MANAGED_ROLES = tuple(ROLES)  # admin, supervisor, petugas, tksk, viewer (never "system")


def _check_full_name(full_name: str) -> None:
    if not full_name.strip():
        raise ValidationError("Nama lengkap wajib diisi.", "full_name")
    problem = text_problem(full_name, "Nama lengkap")
    if problem:
        raise ValidationError(problem, "full_name")


def _clean_username(username: str) -> str:
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("_", "").isalnum() or len(username) > 64:
        raise ValidationError("Nama pengguna hanya boleh huruf, angka, titik dan garis bawah "
                              "(paling banyak 64 karakter).", "username")
    return username


def _check_role_scope(s, role: str, unit: str, kecamatan_code: str | None) -> tuple[str, str | None]:
    """Validate role + unit/kecamatan; returns the values to store (cleared where unused)."""
    if role not in MANAGED_ROLES:
        raise ValidationError(f"Peran tidak dikenal: {role}.", "role")
    unit = (unit or "").strip().upper()
    kecamatan_code = (kecamatan_code or "").strip() or None
    if role == "petugas":
        if unit not in UNITS:
            raise ValidationError("Petugas layanan harus memiliki unit: " + ", ".join(UNITS) + ".", "unit")
        return unit, None
    if role == "tksk":
        region = s.scalars(select(Region).where(Region.code == kecamatan_code, Region.level == "kecamatan",
                                                Region.deleted_at.is_(None))).first()
        if region is None:
            raise ValidationError("TKSK harus memiliki kecamatan yang terdaftar.", "kecamatan_code")
        return TKSK_UNIT, kecamatan_code
    return "", None


def _get_user(s, user_id: str) -> User:
    user = s.get(User, user_id)
    if user is None or user.role == "system":
        raise NotFoundError("Pengguna tidak ditemukan.")
    return user


def _active_admins(s) -> int:
    return s.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True)))


def list_users(db: Database, actor: Actor, include_inactive: bool = True) -> list[UserInfo]:
    """Every account (never the internal system user), sorted by username."""
    require(actor, "users.manage")
    with db.reading() as s:
        query = select(User).where(User.role != "system").order_by(User.username)
        if not include_inactive:
            query = query.where(User.active.is_(True))
        return [_info(u) for u in s.scalars(query)]


def get_user(db: Database, actor: Actor, user_id: str) -> UserInfo:
    if actor.user_id != user_id:
        require(actor, "users.manage")
    with db.reading() as s:
        return _info(_get_user(s, user_id))


def create_user(db: Database, actor: Actor, username: str, full_name: str, role: str, password: str,
                unit: str = "", kecamatan_code: str | None = None, nip: str = "", one_time: bool = True) -> UserInfo:
    """A new account (admin only). petugas need a unit, tksk a kecamatan. On an encrypted
    database the key is wrapped under ``password``, by default as a one-time password (the
    user chooses their own at the first login)."""
    require(actor, "users.manage")
    username = _clean_username(username)
    _check_full_name(full_name)
    check_password_rules(password, username)
    with db.transaction(actor) as s:
        unit, kecamatan_code = _check_role_scope(s, role, unit, kecamatan_code)
        if s.scalars(select(User).where(User.username == username)).first() is not None:
            raise ConflictError(f"Nama pengguna '{username}' sudah dipakai.", "username")
        user = User(username=username, full_name=full_name.strip(), nip=nip.strip(), role=role, unit=unit,
                    kecamatan_code=kecamatan_code, password_hash=hash_password(password))
        s.add(user)
        s.flush()
        audit.record(s, "create", "user", user.id, after=_user_snapshot(user))
        vault.wrap_password(db, username, password, one_time=one_time)  # last: commits right after
        return _info(user)


def update_user(db: Database, actor: Actor, user_id: str, *, full_name: str | None = None,
                nip: str | None = None, role: str | None = None, unit: str | None = None,
                kecamatan_code: str | None = None) -> UserInfo:
    """Change name, NIP, role and unit/kecamatan (admin only). The last active admin keeps its role."""
    require(actor, "users.manage")
    with db.transaction(actor) as s:
        user = _get_user(s, user_id)
        before = _user_snapshot(user)
        new_role = role if role is not None else user.role
        new_unit, new_kec = _check_role_scope(
            s, new_role, unit if unit is not None else user.unit,
            kecamatan_code if kecamatan_code is not None else user.kecamatan_code)
        if user.role == "admin" and new_role != "admin" and user.active and _active_admins(s) <= 1:
            raise ConflictError("Administrator aktif terakhir tidak boleh diubah perannya.", "role")
        if full_name is not None:
            _check_full_name(full_name)
            user.full_name = full_name.strip()
        if nip is not None:
            user.nip = nip.strip()
        user.role, user.unit, user.kecamatan_code = new_role, new_unit, new_kec
        user.updated_at = utcnow()
        s.flush()
        audit.record(s, "update", "user", user.id, before=before, after=_user_snapshot(user))
        return _info(user)


def set_user_active(db: Database, actor: Actor, user_id: str, active: bool) -> UserInfo:
    """Deactivate (or reactivate) an account; accounts are never deleted (the audit names them)."""
    require(actor, "users.manage")
    with db.transaction(actor) as s:
        user = _get_user(s, user_id)
        if not active and user.id == actor.user_id:
            raise ConflictError("Anda tidak dapat menonaktifkan akun Anda sendiri.")
        if not active and user.role == "admin" and user.active and _active_admins(s) <= 1:
            raise ConflictError("Administrator aktif terakhir tidak boleh dinonaktifkan.")
        before = _user_snapshot(user)
        user.active = active
        if active:
            user.failed_attempts = 0
            user.locked_until = None
        user.updated_at = utcnow()
        s.flush()
        audit.record(s, "activate" if active else "deactivate", "user", user.id, before=before,
                     after=_user_snapshot(user))
        if not active:  # a deactivated password no longer opens the database file
            vault.remove_password(db, user.username)
        return _info(user)


def deactivate_user(db: Database, actor: Actor, user_id: str) -> UserInfo:
    return set_user_active(db, actor, user_id, False)


def reset_password(db: Database, actor: Actor, user_id: str, new_password: str) -> UserInfo:
    """An admin sets a new password for someone (also lifts a lock-out)."""
    require(actor, "users.manage")
    with db.transaction(actor) as s:
        user = _get_user(s, user_id)
        check_password_rules(new_password, user.username)
        user.password_hash = hash_password(new_password)
        user.failed_attempts = 0
        user.locked_until = None
        user.updated_at = utcnow()
        audit.record(s, "reset_password", "user", user.id)
        # A one-time password: the key is wrapped under it, and the next login asks for a new one.
        vault.wrap_password(db, user.username, new_password, one_time=True)
        return _info(user)


def unlock_user(db: Database, actor: Actor, user_id: str) -> UserInfo:
    """Lift a lock-out before its 15 minutes are over."""
    require(actor, "users.manage")
    with db.transaction(actor) as s:
        user = _get_user(s, user_id)
        user.failed_attempts = 0
        user.locked_until = None
        user.updated_at = utcnow()
        audit.record(s, "unlock", "user", user.id)
        return _info(user)


def change_own_password(db: Database, actor: Actor, old_password: str, new_password: str) -> None:
    """Any logged-in user changes their own password, proving the old one first."""
    if not actor.user_id:
        raise PermissionDenied("Hanya pengguna yang masuk yang dapat mengganti kata sandinya.")
    with db.transaction(actor) as s:
        user = s.get(User, actor.user_id)
        if user is None or not user.active:
            raise NotFoundError("Pengguna tidak ditemukan atau tidak aktif.")
        if not verify_password(user.password_hash, old_password):
            raise ValidationError("Kata sandi lama salah.", "old_password")
        if old_password == new_password:
            raise ValidationError("Kata sandi baru harus berbeda dengan yang lama.", "password")
        check_password_rules(new_password, user.username)
        user.password_hash = hash_password(new_password)
        user.updated_at = utcnow()
        audit.record(s, "change_password", "user", user.id)
        vault.wrap_password(db, user.username, new_password, one_time=False)  # the old password no longer opens


def verify_current_user(db: Database, actor: Actor, password: str) -> UserInfo:
    """Unlock an idle-locked window: the same user proves the password again (an ordinary
    login, so failures count towards the lock-out and everything is audited)."""
    return authenticate(db, actor.username, password)


def record_session_event(db: Database, actor: Actor, action: str) -> None:
    """Audit an idle lock or a log-out of the logged-in user."""
    if action not in SESSION_EVENTS:
        raise ValueError(f"unknown session event {action}")
    with db.transaction(actor) as s:
        audit.record(s, action, "user", actor.user_id or "")
