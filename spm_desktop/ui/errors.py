"""Showing errors to a person: an Indonesian sentence in a message box, details in the log.

A ``DomainError`` carries its own sentence (what is wrong, what to do). Anything else is a
defect: the user sees a general sentence naming the log file, the traceback goes to the log.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from spm_desktop.core.domain.errors import DomainError, PermissionDenied

log = logging.getLogger(__name__)

UNEXPECTED = ("Terjadi kesalahan yang tidak terduga; pekerjaan ini tidak selesai dan tidak ada data "
              "yang setengah tersimpan. Coba sekali lagi. Bila terulang, kirimkan berkas catatan "
              "(log) kepada administrator.")

_log_file: Path | None = None


def set_log_file(path: Path | None) -> None:
    """Name the log file in the message shown for unexpected errors."""
    global _log_file
    _log_file = path


def user_message(error: BaseException | str) -> str:
    """The sentence a person sees for ``error``."""
    if isinstance(error, str):
        return error
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, OSError) and error.strerror:
        name = f" ({error.filename})" if error.filename else ""
        return f"Berkas atau folder tidak bisa dipakai{name}: {error.strerror}."
    text = UNEXPECTED
    if _log_file is not None:
        text += f"\n\nBerkas catatan: {_log_file}"
    return text


def show_error(parent: QWidget | None, error: BaseException | str, title: str = "") -> None:
    """A modal message box with the Indonesian sentence for ``error``."""
    if isinstance(error, BaseException) and not isinstance(error, (DomainError, OSError)):
        log.error("unexpected error shown to the user: %r", error,
                  exc_info=(type(error), error, error.__traceback__))
    if not title:
        title = "Tidak diizinkan" if isinstance(error, PermissionDenied) else (
            "Periksa kembali" if isinstance(error, DomainError) else "Terjadi kesalahan")
    icon = QMessageBox.Icon.Warning if isinstance(error, (DomainError, str)) else QMessageBox.Icon.Critical
    box = QMessageBox(icon, title, user_message(error), QMessageBox.StandardButton.Ok, parent)
    box.exec()


def show_info(parent: QWidget | None, text: str, title: str = "Informasi") -> None:
    QMessageBox.information(parent, title, text)


def confirm(parent: QWidget | None, text: str, title: str = "Konfirmasi") -> bool:
    answer = QMessageBox.question(parent, title, text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def install_excepthook(parent_getter=lambda: None) -> None:
    """Uncaught exceptions in slots become a message, not a crash (traceback to the log)."""

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("uncaught exception:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        try:
            show_error(parent_getter(), exc)
        except Exception:  # noqa: BLE001 - never recurse while reporting
            log.exception("could not show the error message")

    sys.excepthook = hook
