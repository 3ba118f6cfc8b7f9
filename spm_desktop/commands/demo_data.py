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
    p.set_defaults(func=run)


def run(args, ctx) -> int:
    from spm_desktop.core.demo.generator import generate
    from spm_desktop.core.security.permissions import require

    require(ctx.actor(), "import.run")  # synthetic data written in bulk, like an import
    try:
        until = date.fromisoformat(args.until) if args.until else None
    except ValueError as exc:
        raise ValidationError("Tanggal --until harus berformat YYYY-MM-DD.", "until") from exc
    started = time.perf_counter()
    result = generate(ctx.database(), args.persons, args.events, seed=args.seed, until=until, force=args.force,
                      progress=lambda msg: print(msg, file=sys.stderr))
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{table}: {n}" for table, n in result.counts.items())
    print(f"Data contoh selesai dalam {elapsed:.1f} detik ({summary}).")
    return 0
