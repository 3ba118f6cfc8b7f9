"""Screenshots of the real window for the README, on the office laptop's screen (1366×768)
under a real X server with a window manager:

    Xvfb :99 -screen 0 1366x768x24 & DISPLAY=:99 openbox &
    DISPLAY=:99 .venv/bin/python docs/screenshots/take_screenshots.py

Builds a demo data folder (``spm-desktop init`` + ``demo-data``), logs in, shows every page
the administrator can open (or those in ``SPM_SHOTS_ONLY=name,name``) in the window at the size
it takes on first start (from the available screen), and saves the whole screen as
``docs/screenshots/<page>.png``, plus the login and first-run dialogs. ``--scale 1.5``
(QT_SCALE_FACTOR) checks readability at 150%.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PASSWORD = "Contoh-Sandi-2026"
# SPM_SHOTS_ONLY=name,name (e.g. "beranda,rekap,bencana") for some pages only; all by default.
DEFAULT_PAGES = ""


def prepare(folder: Path) -> None:
    secret = folder / "sandi.txt"
    secret.write_text(PASSWORD, encoding="utf-8")
    run = [sys.executable, "-m", "spm_desktop", "--data-dir", str(folder)]
    subprocess.run([*run, "init", "--admin", "admin", "--password-file", str(secret), "--full-name",
                    "Rina Marlina", "--device-name", "Kantor Dinas Sosial"], check=True, capture_output=True)
    subprocess.run([*run, "demo-data", "--persons", "600", "--events", "5000", "--seed", "11"], check=True,
                   capture_output=True)


def settle(app, runner, ms: int = 400) -> None:
    """Let queued jobs finish and their results paint."""
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end or runner.pending:
        app.processEvents()
        time.sleep(0.02)


def stage(name: str, page, ctx) -> None:
    """Put a page in a state worth showing."""
    if name == "penerima":
        page.table.selectRow(0)
    elif name == "kasus":
        page.view.selectRow(0)
    elif name == "catat_layanan":
        from spm_desktop.core.services.person_search import search_persons

        person = search_persons(ctx.db, ctx.actor, "a", limit=1)[0]
        page.choose_person(person.id, person.name)
        page.service.setCurrentIndex(page.service.findData("1.06.04.2.01.0002"))
        boxes = page.details.editors.get("items") or []
        for box in boxes[:3]:
            box.setChecked(True)


def screen_shot(app, window):
    """The whole screen, window frame and all, as a person sees it (on X11); else the window."""
    if app.platformName() == "xcb":
        return window.screen().grabWindow(0)
    return window.grab()


def main() -> int:
    import faulthandler

    faulthandler.dump_traceback_later(240, exit=True)
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(HERE))
    parser.add_argument("--scale", default="")
    args = parser.parse_args()
    if args.scale:
        os.environ["QT_SCALE_FACTOR"] = args.scale
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="spm-shots-"))
    try:
        prepare(folder)
        from spm_desktop import app as app_module
        from spm_desktop.core.security.users import authenticate
        from spm_desktop.ui.dialogs.login import FirstAdminDialog, LoginDialog
        from spm_desktop.ui.runner import Runner

        qt = app_module.make_application()
        db = app_module.open_data(folder)
        runner = Runner()
        suffix = f"@{args.scale}x" if args.scale else ""
        login = LoginDialog(db, runner, office="Dinas Sosial Kota Pontianak", username="admin")
        login.show()
        settle(qt, runner)
        login.grab().save(str(out / f"login{suffix}.png"))
        login.close()
        first = FirstAdminDialog(db, runner)
        first.show()
        settle(qt, runner)
        first.grab().save(str(out / f"admin-pertama{suffix}.png"))
        first.close()

        user = authenticate(db, "admin", PASSWORD)
        window = app_module.build_main_window(db, user, runner, folder)
        window.show()  # first start: the size comes from the available screen
        settle(qt, runner, 800)
        only = [n for n in os.environ.get("SPM_SHOTS_ONLY", DEFAULT_PAGES).split(",") if n]
        for entry in window.pages:
            if only and entry.name not in only:
                continue
            page = window.show_page(entry.name)
            settle(qt, runner, 600)
            stage(entry.name, page, window.ctx)
            settle(qt, runner, 600)
            screen_shot(qt, window).save(str(out / f"{entry.name}{suffix}.png"))
            print(out / f"{entry.name}{suffix}.png")
            if entry.name == "catat_layanan":
                page.person.clear()  # nothing unsaved: leaving the page asks no question
        window.close()
        runner.shutdown()
        db.dispose()
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
