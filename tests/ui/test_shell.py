"""First run, login, main window, runner errors, Indonesian standard buttons."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from spm_desktop import app as app_module
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.security.users import has_users
from spm_desktop.ui.dialogs.login import FirstAdminDialog, LoginDialog, RecoveryKeyDialog, UnlockDialog
from spm_desktop.ui.main_window import MainWindow

ADMIN_PASSWORD = "Rahasia-Kuat-2026"


def test_first_run_creates_admin_then_login(app, db, runner, qtbot, wait_runner):
    assert not has_users(db)
    first = FirstAdminDialog(db, runner)
    qtbot.addWidget(first)
    first.full_name.setText("Siti Aminah")
    first.username.setText("siti")
    first.password.setText("pendek")
    first.password2.setText("pendek")
    first.submit()
    wait_runner()
    assert first.user is None
    assert "kata sandi" in first.message.text().lower()
    first.password.setText(ADMIN_PASSWORD)
    first.password2.setText(ADMIN_PASSWORD)
    first.submit()
    wait_runner()
    assert first.user is not None and first.user.role == "admin"
    assert has_users(db)

    login = LoginDialog(db, runner, username="siti")
    qtbot.addWidget(login)
    login.password.setText("salah-sekali")
    login.submit()
    wait_runner()
    assert login.user is None
    assert login.message.text() == "Nama pengguna atau kata sandi salah."
    login.password.setText(ADMIN_PASSWORD)
    login.submit()
    wait_runner()
    assert login.user is not None and login.user.full_name == "Siti Aminah"


def test_sign_in_flow_asks_first_admin_then_login(app, db, runner, monkeypatch):
    calls = []

    def fake_first(parent, db_, runner_):
        calls.append("first")
        from spm_desktop.core.security.sign_in import create_first_admin_encrypted

        return create_first_admin_encrypted(db_, "admin", "Admin", ADMIN_PASSWORD)  # (admin, recovery key)

    def fake_login(parent, db_, runner_, office="", username=""):
        calls.append(("login", office, username))
        from spm_desktop.core.security.sign_in import login_open_database

        return (*login_open_database(db_, username or "admin", ADMIN_PASSWORD), ADMIN_PASSWORD)

    monkeypatch.setattr(FirstAdminDialog, "ask", fake_first)
    monkeypatch.setattr(LoginDialog, "ask_login", fake_login)
    monkeypatch.setattr(RecoveryKeyDialog, "show_once", classmethod(lambda cls, parent, key: None))
    user = app_module.sign_in(db, runner)
    assert user is not None and user.username == "admin"
    assert calls == ["first", ("login", "Dinas Sosial Kota Pontianak", "admin")]
    calls.clear()
    app_module.sign_in(db, runner)
    assert calls == [("login", "Dinas Sosial Kota Pontianak", "")]


def test_main_window_title_about_and_state(ctx, qtbot, monkeypatch):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert window.windowTitle() == "SPM Desktop — Dinas Sosial Kota Pontianak"
    window.resize(700, 520)
    window.close()
    again = MainWindow(ctx)
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (700, 520)
    shown = []
    monkeypatch.setattr("spm_desktop.ui.main_window.AboutDialog.ask", lambda parent, c: shown.append(c.data_dir))
    again.show_about()
    assert shown == [ctx.data_dir]


def test_about_dialog_names_version_and_data_folder(ctx, qtbot):
    from spm_desktop import __version__
    from spm_desktop.ui.main_window import AboutDialog

    dialog = AboutDialog(None, ctx)
    qtbot.addWidget(dialog)
    assert __version__ in dialog.text()
    assert str(ctx.data_dir) in dialog.informativeText()


def test_worker_error_shows_message_not_crash(ctx, qtbot, monkeypatch, wait_runner):
    shown = []
    monkeypatch.setattr("spm_desktop.ui.errors.QMessageBox.exec", lambda box: shown.append(box.text()))

    def refuse():
        raise ValidationError("NIK harus 16 digit angka; yang diisi 3 digit.", "nik")

    def crash():
        return 1 / 0

    ctx.runner.submit(refuse)
    ctx.runner.submit(crash)
    wait_runner()
    assert shown[0] == "NIK harus 16 digit angka; yang diisi 3 digit."
    assert shown[1].startswith("Terjadi kesalahan yang tidak terduga")
    results = []
    ctx.runner.submit(lambda: 41 + 1, on_done=results.append)
    wait_runner()
    assert results == [42]


def test_progress_job_can_be_cancelled(ctx, qtbot, wait_runner):
    import threading

    release = threading.Event()
    seen = []

    def long_job(progress):
        for i in range(1000):
            if i == 1:
                release.wait(5)
            if not progress(i, 1000, f"baris {i}"):
                return ("dibatalkan", i)
        return ("selesai", 1000)

    job = ctx.runner.submit(long_job, progress=True, on_done=seen.append)
    job.cancel()
    release.set()
    wait_runner()
    assert seen[0][0] == "dibatalkan"


def test_standard_buttons_are_indonesian(app, qtbot):
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Save
                           | QDialogButtonBox.StandardButton.Yes | QDialogButtonBox.StandardButton.No)
    qtbot.addWidget(box)
    texts = {b.text().replace("&", "") for b in box.buttons()}
    assert texts == {"Batal", "Simpan", "Ya", "Tidak"}
    message = QMessageBox(QMessageBox.Icon.Question, "t", "x", QMessageBox.StandardButton.Discard)
    qtbot.addWidget(message)
    assert message.button(QMessageBox.StandardButton.Discard).text() == "Buang"


def test_run_opens_database_and_stops_when_login_cancelled(app, data_dir, monkeypatch):
    monkeypatch.setattr(FirstAdminDialog, "ask", lambda *a, **k: None)
    assert app_module.run(data_dir) == 0
    assert (data_dir / "logs").is_dir()


def test_pages_follow_permissions_and_unsaved_work_is_guarded(ctx, db, qtbot, monkeypatch):
    from dataclasses import replace

    from spm_desktop.core.services.persons import PersonDraft, register_person
    from spm_desktop.ui.context import UiContext

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    names = [e.name for e in window.pages]
    assert {"penerima", "kasus", "catat_layanan", "makan_harian"} <= set(names)
    viewer = UiContext(db=db, user=replace(ctx.user, role="viewer"), runner=ctx.runner, data_dir=ctx.data_dir)
    viewer_window = MainWindow(viewer)
    qtbot.addWidget(viewer_window)
    viewer_names = [e.name for e in viewer_window.pages]
    assert "penerima" in viewer_names and "catat_layanan" not in viewer_names and "makan_harian" not in viewer_names

    person = register_person(db, ctx.actor, PersonDraft(name="Hasan Basri", sex="L", birth_year=1965))
    entry = window.show_page("catat_layanan")
    entry.choose_person(person.id, person.name)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.Cancel)
    window.show_page("penerima")
    assert asked == ["Perubahan belum disimpan"]
    assert window.current_page() is entry  # stayed on the page with unsaved work
    entry.person.clear()  # nothing unsaved left for the window's own close at teardown


def test_file_dialogs_are_indonesian(app, qtbot, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractButton, QFileDialog, QLabel, QTreeView

    english = {"Look in", "Files of type", "File name", "Open", "Save", "Cancel", "Back", "Forward",
               "Parent Directory", "Create New Folder", "List View", "Detail View", "Name", "Size", "Type",
               "Date Modified"}
    for mode in (QFileDialog.AcceptMode.AcceptOpen, QFileDialog.AcceptMode.AcceptSave):
        dialog = QFileDialog(None, "Pilih berkas", str(tmp_path), "Berkas PDF (*.pdf)")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setAcceptMode(mode)
        qtbot.addWidget(dialog)
        dialog.show()
        texts = [w.text() for w in dialog.findChildren(QLabel)]
        texts += [t for b in dialog.findChildren(QAbstractButton) for t in (b.text(), b.toolTip())]
        for view in dialog.findChildren(QTreeView):
            model = view.model()
            texts += [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
        shown = {str(t).replace("&", "").rstrip(":").strip() for t in texts if t}
        assert not shown & english, shown & english
        assert {"Lihat di", "Jenis berkas", "Nama berkas"} <= shown
        dialog.reject()


def test_keluar_ganti_pengguna_goes_back_to_login_and_keeps_each_users_window(app, data_dir, monkeypatch):
    """Berkas → Keluar / ganti pengguna closes the session (its log-out audited), the login comes
    back, the next user works in their own window state; closing the window ends the program."""
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from spm_desktop.core.security.sign_in import create_first_admin_encrypted, login_open_database
    from spm_desktop.core.security.users import create_user
    from spm_desktop.core.storage.models import AuditEntry
    from spm_desktop.ui.main_window import MainWindow

    db = app_module.open_data(data_dir)
    admin, _recovery = create_first_admin_encrypted(db, "admin", "Admin", ADMIN_PASSWORD)  # as the first run
    create_user(db, admin.actor(), "rina", "Rina Petugas", "petugas", "Sandi-Rina-2026", unit="UPRS",
                one_time=False)
    db.dispose()
    # The start of an encrypted folder: the unlock dialog (admin), then the login dialog (rina).
    # (PostgreSQL: not encrypted by the application, so the login dialog asks for admin too.)
    from spm_desktop.core.security import vault as vault_module

    first = [] if vault_module.is_encrypted(data_dir / "spm.db") else [("admin", ADMIN_PASSWORD)]
    logins = iter([*first, ("rina", "Sandi-Rina-2026"), None])

    def unlock(parent, db_file, runner_):
        from spm_desktop.core.security import vault

        return "admin", ADMIN_PASSWORD, vault.unlock(db_file, "admin", ADMIN_PASSWORD)

    def login(parent, db_, runner_, office="", username=""):
        pair = next(logins)
        return (*login_open_database(db_, *pair), pair[1]) if pair else None

    sessions = []

    def exec_session():
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
        sessions.append((window.ctx.user.username, window.width()))
        if len(sessions) == 1:
            window.resize(900, 600)
            window.switch_user_action.trigger()
        else:
            window.close()
        app.aboutToQuit.emit()
        return 0

    monkeypatch.setattr(LoginDialog, "ask_login", login)
    monkeypatch.setattr(UnlockDialog, "ask_unlock", unlock)
    monkeypatch.setattr(app, "exec", exec_session)
    monkeypatch.setattr(app_module, "make_application", lambda: app)
    assert app_module.run(data_dir) == 0
    assert [name for name, _ in sessions] == ["admin", "rina"]
    assert sessions[1][1] != 900  # rina's window is not the size admin left
    db = app_module.open_data(data_dir)
    try:
        with db.reading() as s:
            names = s.scalars(select(AuditEntry.username).where(AuditEntry.action == "logout")).all()
        assert sorted(names) == ["admin", "rina"]  # one log-out per session
    finally:
        db.dispose()
