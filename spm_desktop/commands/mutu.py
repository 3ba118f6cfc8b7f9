"""``spm-desktop mutu export FILE --year Y`` and ``spm-desktop mutu import FILE``: the yearly
available quantities of the mutu items (architecture §4, B) as a file to fill in."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("mutu", help="jumlah tersedia butir mutu (B) per tahun: ekspor berkas untuk diisi, impor",
                       description="Ekspor menulis berkas .csv berisi setiap butir mutu tahun itu (kode, butir, "
                                   "satuan, standar Renstra, jumlah tersedia, catatan). Isi kolom 'tersedia', lalu "
                                   "impor berkas itu (.csv UTF-8 atau .xlsx). Satu baris salah menolak seluruh berkas.")
    actions = p.add_subparsers(dest="mutu_action", metavar="AKSI", required=True)
    exp = actions.add_parser("export", help="tulis butir mutu satu tahun ke berkas .csv")
    exp.add_argument("file", metavar="BERKAS", help="berkas .csv tujuan")
    exp.add_argument("--year", type=int, required=True, help="tahun, mis. 2026")
    exp.set_defaults(func=run_export)
    imp = actions.add_parser("import", help="baca jumlah tersedia dari berkas .csv/.xlsx")
    imp.add_argument("file", metavar="BERKAS", help="berkas .csv atau .xlsx")
    imp.set_defaults(func=run_import)


def run_export(args, ctx) -> int:
    from spm_desktop.core.services import mutu

    written = mutu.export_file(ctx.database(), ctx.actor(), args.year, args.file)
    print(f"Butir mutu tahun {args.year} ditulis: {written}")
    return 0


def run_import(args, ctx) -> int:
    from spm_desktop.commands.import_cmd import refused
    from spm_desktop.core.imports import ImportRefused
    from spm_desktop.core.services import mutu

    try:
        changed = mutu.import_file(ctx.database(), ctx.actor(), args.file)
    except ImportRefused as exc:
        return refused(args.file, exc)
    print(f"Berkas {args.file} diimpor: {changed} butir mutu berubah.")
    return 0
