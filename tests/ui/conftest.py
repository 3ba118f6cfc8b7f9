"""GUI fixtures: an application with Indonesian texts, the runner, a logged-in context."""

from __future__ import annotations

import gc
import os
import threading
import traceback

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from spm_desktop.core.security.users import authenticate, create_first_admin
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.runner import Runner

ADMIN_PASSWORD = "Rahasia-Kuat-2026"


@pytest.fixture(autouse=True)
def _collect_qt_garbage_on_the_gui_thread():
    """Widgets of earlier tests caught in reference cycles must be freed here, on the GUI
    thread: left to the cyclic collector they may be finalised on the runner's worker thread,
    which crashes Qt (seen as a segfault in CI, "Garbage-collecting" in the worker)."""
    gc.collect()
    yield
    gc.collect()


def _main_window_shown() -> bool:
    from PySide6.QtWidgets import QApplication

    from spm_desktop.ui.main_window import MainWindow

    app = QApplication.instance()
    return app is not None and any(isinstance(w, MainWindow) and w.isVisible() for w in app.topLevelWidgets())


@pytest.fixture(autouse=True)
def _no_database_work_on_the_gui_thread():
    """Issue 22 item 3: once the main window shows, the GUI thread never opens a database
    connection: every read and write goes through the Runner's worker. A pool checkout on the
    GUI thread (the test's own thread) from code under ``spm_desktop/ui/`` fails the test; the
    test's own setup and assertions (no ``ui`` frame on the stack) may use the database.
    ``SPM_GUI_DB_GUARD=always`` also counts checkouts before any main window shows (pages
    tested alone), to find them."""
    always = os.environ.get("SPM_GUI_DB_GUARD") == "always"
    seen: list[str] = []

    def check(dbapi_connection, record, proxy) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        stack = traceback.extract_stack()[:-1]
        ui = [f for f in stack if "/spm_desktop/ui/" in f.filename.replace(os.sep, "/")]
        if ui and (always or _main_window_shown()):
            seen.append("".join(traceback.format_list([f for f in stack if "/spm_desktop/" in f.filename][-8:])))

    event.listen(Pool, "checkout", check)
    yield seen
    event.remove(Pool, "checkout", check)
    if seen:
        pytest.fail(f"{len(seen)} database checkout(s) on the GUI thread after the main window showed; "
                    f"first:\n{seen[0]}", pytrace=False)


@pytest.fixture
def app(qapp):
    from spm_desktop.app import make_application

    return make_application()


@pytest.fixture
def runner(app):
    runner = Runner()
    yield runner
    runner.shutdown()


@pytest.fixture
def admin(db):
    create_first_admin(db, "admin", "Administrator Dinsos", ADMIN_PASSWORD)
    return authenticate(db, "admin", ADMIN_PASSWORD)


@pytest.fixture
def ctx(app, db, admin, runner, tmp_path):
    return UiContext(db=db, user=admin, runner=runner, data_dir=tmp_path)


@pytest.fixture
def wait_runner(qtbot, runner):
    """``wait_runner()``: wait until every submitted job was delivered on the GUI thread."""

    def wait(timeout: int = 10_000) -> None:
        qtbot.waitUntil(lambda: runner.pending == 0, timeout=timeout)

    return wait
