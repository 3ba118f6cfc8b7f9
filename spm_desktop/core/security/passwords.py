"""argon2id password hashing and the password rules shown to users."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from spm_desktop.core.domain.errors import ValidationError

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters

MIN_LENGTH = 8
PASSWORD_RULES = (
    f"Kata sandi minimal {MIN_LENGTH} karakter, berisi huruf dan angka, "
    "dan tidak sama dengan nama pengguna."
)


def check_password_rules(password: str, username: str = "") -> None:
    """Raise ValidationError (field ``password``) when the password breaks the rules."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"minimal {MIN_LENGTH} karakter")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append("harus berisi huruf dan angka")
    if username and password.lower() == username.lower():
        problems.append("tidak boleh sama dengan nama pengguna")
    if problems:
        raise ValidationError(f"Kata sandi {', '.join(problems)}.", field="password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
