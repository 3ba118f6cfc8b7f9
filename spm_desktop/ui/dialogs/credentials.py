"""The shared frame of the dialogs that take credentials (first administrator, login, unlock,
recovery with the recovery key): a :class:`~spm_desktop.ui.dialogs.form.FormDialog` whose
input is checked by the core on the runner, with a password field and the check that a new
password was typed twice alike."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.security.passwords import PASSWORD_RULES
from spm_desktop.core.security.users import UserInfo
from spm_desktop.core.storage.database import Database
from spm_desktop.ui.dialogs.form import FormDialog
from spm_desktop.ui.runner import Runner


def rules_label() -> QLabel:
    """The password rules, in Indonesian, shown before a new password is typed."""
    label = QLabel(PASSWORD_RULES)
    label.setWordWrap(True)
    label.setObjectName("password_rules")
    return label


def password_field() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class CredentialsDialog(FormDialog):
    """A form dialog whose success is (UserInfo, extra)."""

    WORKING = "Memeriksa…"
    password2: QLineEdit | None = None  # set by the dialogs that take a new password twice

    def __init__(self, db: Database, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        self.db = db
        self.user: UserInfo | None = None
        self.extra = None
        self.password_typed = ""
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 40)

    def problem(self) -> str | ValidationError:
        """A new password typed twice (``password``, ``password2``) must agree: else the second
        box is to be typed again."""
        if self.password2 is not None and self.password.text() != self.password2.text():
            return ValidationError("Kedua kata sandi tidak sama; ketik ulang.", "password2")
        return ""

    @Slot(object)
    def _done(self, result) -> None:
        # (UserInfo, extra): the recovery key of a first run, or the login's db_keys.Unlocked
        self.user, self.extra = result
        self.accept()
