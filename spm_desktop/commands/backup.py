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
    r.add_argument("--recovery-key-file", default=None, metavar="BERKAS",
                   help="cadangan terenkripsi: buka dengan kunci pemulihan (bila kata sandi saat cadangan dibuat "
                        "tidak diketahui)")
    r.set_defaults(func=run_restore, login=False)  # logs in itself: the live file may be damaged


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
    from spm_desktop.core.services.backup import create_backup
    from spm_desktop.core.storage.backup import describe_backup

    live_db_file(ctx)
    info = create_backup(ctx.database(), ctx.actor(), args.to)
    print(f"Cadangan dibuat: {info.path}")
    print(describe_backup(info))
    return 0


def run_restore(args, ctx) -> int:
    from spm_desktop.commands import read_secret_file
    from spm_desktop.core.domain.errors import ValidationError
    from spm_desktop.core.security.vault import unlock_backup
    from spm_desktop.core.services.backup import check_backup_file, restore_backup
    from spm_desktop.core.storage.backup import check_file
    from spm_desktop.core.storage.database import Database
    from spm_desktop.core.storage.engine import make_engine, read_only_url

    username, password = ctx.credentials()  # no user given: a usage error before anything is read
    db_file = live_db_file(ctx)
    source = Path(args.file)
    if not source.is_file():
        raise ValidationError(f"Berkas cadangan {source} tidak ditemukan.", "file")
    # An encrypted backup carries its wrapped keys: a password valid when it was made (or the
    # recovery key) unwraps its key.
    recovery = read_secret_file(args.recovery_key_file, "recovery_key") if args.recovery_key_file else ""
    key = unlock_backup(source, username, password, recovery)
    check = check_backup_file(source, key)
    if not check.ok:
        raise ValidationError(f"Cadangan {source.name} tidak lolos pemeriksaan keutuhan ({check.message}); "
                              "tidak dipulihkan, basis data yang sekarang tidak diubah.", "backup")
    if db_file.exists() and _live_opens(ctx, db_file) and check_file(db_file, quick=True).ok:
        ctx.login()  # an administrator of the live database (audited there as a login)
        ctx.close()  # every connection to the live file closed before it is replaced
    else:
        # The live file is damaged (or gone): a password valid at backup time proves the user,
        # read from the backup without writing to it.
        backup_db = Database(make_engine(read_only_url(source), read_only=True, key=key))
        try:
            ctx.login(backup_db)
        finally:
            backup_db.dispose()
    result = restore_backup(db_file, ctx.actor(), source, reason="perintah restore", key=key)
    print(f"Basis data dipulihkan dari {result.restored_from}.")
    if result.kept_aside:
        print(f"Berkas sebelumnya disimpan di {result.kept_aside}.")
    return 0


def _live_opens(ctx, db_file: Path) -> bool:
    """The live file can be opened with this user's password (a plain file, or spm.keys unwraps)."""
    from spm_desktop.core.domain.errors import DomainError

    try:
        ctx._unlock()
    except DomainError:
        return False
    return True
