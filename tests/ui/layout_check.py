"""Looking at a window the way a person does: is every visible control inside the window and
at least as large as it needs to be (its ``minimumSizeHint()``)?

Used by ``test_layout_fits``; kept apart so any GUI test can call :func:`layout_problems`.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTabBar,
    QTextEdit,
    QWidget,
)

CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QLabel, QPlainTextEdit, QTextEdit)
TOLERANCE = 1  # pixels: rounding of fractional scale factors


def _name(widget: QWidget) -> str:
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    if isinstance(text, str) and text:
        text = text.replace("\n", " ")[:50]
    label = widget.objectName() or widget.accessibleName() or text or ""
    return f"{type(widget).__name__} {label!r}"


def _in_scrolled_content(widget: QWidget, window: QWidget) -> QAbstractScrollArea | None:
    """The scroll area whose scrolled content holds ``widget`` (content may extend beyond it)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and parent is grand.viewport():
            return grand
        parent = grand
    return None


def _visible_rect(widget: QWidget, window: QWidget) -> QRect:
    """The part of ``widget`` a person can see: clipped by every ancestor up to the window."""
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        rect = rect.intersected(QRect(parent.mapTo(window, QPoint(0, 0)), parent.size()))
        parent = parent.parentWidget()
    return rect.intersected(window.rect())


def layout_problems(window: QWidget) -> list[str]:
    """Visible controls of ``window`` that are cut by the window or an ancestor, or smaller
    than their minimum size hint. Controls inside a scroll area's content are only checked for
    their size and for horizontal room (scrolling down a list is fine, sideways is not)."""
    problems = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or isinstance(widget, (QScrollBar, QTabBar)):
            continue
        if not widget.isVisibleTo(window) or widget.window() is not window:
            continue
        if type(widget).__name__.startswith("Qt") or widget.objectName().startswith("qt_"):
            continue  # Qt's own internals (spin box line edits, header sections...)
        if isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), (QAbstractSpinBox, QComboBox)):
            continue
        if isinstance(widget, QAbstractButton) and isinstance(widget.parentWidget(), QLineEdit):
            continue  # a line edit's own clear button
        if isinstance(widget, QLabel) and not widget.text() and widget.pixmap().isNull():
            continue
        hint = widget.minimumSizeHint()
        if isinstance(widget, QLabel) and widget.wordWrap():
            hint.setHeight(widget.heightForWidth(widget.width()) if widget.hasHeightForWidth() else hint.height())
        if isinstance(widget, QAbstractScrollArea):
            hint.setHeight(0)  # a text box scrolls: fewer lines than Qt's generic 70 px are fine
        if hint.width() - widget.width() > TOLERANCE or hint.height() - widget.height() > TOLERANCE:
            problems.append(f"{_name(widget)}: {widget.width()}×{widget.height()} < minimum "
                            f"{hint.width()}×{hint.height()}")
        full = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        seen = _visible_rect(widget, window)
        scroller = _in_scrolled_content(widget, window)
        if scroller is not None:
            cut = full.width() - seen.width() > TOLERANCE and seen.height() > 0
            # horizontally cut while vertically in view: sideways scrolling needed
            if cut and scroller.horizontalScrollBar().isVisible():
                problems.append(f"{_name(widget)}: needs sideways scrolling in {type(scroller).__name__}")
            continue
        if full.width() - seen.width() > TOLERANCE or full.height() - seen.height() > TOLERANCE:
            problems.append(f"{_name(widget)}: at {full.x()},{full.y()} {full.width()}×{full.height()}, "
                            f"only {seen.width()}×{seen.height()} visible in {window.width()}×{window.height()}")
    return problems


MNEMONIC = re.compile(r"&([^&\s])")


def mnemonics(widget: QWidget) -> list[tuple[str, str]]:
    """(Alt letter, text) of the visible buttons, labels with a buddy and group boxes."""
    letters = []
    for child in widget.findChildren(QWidget):
        if not child.isVisibleTo(widget):
            continue
        if isinstance(child, QAbstractButton) or isinstance(child, QLabel) and child.buddy() is not None:
            text = child.text()
        elif isinstance(child, QGroupBox):
            text = child.title()
        else:
            continue
        letters += [(m.lower(), text) for m in MNEMONIC.findall(text)]
    return letters
