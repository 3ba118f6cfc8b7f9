"""GUI benchmarks (offscreen): cold start to the login window; the persons page over 100,000
persons (first rows shown); one search keystroke (query + model reset, debounce excluded)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from common import DATA, BenchCase, big_demo_db, copy_of  # noqa: E402

PASSWORD = "Bench-Sandi-2026"
KEYSTROKES = ("s", "si", "sit", "siti", "siti r", "617", "6171", "61710", "617103")

# Runs in a fresh interpreter: everything the real start does up to a visible login window.
COLD_START = """
import sys, time
from spm_desktop import app
from spm_desktop.core.services.settings import get_settings
from spm_desktop.core.security import vault
from spm_desktop.ui.dialogs.login import LoginDialog, UnlockDialog
from spm_desktop.ui.runner import Runner
from pathlib import Path
qt = app.make_application()
runner = Runner()
if vault.is_encrypted(Path(sys.argv[1]) / "spm.db"):  # the file opens after the password unwraps its key
    dialog = UnlockDialog(Path(sys.argv[1]) / "spm.db", runner)
else:
    db = app.open_data(Path(sys.argv[1]))
    dialog = LoginDialog(db, runner, office=get_settings(db).office_name)
dialog.show()
qt.processEvents()
print(time.time(), flush=True)
runner.shutdown()
"""


def _prepared_folder() -> Path:
    folder = DATA / "work" / "gui-cold"
    if not (folder / "spm.db").exists():
        folder.mkdir(parents=True, exist_ok=True)
        secret = folder / "password.txt"
        secret.write_text(PASSWORD, encoding="utf-8")
        subprocess.run([sys.executable, "-m", "spm_desktop", "--data-dir", str(folder), "init", "--admin", "admin",
                        "--password-file", str(secret), "--wilayah", "61.71"], check=True, capture_output=True)
    return folder


def _cold_start(folder: Path) -> float:
    """Seconds from starting the process to the login window shown. The process is ended as
    soon as it reports, so the runner's wall time is that too (not the interpreter's exit)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.time()
    child = subprocess.Popen([sys.executable, "-c", COLD_START, str(folder)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env)
    line = child.stdout.readline()
    child.kill()
    child.wait()
    child.stdout.close()
    if not line.strip():
        raise RuntimeError("the login window was not shown")
    return float(line) - started


def _big_copy() -> Path:
    source = big_demo_db()
    target = DATA / "work" / "gui-big" / source.name
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        target = copy_of(source, "gui-big")
    return target


def _gui_context(db_file: Path):
    from spm_desktop.app import make_application
    from spm_desktop.core.security.users import UserInfo
    from spm_desktop.core.storage.database import Database
    from spm_desktop.core.storage.engine import make_engine
    from spm_desktop.ui.context import UiContext
    from spm_desktop.ui.runner import Runner

    make_application()
    db = Database(make_engine(f"sqlite:///{db_file}"))
    user = UserInfo("bench", "bench", "Pengukur", "", "admin", "", None, True, None)
    return UiContext(db=db, user=user, runner=Runner(), data_dir=db_file.parent)


def _wait_loaded(model, start) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    model.loaded.connect(loop.quit)
    QTimer.singleShot(30_000, loop.quit)
    start()
    loop.exec()
    model.loaded.disconnect(loop.quit)


def _open_page(ctx) -> None:
    """Build the page and wait for its first rows. The search index that loads afterwards is
    switched off here: it would otherwise queue before the next repetition's first page."""

    from spm_desktop.ui.models.persons import PersonListModel
    from spm_desktop.ui.pages.penerima import Page

    original = PersonListModel._load_index
    PersonListModel._load_index = lambda self: None
    try:
        _first_rows(ctx, Page)
    finally:
        PersonListModel._load_index = original


def _first_rows(ctx, Page) -> None:  # noqa: N803 - the page class
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    page_holder = []

    def build():
        page = Page(ctx)
        page.model.loaded.connect(loop.quit)
        page_holder.append(page)

    QTimer.singleShot(0, build)
    QTimer.singleShot(30_000, loop.quit)
    loop.exec()
    page = page_holder[0]
    assert page.model.rowCount() > 0, "no rows shown"
    page.deleteLater()


def _search_state():
    from spm_desktop.core.services.person_search import PersonQuery
    from spm_desktop.ui.models.persons import PersonListModel

    ctx = _gui_context(_big_copy())
    model = PersonListModel(ctx)
    _wait_loaded(model, lambda: model.set_query(PersonQuery()))
    ctx.runner.wait_idle(120)  # the search index loads in the background after the first page
    from PySide6.QtCore import QCoreApplication

    QCoreApplication.processEvents()
    assert model.index_ is not None, "search index not loaded"
    return {"model": model, "ctx": ctx, "i": 0}


def _keystroke(state) -> None:
    from dataclasses import replace

    model = state["model"]
    text = KEYSTROKES[state["i"] % len(KEYSTROKES)]
    state["i"] += 1
    _wait_loaded(model, lambda: model.set_query(replace(model.query, text=text)))


def cases():
    return [
        BenchCase("GUI cold start to the login window (offscreen, new process)", "small database", 2.0,
                  _cold_start, _prepared_folder, repeat=5),
        BenchCase("Penerima Layanan page: first rows shown", "100k persons", 0.5,
                  _open_page, lambda: _gui_context(_big_copy()), repeat=5),
        BenchCase("person list: one search keystroke (query + model reset)", "100k persons", 0.05,
                  _keystroke, _search_state, repeat=len(KEYSTROKES)),
    ]


def main() -> None:
    folder = _prepared_folder()
    starts = sorted(_cold_start(folder) for _ in range(5))
    print(f"cold start to login window: median {starts[2]:.3f} s (process start included)")


if __name__ == "__main__":
    main()
