"""GUI fixtures: an application with Indonesian texts, the runner, a logged-in context."""

from __future__ import annotations

import gc

import pytest

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
