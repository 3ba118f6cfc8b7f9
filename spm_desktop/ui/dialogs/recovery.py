"""The recovery key on paper, and its use when the administrator's password is forgotten.

``print_recovery_sheet`` prints the key straight to a printer (or to a PDF the person picks in
the print dialog): the key is never written to a file by the application itself.
``RecoverDialog`` is the GUI twin of ``spm-desktop recover``: the recovery key opens the
encrypted database and the administrator gets a new password (``vault.recover``)."""

from __future__ import annotations

import html
import socket
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtGui import QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QLineEdit, QWidget

import spm_desktop.core.clock as clock
from spm_desktop import APP_NAME
from spm_desktop.core.domain.dates import date_time
from spm_desktop.core.security import vault
from spm_desktop.ui.dialogs.credentials import CredentialsDialog, password_field, rules_label
from spm_desktop.ui.runner import Runner


def recovery_sheet_html(recovery_key: str, made: datetime, computer: str) -> str:
    """The printed page: what the key is for, the key, where and when it was made."""
    return (
        f"<h2>{html.escape(APP_NAME)} — Kunci pemulihan basis data</h2>"
        f"<p>Komputer: <b>{html.escape(computer)}</b><br>"
        f"Dibuat: {date_time(made)}</p>"
        f"<p style='font-family: monospace; font-size: 16pt'>{_two_lines(recovery_key)}</p>"
        "<p>Kunci ini membuka basis data terenkripsi bila kata sandi administrator lupa: di layar masuk pilih "
        "<b>Lupa kata sandi…</b>, atau jalankan <tt>spm-desktop recover</tt>.</p>"
        "<p>Simpan lembar ini di tempat terkunci, terpisah dari komputer. Siapa pun yang memegang kunci ini dan "
        "salinan basis data dapat membaca datanya. Jangan difoto dan jangan disimpan di komputer.</p>"
    )


def _two_lines(recovery_key: str) -> str:
    """The 13 groups on two lines that fit the page, never broken inside a group."""
    groups = html.escape(recovery_key).split("-")
    return "-".join(groups[:7]) + "-<br>" + "-".join(groups[7:])


def print_recovery_sheet(printer: QPrinter, recovery_key: str, made: datetime | None = None) -> None:
    document = QTextDocument()
    document.setHtml(recovery_sheet_html(recovery_key, made or clock.now(), socket.gethostname()))
    document.print_(printer)


def ask_print_recovery_sheet(parent: QWidget | None, recovery_key: str) -> bool:
    """The print dialog, then the sheet on the chosen printer. False: cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Cetak kunci pemulihan")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    print_recovery_sheet(printer, recovery_key)
    return True


class RecoverDialog(CredentialsDialog):
    """The administrator forgot the password: recovery key, administrator's username and a new
    password (twice). On success ``username`` holds the administrator whose password was set."""

    def __init__(self, db_file: Path, runner: Runner, parent: QWidget | None = None, username: str = "") -> None:
        super().__init__(None, runner, parent)
        self.db_file = Path(db_file)
        self.setWindowTitle(f"{APP_NAME} — Lupa kata sandi administrator")
        self.set_intro("Kunci pemulihan (13 kelompok 4 karakter, dicetak saat aplikasi pertama kali disiapkan) "
                       "membuka basis data ini. Administrator lalu mendapat kata sandi baru.")
        self.recovery_key = QLineEdit()
        self.recovery_key.setPlaceholderText("13 kelompok 4 huruf/angka, dipisah tanda hubung")
        # the whole key visible while it is typed (13 groups of 4 and their dashes)
        self.recovery_key.setMinimumWidth(self.recovery_key.fontMetrics().horizontalAdvance("W" * 66))
        self.username = QLineEdit(username)
        self.password = password_field()
        self.password2 = password_field()
        self.form.addRow("&Kunci pemulihan:", self.recovery_key)
        self.form.addRow("Nama pengguna &administrator:", self.username)
        self.form.addRow("Kata sandi &baru:", self.password)
        self.form.addRow("&Ulangi kata sandi baru:", self.password2)
        self.form.addRow(rules_label())
        self.ok_button().setText("Atur ulang kata sandi")
        self.recovery_key.setFocus()
        self.username_done = ""

    @Slot()
    def submit(self) -> None:
        if not self.checked():
            return
        db_file, key, password = self.db_file, self.recovery_key.text(), self.password.text()
        username = self.username.text().strip().lower()

        def recover() -> tuple[str, None]:  # worker thread: plain values only
            vault.recover(db_file, key, username, password)
            return username, None

        self.run(recover)

    @Slot(object)
    def _done(self, result) -> None:
        self.username_done = result[0]
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, db_file: Path, runner: Runner, username: str = "") -> str | None:
        """The administrator's username after a successful reset, or None."""
        dialog = cls(db_file, runner, parent, username)
        dialog.exec()
        return dialog.username_done or None
