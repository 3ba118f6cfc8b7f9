"""The GUI side of encryption at rest (issue 18): the first run encrypts the SQLite file and
shows the recovery key once (administrator → recovery key → area → device); a start on an
encrypted folder logs in with the password that unwrapped the key; a one-time password must be
replaced before the main window."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from spm_desktop import app as app_module
from spm_desktop.core.security import sign_in, vault
from spm_desktop.core.security.users import create_user
from spm_desktop.core.storage import db_keys
from spm_desktop.core.storage.open import open_database
from spm_desktop.ui.dialogs import login as login_dialogs
from spm_desktop.ui.dialogs.area import AreaDialog
from spm_desktop.ui.dialogs.security import ChangePasswordDialog, PasswordChange

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


def test_start_on_an_encrypted_folder_and_one_time_password(app, runner, tmp_path, monkeypatch):
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
    monkeypatch.setattr(ChangePasswordDialog, "ask", classmethod(
        lambda cls, parent: asked.append(1) or PasswordChange("Sekali-Pakai-1", "Budi-Sendiri-2")))
    try:
        user = app_module.sign_in(db, runner, ("budi", "Sekali-Pakai-1", unlocked))
        assert user is not None and user.username == "budi" and asked == [1]
        store = db_keys.KeyStore(db_keys.keys_path_for(db_file))
        assert not store.unlock("budi", "Budi-Sendiri-2").one_time
        with pytest.raises(Exception, match="salah"):
            store.unlock("budi", "Sekali-Pakai-1")
    finally:
        db.dispose()
