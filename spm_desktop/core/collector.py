"""Python's cyclic garbage collector paused around bulk work of the core.

A sync import or export turns a hundred thousand rows into lists and dicts, and the roll-up
reads tens of thousands of rows into tuples, sets and small dataclasses; none of them is in a
cycle. Each allocation burst otherwise crosses the collector's thresholds and triggers
collections that walk every object made so far: ≈ 1 s of CPU on a 110,000-row import, ≈ 80 ms
of a 450 ms roll-up of January–October on the 100k/1M database (``bench/bench_rollup.py``).
The GUI already collects on its own thread only (``ui/gui_gc.py``); pausing is then a no-op.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
