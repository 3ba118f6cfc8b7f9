"""User management, login lock-out and unlock time, password rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sec_helpers import KEC, PASSWORD, ROLE_ACTORS, make_admin
from sqlalchemy import select

from spm_desktop.core.domain.errors import ConflictError, DomainError, PermissionDenied, ValidationError
from spm_desktop.core.security.passwords import PASSWORD_RULES
from spm_desktop.core.security.users import (
    LOCK_MINUTES,
    MAX_FAILED_LOGINS,
    authenticate,
    change_own_password,
    create_user,
    deactivate_user,
    list_users,
    reset_password,
    set_user_active,
    unlock_user,
    update_user,
)
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.models import AuditEntry, User


def actions(db):
    with db.reading() as s:
        return [(e.action, e.entity) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.at))]


def test_admin_creates_users_of_every_role_and_lists_them(db):
    _, admin = make_admin(db)
    create_user(db, admin, "sup", "Kabid Rehsos", "supervisor", PASSWORD)
    pet = create_user(db, admin, "Pet.Uprs", "Petugas UPRS", "petugas", PASSWORD, unit="uprs")
    tk = create_user(db, admin, "tksk_sel", "TKSK Selatan", "tksk", PASSWORD, kecamatan_code=KEC)
    create_user(db, admin, "lihat", "Pelihat", "viewer", PASSWORD, unit="UPRS")
    assert (pet.username, pet.unit, pet.kecamatan_code) == ("pet.uprs", "UPRS", None)
    assert (tk.unit, tk.kecamatan_code) == ("TKSK", KEC)
    users = list_users(db, admin)
    assert [u.username for u in users] == ["admin", "lihat", "pet.uprs", "sup", "tksk_sel"]
    assert next(u for u in users if u.username == "lihat").unit == ""  # viewer has no unit
    assert actions(db).count(("create", "user")) == 5
    with db.reading() as s:
        after = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == pet.id)).one().after
    assert "password_hash" not in after and after["role"] == "petugas"
    assert authenticate(db, "pet.uprs", PASSWORD).actor().unit == "UPRS"


@pytest.mark.parametrize("kwargs, field", [
    (dict(username="a b", role="viewer"), "username"),
    (dict(username="x", role="boss"), "role"),
    (dict(username="x", role="petugas"), "unit"),
    (dict(username="x", role="petugas", unit="DAPUR"), "unit"),
    (dict(username="x", role="tksk"), "kecamatan_code"),
    (dict(username="x", role="tksk", kecamatan_code="61.71.01.1002"), "kecamatan_code"),  # a kelurahan
    (dict(username="x", role="viewer", password="pendek1"), "password"),
    (dict(username="x", role="viewer", password="hurufsaja"), "password"),
    (dict(username="budi1234", role="viewer", password="BUDI1234"), "password"),
    (dict(username="x", role="viewer", full_name=" "), "full_name"),
])
def test_create_user_validation_writes_nothing(db, kwargs, field):
    _, admin = make_admin(db)
    args = dict(full_name="Nama", password=PASSWORD) | kwargs
    before = actions(db)
    with pytest.raises(ValidationError) as err:
        create_user(db, admin, args.pop("username"), args.pop("full_name"), args.pop("role"), args.pop("password"),
                    **args)
    assert err.value.field == field
    assert actions(db) == before


def test_duplicate_username_is_a_conflict(db):
    _, admin = make_admin(db)
    create_user(db, admin, "budi", "Budi", "viewer", PASSWORD)
    with pytest.raises(ConflictError):
        create_user(db, admin, "BUDI", "Budi Lain", "viewer", PASSWORD)


@pytest.mark.parametrize("role", ["supervisor", "petugas", "tksk", "viewer"])
def test_only_admin_manages_users(db, role):
    info, admin = make_admin(db)
    other = create_user(db, admin, "budi", "Budi", "viewer", PASSWORD)
    actor = ROLE_ACTORS[role]
    calls = [
        lambda: create_user(db, actor, "x", "X", "viewer", PASSWORD),
        lambda: list_users(db, actor),
        lambda: update_user(db, actor, other.id, role="admin"),
        lambda: deactivate_user(db, actor, other.id),
        lambda: reset_password(db, actor, other.id, "baru12345"),
        lambda: unlock_user(db, actor, other.id),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()


def test_change_role_and_unit_and_deactivate(db):
    info, admin = make_admin(db)
    u = create_user(db, admin, "budi", "Budi", "petugas", PASSWORD, unit="PLAT")
    u2 = update_user(db, admin, u.id, role="tksk", kecamatan_code=KEC)
    assert (u2.role, u2.unit, u2.kecamatan_code) == ("tksk", "TKSK", KEC)
    u3 = update_user(db, admin, u.id, role="supervisor", full_name="Budi S.")
    assert (u3.role, u3.unit, u3.kecamatan_code, u3.full_name) == ("supervisor", "", None, "Budi S.")
    deactivate_user(db, admin, u.id)
    with pytest.raises(DomainError, match="salah"):
        authenticate(db, "budi", PASSWORD)
    set_user_active(db, admin, u.id, True)
    assert authenticate(db, "budi", PASSWORD).role == "supervisor"
    assert ("deactivate", "user") in actions(db) and ("activate", "user") in actions(db)


def test_last_admin_cannot_be_demoted_or_deactivated(db):
    info, admin = make_admin(db)
    with pytest.raises(ConflictError):
        update_user(db, admin, info.id, role="viewer")
    with pytest.raises(ConflictError):
        deactivate_user(db, admin, info.id)  # also: own account
    second = create_user(db, admin, "admin2", "Admin Dua", "admin", PASSWORD)
    assert update_user(db, admin, second.id, role="viewer").role == "viewer"


def test_reset_and_change_own_password(db):
    info, admin = make_admin(db)
    u = create_user(db, admin, "budi", "Budi", "viewer", PASSWORD)
    reset_password(db, admin, u.id, "sementara9")
    with pytest.raises(DomainError):
        authenticate(db, "budi", PASSWORD)
    me = authenticate(db, "budi", "sementara9").actor()
    with pytest.raises(ValidationError) as err:
        change_own_password(db, me, "salah0000", "baru98765")
    assert err.value.field == "old_password"
    with pytest.raises(ValidationError):
        change_own_password(db, me, "sementara9", "pendek")
    change_own_password(db, me, "sementara9", "baru98765")
    assert authenticate(db, "budi", "baru98765").username == "budi"
    assert ("reset_password", "user") in actions(db) and ("change_password", "user") in actions(db)


def test_lockout_after_five_failures_and_unlock_time(db):
    info, admin = make_admin(db)
    t0 = utcnow()
    for i in range(MAX_FAILED_LOGINS):
        with pytest.raises(DomainError, match="salah"):
            authenticate(db, "admin", f"keliru{i}", now=t0 + timedelta(seconds=i))
    # Locked now: even the right password is refused, with the minutes left.
    with pytest.raises(DomainError, match=r"dikunci .* 15 menit"):
        authenticate(db, "admin", PASSWORD, now=t0 + timedelta(seconds=5))
    with pytest.raises(DomainError, match=r"dalam 1 menit"):
        authenticate(db, "admin", PASSWORD, now=t0 + timedelta(minutes=LOCK_MINUTES, seconds=3))
    with db.reading() as s:
        locked_until = s.get(User, info.id).locked_until
    assert locked_until == t0 + timedelta(seconds=MAX_FAILED_LOGINS - 1, minutes=LOCK_MINUTES)
    # One second after the lock ends the right password works and clears the counters.
    ok = authenticate(db, "admin", PASSWORD, now=locked_until + timedelta(seconds=1))
    assert ok.locked_until is None
    fails = [a for a in actions(db) if a[0] == "login_failed"]
    assert len(fails) == MAX_FAILED_LOGINS + 2
    assert actions(db)[-1] == ("login", "user")


def test_four_failures_then_success_resets_the_counter(db):
    make_admin(db)
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(DomainError):
            authenticate(db, "admin", "keliru000")
    authenticate(db, "admin", PASSWORD)
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(DomainError):
            authenticate(db, "admin", "keliru000")
    assert authenticate(db, "admin", PASSWORD).username == "admin"  # still not locked


def test_admin_unlocks_a_locked_account(db):
    info, admin = make_admin(db)
    u = create_user(db, admin, "budi", "Budi", "viewer", PASSWORD)
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(DomainError):
            authenticate(db, "budi", "keliru000")
    with pytest.raises(DomainError, match="dikunci"):
        authenticate(db, "budi", PASSWORD)
    unlock_user(db, admin, u.id)
    assert authenticate(db, "budi", PASSWORD).username == "budi"


def test_password_rules_text_is_indonesian():
    assert "minimal 8 karakter" in PASSWORD_RULES and "huruf dan angka" in PASSWORD_RULES
