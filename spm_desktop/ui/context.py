"""What every page gets: the database, who is logged in, the runner, the data folder, settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.security.permissions import can
from spm_desktop.core.security.users import UserInfo
from spm_desktop.core.services.master_lists import (
    CategoryItem,
    RegionItem,
    ServiceForm,
    list_categories,
    list_regions,
    list_service_forms,
)
from spm_desktop.core.services.settings import AppSettings, ServiceTypeInfo, get_settings, list_service_types
from spm_desktop.core.storage.database import Database
from spm_desktop.ui.runner import Runner

GUI_SETTINGS_FILE = "gui.ini"


@dataclass
class UiContext:
    """Passed to every ``Page(ctx)``. ``ui_settings`` is window state on this computer (QSettings,
    an ini file in the data folder), kept per user by ``remember``/``recall``: the last unit and
    service, window size and page of one user never become another's; ``settings()`` reads the
    application's settings table."""

    db: Database
    user: UserInfo
    runner: Runner
    data_dir: Path
    ui_settings: QSettings = field(default=None)  # type: ignore[assignment]
    _lists: dict[str, Any] = field(default_factory=dict, repr=False)

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

    def regions(self) -> list[RegionItem]:
        """Kecamatan and kelurahan for pick lists (read once, kept; ``forget_lists()`` drops them)."""
        return self._cached("regions", lambda: list_regions(self.db))

    def categories(self) -> list[CategoryItem]:
        return self._cached("categories", lambda: list_categories(self.db))

    def service_types(self) -> list[ServiceTypeInfo]:
        """Active service types of the catalogue, in catalogue order."""
        return self._cached("service_types", lambda: list_service_types(self.db, active_only=True))

    def service_forms(self) -> list[ServiceForm]:
        """Active service types with their detail fields (entry forms)."""
        return self._cached("service_forms", lambda: list_service_forms(self.db))

    def forget_lists(self) -> None:
        """Call after master data changed (Pengaturan) so pick lists are read again."""
        self._lists.clear()

    def _cached(self, key: str, load):
        if key not in self._lists:
            self._lists[key] = load()
        return self._lists[key]

    def remember(self, key: str, value: Any) -> None:
        """Keep ``value`` for this user on this computer (the next user starts with their own)."""
        self.ui_settings.setValue(self._mine(key), value)

    def recall(self, key: str, default: Any = None) -> Any:
        return self.ui_settings.value(self._mine(key), default)

    def _mine(self, key: str) -> str:
        return f"users/{self.user.username}/{key}"


def gui_settings(data_dir: Path) -> QSettings:
    """Window size, last page, last unit... kept in ``<data>/gui.ini`` (travels with the data)."""
    return QSettings(str(Path(data_dir) / GUI_SETTINGS_FILE), QSettings.Format.IniFormat)
