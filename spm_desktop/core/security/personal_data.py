"""Personal data leaving the application (UU 27/2022): person lists to Excel, the audit trail,
sync packages, backups. Only roles with the permission may do it, and every time it happens
an ``export`` audit entry names who, what, where to and how many records.

Usage by a service that writes a file::

    def export_person_list(db, actor, target, filters):
        def write(tmp: Path) -> int:
            ...  # write the workbook to tmp, return the number of persons
        return audited_file_export(db, actor, "person", target, write, details={"filters": ...})
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.database import Database

PERSONAL_DATA_PERMISSION = "personal_data.export"


def record_export(db: Database, actor: Actor, entity: str, target: str, count: int,
                  details: dict[str, Any] | None = None, permission: str = PERSONAL_DATA_PERMISSION) -> None:
    """Check the permission and write the ``export`` audit entry in its own transaction.

    For exports that produce their file some other way (sync packages): call it right after
    the file is complete."""
    require(actor, permission)
    with db.transaction(actor) as s:
        audit.record(s, "export", entity, "", after={"file": str(target), "count": count, **(details or {})})


def audited_file_export(db: Database, actor: Actor, entity: str, target: str | os.PathLike,
                        write: Callable[[Path], int], details: dict[str, Any] | None = None,
                        permission: str = PERSONAL_DATA_PERMISSION) -> int:
    """Refuse unless permitted; write the file through ``write(tmp_path) -> count`` next to the
    target; audit; then move it into place. Nothing appears at ``target`` unless audited."""
    require(actor, permission)
    target = Path(target)
    if not target.parent.is_dir():
        raise ValidationError(f"Folder tujuan {target.parent} tidak ada.", "target")
    tmp = target.with_name(f".{target.name}.part")
    try:
        count = write(tmp)
        record_export(db, actor, entity, str(target), count, details, permission)
        os.replace(tmp, target)
    except OSError as exc:
        raise ValidationError(f"Berkas {target} tidak bisa ditulis: {exc.strerror or exc}.", "target") from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return count
