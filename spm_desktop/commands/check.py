"""``spm-desktop check``: integrity of the database file and that its schema is current."""

from __future__ import annotations

from sqlalchemy import func, select, text


def register(sub) -> None:
    p = sub.add_parser("check", help="periksa keutuhan basis data dan versi skemanya")
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    from spm_desktop.core.domain.errors import DomainError
    from spm_desktop.core.storage.migrate import current_revision, head_revision
    from spm_desktop.core.storage.models import Person, ServiceEvent

    _check_file_before_opening(ctx)
    db = ctx.database()
    with db.reading() as s:
        if db.is_sqlite:
            result = s.execute(text("PRAGMA integrity_check")).scalar()
            fk = s.execute(text("PRAGMA foreign_key_check")).fetchall()
            if result != "ok" or fk:
                raise DomainError(f"Basis data rusak: integrity_check={result}, foreign_key_check={len(fk)} "
                                  "masalah. Pulihkan dari cadangan (spm-desktop restore).")
        persons = s.scalar(select(func.count()).select_from(Person))
        events = s.scalar(select(func.count()).select_from(ServiceEvent))
    revision, head = current_revision(db.engine), head_revision()
    if revision != head:
        raise DomainError(f"Versi skema {revision} berbeda dengan versi aplikasi {head}.")
    print(f"Basis data baik ({db.url}).")
    print(f"Versi skema: {revision}. Penerima layanan: {persons}. Layanan tercatat: {events}.")
    _print_backups(db)
    return 0


def _check_file_before_opening(ctx) -> None:
    """integrity_check of the SQLite file before the app opens (and would migrate) it; on
    failure name the newest backup that passes the check."""
    from pathlib import Path

    from spm_desktop.core.domain.errors import DomainError
    from spm_desktop.core.storage.backup import backups_dir_for, check_file, describe_backup, newest_good_backup
    from spm_desktop.core.storage.engine import is_sqlite

    if not is_sqlite(ctx.database_url):
        return
    db_file = Path(ctx.database_url.removeprefix("sqlite:///"))
    if not db_file.exists():
        return
    result = check_file(db_file)
    if result.ok:
        return
    good = newest_good_backup(backups_dir_for(db_file))
    advice = (f"Cadangan baik terbaru: {good.path} ({describe_backup(good)}); pulihkan dengan "
              f"'spm-desktop restore {good.path}'." if good else "Tidak ada cadangan yang lolos pemeriksaan.")
    raise DomainError(f"Basis data rusak: {result.message}. {advice}")


def _print_backups(db) -> None:
    from pathlib import Path

    from spm_desktop.core.storage.backup import backups_dir_for, describe_backup, last_backup

    if not db.file_path:
        return
    latest = last_backup(backups_dir_for(Path(db.file_path)))
    print(f"Cadangan terakhir: {describe_backup(latest)} — {latest.path}" if latest else
          "Belum ada cadangan.")
