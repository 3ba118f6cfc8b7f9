"""``spm-desktop dtsen export --batch B --xlsx OUT`` and ``spm-desktop letter print ID --pdf OUT``
(issue 21).

``dtsen export``: the proposals of a batch in the columns an operator types into the national
system (``core/services/dtsen.EXPORT_COLUMNS``); a personal-data export (supervisors and
administrators), audited, text cells never formulas. ``--csv OUT`` writes CSV instead.

``letter print``: ID is a letter's id (reprint), an outgoing referral (Surat Rujukan), a
reunification event (Berita Acara Serah Terima, ``--saksi`` names the witnesses) or a
complaint (Surat Keterangan). The same record prints the same letter until it is voided.
"""

from __future__ import annotations

import sys

from spm_desktop.core.domain.dates import short_date


def register(sub) -> None:
    p = sub.add_parser("dtsen", help="usulan DTSEN: ekspor satu batch (data pribadi, supervisor/administrator)")
    what = p.add_subparsers(dest="dtsen_what", metavar="PERINTAH", required=True)
    exp = what.add_parser("export", help="ekspor usulan satu batch ke .xlsx atau .csv")
    exp.add_argument("--batch", required=True, metavar="B", help="nomor batch")
    out = exp.add_mutually_exclusive_group(required=True)
    out.add_argument("--xlsx", metavar="OUT", help="berkas .xlsx tujuan")
    out.add_argument("--csv", metavar="OUT", help="berkas .csv tujuan")
    exp.set_defaults(func=run_dtsen_export)

    p = sub.add_parser("letter", help="cetak surat (Surat Rujukan, Berita Acara Serah Terima, Surat Keterangan)")
    what = p.add_subparsers(dest="letter_what", metavar="PERINTAH", required=True)
    pr = what.add_parser("print", help="cetak surat sebuah data ke PDF (cetak ulang: surat yang sama)")
    pr.add_argument("id", metavar="ID", help="id surat, rujukan keluar, layanan reunifikasi atau pengaduan")
    pr.add_argument("--pdf", required=True, metavar="OUT", help="berkas .pdf tujuan")
    pr.add_argument("--tanggal", default=None, metavar="YYYY-MM-DD", help="tanggal surat baru (bawaan: hari ini)")
    pr.add_argument("--saksi", action="append", default=[], metavar="NAMA", help="saksi serah terima (boleh berulang)")
    pr.set_defaults(func=run_letter_print)


def run_dtsen_export(args, ctx) -> int:
    from spm_desktop.core.services.dtsen import export_batch

    result = export_batch(ctx.database(), ctx.actor(), args.batch, args.xlsx or args.csv)
    print(f"{result.rows} usulan DTSEN batch {args.batch} diekspor ke {result.path}.", file=sys.stderr)
    return 0


def run_letter_print(args, ctx) -> int:
    from datetime import date

    from spm_desktop.core.domain.errors import ValidationError
    from spm_desktop.core.services.letters import print_letter

    try:
        on = date.fromisoformat(args.tanggal) if args.tanggal else None
    except ValueError:
        raise ValidationError("Tanggal surat harus YYYY-MM-DD.", "tanggal") from None
    info = print_letter(ctx.database(), ctx.actor(), args.id, args.pdf, on=on, witnesses=tuple(args.saksi))
    number = info.number or "draf tanpa nomor (nomor diberikan di kantor)"
    print(f"Surat {number} tanggal {short_date(info.letter_date)} dicetak ke {info.path}.", file=sys.stderr)
    return 0
