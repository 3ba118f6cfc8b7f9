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


def _gui_code(filename: str) -> bool:
    return "/spm_desktop/ui/" in filename or filename.endswith("/spm_desktop/app.py")


@pytest.fixture(autouse=True)
def _no_database_work_on_the_gui_thread(request):
    """Issue 22 item 3: once the main window shows, the GUI thread never opens a database
    connection: every read and write goes through the Runner's worker. A pool checkout on the
    GUI thread (the test's own thread) from code under ``spm_desktop/``'s ``ui`` or ``app.py``
    fails the test; the test's own setup and assertions (no such frame on the stack) may use
    the database. A test marked ``gui_thread_guard_always`` (what happens without a shown main
    window: the sign-in steps, the log-out at quit), or a run with ``SPM_GUI_DB_GUARD=always``
    (pages tested alone, to find them), counts checkouts from the start. Nothing else is exempt."""
    always = (os.environ.get("SPM_GUI_DB_GUARD") == "always"
              or request.node.get_closest_marker("gui_thread_guard_always") is not None)
    seen: list[str] = []

    def check(dbapi_connection, record, proxy) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        stack = traceback.extract_stack()[:-1]
        ui = [f for f in stack if _gui_code(f.filename.replace(os.sep, "/"))]
        if ui and (always or _main_window_shown()):
            seen.append("".join(traceback.format_list([f for f in stack if "/spm_desktop/" in f.filename][-8:])))

    event.listen(Pool, "checkout", check)
    yield seen
    event.remove(Pool, "checkout", check)
    if seen:
        pytest.fail(f"{len(seen)} database checkout(s) on the GUI thread (once the main window showed, or from the "
                    f"start for a gui_thread_guard_always test); "
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
