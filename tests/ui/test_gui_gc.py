"""Garbage collection happens on the GUI thread, never in the runner's worker."""

from __future__ import annotations

import gc
import threading

from spm_desktop.ui.gui_gc import GuiThreadCollector


def test_collector_switches_automatic_collection_off_and_collects_on_the_gui_thread(qapp, qtbot):
    seen: list[str] = []

    def callback(phase, _info):
        if phase == "start":
            seen.append(threading.current_thread().name)

    collector = GuiThreadCollector(interval_ms=20)
    gc.callbacks.append(callback)
    try:
        assert not gc.isenabled()
        for _ in range(2000):  # make garbage cycles
            a = []
            a.append(a)
        qtbot.waitUntil(lambda: bool(seen), timeout=2000)
        assert set(seen) == {threading.main_thread().name}
    finally:
        gc.callbacks.remove(callback)
        collector.stop()
    assert gc.isenabled()
