"""``spm-desktop backup [--to FILE]`` and ``spm-desktop restore FILE`` (SQLite only).

The command line acts as the recorded system user; both commands are audited. ``restore``
never opens the live database through the application first (that would migrate it), it
proves the backup with ``PRAGMA integrity_check`` and keeps the current file aside.
"""

from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("backup", help="buat cadangan basis data (bawaan: ke folder backups)")
    p.add_argument("--to", default=None, help="berkas atau folder tujuan cadangan (mis. diska USB)")
    p.set_defaults(func=run_backup)
    r = sub.add_parser("restore", help="pulihkan basis data dari berkas cadangan")
    r.add_argument("file", help="berkas cadangan (.db)")
    r.set_defaults(func=run_restore)


def live_db_file(ctx) -> Path:
    """The SQLite file of the data folder; refused for a server database."""
    from spm_desktop.core.domain.errors import DomainError
    from spm_desktop.core.storage.engine import is_sqlite

    url = ctx.database_url
    if not is_sqlite(url):
        raise DomainError("Cadangan dan pemulihan dari aplikasi hanya untuk basis data SQLite; "
                          "basis data server dicadangkan dengan alat servernya (pg_dump).")
    return Path(url.removeprefix("sqlite:///"))


def run_backup(args, ctx) -> int:
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.storage.backup import create_backup, describe_backup

    live_db_file(ctx)
    info = create_backup(ctx.database(), SYSTEM, args.to)
    print(f"Cadangan dibuat: {info.path}")
    print(describe_backup(info))
    return 0


def run_restore(args, ctx) -> int:
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.domain.errors import ValidationError
    from spm_desktop.core.storage.backup import restore_backup

    source = Path(args.file)
    if not source.is_file():
        raise ValidationError(f"Berkas cadangan {source} tidak ditemukan.", "file")
    result = restore_backup(live_db_file(ctx), SYSTEM, source, reason="perintah restore")
    print(f"Basis data dipulihkan dari {result.restored_from}.")
    if result.kept_aside:
        print(f"Berkas sebelumnya disimpan di {result.kept_aside}.")
    return 0
