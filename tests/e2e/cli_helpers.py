"""The one way e2e tests run the command line — use it in every new CLI test.

    from cli_helpers import spm
    done = spm("recap", "--year", "2026", "--month", "3", data_dir=data_dir)

``spm(*args, data_dir=…)`` runs ``python -m spm_desktop --data-dir DIR ARGS`` in a subprocess
and returns the CompletedProcess (text, captured). Every command except ``init`` needs a
logged-in user (architecture §7), so by default it:

- makes sure the database has the administrator ``admin`` / :data:`PASSWORD` (runs ``init``
  once per database, :func:`ensure_admin`), and
- logs in as ``admin`` through ``SPM_USER`` + ``SPM_PASSWORD_FILE``.

``user="budi", password="…"`` logs in as someone else (create them first);
``user=None`` gives no credentials at all (for ``init`` itself and for testing the refusal).
``sqlite=True`` drops ``SPM_DATABASE_URL`` (tests about the SQLite file itself); otherwise the
``data_dir`` fixture's choice of backend (PostgreSQL in the PostgreSQL run) is kept.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ADMIN = "admin"
PASSWORD = "rahasia123"
_ready: set[tuple[str, str]] = set()  # (data folder, database URL) that have the administrator


def cli_env(*, sqlite: bool = False, env_extra: dict | None = None, drop=()) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in drop and k not in ("SPM_USER", "SPM_PASSWORD_FILE")}
    if sqlite:
        env.pop("SPM_DATABASE_URL", None)
    env.update(env_extra or {})
    return env


def password_file(data_dir, password: str = PASSWORD) -> Path:
    """A file holding ``password`` beside (not inside) the data folder."""
    folder = Path(data_dir).parent
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"sandi-{abs(hash(password))}.txt"
    path.write_text(password + "\n", encoding="utf-8")
    return path


def _run(args, data_dir, env, timeout, run_kwargs) -> subprocess.CompletedProcess:
    run_kwargs.setdefault("capture_output", True)
    cli = [sys.executable, "-m", "tests.fixed_clock", "spm_desktop"]  # the suite's day (SPM_TEST_TODAY)
    return subprocess.run([*cli, "--data-dir", str(data_dir), *args], text=True, env=env, timeout=timeout, **run_kwargs)


def ensure_admin(data_dir, *, sqlite: bool = False, env_extra: dict | None = None, **init_args) -> None:
    """``init --admin admin`` unless this database already has it (extra ``init`` options as
    keyword arguments: ``device_name="Kantor"``)."""
    env = cli_env(sqlite=sqlite, env_extra=env_extra)
    key = (str(Path(data_dir).resolve()), env.get("SPM_DATABASE_URL", ""))
    if key in _ready:
        return
    init_args.setdefault("wilayah", "61.71")  # init requires the office's area (Kota Pontianak by default)
    extra = [x for k, v in init_args.items() for x in (f"--{k.replace('_', '-')}", str(v))]
    done = _run(["init", "--admin", ADMIN, "--password-file", str(password_file(data_dir)), *extra], data_dir, env,
                300, {})
    if done.returncode != 0 and "Administrator sudah dibuat" not in done.stderr:
        raise AssertionError(f"init failed: {done.stderr}")
    unlock_in_process(data_dir)
    _ready.add(key)


def unlock_in_process(data_dir, user: str = ADMIN, password: str = PASSWORD) -> None:
    """A SQLite data folder is encrypted by ``init``: unwrap its key with ``user``'s password
    in this (the test's) process too, so the test can open the file itself (make_engine,
    storage.engine.connect_file — never a bare sqlite3.connect)."""
    from spm_desktop.core.security import vault

    db_file = Path(data_dir) / "spm.db"
    if vault.is_encrypted(db_file):
        vault.unlock(db_file, user, password)


def spm(*args, data_dir, user: str | None = ADMIN, password: str = PASSWORD, sqlite: bool = False,
        env_extra: dict | None = None, drop=(), timeout: int = 300, **run_kwargs) -> subprocess.CompletedProcess:
    env = cli_env(sqlite=sqlite, env_extra=env_extra, drop=drop)
    if user is not None:
        if user == ADMIN and password == PASSWORD:
            ensure_admin(data_dir, sqlite=sqlite, env_extra=env_extra)
        env["SPM_USER"] = user
        env["SPM_PASSWORD_FILE"] = str(password_file(data_dir, password))
    return _run(args, data_dir, env, timeout, run_kwargs)


def cli_main(*args, data_dir, user: str = ADMIN, password: str = PASSWORD) -> int:
    """``spm_desktop.cli.main`` in this process (capsys sees its output), logged in like
    :func:`spm` (the administrator made first with ``init`` when needed)."""
    from spm_desktop.cli import main

    if user == ADMIN and password == PASSWORD:
        ensure_admin(data_dir)
    return main(["--data-dir", str(data_dir), "--user", user, "--password-file", str(password_file(data_dir, password)),
                 *args])
