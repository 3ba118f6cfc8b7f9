"""The application's one event filter, shared by everything that watches every event.

Qt calls an application-wide event filter for every event of every object. In PySide each
call crosses into Python and builds the event's type as a Python enum, about 7 µs. With three
such filters (Ctrl+Tab in date fields, fitting dialogs to the screen, the idle lock), opening
a page cost two to three times the GUI thread's time of building it: Pengaduan 75 ms of CPU
instead of 25 (``bench/gui_latency.py``, BENCHMARKS.md). One filter reads the type once and
calls only the handlers registered for it, and a page is built with the filter set aside
(``paused``): no handler has anything to do with the events that building sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QObject

Handler = Callable[[QObject, QEvent], bool]


class AppEvents(QObject):
    """Handlers per event type; a handler returning True stops the event (as a filter would)."""

    def __init__(self, app: QObject) -> None:
        super().__init__(app)
        self._handlers: dict[QEvent.Type, tuple[Handler, ...]] = {}
        app.installEventFilter(self)

    def on(self, types: Iterable[QEvent.Type], handler: Handler, owner: QObject) -> None:
        """Call ``handler`` for the events of ``types`` until ``owner`` is destroyed (as Qt drops
        a destroyed event filter) or ``off(handler)``."""
        for kind in types:
            self._handlers[kind] = (*self._handlers.get(kind, ()), handler)
        owner.destroyed.connect(lambda *_: self.off(handler))

    def off(self, handler: Handler) -> None:
        for kind, handlers in list(self._handlers.items()):
            kept = tuple(h for h in handlers if h != handler)
            if kept:
                self._handlers[kind] = kept
            else:
                del self._handlers[kind]

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No handler runs inside: for building a page, which sends its new widgets thousands of
        events (children added, polish, layout), none of them a key press, a dialog shown or
        the user's activity. Events posted meanwhile are delivered after, filter back in place."""
        app = self.parent()
        app.removeEventFilter(self)
        try:
            yield
        finally:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        handlers = self._handlers.get(event.type())
        if handlers:
            for handler in handlers:
                if handler(watched, event):
                    return True
        return False


def app_events(app: QObject) -> AppEvents:
    """The application's filter, made and installed the first time it is asked for."""
    found = app.findChild(AppEvents)
    return found if found is not None else AppEvents(app)
