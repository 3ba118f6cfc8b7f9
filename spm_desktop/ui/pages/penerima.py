"""Penerima Layanan: the persons list with search as you type and filters, the selected
person's page (identity, cases, service history) and register / edit / merge."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from spm_desktop.core.domain.groups import UNITS
from spm_desktop.core.reports.formatting import number
from spm_desktop.core.services.person_export import export_person_list
from spm_desktop.core.services.person_search import PersonQuery
from spm_desktop.core.services.persons import person_to_edit
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.dialogs.duplicates import DuplicatesDialog
from spm_desktop.ui.dialogs.person import PersonDialog
from spm_desktop.ui.errors import show_info
from spm_desktop.ui.file_dialogs import ask_save_file
from spm_desktop.ui.models.persons import PersonListModel
from spm_desktop.ui.person_panel import PersonPanel
from spm_desktop.ui.widgets import category_items, compact_combo, fill_combo, shortcut

SEARCH_DELAY_MS = 150
OPEN_CASE_CHOICES = (("Semua", None), ("Ada kasus terbuka", True), ("Tanpa kasus terbuka", False))


class Page(QWidget):
    TITLE = "Penerima Layanan"
    PERMISSION = "person.view"
    ORDER = 20

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = PersonListModel(ctx, self)
        self._pending_select: str | None = None
        self._build()
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._search_timer.start)
        for combo in (self.category, self.kecamatan, self.unit, self.open_case):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.model.loaded.connect(self._loaded)
        self.apply_filters()

    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("personSearch")
        self.search.setPlaceholderText("Cari nama, alias, NIK atau No. KK…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.category = QComboBox()
        fill_combo(self.category, category_items(self.ctx.categories()), "Semua kategori PMKS")
        self.kecamatan = QComboBox()
        fill_combo(self.kecamatan, [(r.name, r.code) for r in self.ctx.regions() if r.level == "kecamatan"],
                   "Semua kecamatan")
        self.unit = QComboBox()
        fill_combo(self.unit, [(code, code) for code in UNITS], "Semua unit")
        self.open_case = QComboBox()
        fill_combo(self.open_case, [(label, value) for label, value in OPEN_CASE_CHOICES])
        for combo in (self.category, self.kecamatan, self.unit, self.open_case):
            compact_combo(combo, 12)
        for combo, name in ((self.category, "Kategori PMKS"), (self.kecamatan, "Kecamatan"), (self.unit, "Unit"),
                            (self.open_case, "Kasus")):
            combo.setAccessibleName(name)
            combo.setToolTip(name)
        self.new_button = QPushButton("&Daftarkan baru")
        self.new_button.setToolTip("Daftarkan penerima layanan baru (Ctrl+N)")
        self.new_button.clicked.connect(self.register_new)
        self.new_button.setEnabled(self.ctx.can("person.write"))
        self.dup_button = QPushButton("Data &ganda…")
        self.dup_button.setToolTip("Periksa dan gabungkan data yang mungkin ganda")
        self.dup_button.clicked.connect(self.review_duplicates)
        self.count_label = QLabel()
        # Personal data leaving the app: only supervisor/admin, audited (issue 8).
        self.export_button = QPushButton("&Ekspor Excel…")
        self.export_button.setToolTip("Ekspor daftar yang tampil ke Excel (dicatat di jejak audit)")
        self.export_button.clicked.connect(self.export_list)
        self.export_button.setVisible(self.ctx.can("personal_data.export"))

        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        bar.addWidget(self.category, 2)
        bar.addWidget(self.kecamatan, 1)
        bar.addWidget(self.unit, 1)
        bar.addWidget(self.open_case, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count_label, 1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.dup_button)
        buttons.addWidget(self.new_button)

        self.table = QTableView()
        self.table.setObjectName("personTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Indicator first: enabling sorting then sorts by it, which the model sees as no change
        # (otherwise the page would send two wasted queries before its first one).
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setColumnWidth(0, self.fontMetrics().horizontalAdvance("M") * 16)
        self.table.setColumnWidth(1, self.fontMetrics().horizontalAdvance("0") * 18)
        self.table.setColumnWidth(2, self.fontMetrics().horizontalAdvance("0") * 18)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.activated.connect(self._activated)

        self.panel = PersonPanel(self.ctx, self)
        self.panel.edit_requested.connect(self.edit_person)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        self.setTabOrder(self.search, self.category)
        self.setTabOrder(self.category, self.kecamatan)
        self.setTabOrder(self.kecamatan, self.unit)
        self.setTabOrder(self.unit, self.open_case)
        self.setTabOrder(self.open_case, self.table)
        shortcut(self, QKeySequence.StandardKey.Find, self.focus_search)
        shortcut(self, QKeySequence.StandardKey.New, self.register_new)

    # --- list ---------------------------------------------------------------------------
    def query(self) -> PersonQuery:
        return replace(self.model.query, text=self.search.text(), category_code=self.category.currentData(),
                       kecamatan_code=self.kecamatan.currentData(), unit=self.unit.currentData(),
                       has_open_case=self.open_case.currentData())

    @Slot()
    def apply_filters(self) -> None:
        self._search_timer.stop()
        self.model.set_query(self.query())

    @Slot(int)
    def _loaded(self, total: int) -> None:
        self.count_label.setText(f"{number(total)} orang")
        if self._pending_select:
            row = self.model.row_of(self._pending_select)
            if row >= 0:
                self.table.selectRow(row)
            self._pending_select = None

    def refresh(self) -> None:
        """Called when the page is shown: other pages may have changed persons."""
        self.model.reload()
        self.panel.reload()

    @Slot()
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    @Slot(QItemSelection, QItemSelection)
    def _selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        person_id = self.model.person_id(rows[0].row()) if rows else None
        self.panel.show_person(person_id)

    @Slot(QModelIndex)
    def _activated(self, index: QModelIndex) -> None:
        self.edit_person(self.model.person_id(index.row()))

    # --- actions ------------------------------------------------------------------------
    @Slot()
    def register_new(self) -> None:
        if not self.ctx.can("person.write"):
            return
        saved = []
        self._show_after_dialog(PersonDialog.ask(self, self.ctx, on_saved=saved.append))
        if saved:
            self.offer_case(saved[0].id, saved[0].name, saved[0].category_code)

    def offer_case(self, person_id: str, name: str, category_code: str | None) -> None:
        """A PPKS of a category of an SPM group (identified through outreach) may get a case at
        once: "teridentifikasi, belum diasesmen" until the needs assessment is done."""
        from spm_desktop.core.domain.groups import CASE_GROUPS, SPM_GROUP_SHORT

        group = next((c.spm_group for c in self.ctx.categories() if c.code == category_code), None)
        if group not in CASE_GROUPS or not self.ctx.can("case.write"):
            return
        answer = QMessageBox.question(
            self, "Buka kasus?",
            f"{name} termasuk kelompok SPM {SPM_GROUP_SHORT[group]}. Buka kasus sekarang (teridentifikasi, "
            "belum diasesmen)? Asesmen kebutuhan dapat dicatat kemudian di halaman Kasus.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            return
        window = self.window()
        if hasattr(window, "show_page") and "kasus" in [e.name for e in window.pages]:
            window.show_page("kasus").start_for_person(person_id, name, group=group, assessment="later")

    @Slot(str)
    def edit_person(self, person_id: str | None) -> None:
        if not person_id or not self.ctx.can("person.write"):
            return
        # Refused before the form opens (double-click, Enter) for a person the user may not change.
        self.ctx.runner.submit(person_to_edit, self.ctx.db, self.ctx.actor, person_id, on_done=self._edit_loaded,
                               parent=self)

    @Slot(object)
    def _edit_loaded(self, person) -> None:
        self._show_after_dialog(PersonDialog.ask(self, self.ctx, person))

    def _show_after_dialog(self, person_id: str | None) -> None:
        if person_id is None:
            return
        self.show_person(person_id)

    def show_person(self, person_id: str) -> None:
        """Select ``person_id`` in the list (reloading it) and show their page."""
        self._pending_select = person_id
        self.model.reload()
        self.panel.show_person(person_id)

    def ask_export_path(self) -> str:
        path = ask_save_file(self, "Ekspor daftar penerima layanan", self.ctx.data_dir / "penerima-layanan.xlsx",
                             "Excel (*.xlsx)")
        return str(path) if path else ""

    @Slot()
    def export_list(self) -> None:
        target = self.ask_export_path()
        if not target:
            return
        self.ctx.runner.submit(export_person_list, self.ctx.db, self.ctx.actor, target, self.query(), parent=self,
                               on_done=lambda n: show_info(self, f"{number(n)} penerima layanan diekspor ke {target}."))

    @Slot()
    def review_duplicates(self) -> None:
        chosen = DuplicatesDialog.ask(self, self.ctx)
        self.model.reload()
        if chosen:
            self.show_person(chosen)
