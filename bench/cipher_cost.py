"""The cost of encryption at rest (issue 18): the same operations on the plain 100k/1M demo
database and on its SQLCipher twin (``bench/make_encrypted.py``), wall and CPU medians and the
load average around each, so figures taken on a shared machine can be read.

    SPM_BENCH_DB=/path/plain/spm.db     python bench/cipher_cost.py plain
    SPM_BENCH_DB=/path/encrypted/spm.db python bench/cipher_cost.py encrypted
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_backup as bb  # noqa: E402
import bench_casework as cw  # noqa: E402
import bench_rollup as ru  # noqa: E402
import bench_sync as bs  # noqa: E402


def measure(label: str, setup, run, repeat: int) -> None:
    state = setup()
    load0 = os.getloadavg()[0]
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        run(state)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    load1 = os.getloadavg()[0]
    print(f"| {sys.argv[1]} | {label} | {fmt(statistics.median(wall))} | {fmt(statistics.median(cpu))} | "
          f"{repeat} | {load0:.1f}–{load1:.1f} |", flush=True)


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> int:
    which = set(sys.argv[2:]) or {"event", "search", "rollup", "check", "backup", "sync"}
    print("| file | what | wall median | CPU median | runs | load avg (1 min) before–after |")
    if "event" in which:
        measure("record one service event", cw._event_setup, cw._event_run, 40)
    if "search" in which:
        measure("person search (15 queries cycled)", cw._search_setup, cw._search_run, 45)
    if "rollup" in which:
        for month in ru.WINDOWS:
            measure(f"roll-up raw baseline Jan–{month:02d}", ru._open, lambda db, m=month: ru.baseline(db, m), 5)
            measure(f"roll-up full Jan–{month:02d}", ru._open, lambda db, m=month: ru.full_rollup(db, m), 5)
    if "check" in which:
        measure("start-up quick_check", bb._live, bb._check(True), 3)
    if "backup" in which:
        measure("daily backup (online backup API copy)", bb._backup_setup, bb._backup_run, 3)
    if "sync" in which:
        measure("sync import 50k events into the office database (backup first; the checkpoint after it too)",
                bs._office_setup, lambda state: (bs._office_run(state), bs._office_after(state)), 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
