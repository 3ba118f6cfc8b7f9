"""Where things live: the data folder, the database file and bundled resources.

The data folder comes from ``--data-dir`` / ``SPM_DATA_DIR`` or else the platform's user
data folder ``spm-desktop`` (no city in its name: any kabupaten/kota uses the application).
Versions before issue 20 used ``DinsosPontianak/spm-desktop`` on Windows and macOS; such a
folder is moved to the new place on the first start and :data:`moved_notice` tells where the
data now lives. Resources are found next to the package, or inside a PyInstaller bundle.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import platformdirs

DB_FILENAME = "spm.db"
APP_DIR = "spm-desktop"
LEGACY_AUTHOR = "DinsosPontianak"
# Set by data_dir() when it moved an old data folder: a sentence for the user (CLI/GUI show it).
moved_notice: str | None = None


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_DIR, appauthor=False))


def legacy_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_DIR, LEGACY_AUTHOR))


def move_legacy_data(new: Path, legacy: Path) -> str | None:
    """Move the old ``DinsosPontianak`` data folder to ``new`` when ``new`` does not hold data
    yet; returns the sentence telling the user, or None when nothing was moved."""
    if new == legacy or not legacy.is_dir() or not any(legacy.iterdir()):
        return None
    if new.exists() and any(new.iterdir()):
        return None
    new.parent.mkdir(parents=True, exist_ok=True)
    if new.exists():
        new.rmdir()
    shutil.move(str(legacy), str(new))
    try:
        legacy.parent.rmdir()  # the empty "DinsosPontianak" folder
    except OSError:
        pass
    return f"Folder data dipindahkan dari {legacy} ke {new}; data Anda sekarang tersimpan di {new}."


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The data folder, created if missing (an old ``DinsosPontianak`` folder is moved here first)."""
    global moved_notice
    chosen = override or os.environ.get("SPM_DATA_DIR")
    if chosen:
        path = Path(chosen)
    else:
        path = default_data_dir()
        notice = move_legacy_data(path, legacy_data_dir())
        if notice:
            moved_notice = notice
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
