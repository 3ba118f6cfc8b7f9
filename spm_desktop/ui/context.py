"""What every page gets: the database, who is logged in, the runner, the data folder, settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.security.permissions import can
from spm_desktop.core.security.users import UserInfo
from spm_desktop.core.services.activities import ActivityType, list_activity_types
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
        """The application's settings (office, signatories, weights...) as last loaded."""
        return self._loaded("settings")

    def regions(self) -> list[RegionItem]:
        """Kecamatan and kelurahan for pick lists (loaded with the others, ``reload_lists()``)."""
        return self._loaded("regions")

    def categories(self) -> list[CategoryItem]:
        return self._loaded("categories")

    def service_types(self) -> list[ServiceTypeInfo]:
        """Active service types of the catalogue, in catalogue order."""
        return self._loaded("service_types")

    def service_forms(self) -> list[ServiceForm]:
        """Active service types with their detail fields (entry forms)."""
        return self._loaded("service_forms")

    def activity_types(self) -> list[ActivityType]:
        """Active service types recorded as group activities (Kegiatan)."""
        return self._loaded("activity_types")

    def preload(self) -> None:
        """Load the settings and pick lists here, on the calling thread: only before the main
        window shows (the application loads them on the runner, ``app.build_main_window``)."""
        self.use_lists(load_lists(self.db, self.actor))

    def use_lists(self, lists: dict[str, Any]) -> None:
        self._lists = dict(lists)

    def reload_lists(self, on_done=None) -> None:
        """After master data or settings changed (Pengaturan): read them again on the runner."""

        def loaded(lists: dict[str, Any]) -> None:
            self.use_lists(lists)
            if on_done is not None:
                on_done()

        self.runner.submit(load_lists, self.db, self.actor, on_done=loaded)

    def _loaded(self, key: str):
        if not self._lists:  # not loaded by the application (a page built alone in a test)
            self.preload()
        return self._lists[key]

    def remember(self, key: str, value: Any) -> None:
        """Keep ``value`` for this user on this computer (the next user starts with their own)."""
        self.ui_settings.setValue(self._mine(key), value)

    def recall(self, key: str, default: Any = None) -> Any:
        return self.ui_settings.value(self._mine(key), default)

    def _mine(self, key: str) -> str:
        return f"users/{self.user.username}/{key}"


def load_lists(db: Database, actor: Actor) -> dict[str, Any]:
    """The settings and pick lists every page uses, as plain values (runs on the runner's worker)."""
    return {"settings": get_settings(db), "regions": list_regions(db), "categories": list_categories(db),
            "service_types": list_service_types(db, active_only=True), "service_forms": list_service_forms(db),
            "activity_types": list_activity_types(db, actor) if can(actor, "person.view") else []}


def gui_settings(data_dir: Path) -> QSettings:
    """Window size, last page, last unit... kept in ``<data>/gui.ini`` (travels with the data)."""
    return QSettings(str(Path(data_dir) / GUI_SETTINGS_FILE), QSettings.Format.IniFormat)
