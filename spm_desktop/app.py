"""GUI composition root: paths -> logging -> migrate/open the database -> first run / login
-> main window. ``run(data_dir)`` is what ``spm-desktop`` (no subcommand) calls.

The steps are separate functions so tests and benchmarks can drive them one by one.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from spm_desktop import APP_NAME, __version__
from spm_desktop.commands import setup_file_logging
from spm_desktop.core import paths
from spm_desktop.core.domain.errors import DomainError
from spm_desktop.core.security import vault
from spm_desktop.core.security.permissions import ADMIN
from spm_desktop.core.security.users import UserInfo, authenticate, has_users
from spm_desktop.core.services.area import needs_area
from spm_desktop.core.services.settings import get_settings
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.open import open_database
from spm_desktop.ui import errors
from spm_desktop.ui.context import UiContext, load_lists
from spm_desktop.ui.dialogs.area import AreaDialog
from spm_desktop.ui.dialogs.login import FirstAdminDialog, LoginDialog, RecoveryKeyDialog, UnlockDialog
from spm_desktop.ui.gui_gc import GuiThreadCollector
from spm_desktop.ui.i18n import install_indonesian
from spm_desktop.ui.icons import app_icon
from spm_desktop.ui.runner import Runner, run_and_wait
from spm_desktop.ui.security_hooks import check_before_open, install_session_guards, live_db_file
from spm_desktop.ui.tab_order import install_tab_keys
from spm_desktop.ui.window_fit import install_dialog_fitter

log = logging.getLogger(__name__)

OPEN_FAILED = ("Basis data di {folder} tidak bisa dibuka atau diperbarui. Salinan cadangan dibuat "
               "sebelum setiap pembaruan (folder backups). Rincian ada di berkas catatan {log}.")


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with name, icon, Fusion style and Indonesian texts (idempotent)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setStyle("Fusion")
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Dinas Sosial")
    app.setWindowIcon(app_icon())
    if not getattr(app, "_spm_translators", None):
        app._spm_translators = install_indonesian(app)  # keep references alive
    if not getattr(app, "_spm_dialog_fitter", None):
        app._spm_dialog_fitter = install_dialog_fitter(app)
    if not getattr(app, "_spm_tab_keys", None):
        app._spm_tab_keys = install_tab_keys(app)
    return app


def log_file(folder: Path) -> Path:
    return paths.logs_dir(folder) / "spm-desktop.log"


def open_data(folder: Path) -> Database:
    """Migrate (after a backup copy) and open the database of ``folder``."""
    return open_database(paths.database_url(folder))


def sign_in(db: Database, runner: Runner, unlocked_with=None) -> UserInfo | None:
    """First run: create the administrator (the SQLite file is encrypted then), show the
    recovery key once, then choose the office's area (provinsi → kabupaten/kota, office name,
    address, signatory); then the login dialog. A database without an area asks its
    administrator for one after login. None when cancelled.

    ``unlocked_with``: (username, password, Unlocked) of the dialog that unwrapped the key of an
    encrypted file before it was opened; that user is checked in the database without asking
    again."""
    username = ""
    user = None
    if unlocked_with is not None:
        username, password, unlocked = unlocked_with
        try:
            user = authenticate(db, username, password)
            vault.finish_login(db, user, unlocked)
            user = after_login(db, runner, user, unlocked, password)
        except DomainError as exc:
            errors.show_error(None, exc, "Masuk")
            user = None
    if user is None and not has_users(db):
        made = FirstAdminDialog.ask(None, db, runner)
        if made is None:
            return None
        admin, recovery = made
        username = admin.username
        if recovery:  # step 2 of the first run: administrator → recovery key → area → device
            RecoveryKeyDialog.show_once(None, recovery)
        if needs_area(db) and AreaDialog.ask(None, db, admin.actor(), runner) is None:
            return None
    while user is None:
        got = LoginDialog.ask_login(None, db, runner, office=get_settings(db).office_name, username=username)
        if got is None:
            return None
        user = after_login(db, runner, *got)
    if user is not None and user.role == ADMIN and needs_area(db):
        if AreaDialog.ask(None, db, user.actor(), runner) is None:
            return None
    return user


def after_login(db: Database, runner: Runner, user: UserInfo, unlocked, password: str) -> UserInfo | None:
    """What a login must do before the main window: encrypt a plain database of an older
    version (its administrator only; the recovery key is shown once), and replace a one-time
    password given by an administrator. None: the login does not go on."""
    from spm_desktop.ui.dialogs.security import ChangePasswordDialog, own_password_change
    from spm_desktop.ui.security_hooks import run_busy

    if vault.is_plain(vault.db_file_of(db)):
        if user.role != ADMIN:
            errors.show_error(None, vault.PLAIN_NEEDS_ADMIN, "Basis data belum dienkripsi")
            return None
        recovery = run_busy(None, "Mengenkripsi basis data dan cadangannya…", vault.encrypt_folder, db,
                            user.username, password, runner=runner)
        RecoveryKeyDialog.show_once(None, recovery)
    if unlocked is not None and unlocked.one_time:
        errors.show_info(None, "Kata sandi Anda adalah kata sandi sekali pakai dari administrator. Ganti dengan "
                               "kata sandi Anda sendiri sekarang.", "Ganti kata sandi")
        # the change is made on the runner; a refusal is shown in the dialog, which stays open
        if ChangePasswordDialog.ask(None, runner, own_password_change(db, user.actor())) is None:
            return None
    return user


def build_main_window(db: Database, user: UserInfo, runner: Runner, folder: Path):
    from spm_desktop.ui.main_window import MainWindow  # pages load after login, not before

    ctx = UiContext(db=db, user=user, runner=runner, data_dir=folder)
    ctx.use_lists(run_and_wait(runner, load_lists, db, user.actor()))  # on the runner; the window stays responsive
    return MainWindow(ctx)


def end_session(app: QApplication, guards) -> None:
    """Stop what watched the closed session (idle lock, backup timer, its log-out audit)."""
    guards.idle.stop()
    guards.timer.stop()
    app.aboutToQuit.disconnect(guards.slots.record_logout)


def warn_about_clock(db: Database, runner: Runner, parent) -> None:
    """At start: a clock behind the newest received sync package (issue 17) is said once (read
    on the runner: the main window already shows)."""
    from spm_desktop.core.sync.identity import clock_warning

    warning = run_and_wait(runner, clock_warning, db)
    if warning:
        log.warning("this computer's clock is behind its newest received sync package")
        errors.show_info(parent, warning, "Periksa tanggal dan jam")


def run(data_dir: str | Path | None) -> int:
    """Start the desktop application; returns the process exit code."""
    folder = paths.data_dir(data_dir)
    setup_file_logging(folder)
    errors.set_log_file(log_file(folder))
    app = make_application()
    log.info("starting %s %s, data folder %s", APP_NAME, __version__, folder)
    if paths.moved_notice:  # an old "DinsosPontianak" data folder was moved: say where the data is now
        log.info(paths.moved_notice)
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.information(None, "Folder data dipindahkan", paths.moved_notice)
    unlocked_with = None
    db_file = live_db_file(folder)
    if db_file is not None and vault.is_encrypted(db_file):
        # An encrypted file: the password unwraps its key before it can be checked or opened.
        unlock_runner = Runner()
        try:
            unlocked_with = UnlockDialog.ask_unlock(None, db_file, unlock_runner)
        finally:
            unlock_runner.shutdown()
        if unlocked_with is None:
            return 0
    if not check_before_open(folder):  # security hook: quick_check (after the unlock), restore offer
        return 1
    try:
        db = open_data(folder)
    except Exception:  # noqa: BLE001 - shown as a sentence, detail in the log
        log.exception("opening the database failed")
        errors.show_error(None, OPEN_FAILED.format(folder=folder, log=log_file(folder)), "Basis data")
        return 1
    collector = GuiThreadCollector(app)  # Qt objects must never be freed on the worker thread
    runner = Runner()
    window = None
    errors.install_excepthook(lambda: window)
    try:
        while True:  # one pass per session; "Keluar / ganti pengguna" starts the next
            user = sign_in(db, runner, unlocked_with) if unlocked_with is not None else sign_in(db, runner)
            unlocked_with = None
            if user is None:
                return 0
            window = build_main_window(db, user, runner, folder)
            # security hook: idle lock (a locked screen also reviews the collector), daily backup, menu
            guards = install_session_guards(window, window.ctx, collector=collector)
            collector.settle()  # the window's objects set aside before anyone works (ui/gui_gc.py)
            window.show()
            warn_about_clock(db, runner, window)
            code = app.exec()  # its end (aboutToQuit) audits the session's log-out
            end_session(app, guards)
            collector.release()
            if not window.switching_user:
                return code
            window.deleteLater()
    finally:
        runner.shutdown()
        collector.stop()
        db.dispose()
