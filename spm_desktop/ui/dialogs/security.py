"""Dialogs of the security issue: restore offer at start, own password, user form, reset
password, diagnostics. Each returns its value through ``ask()`` so tests can patch it."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spm_desktop.core.domain.groups import ROLES, UNITS
from spm_desktop.core.security.passwords import PASSWORD_RULES
from spm_desktop.core.security.permissions import KECAMATAN_ROLE, PERMISSION_LABELS, PETUGAS, UNIT_ROLE, permissions_of
from spm_desktop.core.security.users import UserInfo
from spm_desktop.core.storage.backup import StartupCheck, describe_backup
from spm_desktop.ui.errors import user_message
from spm_desktop.ui.runner import Runner


def _rules_label() -> QLabel:
    label = QLabel(PASSWORD_RULES)
    label.setWordWrap(True)
    label.setObjectName("password_rules")
    return label


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class _FormDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.message)
        self.layout_.addWidget(self.buttons)

    @Slot()
    def submit(self) -> None:
        problem = self.problem()
        if problem:
            self.message.setText(problem)
            return
        self.accept()

    def problem(self) -> str:
        return ""


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


class ChangePasswordDialog(_FormDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Ganti kata sandi", parent)
        self.old = _password_field()
        self.new = _password_field()
        self.new2 = _password_field()
        self.form.addRow("Kata sandi &lama:", self.old)
        self.form.addRow("Kata sandi &baru:", self.new)
        self.form.addRow("&Ulangi kata sandi baru:", self.new2)
        self.layout_.insertWidget(1, _rules_label())

    def problem(self) -> str:
        if self.new.text() != self.new2.text():
            return "Kedua kata sandi baru tidak sama; ketik ulang."
        return ""

    @classmethod
    def ask(cls, parent: QWidget | None) -> PasswordChange | None:
        dialog = cls(parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return PasswordChange(dialog.old.text(), dialog.new.text())


class ResetPasswordDialog(_FormDialog):
    def __init__(self, user: UserInfo, parent: QWidget | None = None) -> None:
        super().__init__(f"Atur ulang kata sandi — {user.username}", parent)
        self.new = _password_field()
        self.new2 = _password_field()
        self.form.addRow("Kata sandi &baru:", self.new)
        self.form.addRow("&Ulangi kata sandi:", self.new2)
        self.layout_.insertWidget(1, _rules_label())

    def problem(self) -> str:
        return "Kedua kata sandi tidak sama; ketik ulang." if self.new.text() != self.new2.text() else ""

    @classmethod
    def ask(cls, parent: QWidget | None, user: UserInfo) -> str | None:
        dialog = cls(user, parent)
        return dialog.new.text() if dialog.exec() == QDialog.DialogCode.Accepted else None


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


class UserDialog(_FormDialog):
    """Create (with password) or edit (without) an account. With ``runner`` and ``submit``,
    OK runs ``submit(form)`` in the background and the dialog closes only when it succeeds: a
    refusal (a weak password, a username in use) is shown in the dialog with everything typed
    kept. A new account starts as "Petugas layanan", never as Administrator."""

    DEFAULT_ROLE = PETUGAS

    def __init__(self, kecamatan: list[tuple[str, str]], user: UserInfo | None = None,
                 parent: QWidget | None = None, runner: Runner | None = None, submit=None) -> None:
        super().__init__("Ubah pengguna" if user else "Tambah pengguna", parent)
        self.editing = user
        self.runner, self.submit_form = runner, submit
        self.result_value = None
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
        self.password = _password_field()
        self.password2 = _password_field()
        if user is None:
            self.form.addRow("Kata &sandi:", self.password)
            self.form.addRow("Ulan&gi kata sandi:", self.password2)
            self.layout_.insertWidget(1, _rules_label())
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

    def problem(self) -> str:
        if self.editing is None and self.password.text() != self.password2.text():
            return "Kedua kata sandi tidak sama; ketik ulang."
        return ""

    def value(self) -> UserForm:
        role = self.role.currentData()
        return UserForm(self.username.text(), self.full_name.text(), self.nip.text(), role,
                        self.unit.currentData() if role == UNIT_ROLE else "",
                        self.kecamatan.currentData() if role == KECAMATAN_ROLE else None,
                        self.password.text())

    @Slot()
    def submit(self) -> None:
        problem = self.problem()
        if problem:
            self.message.setText(problem)
            return
        if self.submit_form is None:
            self.accept()
            return
        self.buttons.setEnabled(False)
        self.message.setText("")
        self.runner.submit(self.submit_form, self.value(), parent=self, on_done=self._saved, on_error=self._refused)

    @Slot(object)
    def _saved(self, result) -> None:
        self.result_value = result
        self.accept()

    @Slot(object)
    def _refused(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(user_message(error))

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
