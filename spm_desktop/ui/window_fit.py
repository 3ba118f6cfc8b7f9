"""Windows that fit their screen, dialogs that fit their text.

Qt sizes a dialog from its layout's size hint before it is shown, which ignores word-wrapped
labels' height for the final width (a wrapped description is then cut) and can exceed a small
screen. :class:`DialogFitter`, installed once on the application, corrects each dialog as it is
first shown: tall enough for its wrapped text at its width, and never larger than the available
screen area (the taskbar excluded), with Tab in layout order and the focus on its first field.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from spm_desktop.ui.app_events import app_events
from spm_desktop.ui.tab_order import focus_first_field, is_field, set_tab_order

ORDERED = "spmTabOrdered"
WINDOW_FRAME = QSize(8, 32)  # what a window manager adds around a window: borders, title bar


def default_window_size(available: QRect) -> QSize:
    """The main window's first-start size: the available screen (taskbar excluded) less the
    window frame, at most 1440×900 so a large screen still shows a window, not a wall."""
    return QSize(min(1440, available.width() - WINDOW_FRAME.width()),
                 min(900, available.height() - WINDOW_FRAME.height()))


def fitted_size(dialog: QWidget, available: QSize) -> QSize:
    """The size ``dialog`` should have: its size hint (Qt's first guess stops at two thirds of
    the screen), its height for its width when text wraps, the whole within ``available`` minus
    the window frame."""
    limit = QSize(available.width() - WINDOW_FRAME.width(), available.height() - WINDOW_FRAME.height())
    hint = dialog.sizeHint()  # Qt's first size stops at 2/3 of the screen; use the room there is
    width = min(max(dialog.width(), hint.width()), limit.width())
    height = max(dialog.height(), hint.height())
    layout = dialog.layout()
    if layout is not None:
        layout.activate()
        if layout.hasHeightForWidth():
            height = max(height, layout.totalHeightForWidth(width))
    return QSize(width, min(height, limit.height()))


class DialogFitter(QObject):
    """Application event filter: fits every dialog when it is shown (see module doc); the
    first time one of ours is shown, chains Tab in layout order and focuses the first field
    unless the dialog chose a field itself (never OK or Batal)."""

    def handle(self, watched: QObject, event: QEvent) -> bool:
        """A Show event anywhere in the application (``app_events``); never stops it."""
        if isinstance(watched, QDialog) and watched.isWindow():
            if not watched.property(ORDERED) and type(watched).__module__.startswith("spm_desktop."):
                watched.setProperty(ORDERED, True)
                set_tab_order(watched)
                chosen = watched.focusWidget()
                if chosen is None or not is_field(chosen):
                    focus_first_field(watched)
            screen = watched.screen() or QApplication.primaryScreen()
            if screen is not None:
                size = fitted_size(watched, screen.availableGeometry().size())
                if size != watched.size():
                    watched.resize(size)
        return False


def install_dialog_fitter(app: QApplication) -> DialogFitter:
    fitter = DialogFitter(app)
    app_events(app).on((QEvent.Type.Show,), fitter.handle, fitter)
    return fitter
