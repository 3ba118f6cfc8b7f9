"""``spm-desktop espm --year Y --quarter Q --xlsx OUT [--signed-on D --prepared-by N --prepared-by-nip NIP]``:
the quarterly e-SPM workbook."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("espm", help="buku kerja e-SPM triwulanan (xlsx)")
    p.add_argument("--year", type=int, required=True, help="tahun anggaran, mis. 2026")
    p.add_argument("--quarter", type=int, required=True, help="triwulan (1–4)")
    p.add_argument("--xlsx", required=True, metavar="OUT", help="berkas .xlsx tujuan")
    from spm_desktop.commands.recap import add_signing_arguments

    add_signing_arguments(p)
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    from spm_desktop.core.domain.errors import ValidationError
    from spm_desktop.core.services.recap import export_espm

    if not 1 <= args.quarter <= 4:
        raise ValidationError("Triwulan harus 1 sampai 4.", "quarter")
    from spm_desktop.commands.recap import signing_from_args

    db, actor = ctx.database(), ctx.actor()
    written, q = export_espm(db, actor, args.year, args.quarter, args.xlsx, signing_from_args(args, db, actor))
    print(f"Buku kerja e-SPM {q.result.period.label} ditulis: {written}")
    return 0
