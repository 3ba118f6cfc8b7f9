"""``spm-desktop check [--json OUT|-]``: integrity of the database file, the audit trail's hash
chain (the first broken link), its schema revision, the row count of every table, the last
backup, values stored before today's text rules (control or direction-override characters in
names), and the stored records that fail a rule added since they were written (an anak case of
an adult, a need after its case's exit, …) so staff can correct them."""

from __future__ import annotations

import json
import sys

from sqlalchemy import func, select, text


def register(sub) -> None:
    p = sub.add_parser("check", help="periksa keutuhan basis data, versi skemanya, dan data yang melanggar aturan")
    p.add_argument("--json", dest="json_out", default=None, metavar="OUT",
                   help="tulis hasil pemeriksaan sebagai JSON ke berkas OUT, atau '-' untuk layar")
    p.set_defaults(func=run)


# Text columns of people-facing records checked for control/bidi characters (core/domain/text):
# (table model name, column, may span lines).
TEXT_COLUMNS = (
    ("Person", "name", False), ("Person", "alias", False), ("Person", "birth_place", False),
    ("Person", "address", True), ("Person", "notes", True), ("User", "full_name", False),
)


def run(args, ctx) -> int:
    from spm_desktop.core.domain.errors import DomainError

    _check_file_before_opening(ctx)
    db = ctx.database()
    report = collect(db, ctx.actor())
    if args.json_out:
        data = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
        if args.json_out == "-":
            sys.stdout.write(data)
        else:
            with open(args.json_out, "w", encoding="utf-8") as fh:
                fh.write(data)
    if not report["integrity"]["ok"]:
        raise DomainError(f"Basis data rusak: {report['integrity']['message']}. Pulihkan dari cadangan "
                          "(spm-desktop restore).")
    if not report["audit_chain"]["ok"]:
        raise DomainError(report["audit_chain"]["message"] + " Entri sesudahnya tidak dapat dipercaya; laporkan ke "
                          "administrator dan bandingkan dengan cadangan atau ujung rantai pada rekap bertanda tangan.")
    if report["schema"]["revision"] != report["schema"]["head"]:
        raise DomainError(f"Versi skema {report['schema']['revision']} berbeda dengan versi aplikasi "
                          f"{report['schema']['head']}.")
    if args.json_out != "-":
        _print_human(report)
    return 0


def collect(db, actor=None) -> dict:
    """Everything ``check`` finds, as JSON-safe data. The stored records that fail a rule are
    listed as ``actor`` (the logged-in user) sees them."""
    from spm_desktop.core.security.audit_chain import verify_chain
    from spm_desktop.core.storage.base import Base
    from spm_desktop.core.storage.migrate import current_revision, head_revision

    integrity = {"ok": True, "message": "ok", "foreign_key_problems": 0}
    counts: dict[str, int] = {}
    with db.reading() as s:
        if db.is_sqlite:
            result = s.execute(text("PRAGMA integrity_check")).scalar()
            fk = s.execute(text("PRAGMA foreign_key_check")).fetchall()
            integrity = {"ok": result == "ok" and not fk, "message": str(result),
                         "foreign_key_problems": len(fk)}
        for table in Base.metadata.sorted_tables:
            counts[table.name] = int(s.scalar(select(func.count()).select_from(table)) or 0)
        bad_text = _bad_text(s)
        from spm_desktop.core.services.data_checks import identity_rule_failures

        identity = [{"entity": f.entity, "id": f.id, "field": f.field, "message": f.message}
                    for f in identity_rule_failures(s)]
        chain = verify_chain(s)
    backup = _last_backup(db)
    revision, head = current_revision(db.engine), head_revision()
    rule_problems = []
    if integrity["ok"] and revision == head:
        from spm_desktop.core.domain.actor import SYSTEM
        from spm_desktop.core.services.rule_check import stored_rule_problems

        rule_problems = [p.to_json() for p in stored_rule_problems(db, actor or SYSTEM)]
    return {
        "database": db.url,
        "integrity": integrity,
        "schema": {"revision": revision, "head": head},
        "tables": dict(sorted(counts.items())),
        "audit_chain": chain.to_json() | {"message": chain.message()},
        "bad_text": bad_text,
        "identity_rules": identity,
        "last_backup": backup,
        "rule_problems": rule_problems,
    }


def _bad_text(s) -> list[dict]:
    """Stored values with control or direction-override characters (kept from before the rule):
    table, id, column and the characters, never the value itself."""
    from spm_desktop.core.domain.text import bad_characters
    from spm_desktop.core.storage import models

    found = []
    for model_name, column, multiline in TEXT_COLUMNS:
        model = getattr(models, model_name)
        col = getattr(model, column)
        for row_id, value in s.execute(select(model.id, col).where(col.is_not(None)).order_by(model.id)):
            chars = bad_characters(value, multiline)
            if chars:
                found.append({"table": model.__tablename__, "id": row_id, "column": column, "characters": chars})
    return found


def _last_backup(db) -> dict | None:
    from pathlib import Path

    from spm_desktop.core.storage.backup import backups_dir_for, describe_backup, last_backup

    if not db.file_path:
        return None
    folder = Path(db.file_path).parent / "backups"
    latest = last_backup(folder if db.read_only else backups_dir_for(Path(db.file_path)))
    if latest is None:
        return None
    return {"file": str(latest.path), "kind": latest.kind, "description": describe_backup(latest)}


def _print_human(report: dict) -> None:
    tables = report["tables"]
    print(f"Basis data baik ({report['database']}).")
    print(f"Versi skema: {report['schema']['revision']}. Penerima layanan: {tables.get('person', 0)}. "
          f"Layanan tercatat: {tables.get('service_event', 0)}.")
    print(report["audit_chain"]["message"])
    backup = report["last_backup"]
    if report["database"].startswith("sqlite"):
        print(f"Cadangan terakhir: {backup['description']} — {backup['file']}" if backup else "Belum ada cadangan.")
    if report["identity_rules"]:
        print(f"Data lama yang tidak memenuhi aturan NIK/No. KK sekarang ({len(report['identity_rules'])}; tetap "
              "tersimpan, mohon diperbaiki):")
        for item in report["identity_rules"]:
            print(f"- {item['entity']} {item['id']}, {item['field']}: {item['message']}")
    else:
        print("Semua NIK dan No. KK tersimpan memenuhi aturan sekarang.")
    if report["bad_text"]:
        print(f"Perhatian: {len(report['bad_text'])} isian tersimpan berisi karakter kendali atau pembalik arah "
              "tulisan (dari sebelum aturan ini); perbaiki lewat formulirnya:")
        for item in report["bad_text"]:
            print(f"  {item['table']} {item['id']} kolom {item['column']}: {', '.join(item['characters'])}")
    problems = report["rule_problems"]
    if problems:
        print(f"{len(problems)} data melanggar aturan yang ditambahkan sesudah data itu dicatat; perbaiki:")
        for p in problems[:200]:
            print(f"- {p['message']}")
        if len(problems) > 200:
            print(f"… dan {len(problems) - 200} lagi (lihat --json).")
    else:
        print("Tidak ada data yang melanggar aturan.")


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
