"""The two logins that need both the user accounts and the database key (issue 18): the
first administrator of a new data folder (which encrypts it) and a login on a database that is
already open (the next session). Kept apart from ``users`` and ``vault`` so neither imports
the other's callers (no import cycle)."""

from __future__ import annotations

from spm_desktop.core.domain.errors import ConflictError
from spm_desktop.core.security.users import authenticate, check_first_admin, create_first_admin, has_users
from spm_desktop.core.security.vault import db_file_of, finish_login, initialize, is_encrypted
from spm_desktop.core.storage.db_keys import KeyStore, keys_path_for


def login_open_database(db, username: str, password: str):
    """A login on an already open database (the next session, an idle-lock unlock): the
    password must still unwrap the key (counters, lock-out) before the database check."""
    db_file = db_file_of(db)
    unlocked = None
    if is_encrypted(db_file):
        unlocked = KeyStore(keys_path_for(db_file)).unlock(username, password)
    user = authenticate(db, username, password)
    finish_login(db, user, unlocked)
    return user, unlocked


def create_first_admin_encrypted(db, username: str, full_name: str, password: str, nip: str = ""):
    """The first-run dialog's administrator: on SQLite the key, the recovery key and spm.keys
    are made first and the (user-less) file is encrypted in place; returns (UserInfo, recovery
    key or None for a server database)."""
    db_file = db_file_of(db)
    recovery = None
    if db_file is not None and not is_encrypted(db_file):
        clean = check_first_admin(username, full_name, password)
        if has_users(db):
            raise ConflictError("Administrator sudah dibuat; masuk dengan akun yang ada.")
        db.dispose()
        _key, recovery = initialize(db_file, clean, password)
        db.reopen()
    return create_first_admin(db, username, full_name, password, nip=nip), recovery
