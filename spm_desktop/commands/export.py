"""``spm-desktop export persons --xlsx OUT``: the person list to Excel, as the GUI's export.

Personal data leaving the application: supervisors and administrators only, audited (who,
which filters, how many, where to); text cells are written as text, never as formulas.
"""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("export", help="ekspor data pribadi (daftar penerima layanan) ke Excel")
    what = p.add_subparsers(dest="export_what", metavar="DATA", required=True)
    persons = what.add_parser("persons", help="daftar penerima layanan ke berkas .xlsx (supervisor/administrator)")
    persons.add_argument("--xlsx", required=True, metavar="OUT", help="berkas .xlsx tujuan")
    persons.add_argument("--kecamatan", default=None, metavar="KODE", help="hanya kecamatan ini (kode wilayah)")
    persons.add_argument("--kelurahan", default=None, metavar="KODE", help="hanya kelurahan ini (kode wilayah)")
    persons.add_argument("--kategori", default=None, metavar="KODE", help="hanya kategori PMKS ini")
    persons.add_argument("--unit", default=None,
                         help="hanya yang memiliki kasus di unit ini (UPRS, PLAT, TKSK, BIDANG)")
    persons.add_argument("--cari", default="", metavar="TEKS", help="sebagian nama/alias, awalan NIK atau No. KK")
    persons.set_defaults(func=run_persons)


def run_persons(args, ctx) -> int:
    from spm_desktop.core.services.person_export import export_person_list
    from spm_desktop.core.services.person_search import PersonQuery

    query = PersonQuery(category_code=args.kategori, kecamatan_code=args.kecamatan, kelurahan_code=args.kelurahan,
                        unit=args.unit.upper() if args.unit else None, text=args.cari)
    count = export_person_list(ctx.database(), ctx.actor(), args.xlsx, query)
    print(f"{count} penerima layanan diekspor ke {args.xlsx}.", file=sys.stderr)
    return 0
