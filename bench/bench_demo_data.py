"""Demo data: 100,000 persons and 1,000,000 events through the real CLI (budget: 2 minutes)."""

from __future__ import annotations

import shutil

from common import BIG_EVENTS, BIG_PERSONS, BIG_SEED, BIG_UNTIL, DATA, BenchCase, run_cli


def _setup():
    folder = DATA / "work" / "demo-data"
    shutil.rmtree(folder, ignore_errors=True)
    return folder


def _run(folder):
    shutil.rmtree(folder, ignore_errors=True)
    run_cli(folder, "demo-data", "--persons", str(BIG_PERSONS), "--events", str(BIG_EVENTS), "--seed",
            str(BIG_SEED), "--until", BIG_UNTIL, capture=True)


def cases():
    return [BenchCase("demo-data (CLI, incl. migration and seed)", "100k persons, 1M events", 120.0, _run,
                      _setup, repeat=1)]
