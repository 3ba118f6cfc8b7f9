"""The application icon (resources/icons), usable from a source checkout or a frozen bundle."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from spm_desktop.core.paths import resource_path

APP_ICON_FILES = ("spm-desktop.svg", "spm-desktop.png")


def app_icon() -> QIcon:
    icon = QIcon()
    for name in APP_ICON_FILES:
        path = resource_path("icons", name)
        if path.exists():
            icon.addFile(str(path))
    return icon
