"""Run the benchmarks and print a results table (median seconds vs budget)."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import measure  # noqa: E402


def load_modules(pattern: str | None):
    for path in sorted(Path(__file__).resolve().parent.glob("bench_*.py")):
        if pattern and pattern not in path.stem:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module


def main(argv: list[str]) -> int:
    pattern = argv[0] if argv else None
    failed = 0
    print("| what | size | median | budget | date |\n|---|---|---|---|---|")
    for module in load_modules(pattern):
        if not hasattr(module, "cases"):  # a script of its own (bench_layanan.py): run it directly
            print(f"({module.__name__}: no cases; run python bench/{module.__name__}.py)", file=sys.stderr)
            continue
        for case in module.cases():
            state = case.setup()
            after = (lambda c=case, s=state: c.after(s)) if case.after else None
            timing = measure(lambda c=case, s=state: c.run(s), case.repeat, after)
            median = timing.wall
            ok = median <= case.budget_s
            failed += not ok
            mark = "" if ok else " **over budget**"
            runs = ", ".join(f"{fmt(w)} ({fmt(c)})" for w, c in zip(timing.walls, timing.cpus, strict=True))
            detail = (f"{fmt(median)}{mark} (CPU {fmt(timing.cpu)}; runs wall (CPU): {runs}; "
                      f"load {timing.load[0]:.1f}–{timing.load[1]:.1f})")
            if timing.after_walls:
                later = ", ".join(f"{fmt(w)} ({fmt(c)})" for w, c in zip(timing.after_walls, timing.after_cpus,
                                                                         strict=True))
                detail += f"; after each run, untimed: {later}"
            print(f"| {case.name} | {case.size} | {detail} | < {fmt(case.budget_s)} | {date.today()} |", flush=True)
    return 1 if failed else 0


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
