"""Cyclic garbage collection on the GUI thread only.

Python's cyclic collector runs in whichever thread happens to allocate when a threshold is
crossed — often the runner's worker thread. If a cycle holding a Qt widget is collected there,
the widget is destroyed off the GUI thread and Qt crashes. So automatic collection is switched
off and a timer on the GUI thread collects instead (the pattern PyQt/PySide applications use).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

INTERVAL_MS = 5_000


class GuiThreadCollector(QObject):
    """Owns the timer; keep a reference for the application's lifetime."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
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
            gc.collect(2)
        elif gen1 > self._thresholds[1]:
            gc.collect(1)
        elif gen0 > self._thresholds[0]:
            gc.collect(0)

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
