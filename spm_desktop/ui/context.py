"""What every page gets: the database, who is logged in, the runner, the data folder, settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.security.permissions import can
from spm_desktop.core.security.users import UserInfo
from spm_desktop.core.services.settings import AppSettings, get_settings
from spm_desktop.core.storage.database import Database
from spm_desktop.ui.runner import Runner

GUI_SETTINGS_FILE = "gui.ini"


@dataclass
class UiContext:
    """Passed to every ``Page(ctx)``. ``ui_settings`` is per-computer window state (QSettings,
    an ini file in the data folder); ``settings()`` reads the application's settings table."""

    db: Database
    user: UserInfo
    runner: Runner
    data_dir: Path
    ui_settings: QSettings = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.ui_settings is None:
            self.ui_settings = gui_settings(self.data_dir)

    @property
    def actor(self) -> Actor:
        return self.user.actor()

    def can(self, permission: str | None) -> bool:
        return permission is None or can(self.actor, permission)

    def settings(self) -> AppSettings:
        """The application's settings (office, signatories, weights...), read now (small query)."""
        return get_settings(self.db)

    def remember(self, key: str, value: Any) -> None:
        self.ui_settings.setValue(key, value)

    def recall(self, key: str, default: Any = None) -> Any:
        return self.ui_settings.value(key, default)


def gui_settings(data_dir: Path) -> QSettings:
    """Window size, last page, last unit... kept in ``<data>/gui.ini`` (travels with the data)."""
    return QSettings(str(Path(data_dir) / GUI_SETTINGS_FILE), QSettings.Format.IniFormat)
