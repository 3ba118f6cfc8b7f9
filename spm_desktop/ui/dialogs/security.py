"""Dialogs of the security issue: restore offer at start, own password, user form, reset
password, diagnostics. Each returns its value through ``ask()`` so tests can patch it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.groups import ROLES, UNITS
from spm_desktop.core.security.permissions import KECAMATAN_ROLE, PERMISSION_LABELS, PETUGAS, UNIT_ROLE, permissions_of
from spm_desktop.core.security.users import UserInfo, change_own_password
from spm_desktop.core.storage.backup import StartupCheck, describe_backup
from spm_desktop.core.storage.database import Database
from spm_desktop.ui.dialogs.credentials import CredentialsDialog, password_field, rules_label
from spm_desktop.ui.dialogs.form import FormDialog
from spm_desktop.ui.runner import Runner

# ----- restore offer at start --------------------------------------------------------------


class RestoreOfferDialog(QMessageBox):
    """quick_check failed at start: offer the newest good backup (or explain there is none)."""

    def __init__(self, check: StartupCheck, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Basis data rusak")
        self.setIcon(QMessageBox.Icon.Critical)
        text = ("Pemeriksaan basis data saat mulai menemukan kerusakan (misalnya karena listrik padam "
                "atau diska bermasalah).")
        if check.offer is not None:
            self.setText(f"{text}\n\nPulihkan dari cadangan baik terbaru?\n{describe_backup(check.offer)}\n"
                         f"{check.offer.path}\n\nBerkas yang rusak disimpan di folder backups. Data yang "
                         "dicatat sesudah cadangan itu dibuat perlu dicatat ulang.")
            self.restore_button = self.addButton("Pulihkan", QMessageBox.ButtonRole.AcceptRole)
        else:
            self.setText(f"{text}\n\nTidak ada cadangan yang lolos pemeriksaan. Hubungi administrator; "
                         "jangan hapus folder data.")
            self.restore_button = None
        self.setDetailedText(check.message)
        self.quit_button = self.addButton("Keluar", QMessageBox.ButtonRole.RejectRole)

    @classmethod
    def ask(cls, parent: QWidget | None, check: StartupCheck) -> bool:
        """True when the user chose to restore ``check.offer``."""
        dialog = cls(check, parent)
        dialog.exec()
        return dialog.restore_button is not None and dialog.clickedButton() is dialog.restore_button


# ----- passwords ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordChange:
    old: str
    new: str


def own_password_change(db: Database, actor: Actor) -> Callable[[PasswordChange], None]:
    """What the change-password dialog's OK runs on the runner for the signed-in user."""
    return lambda change: change_own_password(db, actor, change.old, change.new)


class ChangePasswordDialog(CredentialsDialog):
    """The user's own password: the old one, the new one twice. With ``runner`` and
    ``submit``, OK runs ``submit(PasswordChange)`` in the background and the dialog closes only
    when it succeeds; a refusal (a wrong old password, a weak new one) is shown in the dialog."""

    FIELDS = {"old_password": "old"}

    def __init__(self, parent: QWidget | None = None, runner: Runner | None = None, submit=None) -> None:
        super().__init__(None, runner, parent)
        self.setWindowTitle("Ganti kata sandi")
        self.service = submit
        self.old = password_field()
        self.password = password_field()
        self.password2 = password_field()
        self.form.addRow("Kata sandi &lama:", self.old)
        self.form.addRow("Kata sandi &baru:", self.password)
        self.form.addRow("&Ulangi kata sandi baru:", self.password2)
        self.body.addWidget(rules_label())

    def value(self) -> PasswordChange:
        return PasswordChange(self.old.text(), self.password.text())

    @Slot(object)
    def _done(self, value) -> None:
        FormDialog._done(self, value)  # no (user, extra) here: the change went through

    @classmethod
    def ask(cls, parent: QWidget | None, runner: Runner | None = None, submit=None) -> PasswordChange | None:
        """The change typed (after ``submit`` accepted it, when given), or None when cancelled."""
        dialog = cls(parent, runner, submit)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.value()


class ResetPasswordDialog(CredentialsDialog):
    def __init__(self, user: UserInfo, parent: QWidget | None = None) -> None:
        super().__init__(None, None, parent)
        self.setWindowTitle(f"Atur ulang kata sandi — {user.username}")
        self.password = password_field()
        self.password2 = password_field()
        self.form.addRow("Kata sandi &baru:", self.password)
        self.form.addRow("&Ulangi kata sandi:", self.password2)
        self.body.addWidget(rules_label())

    @classmethod
    def ask(cls, parent: QWidget | None, user: UserInfo) -> str | None:
        dialog = cls(user, parent)
        return dialog.password.text() if dialog.exec() == QDialog.DialogCode.Accepted else None


# ----- user form ---------------------------------------------------------------------------


def role_rights_text(role: str) -> str:
    """What a role may do, from the one permission table, as an Indonesian sentence."""
    rights = [PERMISSION_LABELS.get(key, key) for key in permissions_of(role)]
    scope = {UNIT_ROLE: " (kasus dan layanan hanya untuk unitnya sendiri)",
             KECAMATAN_ROLE: " (data hanya untuk kecamatannya sendiri)"}.get(role, "")
    return ("Boleh " + ", ".join(rights) + scope + ".") if rights else "Tidak memiliki hak apa pun."


@dataclass(frozen=True)
class UserForm:
    username: str
    full_name: str
    nip: str
    role: str
    unit: str
    kecamatan_code: str | None
    password: str  # empty when editing


class UserDialog(FormDialog):
    """Create (with password) or edit (without) an account. With ``runner`` and ``submit``,
    OK runs ``submit(form)`` in the background and the dialog closes only when it succeeds: a
    refusal (a weak password, a username in use) is shown in the dialog with everything typed
    kept. A new account starts as "Petugas layanan", never as Administrator."""

    DEFAULT_ROLE = PETUGAS
    FIELDS = {"kecamatan_code": "kecamatan"}

    def __init__(self, kecamatan: list[tuple[str, str]], user: UserInfo | None = None,
                 parent: QWidget | None = None, runner: Runner | None = None, submit=None) -> None:
        super().__init__(runner, parent, title="Ubah pengguna" if user else "Tambah pengguna", service=submit)
        self.editing = user
        self.username = QLineEdit(user.username if user else "")
        self.username.setReadOnly(user is not None)
        self.full_name = QLineEdit(user.full_name if user else "")
        self.nip = QLineEdit(user.nip if user else "")
        self.role = QComboBox()
        for key, label in ROLES.items():
            self.role.addItem(label, key)
        self.unit = QComboBox()
        for key, label in UNITS.items():
            self.unit.addItem(label, key)
        self.kecamatan = QComboBox()
        for code, name in kecamatan:
            self.kecamatan.addItem(name, code)
        self.form.addRow("Nama &pengguna:", self.username)
        self.form.addRow("Nama &lengkap:", self.full_name)
        self.form.addRow("&NIP (boleh kosong):", self.nip)
        self.form.addRow("Pe&ran:", self.role)
        self.role_rights = QLabel()
        self.role_rights.setWordWrap(True)
        self.form.addRow("Hak peran:", self.role_rights)
        self.form.addRow("&Unit:", self.unit)
        self.form.addRow("&Kecamatan:", self.kecamatan)
        self.password = password_field()
        self.password2 = password_field()
        if user is None:
            self.form.addRow("Kata &sandi:", self.password)
            self.form.addRow("Ulan&gi kata sandi:", self.password2)
            self.body.addWidget(rules_label())
        self.role.setCurrentIndex(max(0, self.role.findData(user.role if user else self.DEFAULT_ROLE)))
        if user is not None:
            if user.unit:
                self.unit.setCurrentIndex(max(0, self.unit.findData(user.unit)))
            if user.kecamatan_code:
                self.kecamatan.setCurrentIndex(max(0, self.kecamatan.findData(user.kecamatan_code)))
        self.role.currentIndexChanged.connect(self._role_changed)
        self._role_changed()

    @Slot()
    def _role_changed(self) -> None:
        role = self.role.currentData()
        self.unit.setEnabled(role == UNIT_ROLE)
        self.kecamatan.setEnabled(role == KECAMATAN_ROLE)
        self.role_rights.setText(role_rights_text(role))

    def problem(self) -> str | ValidationError:
        if self.editing is None and self.password.text() != self.password2.text():
            return ValidationError("Kedua kata sandi tidak sama; ketik ulang.", "password2")
        return ""

    def value(self) -> UserForm:
        role = self.role.currentData()
        return UserForm(self.username.text(), self.full_name.text(), self.nip.text(), role,
                        self.unit.currentData() if role == UNIT_ROLE else "",
                        self.kecamatan.currentData() if role == KECAMATAN_ROLE else None,
                        self.password.text())

    @classmethod
    def ask(cls, parent: QWidget | None, kecamatan: list[tuple[str, str]], user: UserInfo | None = None,
            runner: Runner | None = None, submit=None):
        """Without ``submit``: the filled-in ``UserForm`` or None. With it: what ``submit``
        returned once it succeeded, or None when cancelled."""
        dialog = cls(kecamatan, user, parent, runner, submit)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.result_value if submit is not None else dialog.value()


# ----- diagnostics -------------------------------------------------------------------------


class DiagnosticsDialog(QDialog):
    """Versions, paths, database size, last backup; "Salin" puts the text on the clipboard."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Informasi diagnostik")
        self.text = QPlainTextEdit(text)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setMinimumSize(640, 360)
        font = self.text.font()
        font.setStyleHint(font.StyleHint.Monospace)
        font.setFamily("monospace")
        self.text.setFont(font)
        copy = QPushButton("&Salin")
        copy.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        hint = QLabel("Informasi ini tidak memuat data pribadi dan boleh dikirim kepada petugas dukungan.")
        hint.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(hint)
        layout.addWidget(self.text)
        layout.addWidget(buttons)

    @Slot()
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())

    @classmethod
    def ask(cls, parent: QWidget | None, text: str) -> None:
        cls(text, parent).exec()
