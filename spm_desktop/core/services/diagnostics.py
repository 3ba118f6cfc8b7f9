"""Diagnostics for the support desk: versions, paths, database size, last backup.

Shown in the GUI's diagnostics view and safe to copy into an e-mail: no personal data, only
counts and paths.
"""

from __future__ import annotations

import platform
import sqlite3
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from sqlalchemy import func, select

from spm_desktop import __version__
from spm_desktop.core import paths
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.backup import backups_dir_for, describe_backup, last_backup, list_backups
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.migrate import current_revision, head_revision
from spm_desktop.core.storage.models import AuditEntry, LocalDevice, Person, ServiceEvent, User

_PACKAGES = ("PySide6-Essentials", "SQLAlchemy", "alembic", "reportlab", "openpyxl", "argon2-cffi",
             "cryptography", "platformdirs")


@dataclass(frozen=True)
class Diagnostics:
    items: list[tuple[str, str]]  # (label, value) in display order

    def as_text(self) -> str:
        width = max(len(label) for label, _ in self.items)
        return "\n".join(f"{label.ljust(width)} : {value}" for label, value in self.items)

    def value(self, label: str) -> str:
        return dict(self.items)[label]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def _size(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(path) + suffix)
        if part.exists():
            total += part.stat().st_size
    return total


def format_bytes(n: int) -> str:
    """1234567 → "1,2 MB" (Indonesian decimal comma)."""
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= factor:
            return f"{n / factor:.1f}".replace(".", ",") + f" {unit}"
    return f"{n} B"


def collect(db: Database, actor: Actor, data_dir: Path | None = None) -> Diagnostics:
    """Everything the diagnostics view shows (every role may look)."""
    require(actor, "diagnostics.view")
    items: list[tuple[str, str]] = [
        ("Versi aplikasi", __version__),
        ("Python", sys.version.split()[0]),
        ("SQLite", sqlite3.sqlite_version),
        ("Sistem operasi", f"{platform.system()} {platform.release()} ({platform.machine()})"),
    ]
    items += [(f"Pustaka {name}", _version(name)) for name in _PACKAGES]
    if data_dir is not None:
        items.append(("Folder data", str(data_dir)))
        items.append(("Berkas log", str(paths.logs_dir(Path(data_dir)) / "spm-desktop.log")))
    items.append(("Basis data", db.url))
    items.append(("Versi skema", f"{current_revision(db.engine)} (aplikasi: {head_revision()})"))
    with db.reading() as s:
        device = s.scalars(select(LocalDevice)).first()
        counts = {label: s.scalar(select(func.count()).select_from(model))
                  for label, model in (("Penerima layanan", Person), ("Layanan tercatat", ServiceEvent),
                                       ("Pengguna", User), ("Entri jejak audit", AuditEntry))}
    if device is not None:
        items.append(("Perangkat", f"{device.name} ({device.id})"))
    items += [(label, f"{n:,}".replace(",", ".")) for label, n in counts.items()]
    if db.file_path:
        db_file = Path(db.file_path)
        items.append(("Ukuran basis data", format_bytes(_size(db_file))))
        folder = backups_dir_for(db_file)
        items.append(("Folder cadangan", str(folder)))
        latest = last_backup(folder)
        items.append(("Cadangan terakhir", describe_backup(latest) if latest else "belum ada"))
        items.append(("Jumlah cadangan", str(len(list_backups(folder)))))
    return Diagnostics(items)
