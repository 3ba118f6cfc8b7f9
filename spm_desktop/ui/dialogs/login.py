"""First-run administrator dialog and the login dialog.

Both check their input through the core (``create_first_admin``, ``authenticate``) on the
background runner and show the refusal beside the form; ``ask()`` returns the ``UserInfo``
or None when the person cancelled.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from spm_desktop import APP_NAME
from spm_desktop.core.security import sign_in, vault
from spm_desktop.core.security.users import UserInfo
from spm_desktop.core.storage.database import Database
from spm_desktop.ui.dialogs.credentials import CredentialsDialog, password_field, rules_label
from spm_desktop.ui.dialogs.recovery import RecoverDialog, ask_print_recovery_sheet
from spm_desktop.ui.icons import app_icon
from spm_desktop.ui.runner import Runner


class FirstAdminDialog(CredentialsDialog):
    """First start: the administrator's name, username and password (no default password)."""

    def __init__(self, db: Database, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(db, runner, parent)
        self.setWindowTitle(f"{APP_NAME} — Administrator pertama")
        self.set_intro("Selamat datang. Ini pertama kali aplikasi dibuka di komputer ini. "
                       "Buat akun administrator: akun ini dipakai untuk masuk dan untuk "
                       "membuat akun petugas lain.")
        self.full_name = QLineEdit()
        self.username = QLineEdit()
        self.nip = QLineEdit()
        self.password = password_field()
        self.password2 = password_field()
        self.form.addRow("Nama &lengkap:", self.full_name)
        self.form.addRow("Nama &pengguna:", self.username)
        self.form.addRow("&NIP (boleh kosong):", self.nip)
        self.form.addRow("&Kata sandi:", self.password)
        self.form.addRow("&Ulangi kata sandi:", self.password2)
        self.rules = rules_label()
        self.form.addRow(self.rules)
        self.ok_button().setText("Buat akun")

    @Slot()
    def submit(self) -> None:
        if self.checked():
            self.run(sign_in.create_first_admin_encrypted, self.db, self.username.text(), self.full_name.text(),
                     self.password.text(), nip=self.nip.text())

    @classmethod
    def ask(cls, parent: QWidget | None, db: Database, runner: Runner) -> tuple[UserInfo, str | None] | None:
        """(the administrator, the recovery key to show next — None on a server database)."""
        dialog = cls(db, runner, parent)
        dialog.exec()
        return (dialog.user, dialog.extra) if dialog.user is not None else None


class LoginDialog(CredentialsDialog):
    """Every start: username and password, checked with lock-out by ``authenticate``."""

    def __init__(self, db: Database, runner: Runner, parent: QWidget | None = None, office: str = "",
                 username: str = "") -> None:
        super().__init__(db, runner, parent)
        self.setWindowTitle(f"{APP_NAME} — Masuk")
        self.intro.setTextFormat(Qt.TextFormat.RichText)
        self.set_intro(f"<b>{office or APP_NAME}</b><br>Masuk dengan akun Anda.")
        self.username = QLineEdit(username)
        self.password = password_field()
        self.form.addRow("Nama &pengguna:", self.username)
        self.form.addRow("&Kata sandi:", self.password)
        self.ok_button().setText("Masuk")
        (self.password if username else self.username).setFocus()

    @Slot()
    def submit(self) -> None:
        self.password_typed = self.password.text()
        self.run(sign_in.login_open_database, self.db, self.username.text(), self.password.text())

    def show_refusal(self, error: BaseException | str) -> None:
        super().show_refusal(error)
        self.password.clear()  # a refused login types the password again
        self.password.setFocus()

    @classmethod
    def ask(cls, parent: QWidget | None, db: Database, runner: Runner, office: str = "",
            username: str = "") -> UserInfo | None:
        dialog = cls(db, runner, parent, office, username)
        dialog.exec()
        return dialog.user

    @classmethod
    def ask_login(cls, parent: QWidget | None, db: Database, runner: Runner, office: str = "", username: str = ""):
        """(UserInfo, db_keys.Unlocked or None, the password typed) or None when cancelled."""
        dialog = cls(db, runner, parent, office, username)
        dialog.exec()
        return (dialog.user, dialog.extra, dialog.password_typed) if dialog.user is not None else None


class UnlockDialog(LoginDialog):
    """Start of an encrypted data folder: the password unwraps the database key (spm.keys)
    before the database is opened; the user is checked in the database right after."""

    def __init__(self, db_file, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(None, runner, parent)
        self.db_file = db_file
        self.set_intro(f"<b>{APP_NAME}</b><br>Basis data terenkripsi. Masuk dengan akun Anda untuk membukanya.")
        self.forgot = self.buttons.addButton("&Lupa kata sandi…", QDialogButtonBox.ButtonRole.ActionRole)
        self.forgot.setToolTip("Administrator yang lupa kata sandi: buka basis data dengan kunci pemulihan.")
        self.forgot.clicked.connect(self.recover)

    @Slot()
    def recover(self) -> None:
        """The administrator forgot the password: the recovery key sets a new one, then the
        administrator logs in here with it."""
        username = RecoverDialog.ask(self, self.db_file, self.runner, self.username.text())
        if username is None:
            return
        self.username.setText(username)
        self.password.clear()
        self.message.clear()
        self.set_intro(f"<b>{APP_NAME}</b><br>Kata sandi administrator <b>{username}</b> sudah diatur ulang "
                           "dengan kunci pemulihan. Masuk dengan kata sandi baru.")
        self.password.setFocus()

    @Slot()
    def submit(self) -> None:
        username, password = self.username.text(), self.password.text()

        def unlock():
            return (username, password), vault.unlock(self.db_file, username, password)

        self.run(unlock)

    @classmethod
    def ask_unlock(cls, parent: QWidget | None, db_file, runner: Runner):
        """(username, password, db_keys.Unlocked) or None when cancelled."""
        dialog = cls(db_file, runner, parent)
        dialog.exec()
        return (*dialog.user, dialog.extra) if dialog.user is not None else None


class RecoveryKeyDialog(QDialog):
    """Second step of the first run (administrator → recovery key → area → device), and after
    the upgrade of a plain database: the recovery key, shown once, to print and keep."""

    def __init__(self, recovery_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME} — Kunci pemulihan")
        self.setWindowIcon(app_icon())
        layout = QVBoxLayout(self)
        intro = QLabel("Basis data di komputer ini dienkripsi. Bila kata sandi administrator lupa, hanya "
                       "<b>kunci pemulihan</b> di bawah ini yang dapat membukanya. Kunci ini ditampilkan "
                       "<b>sekali ini saja</b>: tulis atau cetak, lalu simpan di tempat terkunci, terpisah dari "
                       "komputer. Siapa pun yang memegang kunci ini dan salinan basis data dapat membaca datanya.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(intro)
        self.key_label = QLabel(recovery_key)
        self.key_label.setObjectName("recoveryKey")
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.setStyleSheet("font-family: monospace; font-size: 14pt; padding: 8px;")
        self.key_label.setWordWrap(True)
        layout.addWidget(self.key_label)
        self.recovery_key = recovery_key
        self.confirm = QCheckBox("&Saya sudah mencatat/mencetak kunci pemulihan ini dan menyimpannya dengan aman.")
        layout.addWidget(self.confirm)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.print_button = self.buttons.addButton("&Cetak…", QDialogButtonBox.ButtonRole.ActionRole)
        self.print_button.setToolTip("Cetak kunci pemulihan langsung ke printer (tidak disimpan sebagai berkas).")
        self.print_button.clicked.connect(lambda: ask_print_recovery_sheet(self, self.recovery_key))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Lanjut")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.confirm.toggled.connect(self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled)
        self.buttons.accepted.connect(self.accept)
        layout.addWidget(self.buttons)

    def reject(self) -> None:  # the key is shown once: the step cannot be skipped
        if self.confirm.isChecked():
            super().reject()

    @classmethod
    def show_once(cls, parent: QWidget | None, recovery_key: str) -> None:
        dialog = cls(recovery_key, parent)
        dialog.exec()
