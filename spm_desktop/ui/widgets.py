"""Small widgets shared by the pages: dates shown dd/mm/yyyy, region and category pickers,
a red message label placed beside a field, page shortcuts, a row of widgets (``hbox``) and a
button row that wraps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, QPoint, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QLayout, QLayoutItem, QStyle, QWidget

import spm_desktop.core.clock as clock
from spm_desktop.core.services.master_lists import CategoryItem, RegionItem

DATE_FORMAT = "dd/MM/yyyy"
ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"


def to_qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class DateEdit(QDateEdit):
    """A date field showing dd/mm/yyyy with a calendar pop-up; today by default."""

    def __init__(self, value: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat(DATE_FORMAT)
        self.setCalendarPopup(True)
        self.setMinimumDate(QDate(1900, 1, 1))
        self.set_value(value or clock.today())

    def value(self) -> date:
        return from_qdate(self.date())

    def set_value(self, value: date) -> None:
        self.setDate(to_qdate(value))


class MessageLabel(QLabel):
    """Red (problem) or green (fine) text beside a field; empty when nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def problem(self, text: str) -> None:
        self.setStyleSheet(ERROR_STYLE)
        self.setText(text)

    def fine(self, text: str = "") -> None:
        self.setStyleSheet(OK_STYLE)
        self.setText(text)


def hbox(*items: QWidget | QLayout | str | None) -> QHBoxLayout:
    """A row of ``items`` left to right: a widget, a nested layout, a text (shown as a label),
    or None for the stretch that takes the free space."""
    row = QHBoxLayout()
    for item in items:
        if item is None:
            row.addStretch(1)
        elif isinstance(item, str):
            row.addWidget(QLabel(item))
        elif isinstance(item, QLayout):
            row.addLayout(item)
        else:
            row.addWidget(item)
    return row


def fill_combo(combo: QComboBox, items: list[tuple[str, object]], empty: str | None = None) -> None:
    """Replace the entries of ``combo`` with (label, data) pairs, optionally an empty first one."""
    combo.blockSignals(True)
    had_items = combo.count() > 0
    current = combo.currentData()
    combo.clear()
    if empty is not None:
        combo.addItem(empty, None)
    for label, data in items:
        combo.addItem(label, data)
    index = combo.findData(current) if had_items else 0
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)


def fill_grouped_combo(combo: QComboBox, groups: list[tuple[str, list[tuple[str, object]]]]) -> None:
    """Entries under bold group headings that cannot be chosen (the arrow keys skip them);
    the first real entry is selected."""
    combo.blockSignals(True)
    combo.clear()
    model = combo.model()
    for heading, items in groups:
        if not items:
            continue
        combo.addItem(heading, None)
        header = model.item(combo.count() - 1)
        header.setEnabled(False)
        font = header.font()
        font.setBold(True)
        header.setFont(font)
        for label, data in items:
            combo.addItem("    " + label, data)
    first = next((i for i in range(combo.count()) if combo.itemData(i) is not None), -1)
    combo.setCurrentIndex(first)
    combo.blockSignals(False)


def compact_combo(combo: QComboBox, characters: int = 18) -> QComboBox:
    """Keep a drop-down with long entries (service names) from widening the whole page."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    return combo


def select_data(combo: QComboBox, data: object) -> None:
    index = combo.findData(data)
    combo.setCurrentIndex(index if index >= 0 else 0)


class RegionPicker(QWidget):
    """Kecamatan then kelurahan; ``kelurahan_code()`` is what a form stores."""

    changed = Signal()

    def __init__(self, regions: list[RegionItem], parent: QWidget | None = None, empty: str = "(belum diisi)") -> None:
        super().__init__(parent)
        self.regions = regions
        self.kecamatan = QComboBox()
        self.kelurahan = QComboBox()
        self.kecamatan.setAccessibleName("Kecamatan")
        self.kelurahan.setAccessibleName("Desa/kelurahan")
        self._empty = empty
        fill_combo(self.kecamatan, [(r.name, r.code) for r in regions if r.level == "kecamatan"], empty)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.kecamatan, 1)
        layout.addWidget(self.kelurahan, 1)
        self.kecamatan.currentIndexChanged.connect(self._kecamatan_changed)
        self.kelurahan.currentIndexChanged.connect(self.changed)
        self._kecamatan_changed()

    @Slot()
    def _kecamatan_changed(self) -> None:
        code = self.kecamatan.currentData()
        items = [(r.name, r.code) for r in self.regions if r.level in ("kelurahan", "desa") and r.parent_code == code]
        fill_combo(self.kelurahan, items, self._empty)
        self.changed.emit()

    def kelurahan_code(self) -> str | None:
        return self.kelurahan.currentData()

    def set_kelurahan(self, code: str | None) -> None:
        parent = next((r.parent_code for r in self.regions if r.code == code), None)
        select_data(self.kecamatan, parent)
        select_data(self.kelurahan, code)


def category_items(categories: list[CategoryItem]) -> list[tuple[str, object]]:
    return [(c.name, c.code) for c in categories]


def shortcut(widget: QWidget, keys: QKeySequence | QKeySequence.StandardKey | str,
             slot: Callable[[], None]) -> QShortcut:
    """A shortcut active while ``widget`` (a page or a dialog) is shown in the active window,
    wherever the focus is: right after a page was chosen in the navigation, the menu or with
    Ctrl+1…9, Ctrl+N already works. Hidden pages' shortcuts never fire."""
    sc = QShortcut(QKeySequence(keys), widget)
    sc.setContext(Qt.ShortcutContext.WindowShortcut)
    sc.activated.connect(slot)
    return sc


class FlowLayout(QLayout):
    """A row of buttons that wraps onto the next line when the page is narrow, so no button
    is ever pushed off the window (Qt's "flow layout" example, left-aligned)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt override
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt override
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 - Qt override
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 - Qt override
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt override
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        width = sum(i.sizeHint().width() for i in self._visible()) + self._gap() * max(len(self._visible()) - 1, 0)
        height = max((i.sizeHint().height() for i in self._visible()), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt override
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        return size

    def _visible(self) -> list[QLayoutItem]:
        return [i for i in self._items if not (i.widget() and i.widget().isHidden())]

    def _gap(self) -> int:
        spacing = self.spacing()
        if spacing >= 0:
            return spacing
        parent = self.parentWidget()
        return parent.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing) if parent else 6

    def _arrange(self, rect: QRect, move: bool) -> int:
        x, y, line_height, gap = rect.x(), rect.y(), 0, max(self._gap(), 6)
        for item in self._visible():
            hint = item.sizeHint()
            if x > rect.x() and x + hint.width() > rect.right() + 1:
                x, y, line_height = rect.x(), y + line_height + gap, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + gap
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y()
