"""Subcommands of ``spm-desktop``. One module per subcommand, each with
``register(subparsers)`` that adds its parser and sets ``func(args, ctx) -> int``.

To add a subcommand: write ``spm_desktop/commands/<name>.py`` and add its name to
:data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import importlib
import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from spm_desktop.core import paths

COMMAND_MODULES: list[str] = [
    "init",
    "wilayah",
    "demo_data",
    "check",
    "backup",
    "import_cmd",
    "targets",
    "duplicates",
    "recap",
    "espm",
    "mutu",
    "sync",
    "export",
]


def load_command_modules():
    return [importlib.import_module(f"spm_desktop.commands.{name}") for name in COMMAND_MODULES]


class CliContext:
    """What a subcommand needs: the data folder and the database, opened on first use."""

    def __init__(self, data_dir: str | None) -> None:
        self._data_dir_arg = data_dir
        self._data_dir: Path | None = None
        self._db = None

    @property
    def data_dir(self) -> Path:
        if self._data_dir is None:
            self._data_dir = paths.data_dir(self._data_dir_arg)
            if paths.moved_notice:
                import sys

                print(paths.moved_notice, file=sys.stderr)
        return self._data_dir

    @property
    def database_url(self) -> str:
        return paths.database_url(self.data_dir)

    def database(self):
        """The migrated, seeded database (opened once per command)."""
        if self._db is None:
            from spm_desktop.core.storage.open import open_database, open_read_only, read_only_file

            read_only = read_only_file(self.database_url)
            self._db = open_read_only(read_only) if read_only else open_database(self.database_url)
        return self._db

    def actor(self):
        """Who the command acts as."""
        from spm_desktop.core.domain.actor import SYSTEM

        return SYSTEM

    def setup_logging(self) -> None:
        try:
            setup_file_logging(self.data_dir)
        except OSError:  # a read-only data folder: the read-only commands still run, without a log file
            pass

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


def setup_file_logging(data_dir: Path) -> None:
    """Rotating log file in ``<data>/logs``: technical detail goes there, never to the user."""
    root = logging.getLogger()
    if any(isinstance(h, RotatingFileHandler) for h in root.handlers):
        return
    handler = RotatingFileHandler(paths.logs_dir(data_dir) / "spm-desktop.log", maxBytes=2_000_000,
                                  backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
