"""``spm-desktop demo-data --persons N --events M [--seed S]``: realistic data for trials and benchmarks."""

from __future__ import annotations

import sys
import time
from datetime import date

from spm_desktop.core.domain.errors import ValidationError


def register(sub) -> None:
    p = sub.add_parser("demo-data", help="isi basis data dengan data contoh yang realistis")
    p.add_argument("--persons", type=int, required=True, help="jumlah penerima layanan")
    p.add_argument("--events", type=int, required=True, help="jumlah catatan layanan")
    p.add_argument("--seed", type=int, default=1, help="benih acak (hasil sama untuk benih yang sama)")
    p.add_argument("--until", default=None, help="tanggal terakhir data, YYYY-MM-DD (bawaan: hari ini)")
    p.add_argument("--force", action="store_true", help="tambahkan walaupun basis data sudah berisi data")
    p.add_argument("--wilayah", default=None, metavar="KODE",
                   help="kode kabupaten/kota bila folder data belum punya wilayah kerja (bawaan: 61.71 Kota Pontianak)")
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    from spm_desktop.core.demo.generator import generate

    actor = ctx.actor()  # import.run: synthetic data written in bulk, like an import
    try:
        until = date.fromisoformat(args.until) if args.until else None
    except ValueError as exc:
        raise ValidationError("Tanggal --until harus berformat YYYY-MM-DD.", "until") from exc
    from spm_desktop.core.services.area import AreaChoice, adopt_area, current_area, find_area

    db = ctx.database()
    area = current_area(db)
    if area is None or (args.wilayah and find_area(args.wilayah).code != area.code):
        area = adopt_area(db, actor, AreaChoice(args.wilayah or "61.71"))
        print(f"Wilayah kerja: {area.name} ({area.code}).", file=sys.stderr)
    started = time.perf_counter()
    result = generate(db, args.persons, args.events, seed=args.seed, until=until, force=args.force,
                      progress=lambda msg: print(msg, file=sys.stderr), actor=actor)
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{table}: {n}" for table, n in result.counts.items())
    print(f"Data contoh selesai dalam {elapsed:.1f} detik ({summary}).")
    return 0
