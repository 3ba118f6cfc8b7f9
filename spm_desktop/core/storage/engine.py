"""Engine factory with the SQLite pragmas every connection needs (architecture §2)."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text

BUSY_TIMEOUT_MS = 10_000

# ----- encryption at rest (SQLCipher) ------------------------------------------------------
# The key of an encrypted file is registered here once the login has unwrapped it
# (core/storage/db_keys); every engine and raw connection of that file — and of its backups,
# which carry the same key — then opens it with SQLCipher. URLs stay ``sqlite:///…``.
_keys_by_file: dict[str, bytes] = {}
_keys_by_id: dict[str, bytes] = {}


def _file_key(path: str | Path) -> str:
    return os.path.normcase(os.path.realpath(str(path)))


def register_key(db_file: str | Path, key: bytes) -> None:
    """From now on ``db_file`` (and any file with a trailer naming this key) opens with ``key``."""
    from spm_desktop.core.storage.db_keys import key_id

    _keys_by_file[_file_key(db_file)] = key
    _keys_by_id[key_id(key)] = key


def forget_keys() -> None:
    _keys_by_file.clear()
    _keys_by_id.clear()


def key_by_id(kid: str) -> bytes | None:
    return _keys_by_id.get(kid)


def sqlite_file_of(url: str) -> str | None:
    """The file path of a SQLite URL (plain or ``file:…?mode=ro`` form); None for memory/server."""
    from urllib.parse import unquote

    if not is_sqlite(url):
        return None
    rest = str(url).split(":///", 1)[1] if ":///" in str(url) else ""
    if rest.startswith("file:"):
        rest = unquote(rest.removeprefix("file:").split("?", 1)[0])
    else:
        rest = rest.split("?", 1)[0]
    return rest or None if rest != ":memory:" else None


def key_for_file(path: str | Path) -> bytes | None:
    """The registered key of ``path``: by the file itself, or — a backup, a ``.part`` copy —
    by the key id in its keys trailer. None: a plain file (or one whose key is not known)."""
    key = _keys_by_file.get(_file_key(path))
    if key is not None:
        return key
    if not _keys_by_id:
        return None
    from spm_desktop.core.storage.keyed_files import read_trailer

    trailer = read_trailer(Path(path))
    if trailer is None:  # a live file whose spm.keys names a key unwrapped from a backup of it
        from spm_desktop.core.storage.db_keys import keys_path_for

        try:
            import json

            trailer = json.loads(keys_path_for(Path(path)).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
    return _keys_by_id.get(str(trailer.get("key_id", ""))) if isinstance(trailer, dict) else None


def encrypted_without_key(path: str | Path) -> bool:
    """An encrypted data file (``spm.keys`` beside it) whose key nobody has unwrapped yet."""
    from spm_desktop.core.storage.db_keys import keys_path_for

    return _file_key(path) not in _keys_by_file and keys_path_for(Path(path)).is_file()


def _database_errors() -> tuple[type[Exception], ...]:
    import sqlcipher3.dbapi2 as sqlcipher

    return (sqlite3.DatabaseError, sqlcipher.DatabaseError)


# What a broken, foreign or wrongly keyed file raises, from either driver.
DB_ERRORS = _database_errors()


def cipher_module():
    import sqlcipher3.dbapi2 as sqlcipher

    return sqlcipher


CIPHER_CACHE_KIB = 256 * 1024


@dataclass(frozen=True)
class CipherProfile:
    """How SQLCipher lays out one encrypted file: its page size and the HMAC that
    authenticates every page. Both must be given before the first page is read; the key is
    the same in both. Nothing in the file says which was used, so :func:`cipher_profile_of`
    asks the file (a throw-away connection reads its first page)."""

    page_size: int
    hmac: str


# Files encrypted from 2026-12-07 on (init, the upgrade of a plain folder): 16 KiB pages with
# HMAC-SHA256. The office's import of a 50,000-event package into 100k persons / 1M events
# dirties ≈ 158,000 4 KiB pages of random-key indexes; written at commit, each page is one
# encryption, one HMAC and two write() calls. With 16 KiB pages the same changes are ≈ 47,000
# pages, and SHA-256 (SHA-NI) authenticates twice as fast as SHA-512 here: the import went
# from 11.2–11.5 s to 8.7–8.8 s (BENCHMARKS.md, "Office import, fifth pass").
CURRENT_PROFILE = CipherProfile(16384, "HMAC_SHA256")
# SQLCipher 4's defaults: the files encrypted before (they keep it; backups of them too).
LEGACY_PROFILE = CipherProfile(4096, "HMAC_SHA512")
PROFILES = (CURRENT_PROFILE, LEGACY_PROFILE)


def apply_key(dbapi_connection, key: bytes, profile: CipherProfile = CURRENT_PROFILE) -> None:
    """First statements on a SQLCipher connection: the raw 256-bit key (no KDF per open), the
    file's cipher profile, and SQLCipher's own logging off."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    cursor.execute(f"PRAGMA cipher_page_size = {int(profile.page_size)}")
    cursor.execute(f"PRAGMA cipher_hmac_algorithm = {_hmac_name(profile)}")
    cursor.execute("PRAGMA cipher_log_level = NONE")
    # The operating system caches the file's *encrypted* pages; only SQLite's own page cache
    # holds decrypted ones. With the default 2 MB every roll-up decrypted its pages again (CPU
    # ×3–4 against the plain file, BENCHMARKS.md); up to 256 MiB per connection (allocated as
    # pages are read) brings repeated queries back to the plain file's cost.
    cursor.execute(f"PRAGMA cache_size = -{CIPHER_CACHE_KIB}")
    cursor.close()


def attach_pragmas(schema: str, profile: CipherProfile = CURRENT_PROFILE) -> tuple[str, ...]:
    """The statements that give an attached, not yet written database ``schema`` a profile."""
    return (f"PRAGMA {schema}.cipher_page_size = {int(profile.page_size)}",
            f"PRAGMA {schema}.cipher_hmac_algorithm = {_hmac_name(profile)}")


def _hmac_name(profile: CipherProfile) -> str:
    if profile.hmac not in ("HMAC_SHA256", "HMAC_SHA512"):
        raise ValueError(profile.hmac)
    return profile.hmac


_profiles_seen: dict[tuple, CipherProfile] = {}


def cipher_profile_of(path: str | Path | None, key: bytes) -> CipherProfile:
    """The profile ``path`` was encrypted with: the first of :data:`PROFILES` under which a
    read-only connection reads its schema. A missing or empty file gets the current one, and
    so does a file neither opens (a wrong key, a damaged file): the real connection then
    reports that as it always did. Remembered per file state (inode, size, modification
    time), so a file replaced by a restore is asked again. No path (in memory): the current one."""
    if not path:
        return CURRENT_PROFILE
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return CURRENT_PROFILE
    if st.st_size == 0:
        return CURRENT_PROFILE
    state = (_file_key(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    known = _profiles_seen.get(state)
    if known is not None:
        return known
    found = next((p for p in PROFILES if _opens_with(path, key, p)), None)
    if found is None:  # not remembered: the right key may come next (a wrong one opens nothing)
        return CURRENT_PROFILE
    if len(_profiles_seen) > 256:
        _profiles_seen.clear()
    _profiles_seen[state] = found
    return found


def _opens_with(path: Path, key: bytes, profile: CipherProfile) -> bool:
    target = read_only_url(path).removeprefix("sqlite:///").removesuffix("&uri=true")
    con = cipher_module().connect(target, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        apply_key(con, key, profile)
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except DB_ERRORS as exc:
        if "not a database" in str(exc):
            return False
        raise
    finally:
        con.close()


def connect_file(target: str | Path, *, key: bytes | None = None, uri: bool = False, timeout: float = 30,
                 profile: CipherProfile | None = None, **kwargs):
    """A DB-API connection to a SQLite file: SQLCipher with ``key`` (or the registered key of
    the file), plain sqlite3 otherwise. ``target`` may be a ``file:…`` URI (``uri=True``).
    ``profile``: the cipher profile of a file about to be written (a backup's copy takes its
    source's); by default the file's own (:func:`cipher_profile_of`)."""
    path = sqlite_file_of("sqlite:///" + str(target)) if uri else str(target)
    if key is None:
        key = key_for_file(path) if path else None
    if key is None:
        return sqlite3.connect(str(target), uri=uri, timeout=timeout, **kwargs)
    if profile is None:
        profile = cipher_profile_of(path, key)
    con = cipher_module().connect(str(target), uri=uri, timeout=timeout, **kwargs)
    apply_key(con, key, profile)
    return con


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling is switched off so that BEGIN is emitted by
    # SQLAlchemy (see "Serializable isolation / Savepoints / Transactional DDL" in the docs).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    _ensure_wal(cursor)
    # Laptops lose power: a committed record must survive, so FULL, not NORMAL.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _ensure_wal(cursor) -> None:
    """Switch a new file to WAL. Changing the journal mode needs the file to itself and SQLite
    answers "database is locked" at once (no busy wait) while another process holds it — two
    seats opening a new file together — so retry until the busy timeout has passed."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


READ_ONLY_OPTION = "spm_read_only"


def _begin_sqlite(conn) -> None:
    # A writer's IMMEDIATE takes the write lock at the start, so two writers wait
    # (busy_timeout) instead of failing half-way with "database is locked" on upgrade from a
    # read lock. Read-only connections (Database.reading) begin DEFERRED: under WAL they
    # neither wait for writers nor block them.
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite(url_or_engine) -> bool:
    url = url_or_engine.url if isinstance(url_or_engine, Engine) else str(url_or_engine)
    return str(url).startswith("sqlite")


# Several front-desk seats may start at the same moment against one PostgreSQL server: the
# schema upgrade, the seeding and the creation of the database's device identity take this
# transaction-scoped advisory lock so they run one seat after the other. (SQLite writers are
# already serialised by BEGIN IMMEDIATE.)
SETUP_LOCK_KEY = 0x53504D31  # "SPM1"
# Every write transaction on PostgreSQL takes this one first: the audit trail is a hash chain
# (core/security/audit_chain) and two desks must never take the same place in it.
AUDIT_LOCK_KEY = 0x53504D41  # "SPMA"


def lock_for_setup(conn_or_session) -> None:
    """Wait for, then hold until commit, the database-wide set-up lock (PostgreSQL only)."""
    bind = conn_or_session.get_bind() if hasattr(conn_or_session, "get_bind") else conn_or_session
    if bind.dialect.name == "postgresql":
        conn_or_session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK_KEY})


def _set_read_only_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _begin_read_only(conn) -> None:
    conn.exec_driver_sql("BEGIN")


def read_only_url(db_file: str | Path) -> str:
    """A URL that opens ``db_file`` for reading only. In a folder the process cannot write,
    SQLite could not create the WAL index (``-shm``): then the file is opened as immutable —
    nobody can change it there anyway."""
    db_file = Path(db_file)
    params = "mode=ro"
    if not os.access(db_file.parent, os.W_OK) and not Path(f"{db_file}-wal").exists():
        params += "&immutable=1"
    return f"sqlite:///file:{quote(str(db_file.resolve()))}?{params}&uri=true"


def make_engine(url: str, *, read_only: bool = False, **kwargs) -> Engine:
    """A new engine for ``url``; SQLite connections get the pragmas above. Statement
    parameters are never rendered into error messages (they hold NIKs and names, and error
    messages reach logs and screens). ``read_only``: ``url`` is a SQLite file opened with
    :func:`read_only_url` (no journal change, deferred transactions)."""
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        path = sqlite_file_of(url)
        key = kwargs.pop("key", None) or (key_for_file(path) if path else None)
        if key is None and path and encrypted_without_key(path):
            from spm_desktop.core.domain.errors import DomainError

            raise DomainError("Basis data terenkripsi; masuk dengan nama pengguna dan kata sandi dulu.")
        if key is not None:
            kwargs["module"] = cipher_module()
        engine = create_engine(url, **kwargs)
        if key is not None:
            event.listen(engine, "connect", lambda conn, _rec: apply_key(conn, key, cipher_profile_of(path, key)))
        event.listen(engine, "connect", _set_read_only_pragmas if read_only else _set_sqlite_pragmas)
        event.listen(engine, "begin", _begin_read_only if read_only else _begin_sqlite)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # No JIT compilation: the application's statements are short, and the server's JIT
    # judged the roll-up (planner cost ≈ 10⁶ from its per-need subplans) worth compiling —
    # 1.7 s of compiling for a 0.07 s query on 100k persons / 1M events.
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("options", "-c jit=off")
    return create_engine(url, connect_args=connect_args, **kwargs)
