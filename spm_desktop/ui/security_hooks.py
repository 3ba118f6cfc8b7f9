"""The security issue's two hooks into the composition root (app.py):

- :func:`check_before_open` — before the database is opened: ``PRAGMA quick_check``; when it
  fails, offer the newest good backup and restore it (no login is possible on a damaged
  file; the restore is audited as the system user in the restored database).
- :func:`install_session_guards` — after login, on the main window: the idle lock, the
  automatic daily backup (at start and then hourly: it is a no-op once today's copy exists)
  and a "Keamanan" menu (own password, lock now, backup, restore, diagnostics).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from spm_desktop.core import paths
from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.security.users import record_session_event
from spm_desktop.core.services import backup as backup_svc
from spm_desktop.core.services.diagnostics import collect
from spm_desktop.core.storage import backup
from spm_desktop.core.storage.engine import is_sqlite
from spm_desktop.ui import errors
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.dialogs.security import (
    ChangePasswordDialog,
    DiagnosticsDialog,
    RestoreOfferDialog,
    own_password_change,
)
from spm_desktop.ui.file_dialogs import ask_open_file, ask_save_file
from spm_desktop.ui.gui_gc import GuiThreadCollector
from spm_desktop.ui.idle_lock import IdleLock
from spm_desktop.ui.runner import Runner, run_and_wait

log = logging.getLogger(__name__)

DAILY_BACKUP_CHECK_MS = 60 * 60 * 1000
RESTORED = ("Basis data dipulihkan dari cadangan {name}. Berkas yang rusak disimpan di {kept}. "
            "Catat ulang data yang dimasukkan sesudah cadangan itu dibuat.")


def live_db_file(folder: Path) -> Path | None:
    url = paths.database_url(folder)
    return Path(url.removeprefix("sqlite:///")) if is_sqlite(url) else None


def check_before_open(folder: Path, parent: QWidget | None = None) -> bool:
    """quick_check the live file; on failure offer the newest good backup. False: do not start."""
    db_file = live_db_file(folder)
    if db_file is None:
        return True
    check = backup.startup_check(db_file)
    if check.ok:
        return True
    if not RestoreOfferDialog.ask(parent, check) or check.offer is None:
        return False
    try:
        result = run_busy(parent, "Memeriksa dan memulihkan cadangan…", backup_svc.restore_file, db_file,
                          check.offer.path, SYSTEM, "quick_check gagal saat mulai")
    except Exception as exc:  # noqa: BLE001 - shown as a sentence, detail in the log
        log.exception("restore at start failed")
        errors.show_error(parent, exc, "Pemulihan gagal")
        return False
    errors.show_info(parent, RESTORED.format(name=check.offer.path.name, kept=result.kept_aside),
                     "Basis data dipulihkan")
    return True


def run_busy(parent: QWidget | None, label: str, fn: Callable[..., Any], *args: Any,
             runner: Runner | None = None) -> Any:
    """Run ``fn(*args)`` on the runner (a runner of its own before the application's exists)
    while a busy dialog keeps the window alive; return its result or raise its error. For the
    rare long jobs that must finish before anything else may touch the database (a restore:
    integrity_check of a large file takes seconds)."""
    if runner is not None:
        return run_and_wait(runner, fn, *args, parent=parent, label=label)
    own = Runner()
    try:
        return run_and_wait(own, fn, *args, parent=parent, label=label)
    finally:
        own.shutdown()


@dataclass
class SessionGuards:
    idle: IdleLock
    timer: QTimer
    menu_actions: dict[str, QAction]
    slots: QObject

    def wait_for_backup(self, timeout: float = 60.0) -> None:
        self.slots.ctx.runner.wait_idle(timeout)


class _Actions(QObject):
    """Slots of the "Keamanan" menu (a QObject so connections are to real slots)."""

    def __init__(self, window: QMainWindow, ctx: UiContext, idle: IdleLock) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.idle = idle

    @Slot()
    def change_password(self) -> None:
        if ChangePasswordDialog.ask(self.window, self.ctx.runner, own_password_change(self.ctx.db, self.ctx.actor)):
            errors.show_info(self.window, "Kata sandi sudah diganti.")

    @Slot()
    def lock_now(self) -> None:
        self.idle.lock_now()

    @Slot()
    def backup_now(self) -> None:
        target = ask_save_file(self.window, "Simpan cadangan",
                               backup.backups_dir_for(Path(self.ctx.db.file_path)) / "spm-cadangan.db",
                               "Basis data (*.db)")
        if not target:
            return
        self.ctx.runner.submit(backup_svc.create_backup, self.ctx.db, self.ctx.actor, target, parent=self.window,
                               on_done=self._backup_done)

    @Slot(object)
    def _backup_done(self, info) -> None:
        errors.show_info(self.window, f"Cadangan dibuat: {info.path}\n{backup.describe_backup(info)}")

    @Slot()
    def restore(self) -> None:
        db_file = Path(self.ctx.db.file_path)
        source = ask_open_file(self.window, "Pilih berkas cadangan", backup.backups_dir_for(db_file),
                               "Basis data (*.db)")
        if not source or not errors.confirm(
                self.window, "Basis data sekarang akan diganti dengan isi cadangan ini (berkas sekarang "
                "disimpan dulu di folder backups). Aplikasi akan ditutup sesudahnya. Lanjutkan?"):
            return
        self.ctx.runner.wait_idle()  # the daily backup's connection is closed before the file is replaced
        self.ctx.db.dispose()
        try:
            result = run_busy(self.window, "Memeriksa dan memulihkan cadangan…", backup_svc.restore_backup, db_file,
                              self.ctx.actor, Path(source), "dari menu Keamanan", runner=self.ctx.runner)
        except Exception as exc:  # noqa: BLE001 - shown as a sentence, detail in the log
            errors.show_error(self.window, exc, "Pemulihan gagal")
            return
        errors.show_info(self.window, f"Basis data dipulihkan dari {Path(source).name}. Berkas sebelumnya "
                         f"disimpan di {result.kept_aside}. Buka kembali aplikasi.", "Basis data dipulihkan")
        self.window.close()

    @Slot()
    def diagnostics(self) -> None:
        self.ctx.runner.submit(collect, self.ctx.db, self.ctx.actor, self.ctx.data_dir, parent=self.window,
                               on_done=lambda d: DiagnosticsDialog.ask(self.window, d.as_text()))

    @Slot()
    def record_logout(self) -> None:
        """The application is quitting: audit the log-out on the runner, waiting for it (the
        runner shuts down after this session ends)."""
        try:
            run_and_wait(self.ctx.runner, record_session_event, self.ctx.db, self.ctx.actor, "logout")
        except Exception:  # noqa: BLE001 - never block quitting
            log.exception("logout not audited")

    @Slot()
    def daily_backup(self) -> None:
        """Queue the automatic copy on the runner (no-op once today's copy exists). It reads
        through its own SQLite connection; the runner's jobs wait behind it for its seconds."""
        if self.ctx.db.file_path:
            self.ctx.runner.submit(_daily_backup_job, Path(self.ctx.db.file_path), parent=self.window)


def _daily_backup_job(db_file: Path) -> None:
    try:
        made = backup.daily_backup(db_file)
    except Exception:  # noqa: BLE001 - a failed automatic copy must not disturb the user's work
        log.exception("automatic daily backup failed")
    else:
        for info in made:
            log.info("automatic backup: %s", info.path)


def install_session_guards(window: QMainWindow, ctx: UiContext, idle_timeout_ms: int | None = None,
                           collector: GuiThreadCollector | None = None) -> SessionGuards:
    """Idle lock, automatic daily backup and the "Keamanan" menu on the logged-in window; with
    ``collector``, a locked screen (nobody works) is when it reviews what it set aside."""
    idle = IdleLock(window, ctx) if idle_timeout_ms is None else IdleLock(window, ctx, idle_timeout_ms)
    if collector is not None:
        idle.locked.connect(collector.review)
    slots = _Actions(window, ctx, idle)
    menu = window.menuBar().addMenu("Kea&manan")
    entries = [("change_password", "Ganti &kata sandi…", None, slots.change_password),
               ("lock_now", "Kunci &layar sekarang", None, slots.lock_now),
               ("backup_now", "Buat &cadangan…", "backup.run", slots.backup_now),
               ("restore", "&Pulihkan dari cadangan…", "backup.restore", slots.restore),
               ("diagnostics", "Informasi &diagnostik…", "diagnostics.view", slots.diagnostics)]
    actions = {}
    for key, label, permission, slot in entries:
        if not ctx.can(permission):
            continue
        if key in ("backup_now", "restore") and not ctx.db.file_path:
            continue  # a server database is backed up by its own tools
        action = QAction(label, window)
        action.triggered.connect(slot)
        menu.addAction(action)
        actions[key] = action
    QApplication.instance().aboutToQuit.connect(slots.record_logout)
    timer = QTimer(window)
    timer.setInterval(DAILY_BACKUP_CHECK_MS)
    timer.timeout.connect(slots.daily_backup)
    timer.start()
    slots.daily_backup()
    return SessionGuards(idle, timer, actions, slots)
