"""The shared frame of the dialogs that take credentials (first administrator, login, unlock,
recovery with the recovery key): a form, a red message line, OK/Batal, input handed to the
runner, the refusal shown beside the form."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from spm_desktop.core.security.users import UserInfo
from spm_desktop.core.storage.database import Database
from spm_desktop.ui.errors import user_message
from spm_desktop.ui.icons import app_icon
from spm_desktop.ui.runner import Runner


class CredentialsDialog(QDialog):
    """Shared frame: a form, a red message line, OK/Batal, input handed to the runner."""

    def __init__(self, db: Database, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.runner = db, runner
        self.user: UserInfo | None = None
        self.extra = None
        self.password_typed = ""
        self.setWindowIcon(app_icon())
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 40)
        self.form = QFormLayout()
        self.message = QLabel()
        self.message.setObjectName("errorMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _password_field(self) -> QLineEdit:
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    def _passwords_differ(self) -> bool:
        """A new password typed twice (``password``, ``password2``) that differs: said beside
        the form, the second box to type again; nothing is submitted."""
        if self.password.text() == self.password2.text():
            return False
        self.message.setText("Kedua kata sandi tidak sama; ketik ulang.")
        self.password2.setFocus()
        return True

    def _busy(self, busy: bool) -> None:
        self.buttons.setEnabled(not busy)
        if busy:
            self.message.setText("Memeriksa…")

    @Slot(object)
    def _done(self, result) -> None:
        # (UserInfo, extra): the recovery key of a first run, or the login's db_keys.Unlocked
        self.user, self.extra = result
        self.accept()

    @Slot(object)
    def _refused(self, error: BaseException) -> None:
        self._busy(False)
        self.message.setText(user_message(error))
