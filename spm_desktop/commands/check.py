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
    return 0
