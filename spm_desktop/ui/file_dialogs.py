"""The one way the GUI asks for a file to open or a place to save one. Pages keep a small
class or method around these calls (``SyncFileDialog.ask_open``, ``ExportFileDialog.ask``, …)
that a test replaces; the Qt dialog itself is called only here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget


def ask_open_file(parent: QWidget | None, caption: str, start: Path, file_filter: str) -> Path | None:
    """The file chosen to open (starting in ``start``), or None when cancelled."""
    name, _ = QFileDialog.getOpenFileName(parent, caption, str(start), file_filter)
    return Path(name) if name else None


def ask_save_file(parent: QWidget | None, caption: str, suggested: Path, file_filter: str,
                  suffix: str = "") -> Path | None:
    """Where to save (``suggested`` preselected), or None when cancelled; ``suffix`` is added
    when the typed name lacks it."""
    name, _ = QFileDialog.getSaveFileName(parent, caption, str(suggested), file_filter)
    if not name:
        return None
    path = Path(name)
    return path if not suffix or path.suffix == suffix else path.with_name(path.name + suffix)
