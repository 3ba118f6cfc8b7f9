"""Garbage collection happens on the GUI thread, never in the runner's worker."""

from __future__ import annotations

import gc
import threading

import pytest

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


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_survivors_of_a_full_collection_are_set_aside_and_looked_at_again_on_review(qapp):
    import weakref

    collector = GuiThreadCollector(interval_ms=60_000)
    try:
        node = _Node()
        alive = weakref.ref(node)
        collector.settle()
        assert gc.get_freeze_count() > 1000  # the modules, classes, Qt wrappers made so far
        assert len(gc.get_objects()) < gc.get_freeze_count() // 10  # the next full one walks few
        del node  # garbage now, but set aside: a plain full collection does not look at it
        collector.settle()
        assert alive() is not None
        collector.review()  # what the screen lock and every REVIEW_EVERY-th collection do
        assert alive() is None
        assert gc.get_freeze_count() > 1000
        collector.release()  # a session ends: its window may be freed
        assert gc.get_freeze_count() == 0
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0 and gc.isenabled()


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_locking_the_screen_reviews_what_was_set_aside(ctx, qtbot):
    import weakref

    from PySide6.QtWidgets import QLabel, QMainWindow

    from spm_desktop.ui.security_hooks import install_session_guards

    window = QMainWindow()
    window.setCentralWidget(QLabel("data pribadi"))
    qtbot.addWidget(window)
    window.show()
    collector = GuiThreadCollector(interval_ms=60_000)
    guards = install_session_guards(window, ctx, idle_timeout_ms=60_000, collector=collector)
    try:
        node = _Node()
        alive = weakref.ref(node)
        collector.settle()  # as app.run does before the window shows
        del node
        assert alive() is not None
        guards.menu_actions["lock_now"].trigger()
        assert guards.idle.is_locked
        assert alive() is None
    finally:
        guards.idle.stop()
        guards.timer.stop()
        collector.stop()
