"""Jejak Audit: who did what, when, to which record; filters and export (supervisor/admin)."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.dates import date_time
from spm_desktop.core.security import audit_trail as trail
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.errors import show_info
from spm_desktop.ui.file_dialogs import ask_save_file
from spm_desktop.ui.models.table import RESIZE_SAMPLE_ROWS
from spm_desktop.ui.widgets import hbox

COLUMNS = ("Waktu", "Pengguna", "Tindakan", "Data", "ID data")


class AuditModel(QAbstractTableModel):
    """Entries newest first; pages of ``trail.PAGE_SIZE`` fetched on demand through the runner."""

    page_loaded = Signal()

    def __init__(self, ctx: UiContext, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[trail.AuditRow] = []
        self.total = 0
        self.filters = trail.AuditFilter()
        self._loading = False
        self._generation = 0

    def load(self, filters: trail.AuditFilter) -> None:
        """Start over with ``filters`` (the first page arrives asynchronously)."""
        self._generation += 1
        self.filters = filters
        self.beginResetModel()
        self.rows, self.total = [], 0
        self.endResetModel()
        self._fetch(0)

    def _fetch(self, offset: int) -> None:
        self._loading = True
        generation = self._generation
        self.ctx.runner.submit(trail.query_audit, self.ctx.db, self.ctx.actor, self.filters, offset,
                               on_done=lambda page: self._arrived(generation, page),
                               on_error=lambda e: self._failed(generation, e))

    def _arrived(self, generation: int, page: trail.AuditPage) -> None:
        if generation != self._generation:
            return
        # Still "loading" while inserting: views call canFetchMore from the insert signals.
        if page.rows:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page.rows) - 1)
            self.rows.extend(page.rows)
            self.endInsertRows()
        self.total = page.total
        self._loading = False
        self.page_loaded.emit()

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._loading = False
            from spm_desktop.ui.errors import show_error

            show_error(None, error)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and not self._loading and len(self.rows) < self.total

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: N802
        if self.canFetchMore(parent):
            self._fetch(len(self.rows))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and 0 <= section < len(
                COLUMNS):
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (date_time(row.at, seconds=True), row.username, row.action_label, row.entity_label,
                row.entity_id)[index.column()]

    def row_at(self, row: int) -> trail.AuditRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None


def describe(row: trail.AuditRow) -> str:
    """The detail pane text: every field, before and after as indented JSON."""
    def js(value: Any) -> str:
        return "—" if value is None else json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)

    return (f"Waktu    : {date_time(row.at, seconds=True)}\nPengguna : {row.username}\nTindakan : {row.action_label}\n"
            f"Data     : {row.entity_label} {row.entity_id}\nPerangkat: {row.device_id}\n\n"
            f"Sebelum:\n{js(row.before)}\n\nSesudah:\n{js(row.after)}")


class Page(QWidget):
    TITLE = "Jejak Audit"
    PERMISSION = "audit.view"
    ORDER = 95

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.username = QComboBox()
        self.username.setEditable(True)
        self.username.addItem("(semua)", "")
        self.action = QComboBox()
        self.action.addItem("(semua)", "")
        for key, label in trail.ACTION_LABELS.items():
            self.action.addItem(label, key)
        self.entity = QComboBox()
        self.entity.addItem("(semua)", "")
        for key, label in trail.ENTITY_LABELS.items():
            self.entity.addItem(label, key)
        self.use_dates = QCheckBox("Batasi tanggal")
        today = QDate(clock.today())
        self.date_from = QDateEdit(today.addMonths(-1))
        self.date_to = QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
        self.use_dates.toggled.connect(self.date_from.setEnabled)
        self.use_dates.toggled.connect(self.date_to.setEnabled)
        self.person_id = QLineEdit()
        self.person_id.setPlaceholderText("ID penerima layanan (dari halaman Penerima Layanan)")
        self.apply_button = QPushButton("Tampi&lkan")
        self.apply_button.clicked.connect(self.apply_filters)
        self.export_button = QPushButton("&Ekspor…")
        self.export_button.clicked.connect(self.export)
        self.export_button.setVisible(ctx.can("audit.export"))
        self.count_label = QLabel("")

        form = QFormLayout()
        form.addRow("&Pengguna:", self.username)
        form.addRow("&Tindakan:", self.action)
        form.addRow("&Data:", self.entity)
        form.addRow("Tanggal:", hbox(self.use_dates, "dari", self.date_from, "sampai", self.date_to, None))
        form.addRow("Pe&nerima:", self.person_id)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.count_label, 1)

        self.model = AuditModel(ctx, self)
        self.model.page_loaded.connect(self._update_count)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        self._usernames_loaded = False

    def filters(self) -> trail.AuditFilter:
        username = self.username.currentText().strip()
        use_dates = self.use_dates.isChecked()
        return trail.AuditFilter(
            username="" if username == "(semua)" else username,
            action=self.action.currentData() or "",
            entity=self.entity.currentData() or "",
            date_from=self.date_from.date().toPython() if use_dates else None,
            date_to=self.date_to.date().toPython() if use_dates else None,
            person_id=self.person_id.text().strip(),
        )

    @Slot()
    def refresh(self) -> None:
        if not self._usernames_loaded:
            self.ctx.runner.submit(trail.audit_usernames, self.ctx.db, self.ctx.actor, parent=self,
                                   on_done=self._usernames)
        self.apply_filters()

    @Slot(object)
    def _usernames(self, names: list[str]) -> None:
        self._usernames_loaded = True
        for name in names:
            self.username.addItem(name, name)

    @Slot()
    def apply_filters(self) -> None:
        self.detail.clear()
        self.model.load(self.filters())

    @Slot()
    def _update_count(self) -> None:
        shown, total = len(self.model.rows), self.model.total
        self.count_label.setText(f"{shown:,} dari {total:,} entri".replace(",", "."))

    @Slot(QModelIndex, QModelIndex)
    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_at(current.row())
        self.detail.setPlainText(describe(row) if row else "")

    def ask_export_path(self) -> str:
        path = ask_save_file(self, "Ekspor jejak audit", self.ctx.data_dir / "jejak-audit.xlsx",
                             "Excel (*.xlsx);;CSV (*.csv)")
        return str(path) if path else ""

    @Slot()
    def export(self) -> None:
        target = self.ask_export_path()
        if not target:
            return
        self.ctx.runner.submit(trail.export_audit, self.ctx.db, self.ctx.actor, target, self.filters(),
                               parent=self, on_done=lambda n: self._exported(target, n))

    def _exported(self, target: str, count: int) -> None:
        show_info(self, f"{count:,} entri jejak audit diekspor ke {target}.".replace(",", "."))
        self.apply_filters()
