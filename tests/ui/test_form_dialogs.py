"""Issue 22 item 5: the form dialogs share one frame (ui/dialogs/form.FormDialog), so a refusal
looks and behaves the same in each: every FieldError message of a ValidationError in the one
message line, in the error colour of ui/widgets, the focus on the field of the first error, the
buttons back, everything typed kept; Ctrl+S submits and Esc cancels."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMainWindow
from sqlalchemy import select

from spm_desktop.core.domain.errors import FieldError, ValidationError
from spm_desktop.core.security.users import create_user
from spm_desktop.core.storage.models import AuditEntry
from spm_desktop.ui.dialogs.area import AreaDialog
from spm_desktop.ui.dialogs.case import CaseDialog
from spm_desktop.ui.dialogs.disaster import DisasterDialog
from spm_desktop.ui.dialogs.form import FormDialog
from spm_desktop.ui.dialogs.login import FirstAdminDialog, LoginDialog
from spm_desktop.ui.dialogs.person import PersonDialog
from spm_desktop.ui.dialogs.recovery import RecoverDialog
from spm_desktop.ui.dialogs.security import ChangePasswordDialog, UserDialog
from spm_desktop.ui.widgets import ERROR_STYLE

# (dialog, the service's field of the first error, the attribute of the widget it is typed in)
DIALOGS = {
    "case": (lambda ctx, tmp: CaseDialog(ctx), "intake_date", "intake"),
    "disaster": (lambda ctx, tmp: DisasterDialog(ctx.regions(), ctx.runner, lambda value: value), "start_date",
                 "start"),
    "person": (lambda ctx, tmp: PersonDialog(ctx), "birth_year", "birth_year"),
    "login": (lambda ctx, tmp: LoginDialog(ctx.db, ctx.runner, username="admin"), "password", "password"),
    "first_admin": (lambda ctx, tmp: FirstAdminDialog(ctx.db, ctx.runner), "full_name", "full_name"),
    "recover": (lambda ctx, tmp: RecoverDialog(tmp / "spm.db", ctx.runner), "password", "password"),
    "user": (lambda ctx, tmp: UserDialog([("61.71.01", "Pontianak Selatan")], runner=ctx.runner,
                                         submit=lambda form: form), "kecamatan_code", "kecamatan"),
    "own_password": (lambda ctx, tmp: ChangePasswordDialog(), "old_password", "old"),
    "area": (lambda ctx, tmp: AreaDialog(ctx.db, ctx.actor, ctx.runner), "signatory.nip", "signatory_nip"),
}


def _show_active(qtbot, dialog) -> None:
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)


@pytest.mark.parametrize("name", sorted(DIALOGS))
def test_each_form_dialog_shows_a_refused_validation_error_the_same_way(ctx, qtbot, tmp_path, name):
    make, field, attribute = DIALOGS[name]
    dialog = make(ctx, tmp_path)
    assert isinstance(dialog, FormDialog)
    _show_active(qtbot, dialog)
    widget = getattr(dialog, attribute)
    if name == "user":
        dialog.role.setCurrentIndex(dialog.role.findData("tksk"))  # the kecamatan is asked of a TKSK
    error = ValidationError([FieldError(field, "Isian pertama salah."), FieldError("notes", "Isian kedua salah.")])
    dialog.busy(True)  # the input is with the runner
    assert not dialog.buttons.isEnabled()
    dialog._refused(error)
    assert dialog.message.text() == "Isian pertama salah.; Isian kedua salah."
    assert dialog.message.styleSheet() == ERROR_STYLE
    assert dialog.buttons.isEnabled() and dialog.isVisible()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget or widget.isAncestorOf(QApplication.focusWidget()),
                    timeout=5000)
    submitted = []
    dialog.submit = lambda: submitted.append(name)  # what OK runs; Ctrl+S runs it too
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert submitted == [name]
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert dialog.result_value is None


@pytest.mark.gui_thread_guard_always
def test_forced_password_change_and_logout_use_the_runner(ctx, qtbot):
    """The one-time password's replacement at login and the log-out audit at quit happen
    without a shown main window; the guard counts them here from the start: the GUI thread
    opens no database connection for either."""
    from spm_desktop import app as app_module
    from spm_desktop.core.security.users import authenticate
    from spm_desktop.ui.security_hooks import _Actions

    create_user(ctx.db, ctx.actor, "budi", "Budi Pratama", "supervisor", "Sekali-Pakai-1")  # one-time password
    budi = authenticate(ctx.db, "budi", "Sekali-Pakai-1")

    class OneTime:
        one_time = True

    def change(dialog) -> int:
        dialog.old.setText("Sekali-Pakai-1")
        dialog.password.setText("Budi-Sendiri-2")
        dialog.password2.setText("Budi-Sendiri-2")
        dialog.submit()
        qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted, timeout=10_000)
        return dialog.result()

    monkey = pytest.MonkeyPatch()
    try:
        monkey.setattr(app_module.errors, "show_info", lambda *a, **k: None)
        monkey.setattr(app_module.vault, "is_plain", lambda path: False)
        monkey.setattr(ChangePasswordDialog, "exec", change)
        assert app_module.after_login(ctx.db, ctx.runner, budi, OneTime(), "Sekali-Pakai-1") is budi
    finally:
        monkey.undo()
    assert authenticate(ctx.db, "budi", "Budi-Sendiri-2").username == "budi"
    window = QMainWindow()
    qtbot.addWidget(window)
    _Actions(window, ctx, idle=None).record_logout()  # what aboutToQuit runs
    with ctx.db.reading() as s:
        assert s.scalars(select(AuditEntry.username).where(AuditEntry.action == "logout")).all() == ["admin"]
