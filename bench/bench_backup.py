"""Reliability on the big file: start-up quick_check, the daily online backup copy, the
integrity_check that gates a restore, and a whole restore (100k persons, 1M events)."""

from __future__ import annotations

import shutil
from pathlib import Path

from common import BenchCase, big_demo_db, copy_of

from spm_desktop.core.services import backup as backup_svc
from spm_desktop.core.storage import backup as bk

SIZE = "100k persons, 1M events"




def _live() -> Path:
    """A private copy of the big demo file (the shared one is read-only)."""
    return copy_of(big_demo_db(), "backup")


def _backup_setup() -> Path:
    live = _live()
    shutil.rmtree(live.parent / "backups", ignore_errors=True)
    return live


def _backup_run(live: Path) -> None:
    info = bk.make_backup(live, "daily")
    info.path.unlink()


def _restore_setup() -> tuple[Path, Path]:
    live = _live()
    source = bk.make_backup(live, "manual").path
    return live, source


def _restore_run(state: tuple[Path, Path]) -> None:
    live, source = state
    result = backup_svc.restore_file(live, source, reason="benchmark")
    result.kept_aside.unlink()


def _check(quick: bool):
    def run(live: Path) -> None:
        assert bk.check_file(live, quick=quick).ok

    return run


def cases():
    return [
        BenchCase("start-up quick_check", SIZE, 2.0, _check(True), _live, repeat=3),
        BenchCase("daily backup (online backup API copy)", SIZE, 15.0, _backup_run, _backup_setup, repeat=3),
        BenchCase("integrity_check (gate of every restore)", SIZE, 60.0, _check(False), _live, repeat=1),
        BenchCase("restore (integrity_check + keep aside + copy + migrate + audit)", SIZE, 90.0, _restore_run,
                  _restore_setup, repeat=1),
    ]

