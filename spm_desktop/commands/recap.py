"""``spm-desktop recap --year Y --month M [--json OUT|-] [--pdf OUT [--signed-on D] [--prepared-by N
--prepared-by-nip NIP]]`` (architecture §9)."""

from __future__ import annotations

import sys
from datetime import date

from spm_desktop.core.domain.errors import ValidationError


def add_signing_arguments(p) -> None:
    """Options of a signed export (recap PDF, e-SPM workbook)."""
    p.add_argument("--signed-on", default=None, metavar="YYYY-MM-DD",
                   help="tanggal tanda tangan (bawaan: hari ini)")
    p.add_argument("--prepared-by", default=None, metavar="NAMA",
                   help="nama \"Yang membuat\" (bawaan: nama lengkap pengguna; kosong: garis untuk ditulis tangan)")
    p.add_argument("--prepared-by-nip", default=None, metavar="NIP", help="NIP \"Yang membuat\"")


def signing_from_args(args, db, actor):
    from spm_desktop.core.services.recap import signing_for

    signed_on = None
    if args.signed_on:
        try:
            signed_on = date.fromisoformat(args.signed_on)
        except ValueError:
            raise ValidationError(f"Tanggal tanda tangan '{args.signed_on}' tidak valid; tulis YYYY-MM-DD.",
                                  "signed_on") from None
    return signing_for(db, actor, signed_on, args.prepared_by, args.prepared_by_nip)


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
    add_signing_arguments(p)
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    from spm_desktop.core.reports import formatting as fmt
    from spm_desktop.core.rollup import DEFAULT_BREAKDOWNS, Period
    from spm_desktop.core.services import recap as svc

    period = Period.for_month(args.year, args.month)
    db = ctx.database()
    actor = ctx.actor()
    breakdowns = tuple(args.breakdown) if args.breakdown else DEFAULT_BREAKDOWNS
    result = svc.recap(db, actor, period, breakdowns)
    if args.json_out == "-":
        svc.export_recap_json(db, actor, period, None, breakdowns)
        sys.stdout.write(svc.recap_json(result) + "\n")
    elif args.json_out:
        svc.export_recap_json(db, actor, period, args.json_out, breakdowns)
        print(f"JSON ditulis: {args.json_out}", file=sys.stderr)
    if args.pdf_out:
        written = svc.export_recap_pdf(db, actor, period, args.pdf_out, result=result,
                                       signing=signing_from_args(args, db, actor))
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
