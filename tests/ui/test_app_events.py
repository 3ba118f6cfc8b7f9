"""The application's one event filter (ui/app_events.py): handlers per event type, paused
while a page is built, removed when their owner stops."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from spm_desktop.ui.app_events import AppEvents, app_events
from spm_desktop.ui.idle_lock import IdleLock


def test_one_filter_for_the_application_dispatching_by_type(app, qtbot):
    events = app_events(app)
    assert app_events(app) is events and len(app.findChildren(AppEvents)) == 1
    seen: list[QEvent.Type] = []

    def note(watched, event) -> bool:
        seen.append(event.type())
        return False

    field = QLineEdit()
    qtbot.addWidget(field)
    events.on((QEvent.Type.KeyPress,), note, field)
    try:
        QTest.keyClick(field, Qt.Key.Key_A)
        assert seen == [QEvent.Type.KeyPress] * len(seen) and seen  # only the type asked for
        count = len(seen)
        with events.paused():
            QTest.keyClick(field, Qt.Key.Key_B)
        assert len(seen) == count  # set aside while paused
        QTest.keyClick(field, Qt.Key.Key_C)
        assert len(seen) > count  # and back after
    finally:
        events.off(note)
    count = len(seen)
    QTest.keyClick(field, Qt.Key.Key_D)
    assert len(seen) == count and field.text() == "abcd"


def test_a_handler_returning_true_stops_the_event(app, qtbot):
    field = QLineEdit()
    qtbot.addWidget(field)

    def swallow(watched, event) -> bool:
        return watched is field

    app_events(app).on((QEvent.Type.KeyPress,), swallow, field)
    try:
        QTest.keyClick(field, Qt.Key.Key_X)
    finally:
        app_events(app).off(swallow)
    QTest.keyClick(field, Qt.Key.Key_Y)
    assert field.text() == "y"


def test_the_idle_lock_listens_while_it_runs_and_not_after(ctx, qtbot):
    from PySide6.QtWidgets import QMainWindow

    window = QMainWindow()
    qtbot.addWidget(window)
    events = app_events(QApplication.instance())
    idle = IdleLock(window, ctx, timeout_ms=60_000)
    assert idle._activity in events._handlers[QEvent.Type.MouseMove]
    idle.stop()
    assert all(idle._activity not in handlers for handlers in events._handlers.values())


def test_a_handler_goes_when_its_owner_is_destroyed(app, qtbot):
    """As Qt drops a destroyed event filter: an idle lock whose window closed without stop()."""
    from PySide6.QtWidgets import QMainWindow

    events = app_events(app)
    window = QMainWindow()
    owner = QLineEdit(window)
    calls = []
    events.on((QEvent.Type.KeyPress,), lambda w, e: calls.append(1) or False, owner)
    before = sum(len(h) for h in events._handlers.values())
    window.deleteLater()
    qtbot.waitUntil(lambda: sum(len(h) for h in events._handlers.values()) == before - 1, timeout=2000)
    field = QLineEdit()
    qtbot.addWidget(field)
    QTest.keyClick(field, Qt.Key.Key_A)
    assert not calls
