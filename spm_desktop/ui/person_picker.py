"""Choosing a person by typing: part of the name or a NIK, results below, Enter picks.

Keyboard-first: type, press Down to move into the results, Enter (or double click) to
choose. Choosing only chooses: the Enter that picks a person never reaches the page. The
search runs on the runner (``search_persons``, best matches first).
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from spm_desktop.core.services.person_search import PersonRow, search_persons
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.models.persons import birth_text

SEARCH_DELAY_MS = 150
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def person_line(p: PersonRow) -> str:
    born = birth_text(p.birth_date, p.birth_year, p.birth_year_estimated)
    bits = [p.sex, f"lahir {born}" if born else "", f"NIK {p.nik}" if p.nik else "NIK belum diketahui",
            p.kelurahan_name]
    return f"{p.name}{f' ({p.alias})' if p.alias else ''} — " + ", ".join(b for b in bits if b)


class PersonPicker(QWidget):
    chosen = Signal(str, str)  # person id, name

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person_id: str | None = None
        self.person_name = ""
        self._generation = 0
        self.edit = QLineEdit()
        self.edit.setObjectName("personPickerEdit")
        self.edit.setPlaceholderText("Ketik nama atau NIK, lalu ↓ dan Enter")
        self.edit.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setObjectName("personPickerResults")
        self.results.setMaximumHeight(self.fontMetrics().lineSpacing() * 7)
        self.results.setVisible(False)
        self.selected = QLabel("Belum ada orang dipilih.")
        self.selected.setObjectName("personPickerChosen")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.results)
        layout.addWidget(self.selected)
        self.setFocusProxy(self.edit)
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.edit.textEdited.connect(self._timer.start)
        self.edit.installEventFilter(self)
        self.results.installEventFilter(self)
        self.results.itemActivated.connect(self._activated)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        # Enter in the results only picks the person: the key must not travel on to the page
        # (a list view passes Enter on after activating, and a page may save on Enter).
        if watched is self.results and event.type() == QEvent.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.results.currentItem() or self.results.item(0)
            if item is not None:
                self._activated(item)
            return True
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Down and self.results.count():
                self.results.setFocus()
                self.results.setCurrentRow(0)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.results.count() and \
                    self.person_id is None:
                self.results.setCurrentRow(0)
                self._activated(self.results.item(0))
                return True
        return super().eventFilter(watched, event)

    @Slot()
    def search_now(self) -> None:
        self._timer.stop()
        self._generation += 1
        text = self.edit.text()
        if self.person_id is not None and text == self.person_name:
            return
        self.person_id = None
        if not text.strip():
            self._show([], self._generation)
            return
        self.ctx.runner.submit(search_persons, self.ctx.db, self.ctx.actor, text,
                               on_done=partial(self._show_results, self._generation))

    def _show_results(self, generation: int, rows: list[PersonRow]) -> None:
        self._show(rows, generation)

    def _show(self, rows: list[PersonRow], generation: int) -> None:
        if generation != self._generation:
            return
        self.results.clear()
        for row in rows:
            item = QListWidgetItem(person_line(row))
            item.setData(ID_ROLE, row.id)
            item.setData(Qt.ItemDataRole.UserRole, row.name)
            self.results.addItem(item)
        self.results.setVisible(bool(rows))
        if not rows and self.edit.text().strip():
            self.selected.setText("Tidak ditemukan. Daftarkan dulu di halaman Penerima Layanan.")

    @Slot(QListWidgetItem)
    def _activated(self, item: QListWidgetItem) -> None:
        self.choose(item.data(ID_ROLE), item.data(Qt.ItemDataRole.UserRole), item.text())

    def choose(self, person_id: str, name: str, description: str = "") -> None:
        """Select a person (also used by other pages: "Catat layanan" from a person's page)."""
        self.person_id, self.person_name = person_id, name
        self.edit.setText(name)
        self.results.clear()
        self.results.setVisible(False)
        self.selected.setText(f"Dipilih: {description or name}")
        self.chosen.emit(person_id, name)

    def clear(self) -> None:
        self.person_id, self.person_name = None, ""
        self.edit.clear()
        self.results.clear()
        self.results.setVisible(False)
        self.selected.setText("Belum ada orang dipilih.")
