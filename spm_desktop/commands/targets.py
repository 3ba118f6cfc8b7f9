"""``spm-desktop targets {import,export} FILE [--dry-run]``: the office's Renstra targets as a
file with the columns of ``renstra_targets.csv`` (see :mod:`spm_desktop.core.imports.targets`)."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("targets", help="impor/ekspor target Renstra (kolom renstra_targets.csv)",
                       description="Target tahunan Renstra per kode layanan: code, name, indicator, unit, "
                                   "spm_service, baseline_TAHUN, target_TAHUN…, budget_TAHUN…, note.")
    p.add_argument("action", choices=["import", "export"], metavar="import|export")
    p.add_argument("file", metavar="BERKAS", help="berkas .csv (atau .xlsx untuk impor)")
    p.add_argument("--dry-run", action="store_true", help="impor: periksa saja, tidak menyimpan apa pun")
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    from spm_desktop.core.imports import ImportRefused, run_import
    from spm_desktop.core.imports.targets import export_targets

    db = ctx.database()
    if args.action == "export":
        rows = export_targets(db, ctx.actor(), args.file)
        print(f"{rows} baris target (kode layanan dan dtsen) ditulis ke {args.file}.")
        return 0
    try:
        result = run_import(db, ctx.actor(), "targets", args.file, dry_run=args.dry_run)
    except ImportRefused as exc:
        print(f"Ditolak: berkas {args.file} tidak diimpor, tidak ada yang disimpan "
              f"({len(exc.lines)} kesalahan):", file=sys.stderr)
        for line in exc.lines:
            print(line, file=sys.stderr)
        return 1
    print(result.summary())
    return 0
