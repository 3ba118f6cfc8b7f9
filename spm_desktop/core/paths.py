"""Where things live: the data folder, the database file and bundled resources.

The data folder comes from ``--data-dir`` / ``SPM_DATA_DIR`` or else the platform's user
data folder. Resources are found next to the package, or inside a PyInstaller bundle.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

DB_FILENAME = "spm.db"


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The data folder, created if missing."""
    chosen = override or os.environ.get("SPM_DATA_DIR")
    path = Path(chosen) if chosen else Path(platformdirs.user_data_dir("spm-desktop", "DinsosPontianak"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url(folder: Path) -> str:
    """``SPM_DATABASE_URL`` when set, else the SQLite file in ``folder``."""
    url = os.environ.get("SPM_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{folder / DB_FILENAME}"


def project_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    return Path(__file__).resolve().parents[2]


def resource_path(*parts: str) -> Path:
    """A file under ``resources/``, in a source checkout or a frozen bundle."""
    return project_root().joinpath("resources", *parts)


def migrations_path() -> Path:
    return project_root() / "migrations"


def backups_dir(folder: Path) -> Path:
    path = folder / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def logs_dir(folder: Path) -> Path:
    path = folder / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path
