"""Makan Harian: today's residents of a shelter, a check box each, one button records the
day's meals for everyone ticked. Residents already fed that day are shown and not ticked;
recording twice adds nothing."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.services.cases import SHELTER_UNITS
from spm_desktop.core.services.events import MealsResult, Resident, record_shelter_meals, shelter_residents
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.errors import user_message
from spm_desktop.ui.models.table import Column, RecordTableModel, record_view
from spm_desktop.ui.widgets import DateEdit, MessageLabel, fill_combo, hbox, select_data, shortcut

RESIDENT_COLUMNS = (
    Column("Nama", lambda r: r.name),
    Column("Masuk", lambda r: short_date(r.intake_date)),
    Column("Makan hari ini", lambda r: "sudah dicatat" if r.meals_recorded else "belum"),
)


class Page(QWidget):
    TITLE = "Makan Harian"
    PERMISSION = "event.write"
    ORDER = 50

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._generation = 0
        self.unit = QComboBox()
        fill_combo(self.unit, [(f"Rumah singgah {u}", u) for u in SHELTER_UNITS])
        select_data(self.unit, ctx.actor.unit if ctx.actor.unit in SHELTER_UNITS else ctx.recall("meals/unit"))
        self.day = DateEdit()
        self.per_day = QSpinBox()
        self.per_day.setRange(1, ctx.settings().meals_max_per_day)
        self.per_day.setValue(ctx.settings().meals_max_per_day)
        self.per_day.setSuffix(" kali makan")
        self.residents = RecordTableModel(RESIDENT_COLUMNS, self, checkable=True)
        self.view = record_view(self.residents)
        self.view.setObjectName("residentTable")
        self.all_button = QPushButton("Centang &semua yang belum")
        self.none_button = QPushButton("&Kosongkan centang")
        self.record_button = QPushButton()
        self.record_button.setObjectName("recordMeals")
        self.record_button.setDefault(True)
        self.summary = QLabel()
        self.message = MessageLabel()

        layout = QVBoxLayout(self)
        layout.addLayout(hbox("Unit:", self.unit, "Tanggal:", self.day, "Per orang:", self.per_day, None))
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addLayout(hbox(self.all_button, self.none_button, None, self.record_button))
        layout.addWidget(self.message)

        self.unit.currentIndexChanged.connect(self.reload)
        self.day.dateChanged.connect(self.reload)
        self.residents.checks_changed.connect(self._update_button)
        self.all_button.clicked.connect(self.tick_unfed)
        self.none_button.clicked.connect(self.untick_all)
        self.record_button.clicked.connect(self.record)
        self.record_button.setEnabled(False)
        shortcut(self, QKeySequence.StandardKey.Save, self.record)
        self._update_button()
        self.reload()

    @Slot()
    def reload(self) -> None:
        self._generation += 1
        self.ctx.remember("meals/unit", self.unit.currentData())
        self.ctx.runner.submit(shelter_residents, self.ctx.db, self.ctx.actor, self.unit.currentData(),
                               self.day.value(), on_done=partial(self._loaded, self._generation), parent=self)

    def refresh(self) -> None:
        self.reload()

    def _loaded(self, generation: int, residents: list[Resident]) -> None:
        if generation != self._generation:
            return
        self.residents.set_records(residents, checked=lambda r: not r.meals_recorded)
        self.view.resizeColumnsToContents()
        fed = sum(1 for r in residents if r.meals_recorded)
        self.summary.setText(f"{len(residents)} penghuni pada {short_date(self.day.value())}; "
                             f"makan sudah dicatat untuk {fed}, belum untuk {len(residents) - fed}.")

    @Slot()
    def _update_button(self) -> None:
        ticked = [r for r in self.residents.checked_records() if not r.meals_recorded]
        self.record_button.setText(f"&Catat makan untuk {len(ticked)} orang yang dicentang")
        self.record_button.setEnabled(bool(ticked) and self.ctx.can("event.write"))

    @Slot()
    def tick_unfed(self) -> None:
        self.residents.set_records(self.residents.records, checked=lambda r: not r.meals_recorded)

    @Slot()
    def untick_all(self) -> None:
        self.residents.set_all_checked(False)

    @Slot()
    def record(self) -> None:
        ids = [r.person_id for r in self.residents.checked_records() if not r.meals_recorded]
        if not ids:
            self.message.problem("Tidak ada penghuni yang dicentang dan belum dicatat makannya.")
            return
        self.record_button.setEnabled(False)
        self.ctx.runner.submit(record_shelter_meals, self.ctx.db, self.ctx.actor, self.unit.currentData(),
                               self.day.value(), self.per_day.value(), person_ids=ids,
                               on_done=self._recorded, on_error=self._refused)

    @Slot(object)
    def _recorded(self, result: MealsResult) -> None:
        text = f"Makan {short_date(result.on)} dicatat untuk {result.created} orang."
        if result.already:
            text += f" {result.already} orang sudah dicatat sebelumnya (tidak dicatat dua kali)."
        self.message.fine(text)
        self.reload()

    @Slot(object)
    def _refused(self, error: BaseException) -> None:
        self.message.problem(user_message(error))
        self._update_button()
