"""``spm-desktop import {persons,cases,needs,events,relawan,activities,disasters,households} FILE [--dry-run]``.

The kinds come from the import framework's registry (:mod:`spm_desktop.core.imports`). The
command acts as the recorded system user; a refused file exits 1 with every error on stderr.
"""

from __future__ import annotations

import sys


def register(sub) -> None:
    from spm_desktop.core.imports import load_kinds

    kinds = load_kinds()
    p = sub.add_parser("import", help="impor berkas .csv/.xlsx (semua baris atau tidak sama sekali)",
                       description="Impor berkas .csv (UTF-8) atau .xlsx (lembar pertama). Satu baris salah "
                                   "menolak seluruh berkas; setiap kesalahan ditulis 'baris N, kolom X: pesan'.")
    p.add_argument("kind", choices=list(kinds), metavar="JENIS", help="jenis data: " + ", ".join(kinds))
    p.add_argument("file", metavar="BERKAS", help="berkas .csv atau .xlsx")
    p.add_argument("--dry-run", action="store_true", help="periksa saja, tidak menyimpan apa pun")
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    return import_file(ctx, args.kind, args.file, dry_run=args.dry_run)


def import_file(ctx, kind: str, file: str, dry_run: bool) -> int:
    """Import ``file`` as ``kind`` and print the summary; a refused file: every error on stderr, 1."""
    from spm_desktop.core.imports import ImportRefused, run_import

    try:  # run_import makes the one backup copy before it writes (core/imports/framework)
        result = run_import(ctx.database(), ctx.actor(), kind, file, dry_run=dry_run)
    except ImportRefused as exc:
        return refused(file, exc)
    print(result.summary())
    return 0


def refused(file: str, exc) -> int:
    """Report an ``ImportRefused`` on stderr (every ``baris N, kolom X`` line); the exit status 1."""
    print(f"Ditolak: berkas {file} tidak diimpor, tidak ada yang disimpan ({len(exc.lines)} kesalahan):",
          file=sys.stderr)
    for line in exc.lines:
        print(line, file=sys.stderr)
    return 1
