"""The GUI side of encryption at rest (issue 18): the first run encrypts the SQLite file and
shows the recovery key once (administrator → recovery key → area → device); a start on an
encrypted folder logs in with the password that unwrapped the key; a one-time password must be
replaced before the main window."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from spm_desktop import app as app_module
from spm_desktop.core.security import sign_in, vault
from spm_desktop.core.security.users import create_user
from spm_desktop.core.storage import db_keys
from spm_desktop.core.storage.open import open_database
from spm_desktop.ui.dialogs import login as login_dialogs
from spm_desktop.ui.dialogs.area import AreaDialog
from spm_desktop.ui.dialogs.security import ChangePasswordDialog

pytestmark = pytest.mark.sqlite_only("encryption at rest is about the SQLite file")

PASSWORD = "Rahasia-Kantor-1"


def test_first_run_encrypts_and_shows_the_recovery_key_once(app, runner, wait_runner, tmp_path, qtbot, monkeypatch):
    db_file = tmp_path / "spm.db"
    db = open_database(f"sqlite:///{db_file}")
    try:
        dialog = login_dialogs.FirstAdminDialog(db, runner)
        qtbot.addWidget(dialog)
        dialog.full_name.setText("Admin Kantor")
        dialog.username.setText("admin")
        dialog.password.setText(PASSWORD)
        dialog.password2.setText(PASSWORD)
        dialog.submit()
        wait_runner()
        assert dialog.user is not None and dialog.user.role == "admin", dialog.message.text()
        recovery = dialog.extra
        assert recovery and len(db_keys.normalise_recovery_key(recovery)) == 52
        assert vault.is_encrypted(db_file) and not db_file.read_bytes().startswith(b"SQLite format 3")
        assert db_keys.KeyStore(db_keys.keys_path_for(db_file)).unlock_recovery(recovery)
        # The recovery-key step cannot be passed without confirming it was written down.
        shown = login_dialogs.RecoveryKeyDialog(recovery)
        qtbot.addWidget(shown)
        ok = shown.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert shown.key_label.text() == recovery and not ok.isEnabled()
        shown.confirm.setChecked(True)
        assert ok.isEnabled()
        # The sequence of the first run: administrator → recovery key → area → login.
        db.dispose()
        db_file2 = tmp_path / "second" / "spm.db"
        db_file2.parent.mkdir()
        db = open_database(f"sqlite:///{db_file2}")
        calls = []
        monkeypatch.setattr(login_dialogs.FirstAdminDialog, "ask", classmethod(
            lambda cls, parent, db_, runner_: calls.append("admin") or sign_in.create_first_admin_encrypted(
                db_, "admin", "Admin", PASSWORD)))
        monkeypatch.setattr(login_dialogs.RecoveryKeyDialog, "show_once",
                            classmethod(lambda cls, parent, key: calls.append("recovery")))

        def fake_area(parent, db_, actor, runner_, current=None):
            from spm_desktop.core.services.area import AreaChoice, adopt_area

            calls.append("area")
            return adopt_area(db_, actor, AreaChoice("61.12"))

        monkeypatch.setattr(AreaDialog, "ask", fake_area)
        monkeypatch.setattr(login_dialogs.LoginDialog, "ask_login", classmethod(
            lambda cls, parent, db_, runner_, office="", username="": calls.append("login") or (
                *sign_in.login_open_database(db_, "admin", PASSWORD), PASSWORD)))
        assert app_module.sign_in(db, runner).username == "admin"
        assert calls == ["admin", "recovery", "area", "login"]
        assert vault.is_encrypted(db_file2)
    finally:
        db.dispose()


def test_start_on_an_encrypted_folder_and_one_time_password(app, runner, tmp_path, monkeypatch, qtbot):
    db_file = tmp_path / "spm.db"
    db = open_database(f"sqlite:///{db_file}")
    admin, _recovery = sign_in.create_first_admin_encrypted(db, "admin", "Admin", PASSWORD)
    create_user(db, admin.actor(), "budi", "Budi Pratama", "supervisor", "Sekali-Pakai-1")  # one-time
    from spm_desktop.core.services.area import AreaChoice, adopt_area

    adopt_area(db, admin.actor(), AreaChoice("61.71"))
    # The unlock dialog unwrapped the key with budi's password; sign_in checks budi in the
    # database without asking again, then makes him replace the one-time password.
    unlocked = vault.unlock(db_file, "budi", "Sekali-Pakai-1")
    assert unlocked.one_time
    asked = []
    monkeypatch.setattr(app_module.errors, "show_info", lambda *a, **k: None)
    real_ask = ChangePasswordDialog.ask.__func__

    def change(cls, parent, runner=None, submit=None):
        """The real dialog, its change made on the runner: a wrong old password is refused in the
        dialog, which stays open; then the right one goes through."""
        asked.append(1)
        monkeypatch.setattr(cls, "exec", lambda dialog: _type_change(qtbot, dialog))
        return real_ask(cls, parent, runner, submit)

    monkeypatch.setattr(ChangePasswordDialog, "ask", classmethod(change))
    try:
        user = app_module.sign_in(db, runner, ("budi", "Sekali-Pakai-1", unlocked))
        assert user is not None and user.username == "budi" and asked == [1]
        store = db_keys.KeyStore(db_keys.keys_path_for(db_file))
        assert not store.unlock("budi", "Budi-Sendiri-2").one_time
        with pytest.raises(Exception, match="salah"):
            store.unlock("budi", "Sekali-Pakai-1")
    finally:
        db.dispose()


def _type_change(qtbot, dialog) -> int:
    dialog.old.setText("Salah-Lama-9")
    dialog.password.setText("Budi-Sendiri-2")
    dialog.password2.setText("Budi-Sendiri-2")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.buttons.isEnabled(), timeout=10_000)
    assert "salah" in dialog.message.text().lower() and dialog.result_value is None
    dialog.old.setText("Sekali-Pakai-1")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    return dialog.result()


def test_the_recovery_key_prints_on_one_page_with_what_it_is_for(app, qtbot, tmp_path, monkeypatch):
    """The sheet goes to the printer the person picks (here Qt's PDF printer, read back with
    pdftotext); the dialog's Cetak… button opens that print dialog with the key shown."""
    import re
    import shutil
    import subprocess
    from datetime import datetime

    from PySide6.QtPrintSupport import QPrinter

    from spm_desktop.ui.dialogs import recovery

    key = "MJN3-6Y5L-MGGG-LVWJ-HBFC-PIES-R2FD-CTCP-R3M7-QNET-6Z2W-S6FJ-5T7Q"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "kunci.pdf"))
    recovery.print_recovery_sheet(printer, key, datetime(2026, 12, 6, 19, 40))
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-raw", str(tmp_path / "kunci.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert key in "".join(line.strip() for line in text.splitlines())  # on two lines, unbroken groups
    text = " ".join(text.split())
    assert "Kunci pemulihan basis data" in text and "06/12/2026 19:40" in text
    assert "Lupa kata sandi" in text and "spm-desktop recover" in text
    pages = subprocess.run(["pdfinfo", str(tmp_path / "kunci.pdf")], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", pages, re.M), pages

    printed = []
    monkeypatch.setattr(login_dialogs, "ask_print_recovery_sheet", lambda parent, k: printed.append(k) or True)
    shown = login_dialogs.RecoveryKeyDialog(key)
    qtbot.addWidget(shown)
    assert shown.print_button.text() == "&Cetak…"
    shown.print_button.click()
    assert printed == [key]


def test_forgotten_administrator_password_is_reset_with_the_recovery_key_in_the_gui(
        app, runner, wait_runner, tmp_path, qtbot):
    from spm_desktop.ui.dialogs.recovery import RecoverDialog

    db_file = tmp_path / "spm.db"
    db = open_database(f"sqlite:///{db_file}")
    _admin, recovery_key = sign_in.create_first_admin_encrypted(db, "admin", "Admin", PASSWORD)
    db.dispose()
    keys_before = db_keys.keys_path_for(db_file).read_bytes()

    dialog = RecoverDialog(db_file, runner, username="Admin")
    qtbot.addWidget(dialog)
    # A wrong key: an Indonesian refusal beside the form, spm.keys unchanged.
    dialog.recovery_key.setText("AAAA-" * 12 + "AAAA")
    dialog.password.setText("Sandi-Baru-2027")
    dialog.password2.setText("Sandi-Baru-2027")
    dialog.submit()
    wait_runner()
    assert dialog.username_done == "" and "kunci" in dialog.message.text().lower()
    assert db_keys.keys_path_for(db_file).read_bytes() == keys_before
    # Passwords that differ are caught before anything runs.
    dialog.recovery_key.setText(recovery_key.lower().replace("-", " "))
    dialog.password2.setText("Sandi-Lain-2027")
    dialog.submit()
    assert dialog.message.text() == "Kedua kata sandi tidak sama; ketik ulang."
    dialog.password2.setText("Sandi-Baru-2027")
    dialog.submit()
    wait_runner()
    assert dialog.username_done == "admin", dialog.message.text()
    assert vault.unlock(db_file, "admin", "Sandi-Baru-2027").db_key
    with pytest.raises(Exception, match="salah"):
        vault.unlock(db_file, "admin", PASSWORD)


def test_the_unlock_dialog_offers_the_recovery_and_then_asks_for_the_new_password(app, runner, tmp_path, qtbot,
                                                                                   monkeypatch):
    from spm_desktop.ui.dialogs.recovery import RecoverDialog

    asked = []
    monkeypatch.setattr(RecoverDialog, "ask", classmethod(
        lambda cls, parent, db_file, runner_, username="": asked.append((db_file, username)) or "admin"))
    dialog = login_dialogs.UnlockDialog(tmp_path / "spm.db", runner)
    qtbot.addWidget(dialog)
    dialog.username.setText("Admin")
    dialog.password.setText("salah")
    assert dialog.forgot.text() == "&Lupa kata sandi…"
    dialog.forgot.click()
    assert asked == [(tmp_path / "spm.db", "Admin")]
    assert dialog.username.text() == "admin" and dialog.password.text() == ""
    assert "diatur ulang" in dialog.intro.text()
