"""``spm-desktop targets {import,export} FILE [--dry-run]``: the office's Renstra targets as a
file with the columns of ``renstra_targets.csv`` (see :mod:`spm_desktop.core.imports.targets`)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("targets", help="impor/ekspor target Renstra (kolom renstra_targets.csv)",
                       description="Target tahunan Renstra per kode layanan: code, name, indicator, unit, "
                                   "spm_service, baseline_TAHUN, target_TAHUN…, budget_TAHUN…, note.")
    p.add_argument("action", choices=["import", "export"], metavar="import|export")
    p.add_argument("file", metavar="BERKAS", help="berkas .csv (atau .xlsx untuk impor)")
    p.add_argument("--dry-run", action="store_true", help="impor: periksa saja, tidak menyimpan apa pun")
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    from spm_desktop.commands.import_cmd import import_file
    from spm_desktop.core.imports.targets import export_targets

    if args.action == "export":
        rows = export_targets(ctx.database(), ctx.actor(), args.file)
        print(f"{rows} baris target (kode layanan dan dtsen) ditulis ke {args.file}.")
        return 0
    return import_file(ctx, "targets", args.file, dry_run=args.dry_run)
