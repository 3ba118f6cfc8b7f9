"""Idle lock for shared front-desk PCs: after 15 minutes without keyboard or mouse the main
window hides its content and asks the logged-in user's password again.

The password is checked by ``verify_current_user`` (an ordinary login: failures count towards
the 5-failure lock-out and are audited). The lock itself is audited as ``idle_lock``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spm_desktop.core.security.users import IDLE_LOCK_MINUTES, record_session_event, verify_current_user
from spm_desktop.ui.app_events import app_events
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.errors import user_message

log = logging.getLogger(__name__)

_ACTIVITY = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
}


class LockDialog(QDialog):
    """Asks the locked-out user's password; "Keluar aplikasi" closes the main window."""

    unlocked = Signal()
    quit_requested = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, idle: bool = True) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Layar terkunci")
        self.setModal(True)  # application modal: no other window takes input while locked
        user = ctx.user
        why = (f"Layar dikunci karena tidak ada kegiatan selama {IDLE_LOCK_MINUTES} menit." if idle
               else "Layar dikunci atas permintaan Anda (menu Keamanan → Kunci layar sekarang).")
        intro = QLabel(f"{why}<br>"
                       f"Masukkan kata sandi <b>{user.full_name}</b> ({user.username}) untuk melanjutkan.")
        intro.setTextFormat(Qt.TextFormat.RichText)
        intro.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow("&Kata sandi:", self.password)
        self.buttons = QDialogButtonBox()
        self.unlock_button = QPushButton("Buka kunci")
        self.unlock_button.setDefault(True)
        self.quit_button = QPushButton("Keluar aplikasi")
        self.buttons.addButton(self.unlock_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.unlock_button.clicked.connect(self.submit)
        self.quit_button.clicked.connect(self._quit)
        # The lock covers the whole screen (other open dialogs included) with a small
        # centred form, like an operating system's lock screen.
        self.setWindowFlags(Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint
                            | Qt.WindowType.WindowStaysOnTopHint)
        box = QFrame()
        box.setMaximumWidth(520)
        inner = QVBoxLayout(box)
        inner.addWidget(intro)
        inner.addLayout(form)
        inner.addWidget(self.message)
        inner.addWidget(self.buttons)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 2)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.password.setFocus()

    @Slot()
    def submit(self) -> None:
        self.unlock_button.setEnabled(False)
        self.ctx.runner.submit(verify_current_user, self.ctx.db, self.ctx.actor, self.password.text(),
                               on_done=self._ok, on_error=self._refused)

    @Slot(object)
    def _ok(self, _user) -> None:
        self.password.clear()
        self.message.clear()
        self.unlock_button.setEnabled(True)
        self.unlocked.emit()
        self.accept()

    @Slot(object)
    def _refused(self, error: BaseException) -> None:
        self.unlock_button.setEnabled(True)
        self.password.clear()
        self.message.setText(user_message(error))
        self.password.setFocus()

    @Slot()
    def _quit(self) -> None:
        self.quit_requested.emit()

    def reject(self) -> None:  # Esc must not unlock
        return


class IdleLock(QObject):
    """Watches the application's input events; locks ``window`` after ``timeout_ms`` idle."""

    locked = Signal()
    unlocked = Signal()

    def __init__(self, window: QMainWindow, ctx: UiContext, timeout_ms: int = IDLE_LOCK_MINUTES * 60_000) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.is_locked = False
        self.dialog: LockDialog | None = None
        self._hidden: list[QWidget] = []
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(timeout_ms)
        self.timer.timeout.connect(self.lock)
        app_events(QApplication.instance()).on(_ACTIVITY, self._activity, self)
        self.timer.start()

    def _activity(self, watched: QObject, event: QEvent) -> bool:
        if not self.is_locked:
            self.timer.start()  # restart the idle countdown
        return False

    @Slot()
    def lock_now(self) -> None:
        """Lock at the user's request (the lock screen says so, not "after 15 idle minutes")."""
        self.lock(idle=False)

    @Slot()
    def lock(self, idle: bool = True) -> None:
        if self.is_locked:
            return
        self.is_locked = True
        self.timer.stop()
        # Hide every piece of personal data behind the lock: the content and the menus.
        self._hidden = [w for w in (self.window.centralWidget(), self.window.menuBar()) if w is not None
                        and w.isVisible()]
        for widget in self._hidden:
            widget.setVisible(False)
        self.ctx.runner.submit(record_session_event, self.ctx.db, self.ctx.actor, "idle_lock",
                               on_error=lambda e: log.warning("idle lock not audited: %s", e))
        self.dialog = LockDialog(self.ctx, self.window, idle)
        self.dialog.unlocked.connect(self._unlock)
        self.dialog.quit_requested.connect(self._quit)
        self.dialog.showFullScreen()
        self.locked.emit()

    @Slot()
    def _unlock(self) -> None:
        for widget in self._hidden:
            widget.setVisible(True)
        self._hidden = []
        self.is_locked = False
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
        self.timer.start()
        self.unlocked.emit()

    @Slot()
    def _quit(self) -> None:
        if self.dialog is not None:
            self.dialog.hide()
        self.window.close()

    def stop(self) -> None:
        self.timer.stop()
        app_events(QApplication.instance()).off(self._activity)
