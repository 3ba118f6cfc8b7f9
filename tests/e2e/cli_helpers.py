"""The one way e2e tests run the command line: ``spm(*args, data_dir=…)``.

It runs ``python -m spm_desktop --data-dir DIR ARGS`` in a subprocess with the environment
of the test (the ``data_dir`` fixture sets ``SPM_DATABASE_URL`` on PostgreSQL; pass
``sqlite=True`` for tests about the SQLite file itself) and returns the CompletedProcess.
"""

from __future__ import annotations

import os
import subprocess
import sys

PASSWORD = "rahasia123"


def cli_env(*, sqlite: bool = False, env_extra: dict | None = None, drop=()) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    if sqlite:
        env.pop("SPM_DATABASE_URL", None)
    env.update(env_extra or {})
    return env


def spm(*args, data_dir, sqlite: bool = False, env_extra: dict | None = None, drop=(), timeout: int = 300,
        **run_kwargs) -> subprocess.CompletedProcess:
    run_kwargs.setdefault("capture_output", True)
    return subprocess.run([sys.executable, "-m", "spm_desktop", "--data-dir", str(data_dir), *args],
                          text=True, env=cli_env(sqlite=sqlite, env_extra=env_extra, drop=drop), timeout=timeout,
                          **run_kwargs)
