"""Cyclic garbage collection on the GUI thread only, and never a long one while someone works.

Python's cyclic collector runs in whichever thread happens to allocate when a threshold is
crossed — often the runner's worker thread. If a cycle holding a Qt widget is collected there,
the widget is destroyed off the GUI thread and Qt crashes. So automatic collection is switched
off and a timer on the GUI thread collects instead (the pattern PyQt/PySide applications use).

A full collection walks every object the collector tracks: about 200,000 once the main window
and its pages exist (modules, classes, SQLAlchemy's metadata, the widgets' wrappers), 100–250 ms
with the GIL held — a freeze of the window (bench/gui_latency.py measured it on the GUI thread).
Those objects live as long as the session, so the survivors of each full collection are set
aside with ``gc.freeze()`` and the next one walks only what was made since (a few thousand
objects, a few ms). What is set aside is looked at again — everything unfrozen and collected —
when nobody is working: when the screen locks, when the session ends (``release``), and at the
latest every ``REVIEW_EVERY``-th full collection, so a cycle that became garbage after being
set aside is freed within hours, never kept for good.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

INTERVAL_MS = 5_000
REVIEW_EVERY = 24  # full collections; at most one per ~8 minutes with the default thresholds


class GuiThreadCollector(QObject):
    """Owns the timer; keep a reference for the application's lifetime."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._full_collections = 0
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    @Slot()
    def collect(self) -> None:
        # Young generations often, the oldest rarely, as the automatic collector would.
        gen0, gen1, gen2 = gc.get_count()
        if gen2 > self._thresholds[2]:
            self._full_collections += 1
            if self._full_collections % REVIEW_EVERY == 0:
                self.review()
            else:
                self.settle()
        elif gen1 > self._thresholds[1]:
            gc.collect(1)
        elif gen0 > self._thresholds[0]:
            gc.collect(0)

    @Slot()
    def settle(self) -> None:
        """A full collection of what is not set aside; its survivors are set aside too."""
        gc.collect(2)
        gc.freeze()

    @Slot()
    def review(self) -> None:
        """Everything looked at again (at a moment nobody works: the lock, the session's end)."""
        gc.unfreeze()
        self.settle()

    @Slot()
    def release(self) -> None:
        """Nothing set aside any more (a session ends: its window may now be freed)."""
        gc.unfreeze()

    def stop(self) -> None:
        self._timer.stop()
        gc.unfreeze()
        gc.enable()
