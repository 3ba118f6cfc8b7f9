"""``spm-desktop check [--json OUT|-]``: integrity of the database file, that its schema is
current, and the stored records that fail a rule added since they were written (an anak
case of an adult, a need after its case's exit, …) so staff can correct them."""

from __future__ import annotations

from sqlalchemy import func, select, text


def register(sub) -> None:
    p = sub.add_parser("check", help="periksa keutuhan basis data, versi skemanya, dan data yang melanggar aturan")
    p.add_argument("--json", metavar="OUT", help="tulis hasil pemeriksaan aturan sebagai JSON ke berkas (- = stdout)")
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
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.services.rule_check import stored_rule_problems

    problems = stored_rule_problems(db, SYSTEM)
    if getattr(args, "json", None):
        import json
        import sys

        payload = json.dumps({"schema": revision, "persons": persons, "events": events,
                              "rule_problems": [p.to_json() for p in problems]}, ensure_ascii=False, indent=1)
        if args.json == "-":
            sys.stdout.write(payload + "\n")
            return 0
        from pathlib import Path

        Path(args.json).write_text(payload, encoding="utf-8")
    print(f"Basis data baik ({db.url}).")
    print(f"Versi skema: {revision}. Penerima layanan: {persons}. Layanan tercatat: {events}.")
    if problems:
        print(f"{len(problems)} data melanggar aturan yang ditambahkan sesudah data itu dicatat; perbaiki:")
        for p in problems[:200]:
            print(f"- {p.message}")
        if len(problems) > 200:
            print(f"… dan {len(problems) - 200} lagi (lihat --json).")
    else:
        print("Tidak ada data yang melanggar aturan.")
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
