"""``spm-desktop duplicates [--json OUT|-]``: the open candidate pairs of the duplicate review
list, for scripts and the office's data-quality checks.

JSON: ``[{"a": {"id", "ref", "nama"}, "b": {…}, "score", "alasan"}]`` — ``id`` the record id,
``ref`` the ``id`` the person had in the import file (null when registered otherwise).
"""

from __future__ import annotations

import json
import sys


def register(sub) -> None:
    p = sub.add_parser("duplicates", help="daftar pasangan data ganda yang belum diperiksa")
    p.add_argument("--json", metavar="OUT", help="tulis JSON ke berkas OUT (atau - untuk layar)")
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    from spm_desktop.core.services.duplicates import open_pairs_for_export

    pairs = open_pairs_for_export(ctx.database(), ctx.actor())
    if args.json:
        text = json.dumps(pairs, ensure_ascii=False, indent=2)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            print(f"{len(pairs)} pasangan ditulis ke {args.json}.", file=sys.stderr)
        return 0
    if not pairs:
        print("Tidak ada pasangan data ganda yang belum diperiksa.")
    for p in pairs:
        a, b = p["a"], p["b"]
        print(f"{p['score']:>3}  {a['nama']} ({a['ref'] or a['id']})  ~  {b['nama']} ({b['ref'] or b['id']})"
              f"  — {p['alasan']}")
    return 0
