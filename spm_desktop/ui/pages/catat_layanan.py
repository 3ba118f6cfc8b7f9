"""Catat Layanan: quick, keyboard-first entry of services.

Type a name or NIK, Down + Enter picks the person (and only picks: nothing is saved); the
service type, date (today by default), unit, the person's case (loaded in the background;
"(tanpa kasus)" is an explicit choice) and the type's detail fields follow in tab order.
Enter (or Ctrl+S) outside the person field saves a complete form, once the person's cases
have loaded; the form stays for the next person with the same service, date and unit. The last unit and
service are remembered on this computer.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.groups import UNITS
from spm_desktop.core.security.scope import scope_of
from spm_desktop.core.services.cases import CaseInfo, list_cases
from spm_desktop.core.services.events import EventDraft, EventInfo, RepeatedServiceError, record_event
from spm_desktop.core.services.master_lists import ServiceForm
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.detail_fields import DetailFieldsForm
from spm_desktop.ui.errors import confirm, user_message
from spm_desktop.ui.models.table import Column, RecordTableModel, record_view
from spm_desktop.ui.person_picker import PersonPicker
from spm_desktop.ui.tab_order import set_tab_order
from spm_desktop.ui.widgets import (
    DateEdit,
    MessageLabel,
    compact_combo,
    fill_combo,
    fill_grouped_combo,
    select_data,
    shortcut,
)

RECENT_COLUMNS = (
    Column("Dicatat", lambda r: r[0]),
    Column("Nama", lambda r: r[1].person_name),
    Column("Layanan", lambda r: r[1].service_name),
    Column("Tanggal", lambda r: short_date(r[1].event_date)),
    Column("Rincian", lambda r: r[1].summary),
)
NO_CASE = "(tanpa kasus)"
# Headings of the service list: the programs staff know, in this order (catalogue order within).
SERVICE_GROUPS = (("Rehabilitasi sosial", ("rehab_dasar", "pmks_lainnya")), ("Bencana", ("bencana", "tagana")))
OTHER_SERVICES = "Lainnya"


def service_groups(forms: list[ServiceForm]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The service types under their program's heading, each with its code visible."""
    def entries(keep) -> list[tuple[str, str]]:
        return [(f"{f.name} ({f.code})", f.code) for f in forms if keep(f.program)]

    known = {p for _, programs in SERVICE_GROUPS for p in programs}
    return [(title, entries(lambda p, ps=programs: p in ps)) for title, programs in SERVICE_GROUPS] + \
        [(OTHER_SERVICES, entries(lambda p: p not in known))]
LOADING_CASES = "(memuat kasus…)"


class Page(QWidget):
    TITLE = "Catat Layanan"
    PERMISSION = "event.write"
    ORDER = 40

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._saving = False
        self._cases_for: str | None = None  # the person whose cases the case list shows
        self.person = PersonPicker(ctx)
        self.person.chosen.connect(self._person_chosen)
        self.service = compact_combo(QComboBox(), 40)
        self.service.setObjectName("serviceType")
        fill_grouped_combo(self.service, service_groups(ctx.service_forms()))
        last_code = ctx.recall("service/last_code")
        if last_code and self.service.findData(last_code) >= 0:
            select_data(self.service, last_code)
        self.event_date = DateEdit()
        self.unit = compact_combo(QComboBox())
        own_unit = scope_of(ctx.actor).unit  # a petugas or TKSK records for its own unit only
        fill_combo(self.unit, [(label, code) for code, label in UNITS.items() if not own_unit or code == own_unit])
        select_data(self.unit, ctx.recall("service/last_unit", ctx.actor.unit or "UPRS"))
        self.case = compact_combo(QComboBox(), 30)
        self.case.addItem(NO_CASE, None)
        self.quantity = QSpinBox()
        self.quantity.setRange(1, 100_000)
        self.details = DetailFieldsForm()
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(self.fontMetrics().lineSpacing() * 3)
        self.save_button = QPushButton("&Simpan (Enter)")
        self.save_button.setObjectName("saveService")
        self.save_button.clicked.connect(self.save)
        self.message = MessageLabel()
        self.message.setObjectName("serviceMessage")
        self.recent = RecordTableModel(RECENT_COLUMNS, self)
        self.recent_view = record_view(self.recent)

        form = QFormLayout()
        form.addRow("&Penerima layanan:", self.person)
        form.addRow("&Jenis layanan:", self.service)
        form.addRow("&Tanggal:", self.event_date)
        form.addRow("&Unit:", self.unit)
        form.addRow("&Kasus:", self.case)
        form.addRow("Jum&lah:", self.quantity)
        detail_box = QGroupBox("Rincian layanan")
        QVBoxLayout(detail_box).addWidget(self.details)
        form.addRow(detail_box)
        form.addRow("&Catatan:", self.notes)
        save_row = QHBoxLayout()
        save_row.addWidget(self.message, 1)
        save_row.addWidget(self.save_button)
        recent_box = QGroupBox("Dicatat pada sesi ini")
        QVBoxLayout(recent_box).addWidget(self.recent_view)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(save_row)
        layout.addWidget(recent_box, 1)
        hint = QLabel("Enter = simpan dan lanjut ke orang berikutnya · Ctrl+F = cari orang · Ctrl+S = simpan")
        hint.setStyleSheet("color: #555;")
        layout.addWidget(hint)

        self.service.currentIndexChanged.connect(self._service_changed)
        shortcut(self, QKeySequence.StandardKey.Save, self.save)
        shortcut(self, QKeySequence.StandardKey.Find, self.focus_person)
        self._service_changed()

    # --- form ---------------------------------------------------------------------------
    def form_for(self, code: str | None):
        return next((f for f in self.ctx.service_forms() if f.code == code), None)

    @Slot()
    def _service_changed(self) -> None:
        form = self.form_for(self.service.currentData())
        self.details.set_fields(form.fields if form else ())
        set_tab_order(self)  # the new detail fields come right after Jumlah, before Catatan

    def refresh(self) -> None:
        if not self.person.person_id:
            self.person.setFocus()

    @Slot()
    def focus_person(self) -> None:
        self.person.edit.setFocus()
        self.person.edit.selectAll()

    def choose_person(self, person_id: str, name: str) -> None:
        """Preselect a person (from the person's page)."""
        self.person.choose(person_id, name)

    @Slot(str, str)
    def _person_chosen(self, person_id: str, name: str) -> None:
        self._cases_for = None
        self.case.clear()
        self.case.addItem(LOADING_CASES, None)
        self.case.setEnabled(False)
        self.service.setFocus()
        self.ctx.runner.submit(list_cases, self.ctx.db, self.ctx.actor, person_id, False,
                               on_done=partial(self._cases_loaded, person_id), on_error=self._cases_refused)

    @Slot(object)
    def _cases_refused(self, error: BaseException) -> None:
        self.message.problem(user_message(error))

    def _cases_loaded(self, person_id: str, cases: list[CaseInfo]) -> None:
        if person_id != self.person.person_id:
            return
        self._cases_for = person_id
        self.case.setEnabled(True)
        self.case.clear()
        self.case.addItem(NO_CASE, None)
        for c in cases:
            self.case.addItem(f"{c.spm_group_label} — {c.unit}, masuk {short_date(c.intake_date)}", c.id)
        if cases:
            self.case.setCurrentIndex(1)

    def draft(self) -> EventDraft:
        return EventDraft(person_id=self.person.person_id or "", service_code=self.service.currentData(),
                          event_date=self.event_date.value(), quantity=self.quantity.value(),
                          details=self.details.values(), case_id=self.case.currentData(),
                          unit=self.unit.currentData() or "", notes=self.notes.toPlainText())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.notes.hasFocus():
            if self.person.isAncestorOf(self.focusWidget()):
                # Enter in the person field chooses a person, never saves: move on instead.
                if self.person.person_id:
                    self.service.setFocus()
                return
            self.save()
            return
        super().keyPressEvent(event)

    # --- saving -------------------------------------------------------------------------
    @Slot()
    def save(self) -> None:
        if self._saving:
            return
        if not self.person.person_id:
            self.message.problem("Pilih dulu penerima layanan: ketik nama atau NIK, tekan ↓ lalu Enter.")
            self.focus_person()
            return
        if self._cases_for != self.person.person_id:
            self.message.problem("Tunggu sebentar: kasus orang ini sedang dimuat, lalu periksa pilihan Kasus.")
            return
        self._saving = True
        self.message.fine("Menyimpan…")
        self.ctx.remember("service/last_code", self.service.currentData())
        self.ctx.remember("service/last_unit", self.unit.currentData())
        self._submit(self.draft(), ask_on_repeat=True)

    def _submit(self, draft: EventDraft, ask_on_repeat: bool) -> None:
        self.ctx.runner.submit(record_event, self.ctx.db, self.ctx.actor, draft, ask_on_repeat=ask_on_repeat,
                               on_done=self._saved, on_error=partial(self._refused, draft))

    @Slot(object)
    def _saved(self, event: EventInfo) -> None:
        self._saving = False
        saved = (f"Tersimpan: {event.service_name} untuk {event.person_name}, "
                 f"{short_date(event.event_date)}.")
        if event.not_counted:
            self.message.problem(f"{saved} {event.not_counted}")
        else:
            self.message.fine(f"{saved} Lanjut ke orang berikutnya.")
        self.recent.set_records([(clock.now().strftime("%H:%M"), event), *self.recent.records])
        self.person.clear()
        self._cases_for = None
        self.case.clear()
        self.case.addItem(NO_CASE, None)
        self.quantity.setValue(1)
        self.notes.clear()
        self.focus_person()

    def _refused(self, draft: EventDraft, error: BaseException) -> None:
        if isinstance(error, RepeatedServiceError):
            if confirm(self, error.message, "Layanan yang sama hari ini"):
                self._submit(draft, ask_on_repeat=False)
                return
            self._saving = False
            self.message.problem("Tidak disimpan: layanan ini sudah tercatat untuk orang ini pada hari itu.")
            return
        self._saving = False
        self.message.problem(user_message(error))

    def has_unsaved_changes(self) -> bool:
        return bool(self.person.person_id) and not self._saving
