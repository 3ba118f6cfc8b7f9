"""A table model over a list of frozen records (cases, history, residents, needs, pairs).

Columns are declared as (header, function of the record returning the cell text); with
``checkable=True`` the first column carries a check box per row (Makan Harian). For short
lists only: large lists use a lazy model (see :mod:`spm_desktop.ui.models.persons`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_CHECK_STATE = int(Qt.ItemDataRole.CheckStateRole.value)


@dataclass(frozen=True)
class Column:
    header: str
    text: Callable[[Any], str]
    tooltip: Callable[[Any], str] | None = None


class RecordTableModel(QAbstractTableModel):
    checks_changed = Signal()

    def __init__(self, columns: Sequence[Column], parent=None, checkable: bool = False) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self.records: list[Any] = []
        self.checkable = checkable
        self.checked: list[bool] = []
        # Cell texts (and sort keys) as computed once: a view asks for a cell's text again on every measure and
        # paint (sizing columns to contents alone asks 100 rows × every column several times
        # while a page opens). Forgotten whenever the records, the columns or the layout change.
        self._cells: dict[tuple[int, int, int], Any] = {}  # (row, column, role) -> value
        for signal in (self.modelReset, self.layoutChanged, self.dataChanged):
            signal.connect(self._forget_cells)

    def set_records(self, records: Sequence[Any], checked: Callable[[Any], bool] | None = None) -> None:
        self.beginResetModel()
        self.records = list(records)
        self.checked = [bool(checked(r)) if checked else False for r in self.records]
        self.endResetModel()
        self.checks_changed.emit()

    def record(self, row: int) -> Any:
        return self.records[row] if 0 <= row < len(self.records) else None

    def checked_records(self) -> list[Any]:
        return [r for r, c in zip(self.records, self.checked, strict=True) if c]

    def set_all_checked(self, value: bool) -> None:
        if not self.records:
            return
        self.checked = [value] * len(self.records)
        self.dataChanged.emit(self.index(0, 0), self.index(len(self.records) - 1, 0),
                              [Qt.ItemDataRole.CheckStateRole])
        self.checks_changed.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def _forget_cells(self, *_args) -> None:
        self._cells.clear()

    def cell(self, index: Index, role: int, compute: Callable[[Any, int], Any]) -> Any:
        """``compute(record, column)`` for the cell at ``index``, once until the model changes."""
        key = (index.row(), index.column(), role)
        value = self._cells.get(key)
        if value is None and 0 <= key[0] < len(self.records) and 0 <= key[1] < len(self.columns):
            value = self._cells[key] = compute(self.records[key[0]], key[1])
        return value

    def _text(self, record: Any, column: int) -> str:
        return self.columns[column].text(record)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # A view asks for a dozen roles per cell; the ones answered here are tested first, as
        # plain ints, so the others cost next to nothing.
        if role == _DISPLAY:
            return self.cell(index, _DISPLAY, self._text)
        if role == _TOOLTIP:
            row, column = index.row(), index.column()
            tooltip = self.columns[column].tooltip if 0 <= column < len(self.columns) else None
            return tooltip(self.records[row]) if tooltip is not None and 0 <= row < len(self.records) else None
        if role == _CHECK_STATE and self.checkable and index.column() == 0 and 0 <= index.row() < len(self.records):
            return Qt.CheckState.Checked if self.checked[index.row()] else Qt.CheckState.Unchecked
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not (self.checkable and index.isValid() and index.column() == 0
                and role == Qt.ItemDataRole.CheckStateRole and 0 <= index.row() < len(self.records)):
            return False
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(int(value))
        self.checked[index.row()] = state == Qt.CheckState.Checked
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.checks_changed.emit()
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.checkable and index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section].header
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None


# Columns fitted to their contents measure this many rows (Qt takes the visible ones first),
# not Qt's default 1,000: every row measured is a dozen calls into the Python model per column
# and a text layout, 300 ms of the GUI thread for a year's group activities at 1,000 rows and
# still a 68 ms chunk at 100 (bench/gui_latency.py); two screens of rows decide the width.
RESIZE_SAMPLE_ROWS = 50


def record_view(model: RecordTableModel, parent=None, stretch: int | None = None):
    """A read-only, row-selecting table view suited to these models; ``stretch``: the column
    that takes the remaining width (the others fit their contents)."""
    from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    if stretch is not None:
        header = view.horizontalHeader()
        header.setStretchLastSection(False)
        for column in range(model.columnCount()):
            mode = QHeaderView.ResizeMode.Stretch if column == stretch else QHeaderView.ResizeMode.ResizeToContents
            header.setSectionResizeMode(column, mode)
    return view
