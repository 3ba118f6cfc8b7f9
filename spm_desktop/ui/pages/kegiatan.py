"""Kegiatan Kelompok: group activities (bimbingan sosial kepada keluarga dan masyarakat,
Tagana) and, on a second tab, the office's volunteer roster (relawan).

Keyboard use: Ctrl+N starts a new activity (or volunteer, on the roster tab), Ctrl+S saves,
the PPKS picker takes a name or NIK (↓, Enter adds the person), the volunteer box completes a
name and Enter adds them; Delete removes the selected entry from a list. Both tabs put the
list beside a scrollable form, so they fit a 1366×768 screen.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.groups import SEXES
from spm_desktop.core.services.activities import (
    ActivityInfo,
    ActivityInput,
    delete_activity,
    list_activities,
    record_activity,
    update_activity,
)
from spm_desktop.core.services.volunteers import (
    VolunteerInfo,
    VolunteerInput,
    delete_volunteer,
    list_volunteers,
    register_volunteer,
    update_volunteer,
)
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.errors import confirm, user_message
from spm_desktop.ui.models.table import Column, RecordTableModel, record_view
from spm_desktop.ui.person_picker import PersonPicker
from spm_desktop.ui.widgets import DateEdit, MessageLabel, RegionPicker, compact_combo, fill_combo, shortcut

ID_ROLE = Qt.ItemDataRole.UserRole
MAX_PARTICIPANTS = 100_000

ACTIVITY_COLUMNS = (
    Column("Tanggal", lambda a: short_date(a.activity_date)),
    Column("Layanan", lambda a: a.service_code[-4:], tooltip=lambda a: f"{a.service_code} {a.service_name}"),
    Column("Kelurahan", lambda a: a.kelurahan_name or "–"),
    Column("L", lambda a: str(a.participants_male)),
    Column("P", lambda a: str(a.participants_female)),
    Column("Peserta", lambda a: str(a.participants)),
    Column("PPKS", lambda a: str(len(a.persons))),
    Column("Relawan", lambda a: str(len(a.volunteers))),
    Column("Fasilitator", lambda a: a.facilitator),
)
VOLUNTEER_COLUMNS = (
    Column("Nama", lambda v: v.name),
    Column("JK", lambda v: v.sex),
    Column("NIK", lambda v: v.nik or "–"),
    Column("Organisasi", lambda v: v.organisation),
    Column("Telepon", lambda v: v.phone),
    Column("Status", lambda v: "aktif" if v.active else "tidak aktif"),
    Column("Kegiatan", lambda v: str(v.activities)),
)


def _scrolling(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


def _list_panel(bar: QHBoxLayout, summary: QLabel, view: QWidget) -> QWidget:
    """A tab's left side: its filter bar, the summary line and the list."""
    left = QWidget()
    layout = QVBoxLayout(left)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addLayout(bar)
    layout.addWidget(summary)
    layout.addWidget(view, 1)
    return left


def _list_and_editor(page: QWidget, left: QWidget, parts: tuple[QWidget | QLayout, ...],
                     buttons: tuple[QPushButton, QPushButton, QPushButton], message: QLabel,
                     stretch: tuple[int, int]) -> None:
    """A tab's layout: the list on the left; on the right, scrolling, the editor's ``parts``,
    then its buttons (new … delete, save) and its message."""
    new, delete, save = buttons
    row = QHBoxLayout()
    row.addWidget(new)
    row.addStretch(1)
    row.addWidget(delete)
    row.addWidget(save)
    right = QWidget()
    right_layout = QVBoxLayout(right)
    for part in parts:
        if isinstance(part, QLayout):
            right_layout.addLayout(part)
        else:
            right_layout.addWidget(part)
    right_layout.addLayout(row)
    right_layout.addWidget(message)
    right_layout.addStretch(1)
    splitter = QSplitter()
    splitter.addWidget(left)
    splitter.addWidget(_scrolling(right))
    splitter.setStretchFactor(0, stretch[0])
    splitter.setStretchFactor(1, stretch[1])
    splitter.setChildrenCollapsible(False)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(splitter)


def _list_item(text: str, item_id: str) -> QListWidgetItem:
    item = QListWidgetItem(text)
    item.setData(ID_ROLE, item_id)
    return item


def _ids(widget: QListWidget) -> tuple[str, ...]:
    return tuple(widget.item(i).data(ID_ROLE) for i in range(widget.count()))


class _EditorTab(QWidget):
    """A list of records beside the form of the selected (or a new) one: what both tabs share.
    A tab sets ``view``, ``model``, ``message``, ``save_button`` and implements ``_fill``."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.editing = None
        self._generation = 0

    def _start_new(self, first_field: QWidget) -> None:
        self.view.clearSelection()
        self._fill(None)
        self.message.fine("")
        first_field.setFocus()

    def _row_changed(self, current, _previous) -> None:
        record = self.model.record(current.row()) if current.isValid() else None
        if record is not None and (self.editing is None or record.id != self.editing.id):
            self._fill(record)
            self.message.fine("")

    def _reselect(self, rows: list, current: str | None) -> None:
        """The record being edited selected again in the reloaded list."""
        row = next((i for i, r in enumerate(rows) if r.id == current), None) if current is not None else None
        if row is not None:
            self.view.selectRow(row)

    def _submit_save(self, create, update, draft) -> None:
        """``create(db, actor, draft)`` for a new record, ``update(db, actor, id, draft)`` else."""
        self.save_button.setEnabled(False)
        if self.editing is None:
            self.ctx.runner.submit(create, self.ctx.db, self.ctx.actor, draft, on_done=self._saved,
                                   on_error=self._refused, parent=self)
        else:
            self.ctx.runner.submit(update, self.ctx.db, self.ctx.actor, self.editing.id, draft,
                                   on_done=self._saved, on_error=self._refused, parent=self)

    def _submit_delete(self, question: str, delete) -> None:
        if self.editing is None or not confirm(self, question):
            return
        self.ctx.runner.submit(delete, self.ctx.db, self.ctx.actor, self.editing.id,
                               on_done=self._deleted, on_error=self._refused, parent=self)

    def _refused(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.message.problem(user_message(error))


class ActivitiesTab(_EditorTab):
    """The activities of a year beside the form of the selected (or a new) activity."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.editing: ActivityInfo | None = None
        self._dirty = False
        self.types = ctx.activity_types()
        self.rules = {t.code: t.counting_rule for t in self.types}
        self.volunteers: list[VolunteerInfo] = []
        writable = ctx.can("activity.write")

        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(clock.today().year)
        self.year.setAccessibleName("Tahun")
        self.filter = compact_combo(QComboBox(), 24)
        fill_combo(self.filter, [(f"{t.name} ({t.code})", t.code) for t in self.types], "Semua kegiatan")
        self.summary = QLabel()
        self.model = RecordTableModel(ACTIVITY_COLUMNS, self)
        self.view = record_view(self.model, stretch=len(ACTIVITY_COLUMNS) - 1)
        self.view.setObjectName("activityTable")

        self.service = compact_combo(QComboBox(), 24)
        self.service.setObjectName("activityService")
        fill_combo(self.service, [(f"{t.name} ({t.code})", t.code) for t in self.types])
        self.day = DateEdit()
        self.region = RegionPicker(ctx.regions())
        self.male = QSpinBox()
        self.female = QSpinBox()
        for spin, name in ((self.male, "participantsMale"), (self.female, "participantsFemale")):
            spin.setRange(0, MAX_PARTICIPANTS)
            spin.setObjectName(name)
        self.total = QLabel()
        self.facilitator = QLineEdit()
        self.facilitator.setObjectName("activityFacilitator")
        self.notes = QLineEdit()
        self.person = PersonPicker(ctx)
        self.persons = QListWidget()
        self.persons.setObjectName("activityPersons")
        self.remove_person = QPushButton("Hapus PPKS terpilih")
        self.volunteer = QComboBox()
        self.volunteer.setObjectName("activityVolunteerChoice")
        self.volunteer.setEditable(True)
        self.volunteer.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.volunteer.lineEdit().setPlaceholderText("Ketik nama relawan, lalu Enter")
        self.add_volunteer = QPushButton("Tambah relawan")
        self.volunteer_list = QListWidget()
        self.volunteer_list.setObjectName("activityVolunteers")
        self.remove_volunteer = QPushButton("Hapus relawan terpilih")
        for widget in (self.persons, self.volunteer_list):
            widget.setMaximumHeight(self.fontMetrics().lineSpacing() * 6)
        self.new_button = QPushButton("Kegiatan &baru")
        self.save_button = QPushButton("&Simpan kegiatan")
        self.save_button.setObjectName("saveActivity")
        self.delete_button = QPushButton("Hapus kegiatan")
        self.message = MessageLabel()
        self.message.setObjectName("activityMessage")
        self.form_title = QLabel()
        self.form_title.setStyleSheet("font-weight: bold;")

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Tahun:"))
        bar.addWidget(self.year)
        bar.addWidget(self.filter, 1)
        left = _list_panel(bar, self.summary, self.view)

        form = QFormLayout()
        form.addRow("Jenis layanan:", self.service)
        form.addRow("Tanggal:", self.day)
        form.addRow("Kecamatan, kelurahan:", self.region)
        counts = QHBoxLayout()
        counts.addWidget(QLabel("L"))
        counts.addWidget(self.male)
        counts.addWidget(QLabel("P"))
        counts.addWidget(self.female)
        counts.addWidget(self.total, 1)
        form.addRow("Peserta hadir:", counts)
        form.addRow("Fasilitator:", self.facilitator)
        form.addRow("Keterangan:", self.notes)
        self.persons_box = QGroupBox("PPKS yang keluarganya ikut (kebutuhan bimbingan sosial keluarga terpenuhi)")
        persons_layout = QVBoxLayout(self.persons_box)
        persons_layout.addWidget(self.person)
        persons_layout.addWidget(self.persons)
        persons_layout.addWidget(self.remove_person, 0, Qt.AlignmentFlag.AlignLeft)
        volunteers_box = QGroupBox("Relawan yang ikut (dari daftar relawan)")
        volunteers_layout = QVBoxLayout(volunteers_box)
        pick = QHBoxLayout()
        pick.addWidget(self.volunteer, 1)
        pick.addWidget(self.add_volunteer)
        volunteers_layout.addLayout(pick)
        volunteers_layout.addWidget(self.volunteer_list)
        volunteers_layout.addWidget(self.remove_volunteer, 0, Qt.AlignmentFlag.AlignLeft)
        _list_and_editor(self, left, (self.form_title, form, self.persons_box, volunteers_box),
                         (self.new_button, self.delete_button, self.save_button), self.message, (1, 1))

        for widget in (self.save_button, self.delete_button, self.new_button, self.add_volunteer,
                       self.remove_person, self.remove_volunteer):
            widget.setEnabled(writable)
        self.year.valueChanged.connect(self.reload)
        self.filter.currentIndexChanged.connect(self.reload)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self.service.currentIndexChanged.connect(self._service_changed)
        self.male.valueChanged.connect(self._count_changed)
        self.female.valueChanged.connect(self._count_changed)
        for edit in (self.facilitator, self.notes):
            edit.textEdited.connect(self._touched)
        self.person.chosen.connect(self._person_chosen)
        self.add_volunteer.clicked.connect(self.add_chosen_volunteer)
        self.volunteer.lineEdit().returnPressed.connect(self.add_chosen_volunteer)
        self.remove_person.clicked.connect(partial(self._remove_selected, self.persons))
        self.remove_volunteer.clicked.connect(partial(self._remove_selected, self.volunteer_list))
        shortcut(self.persons, QKeySequence.StandardKey.Delete, partial(self._remove_selected, self.persons))
        shortcut(self.volunteer_list, QKeySequence.StandardKey.Delete,
                 partial(self._remove_selected, self.volunteer_list))
        self.new_button.clicked.connect(self.new_activity)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete)
        self.new_activity()

    # --- loading ------------------------------------------------------------------------
    @Slot()
    def reload(self) -> None:
        self._generation += 1
        self.ctx.runner.submit(list_activities, self.ctx.db, self.ctx.actor, self.year.value(),
                               self.filter.currentData(), on_done=partial(self._loaded, self._generation),
                               parent=self)
        self.ctx.runner.submit(list_volunteers, self.ctx.db, self.ctx.actor, on_done=self._volunteers_loaded,
                               parent=self)

    def _loaded(self, generation: int, rows: list[ActivityInfo]) -> None:
        if generation != self._generation:
            return
        current = self.editing.id if self.editing else None
        self.model.set_records(rows)
        attendances = sum(a.participants for a in rows)
        self.summary.setText(f"{len(rows)} kegiatan, {attendances} kehadiran peserta pada tahun {self.year.value()}.")
        self._reselect(rows, current)

    def _volunteers_loaded(self, rows: list[VolunteerInfo]) -> None:
        self.volunteers = rows
        listed = set(_ids(self.volunteer_list))
        items = [(f"{v.name} ({v.organisation})" + ("" if v.active else " — tidak aktif"), v.id)
                 for v in rows if v.active or v.id in listed]
        self.volunteer.blockSignals(True)
        self.volunteer.clear()
        for label, vid in items:
            self.volunteer.addItem(label, vid)
        self.volunteer.setCurrentIndex(-1)
        self.volunteer.blockSignals(False)

    # --- the form -------------------------------------------------------------------------
    def _fill(self, a: ActivityInfo | None) -> None:
        self.editing = a
        index = self.service.findData(a.service_code if a else self.ctx.recall("activities/service"))
        self.service.setCurrentIndex(max(index, 0))
        self.day.set_value(a.activity_date if a else clock.today())
        self.region.set_kelurahan(a.kelurahan_code if a else self.ctx.recall("activities/kelurahan"))
        self.male.setValue(a.participants_male if a else 0)
        self.female.setValue(a.participants_female if a else 0)
        self.facilitator.setText(a.facilitator if a else "")
        self.notes.setText(a.notes if a else "")
        self.person.clear()
        self.persons.clear()
        self.volunteer_list.clear()
        for p in (a.persons if a else ()):
            self.persons.addItem(_list_item(f"{p.name}{f' — NIK {p.detail}' if p.detail else ''}", p.id))
        for v in (a.volunteers if a else ()):
            self.volunteer_list.addItem(_list_item(f"{v.name} ({v.detail})", v.id))
        self.form_title.setText(f"Kegiatan {short_date(a.activity_date)}" if a else "Kegiatan baru")
        self.delete_button.setEnabled(a is not None and self.ctx.can("activity.write"))
        self._service_changed()
        self._count_changed()
        self._dirty = False

    @Slot()
    def new_activity(self) -> None:
        self._start_new(self.service)

    @Slot()
    def _service_changed(self) -> None:
        tagana = self.rules.get(self.service.currentData()) == "named_participants"
        self.persons_box.setEnabled(not tagana)
        self.persons_box.setToolTip("Kegiatan Tagana mencantumkan relawan, bukan PPKS." if tagana else "")
        self._dirty = True

    @Slot()
    def _count_changed(self) -> None:
        self.total.setText(f"jumlah {self.male.value() + self.female.value()} orang (kehadiran)")
        self._dirty = True

    @Slot()
    def _touched(self) -> None:
        self._dirty = True

    @Slot(str, str)
    def _person_chosen(self, person_id: str, name: str) -> None:
        if person_id not in _ids(self.persons):
            self.persons.addItem(_list_item(name, person_id))
            self._dirty = True
        self.person.clear()
        self.person.setFocus()

    @Slot()
    def add_chosen_volunteer(self) -> None:
        text = self.volunteer.currentText().strip()
        index = self.volunteer.findText(text, Qt.MatchFlag.MatchStartsWith | Qt.MatchFlag.MatchFixedString) \
            if text else self.volunteer.currentIndex()
        if index < 0:
            self.message.problem(f"Relawan '{text}' tidak ada di daftar relawan; tambahkan dulu di tab Daftar Relawan.")
            return
        vid = self.volunteer.itemData(index)
        if vid not in _ids(self.volunteer_list):
            self.volunteer_list.addItem(_list_item(self.volunteer.itemText(index), vid))
            self._dirty = True
        self.volunteer.setCurrentIndex(-1)
        self.volunteer.clearEditText()
        self.message.fine("")

    def _remove_selected(self, widget: QListWidget) -> None:
        row = widget.currentRow()
        if row >= 0:
            widget.takeItem(row)
            self._dirty = True

    def draft(self) -> ActivityInput:
        return ActivityInput(
            service_code=self.service.currentData() or "", activity_date=self.day.value(),
            kelurahan_code=self.region.kelurahan_code() or "", participants_male=self.male.value(),
            participants_female=self.female.value(), facilitator=self.facilitator.text(), notes=self.notes.text(),
            person_ids=_ids(self.persons), volunteer_ids=_ids(self.volunteer_list))

    @Slot()
    def save(self) -> None:
        if self.ctx.can("activity.write"):
            self._submit_save(record_activity, update_activity, self.draft())

    def _saved(self, info: ActivityInfo) -> None:
        self.save_button.setEnabled(True)
        self.ctx.remember("activities/service", info.service_code)
        self.ctx.remember("activities/kelurahan", info.kelurahan_code)
        self.editing = info
        self._fill(info)
        self.message.fine(f"Kegiatan {short_date(info.activity_date)} tersimpan: {info.participants} peserta, "
                          f"{len(info.persons)} PPKS, {len(info.volunteers)} relawan.")
        if info.activity_date.year != self.year.value():
            self.year.setValue(info.activity_date.year)
        else:
            self.reload()

    @Slot()
    def delete(self) -> None:
        self._submit_delete("Hapus kegiatan ini? Jumlah peserta dan daftar PPKS/relawannya tidak dihitung lagi.",
                            delete_activity)

    def _deleted(self, _result) -> None:
        self.new_activity()
        self.message.fine("Kegiatan dihapus.")
        self.reload()

    def has_unsaved_changes(self) -> bool:
        return self._dirty and self.ctx.can("activity.write") and (
            self.editing is not None or bool(self.male.value() or self.female.value() or self.persons.count()
                                              or self.volunteer_list.count() or self.facilitator.text()))


class RosterTab(_EditorTab):
    """The volunteer roster: search, list, and the form of the selected (or a new) volunteer."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.editing: VolunteerInfo | None = None
        writable = ctx.can("volunteer.write")
        self.search = QLineEdit()
        self.search.setObjectName("volunteerSearch")
        self.search.setPlaceholderText("Cari nama, NIK atau organisasi")
        self.search.setClearButtonEnabled(True)
        self.inactive = QCheckBox("Tampilkan yang tidak aktif")
        self.inactive.setChecked(True)
        self.summary = QLabel()
        self.model = RecordTableModel(VOLUNTEER_COLUMNS, self)
        self.view = record_view(self.model, stretch=0)
        self.view.setObjectName("volunteerTable")
        self.name = QLineEdit()
        self.name.setObjectName("volunteerName")
        self.sex = QComboBox()
        self.sex.setObjectName("volunteerSex")
        fill_combo(self.sex, [(label, code) for code, label in SEXES.items()])
        self.nik = QLineEdit()
        self.nik.setObjectName("volunteerNik")
        self.nik.setMaxLength(16)
        self.organisation = QLineEdit()
        self.organisation.setObjectName("volunteerOrganisation")
        self.phone = QLineEdit()
        self.active = QCheckBox("Aktif")
        self.notes = QLineEdit()
        self.new_button = QPushButton("Relawan &baru")
        self.save_button = QPushButton("&Simpan relawan")
        self.save_button.setObjectName("saveVolunteer")
        self.delete_button = QPushButton("Hapus relawan")
        self.message = MessageLabel()
        self.message.setObjectName("volunteerMessage")

        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.inactive)
        left = _list_panel(bar, self.summary, self.view)
        form = QFormLayout()
        form.addRow("Nama:", self.name)
        form.addRow("Jenis kelamin:", self.sex)
        form.addRow("NIK (boleh kosong):", self.nik)
        form.addRow("Organisasi:", self.organisation)
        form.addRow("Telepon:", self.phone)
        form.addRow("", self.active)
        form.addRow("Keterangan:", self.notes)
        _list_and_editor(self, left, (form,), (self.new_button, self.delete_button, self.save_button),
                         self.message, (3, 2))

        for widget in (self.new_button, self.save_button, self.delete_button):
            widget.setEnabled(writable)
        self.search.textChanged.connect(self.reload)
        self.inactive.toggled.connect(self.reload)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self.new_button.clicked.connect(self.new_volunteer)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete)
        self.name.returnPressed.connect(self.save)
        self.new_volunteer()

    @Slot()
    def reload(self) -> None:
        self._generation += 1
        self.ctx.runner.submit(list_volunteers, self.ctx.db, self.ctx.actor, self.search.text(),
                               not self.inactive.isChecked(), on_done=partial(self._loaded, self._generation),
                               parent=self)

    def _loaded(self, generation: int, rows: list[VolunteerInfo]) -> None:
        if generation != self._generation:
            return
        current = self.editing.id if self.editing else None
        self.model.set_records(rows)
        active = sum(1 for v in rows if v.active)
        self.summary.setText(f"{len(rows)} relawan ditampilkan, {active} aktif.")
        self._reselect(rows, current)

    def _fill(self, v: VolunteerInfo | None) -> None:
        self.editing = v
        self.name.setText(v.name if v else "")
        index = self.sex.findData(v.sex if v else "L")
        self.sex.setCurrentIndex(max(index, 0))
        self.nik.setText(v.nik if v else "")
        self.organisation.setText(v.organisation if v else "Tagana")
        self.phone.setText(v.phone if v else "")
        self.active.setChecked(v.active if v else True)
        self.notes.setText(v.notes if v else "")
        self.delete_button.setEnabled(v is not None and self.ctx.can("volunteer.write"))

    @Slot()
    def new_volunteer(self) -> None:
        self._start_new(self.name)

    def draft(self) -> VolunteerInput:
        return VolunteerInput(name=self.name.text(), sex=self.sex.currentData() or "", nik=self.nik.text(),
                              organisation=self.organisation.text(), phone=self.phone.text(),
                              active=self.active.isChecked(), notes=self.notes.text())

    @Slot()
    def save(self) -> None:
        if self.ctx.can("volunteer.write"):
            self._submit_save(register_volunteer, update_volunteer, self.draft())

    def _saved(self, info: VolunteerInfo) -> None:
        self.save_button.setEnabled(True)
        self._fill(info)
        self.message.fine(f"Relawan {info.name} tersimpan.")
        self.reload()

    @Slot()
    def delete(self) -> None:
        if self.editing is not None:
            self._submit_delete(f"Hapus {self.editing.name} dari daftar relawan?", delete_volunteer)

    def _deleted(self, _result) -> None:
        self.new_volunteer()
        self.message.fine("Relawan dihapus dari daftar.")
        self.reload()


class Page(QWidget):
    TITLE = "Kegiatan Kelompok"
    PERMISSION = "person.view"
    ORDER = 85

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.activities = ActivitiesTab(ctx, self)
        self.roster = RosterTab(ctx, self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.activities, "&Kegiatan")
        self.tabs.addTab(self.roster, "Daftar &Relawan")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        shortcut(self, QKeySequence.StandardKey.New, self._new)
        shortcut(self, QKeySequence.StandardKey.Save, self._save)
        self.tabs.currentChanged.connect(self.refresh)

    def refresh(self) -> None:
        self.activities.reload()
        self.roster.reload()

    @Slot()
    def _new(self) -> None:
        (self.activities.new_activity if self.tabs.currentWidget() is self.activities else self.roster.new_volunteer)()

    @Slot()
    def _save(self) -> None:
        (self.activities.save if self.tabs.currentWidget() is self.activities else self.roster.save)()

    def has_unsaved_changes(self) -> bool:
        return self.activities.has_unsaved_changes()
