"""``spm-desktop recap --year Y --month M [--json OUT|-] [--pdf OUT]`` (architecture §9)."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("recap", help="rekap capaian SPM bulanan (JSON dan/atau PDF)")
    p.add_argument("--year", type=int, required=True, help="tahun anggaran, mis. 2026")
    p.add_argument("--month", type=int, required=True, help="bulan terakhir periode (1–12)")
    p.add_argument("--json", dest="json_out", default=None, metavar="OUT",
                   help="tulis semua angka sebagai JSON ke berkas OUT, atau '-' untuk layar")
    p.add_argument("--pdf", dest="pdf_out", default=None, metavar="OUT", help="tulis rekap PDF ke berkas OUT")
    p.add_argument("--breakdown", action="append", default=None, metavar="DIM",
                   help="rincian tambahan di JSON: kecamatan, kelurahan, sex, age_group, unit, pmks_category "
                        "(boleh diulang; bawaan: kecamatan)")
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    from spm_desktop.core.reports import formatting as fmt
    from spm_desktop.core.rollup import DEFAULT_BREAKDOWNS, Period
    from spm_desktop.core.services import recap as svc

    period = Period.for_month(args.year, args.month)
    db = ctx.database()
    breakdowns = tuple(args.breakdown) if args.breakdown else DEFAULT_BREAKDOWNS
    result = svc.recap(db, ctx.actor(), period, breakdowns)
    if args.json_out == "-":
        svc.export_recap_json(db, ctx.actor(), period, None, breakdowns)
        sys.stdout.write(svc.recap_json(result) + "\n")
    elif args.json_out:
        svc.export_recap_json(db, ctx.actor(), period, args.json_out, breakdowns)
        print(f"JSON ditulis: {args.json_out}", file=sys.stderr)
    if args.pdf_out:
        written = svc.export_recap_pdf(db, ctx.actor(), period, args.pdf_out, result=result)
        print(f"PDF ditulis: {written}", file=sys.stderr)
    if not args.json_out and not args.pdf_out:
        print(f"Rekap {period.label}:")
        for g in result.spm:
            print(f"  {g.label}: sasaran {fmt.number(g.sasaran)}, terpenuhi {fmt.number(g.terpenuhi)}, "
                  f"capaian {fmt.percent(g.capaian)}")
        print(f"  IKK 1 {fmt.percent(result.ikk.ikk1)}, IKK 2 {fmt.percent(result.ikk.ikk2)}")
        for w in result.warnings:
            print(f"  Peringatan: {w}")
    return 0
