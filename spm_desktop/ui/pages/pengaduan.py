"""Pengaduan: complaints and data requests (list, form, status, follow-up log, open a case), the
open referrals with their days waiting and feedback, and the DTSEN proposals (issue 21).

Every database call goes through the runner (``ctx.runner.submit``); slots only read the form
into a value and show the result or the error. Three tabs, each a list above a compact form,
so the page fits 1366×768; every field is reachable with Tab and every action has a mnemonic.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTime, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.dates import date_time
from spm_desktop.core.domain.groups import CASE_GROUPS, SPM_GROUP_SHORT, UNITS
from spm_desktop.core.domain.layanan import (
    CATEGORIES,
    CHANNELS,
    COMPLAINT_NEXT,
    COMPLAINT_STATUSES,
    DTSEN_KINDS,
    DTSEN_NEXT,
    DTSEN_STATUSES,
    REFERRAL_NEXT,
    REFERRAL_ORIGINS,
    REFERRAL_STATUSES,
)
from spm_desktop.core.reports import formatting as fmt
from spm_desktop.core.services import complaints as cs
from spm_desktop.core.services import dtsen as ds
from spm_desktop.core.services import letters
from spm_desktop.core.services import referrals as rs
from spm_desktop.core.services.cases import list_cases
from spm_desktop.core.services.persons import get_person
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.dialogs.layanan import LetterFileDialog
from spm_desktop.ui.models.table import RESIZE_SAMPLE_ROWS, Column, RecordTableModel
from spm_desktop.ui.person_picker import PersonPicker
from spm_desktop.ui.widgets import DateEdit, compact_combo, fill_combo

FILTERS = (("Semua", "all"), ("Belum selesai", "open"), ("Terlambat ditanggapi", "overdue"))


def _table(model, parent) -> tuple[QTableView, QSortFilterProxyModel]:
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    table = QTableView()
    table.setModel(proxy)
    # The rows keep the order the service gives (the oldest waiting referral first, the newest
    # complaint first) until a header is clicked: sorting thousands of rows through the proxy
    # costs a Python call per comparison (0.6 s for 5,900 open referrals of the demo data).
    table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
    table.horizontalHeader().setStretchLastSection(True)
    return table, proxy


def _selected(table: QTableView, proxy: QSortFilterProxyModel, model: RecordTableModel):
    rows = table.selectionModel().selectedRows()
    return model.record(proxy.mapToSource(rows[0]).row()) if rows else None


def complaints_model(parent=None) -> RecordTableModel:
    def days(c: cs.ComplaintInfo) -> str:
        return fmt.number(c.response_days if c.response_days is not None else c.waiting_days)

    return RecordTableModel([
        Column("Diterima", lambda c: date_time(c.received_at)),
        Column("Saluran", lambda c: c.channel_label),
        Column("Pelapor", lambda c: c.reporter_label),
        Column("Kategori", lambda c: c.category_label),
        Column("Orang", lambda c: c.person_name),
        Column("Status", lambda c: c.status_label),
        Column("Hari kerja", days),
        Column("Batas", lambda c: ("TERLAMBAT" if c.overdue else fmt.short_date(c.due_on))),
    ], parent)


def referrals_model(parent=None) -> RecordTableModel:
    return RecordTableModel([
        Column("Tanggal", lambda r: fmt.short_date(r.referral_date)),
        Column("Arah", lambda r: "Keluar" if r.direction == "keluar" else "Masuk"),
        Column("Penerima layanan", lambda r: r.person_name),
        Column("Tujuan / asal", lambda r: r.destination if r.direction == "keluar" else r.origin),
        Column("Status", lambda r: r.status_label),
        Column("Menunggu (hari)", lambda r: fmt.number(r.days_waiting) if r.status == "dikirim" else "–"),
        Column("Umpan balik", lambda r: fmt.short_date(r.feedback_date) if r.feedback_date else ""),
        Column("Tanda", lambda r: "LEWAT BATAS" if r.flagged else ""),
    ], parent)


def proposals_model(parent=None) -> RecordTableModel:
    return RecordTableModel([
        Column("Tanggal", lambda d: fmt.short_date(d.proposed_on)),
        Column("Penerima layanan", lambda d: d.person_name),
        Column("NIK", lambda d: d.nik),
        Column("Jenis", lambda d: d.kind_label),
        Column("Status", lambda d: d.status_label),
        Column("Batch", lambda d: d.batch),
        Column("Alasan ditolak", lambda d: d.rejected_reason),
    ], parent)


class Page(QWidget):
    TITLE = "Pengaduan"
    PERMISSION = "complaint.view"
    ORDER = 87  # after Kegiatan Kelompok: the pages before it keep the Ctrl+numbers staff learned

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget()
        self.tabs.addTab(self._complaints_tab(), "&Pengaduan dan permohonan data")
        self.tabs.addTab(self._referrals_tab(), "Ru&jukan")
        self.tabs.addTab(self._dtsen_tab(), "Usulan &DTSEN")
        self.tabs.currentChanged.connect(self.refresh)  # a tab shows what is stored now
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)  # below the tabs: what a button did, on whichever tab
        self.current: cs.ComplaintInfo | None = None
        self._show_complaint(None)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # ----- complaints tab -------------------------------------------------------------------

    def _complaints_tab(self) -> QWidget:
        self.filter = QComboBox()
        fill_combo(self.filter, list(FILTERS))
        self.search = QLineEdit()
        self.search.setPlaceholderText("Cari pelapor, uraian atau NIK")
        self.new_button = QPushButton("Pengaduan &baru")
        top = QHBoxLayout()
        for w in (QLabel("Tampilkan:"), self.filter, self.search, self.new_button):
            top.addWidget(w)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()  # shown with a text only: an empty line would take the form's room
        self.filter.currentIndexChanged.connect(self.refresh)
        self.search.returnPressed.connect(self.refresh)
        self.new_button.clicked.connect(self.new_complaint)
        self.complaint_model = complaints_model(self)
        self.complaint_table, self.complaint_proxy = _table(self.complaint_model, self)
        self.complaint_table.selectionModel().selectionChanged.connect(self._complaint_selected)

        self.received_date = DateEdit()
        self.received_time = QTimeEdit(QTime.currentTime())
        self.received_time.setDisplayFormat("HH:mm")
        self.channel = QComboBox()
        fill_combo(self.channel, [(label, key) for key, label in CHANNELS.items()])
        when = QHBoxLayout()  # one row each for when/how, who, and how to reach them: fits 1366×768
        for w in (self.received_date, self.received_time, QLabel("Saluran"), self.channel):
            when.addWidget(w)
        when.setStretch(3, 1)
        self.category = QComboBox()
        fill_combo(self.category, [(label, key) for key, label in CATEGORIES.items()])
        self.reporter = QLineEdit()
        self.anonymous = QCheckBox("Pelapor an&onim")
        reporter = QHBoxLayout()
        reporter.addWidget(self.reporter)
        reporter.addWidget(self.anonymous)
        self.reporter_nik = QLineEdit()
        self.reporter_nik.setMaxLength(16)
        self.reporter_phone = QLineEdit()
        self.relation = QLineEdit()
        self.relation.setPlaceholderText("mis. tetangga, ketua RT")
        contact = QHBoxLayout()
        for w in (self.reporter_phone, QLabel("Hubungan"), self.relation):
            contact.addWidget(w)
        self.kelurahan = QComboBox()
        villages = [(r.name, r.code) for r in self.ctx.regions() if r.level in ("kelurahan", "desa")]
        fill_combo(self.kelurahan, villages, empty="(tidak diketahui)")
        self.person = PersonPicker(self.ctx)
        # Most neglected persons a caller reports are not registered yet: register here, then
        # Simpan links them (the picker said "register on Penerima Layanan first").
        self.register_button = QPushButton("Da&ftarkan orang…")
        self.register_button.setToolTip("Orang yang diadukan belum terdaftar: daftarkan sekarang, lalu simpan "
                                        "pengaduan untuk menghubungkannya.")
        self.register_button.clicked.connect(self.register_person)
        person_row = QHBoxLayout()
        person_row.addWidget(self.person, 1)
        person_row.addWidget(self.register_button, 0, Qt.AlignmentFlag.AlignTop)
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setMaximumHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.save_button = QPushButton("&Simpan pengaduan")
        self.save_button.clicked.connect(self.save_complaint)
        form = QFormLayout()
        form.addRow("Diterima", when)
        form.addRow("Kategori", self.category)
        form.addRow("Pelapor", reporter)
        form.addRow("NIK pelapor", self.reporter_nik)
        form.addRow("Telepon", contact)
        form.addRow("Desa/kelurahan", self.kelurahan)
        form.addRow("Orang yang diadukan", person_row)
        form.addRow("Uraian", self.description)
        form.addRow("", self.save_button)
        data_box = QGroupBox("Data pengaduan")
        data_box.setLayout(form)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.next_status = QComboBox()
        self.status_date = DateEdit()
        self.note = QLineEdit()
        self.note.setPlaceholderText("Catatan tindak lanjut")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Alasan (wajib bila ditolak)")
        self.status_button = QPushButton("&Ubah status")
        self.note_button = QPushButton("Tambah &catatan")
        self.unit = QComboBox()
        fill_combo(self.unit, [(label, key) for key, label in UNITS.items()])
        self.group = QComboBox()
        fill_combo(self.group, [(SPM_GROUP_SHORT[g], g) for g in CASE_GROUPS])
        self.case_button = QPushButton("Buka &kasus")
        self.status_button.clicked.connect(self.change_status)
        self.note_button.clicked.connect(self.add_note)
        self.case_button.clicked.connect(self.open_case)
        grid = QGridLayout()
        grid.addWidget(self.status_label, 0, 0, 1, 4)
        grid.addWidget(QLabel("Status baru"), 1, 0)
        grid.addWidget(self.next_status, 1, 1)
        grid.addWidget(QLabel("Tanggal"), 1, 2)
        grid.addWidget(self.status_date, 1, 3)
        grid.addWidget(self.note, 2, 0, 1, 2)
        grid.addWidget(self.reason, 2, 2, 1, 2)
        buttons = QHBoxLayout()
        self.letter_button = QPushButton("Cetak surat keteran&gan…")
        self.letter_button.clicked.connect(self.print_statement)
        buttons.addWidget(self.status_button)
        buttons.addWidget(self.note_button)
        buttons.addWidget(self.letter_button)
        buttons.addStretch(1)
        grid.addLayout(buttons, 3, 0, 1, 4)
        case_row = QHBoxLayout()
        for w in (QLabel("Kasus:"), self.unit, self.group, self.case_button):
            case_row.addWidget(w)
        grid.addLayout(case_row, 4, 0, 1, 4)
        self.log = QListWidget()
        self.log.setMaximumHeight(self.fontMetrics().lineSpacing() * 4 + 4)
        grid.addWidget(self.log, 5, 0, 1, 4)
        follow_box = QGroupBox("Tindak lanjut")
        follow_box.setLayout(grid)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(data_box)
        side_layout.addWidget(follow_box)
        side_layout.addStretch(1)
        for combo in (self.channel, self.category, self.kelurahan, self.unit, self.group, self.next_status):
            compact_combo(combo)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(side)
        scroll.setMinimumWidth(side.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 4)
        splitter = QSplitter()
        splitter.addWidget(self.complaint_table)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)  # the list and the form take the height
        writer = self.ctx.can("complaint.write")
        for w in (self.save_button, self.status_button, self.note_button, self.case_button, self.new_button):
            w.setEnabled(writer)
        self.register_button.setEnabled(writer and self.ctx.can("person.write"))
        return tab

    def _form_value(self) -> cs.ComplaintInput:
        day = self.received_date.value()
        t = self.received_time.time()
        return cs.ComplaintInput(
            received_at=datetime(day.year, day.month, day.day, t.hour(), t.minute()),
            channel=self.channel.currentData(), category=self.category.currentData(),
            description=self.description.toPlainText(), reporter_name=self.reporter.text(),
            reporter_nik=self.reporter_nik.text(), reporter_phone=self.reporter_phone.text(),
            reporter_relation=self.relation.text(), anonymous=self.anonymous.isChecked(),
            person_id=self.person.person_id, kelurahan_code=self.kelurahan.currentData())

    @Slot()
    def new_complaint(self) -> None:
        self.complaint_table.clearSelection()
        self._show_complaint(None)
        self.received_date.setFocus()

    @Slot()
    def register_person(self) -> None:
        from spm_desktop.ui.dialogs.person import PersonDialog

        def chosen(person) -> None:
            self.person.choose(person.id, person.name)
            self._say(f"{person.name} terdaftar; simpan pengaduan untuk menghubungkannya.")

        PersonDialog.ask(self, self.ctx, on_saved=chosen)

    @Slot()
    def save_complaint(self) -> None:
        data = self._form_value()
        if self.current is None:
            self.ctx.runner.submit(cs.receive_complaint, self.ctx.db, self.ctx.actor, data, parent=self,
                                   on_done=self._complaint_saved)
        else:
            self.ctx.runner.submit(cs.update_complaint, self.ctx.db, self.ctx.actor, self.current.id, data,
                                   parent=self, on_done=self._complaint_saved)

    @Slot(object)
    def _complaint_saved(self, info: cs.ComplaintInfo) -> None:
        self._say(f"Tersimpan: pengaduan {date_time(info.received_at)}, status {info.status_label}.")
        self._show_complaint(info)
        self.refresh()

    @Slot()
    def change_status(self) -> None:
        if self.current is None or self.next_status.currentData() is None:
            return
        self.ctx.runner.submit(cs.change_status, self.ctx.db, self.ctx.actor, self.current.id,
                               self.next_status.currentData(), self.status_date.value(), self.note.text(),
                               self.reason.text(), parent=self, on_done=self._complaint_saved)

    @Slot()
    def add_note(self) -> None:
        if self.current is not None:
            self.ctx.runner.submit(cs.add_followup, self.ctx.db, self.ctx.actor, self.current.id,
                                   self.status_date.value(), self.note.text(), parent=self,
                                   on_done=self._complaint_saved)

    @Slot()
    def open_case(self) -> None:
        if self.current is not None:
            self.ctx.runner.submit(cs.open_case_from_complaint, self.ctx.db, self.ctx.actor, self.current.id,
                                   self.unit.currentData(), self.group.currentData(), self.status_date.value(),
                                   kecamatan_code=self.ctx.actor.kecamatan_code, parent=self,
                                   on_done=self._case_opened)

    @Slot(object)
    def _case_opened(self, info: cs.ComplaintInfo) -> None:
        self._complaint_saved(info)
        self._say(f"Kasus untuk {info.person_name} sudah dibuka; lengkapi asesmen kebutuhannya di "
                             "halaman Kasus.")

    @Slot()
    def _complaint_selected(self, *_args) -> None:
        chosen = _selected(self.complaint_table, self.complaint_proxy, self.complaint_model)
        if chosen is not None:
            self.ctx.runner.submit(cs.get_complaint, self.ctx.db, self.ctx.actor, chosen.id, parent=self,
                                   on_done=self._show_complaint)

    @Slot(object)
    def _show_complaint(self, info: cs.ComplaintInfo | None) -> None:
        self.current = info
        received = info.received_at if info else clock.now()
        self.received_date.set_value(received.date())
        self.received_time.setTime(QTime(received.hour, received.minute))
        for combo, value in ((self.channel, info.channel if info else "telepon"),
                             (self.category, info.category if info else "ppks_terlantar"),
                             (self.kelurahan, info.kelurahan_code if info else None)):
            index = combo.findData(value)
            combo.setCurrentIndex(max(index, 0))
        self.reporter.setText(info.reporter_name if info else "")
        self.anonymous.setChecked(bool(info and info.anonymous))
        self.reporter_nik.setText(info.reporter_nik if info else "")
        self.reporter_phone.setText(info.reporter_phone if info else "")
        self.relation.setText(info.reporter_relation if info else "")
        self.description.setPlainText(info.description if info else "")
        if info and info.person_id:
            self.person.choose(info.person_id, info.person_name)
        else:
            self.person.clear()
        self.next_status.clear()
        for key in (COMPLAINT_NEXT.get(info.status, ()) if info else ()):
            self.next_status.addItem(COMPLAINT_STATUSES[key], key)
        self.status_date.set_value(clock.today())
        self.note.clear()
        self.reason.clear()
        self.log.clear()
        if info is None:
            self.status_label.setText("Pengaduan baru: isi datanya lalu Simpan (status diterima).")
        else:
            answered = (f"ditanggapi {fmt.short_date(info.first_response_on)} ({fmt.number(info.response_days)} "
                        "hari kerja)" if info.first_response_on else
                        f"belum ditanggapi ({fmt.number(info.waiting_days)} hari kerja; batas "
                        f"{fmt.short_date(info.due_on)})")
            late = " — TERLAMBAT" if info.overdue else ""
            case = " — kasus sudah dibuka" if info.case_id else ""
            self.status_label.setText(f"Status: <b>{info.status_label}</b>, {answered}{late}{case}")
            for f in info.followups:
                label = f" [{COMPLAINT_STATUSES.get(f.status, f.status)}]" if f.status else ""
                self.log.addItem(f"{fmt.short_date(f.on)}{label} {f.note} — {f.officer}")
        if info is not None and info.person_id and not info.case_id:
            self.ctx.runner.submit(get_person, self.ctx.db, self.ctx.actor, info.person_id, parent=self,
                                   on_done=self._suggest_group)
        writer = self.ctx.can("complaint.write")
        self.status_button.setEnabled(writer and bool(self.next_status.count()))
        self.note_button.setEnabled(writer and info is not None and not self.next_status.count() == 0)
        self.letter_button.setEnabled(info is not None and self.ctx.can("letter.print"))
        self.case_button.setEnabled(writer and self.ctx.can("case.write") and info is not None
                                    and not info.case_id and bool(info.person_id) and bool(self.next_status.count()))

    @Slot(object)
    def _suggest_group(self, person) -> None:
        """The case "Buka kasus" opens is in the SPM group of the person's PMKS category (an
        elderly man reported neglected: Lanjut Usia Terlantar), when it has one."""
        groups = {c.code: c.spm_group for c in self.ctx.categories()}
        group = groups.get(person.category_code or "")
        if group and self.group.findData(group) >= 0:
            self.group.setCurrentIndex(self.group.findData(group))

    # ----- referrals tab ------------------------------------------------------------------------

    def _referrals_tab(self) -> QWidget:
        self.open_only = QCheckBox("Hanya rujukan keluar yang m&enunggu umpan balik")
        self.open_only.setChecked(True)
        self.open_only.toggled.connect(self.refresh)
        self.referral_model = referrals_model(self)
        self.referral_table, self.referral_proxy = _table(self.referral_model, self)
        self.referral_table.selectionModel().selectionChanged.connect(self._referral_selected)
        self.referral_status = QComboBox()
        self.feedback_date = DateEdit()
        self.referral_notes = QLineEdit()
        self.referral_notes.setPlaceholderText("Catatan umpan balik")
        self.feedback_button = QPushButton("Simpan umpan ba&lik")
        self.feedback_button.clicked.connect(self.save_feedback)
        self.referral_letter_button = QPushButton("Cetak surat ruj&ukan…")
        self.referral_letter_button.clicked.connect(self.print_referral_letter)
        self.referral_letter_button.setEnabled(False)
        row = QHBoxLayout()
        for w in (QLabel("Status"), self.referral_status, QLabel("Tanggal umpan balik"), self.feedback_date,
                  self.referral_notes, self.feedback_button, self.referral_letter_button):
            row.addWidget(w)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.open_only)
        layout.addWidget(self.referral_table)
        layout.addLayout(row)
        layout.addWidget(self._incoming_box())
        self.feedback_button.setEnabled(False)
        return tab

    def _incoming_box(self) -> QGroupBox:
        """Rujukan masuk, recorded at intake and linked to the case it opened."""
        self.incoming_person = PersonPicker(self.ctx)
        self.incoming_person.chosen.connect(self._incoming_person_chosen)
        self.incoming_origin = QComboBox()
        fill_combo(self.incoming_origin, [(o, o) for o in REFERRAL_ORIGINS])
        self.incoming_date = DateEdit()
        self.incoming_case = compact_combo(QComboBox(), 30)
        self.incoming_reason = QLineEdit()
        self.incoming_reason.setPlaceholderText("Alasan / keterangan perujuk")
        self.incoming_button = QPushButton("Cata&t rujukan masuk")
        self.incoming_button.clicked.connect(self.record_incoming)
        self.incoming_button.setEnabled(self.ctx.can("referral.write"))
        form = QFormLayout()
        form.addRow("Penerima layanan", self.incoming_person)
        row = QHBoxLayout()
        for w in (self.incoming_origin, QLabel("Tanggal"), self.incoming_date, QLabel("Kasus"), self.incoming_case):
            row.addWidget(w)
        form.addRow("Asal rujukan", row)
        form.addRow("Keterangan", self.incoming_reason)
        form.addRow("", self.incoming_button)
        box = QGroupBox("Rujukan masuk (dicatat saat penerimaan)")
        box.setLayout(form)
        self._fill_cases([])
        return box

    def _fill_cases(self, rows: list) -> None:
        self.incoming_case.clear()
        self.incoming_case.addItem("(belum ada kasus)", None)
        for c in rows:
            if c.status == "open":
                self.incoming_case.addItem(f"{c.spm_group_label}, {c.unit}, masuk {fmt.short_date(c.intake_date)}",
                                           c.id)
        self.incoming_case.setCurrentIndex(self.incoming_case.count() - 1)

    @Slot(str, str)
    def _incoming_person_chosen(self, person_id: str, _name: str) -> None:
        self.ctx.runner.submit(list_cases, self.ctx.db, self.ctx.actor, person_id, include_closed=False, parent=self,
                               on_done=self._fill_cases)

    @Slot()
    def record_incoming(self) -> None:
        if not self.incoming_person.person_id:
            self.incoming_person.setFocus()
            return
        data = rs.IncomingInput(self.incoming_person.person_id, self.incoming_date.value(),
                                self.incoming_origin.currentData(), self.incoming_case.currentData(),
                                self.incoming_reason.text())
        self.ctx.runner.submit(rs.record_incoming, self.ctx.db, self.ctx.actor, data, parent=self,
                               on_done=self._changed)

    @Slot()
    def _referral_selected(self, *_args) -> None:
        r = _selected(self.referral_table, self.referral_proxy, self.referral_model)
        self.referral_status.clear()
        for key in (REFERRAL_NEXT.get(r.status, ()) if r else ()):
            self.referral_status.addItem(REFERRAL_STATUSES[key], key)
        self.referral_notes.setText(r.notes if r else "")
        self.feedback_button.setEnabled(r is not None and self.ctx.can("referral.write")
                                        and bool(self.referral_status.count()))
        self.referral_letter_button.setEnabled(r is not None and r.direction == "keluar"
                                               and self.ctx.can("letter.print"))

    @Slot()
    def save_feedback(self) -> None:
        r = _selected(self.referral_table, self.referral_proxy, self.referral_model)
        if r is not None:  # an outgoing referral by its event: tracked on its first answer if not yet
            record, key = (rs.record_event_feedback, r.event_id) if r.event_id else (rs.record_feedback, r.id)
            self.ctx.runner.submit(record, self.ctx.db, self.ctx.actor, key,
                                   self.referral_status.currentData(), self.feedback_date.value(),
                                   self.referral_notes.text(), parent=self, on_done=self._changed)

    # ----- letters ---------------------------------------------------------------------------------

    def _print(self, record_id: str, suggested: str) -> None:
        target = LetterFileDialog.ask(self, suggested)
        if target is not None:
            self.ctx.runner.submit(letters.print_letter, self.ctx.db, self.ctx.actor, record_id, target, parent=self,
                                   on_done=self._printed)

    @Slot()
    def print_statement(self) -> None:
        if self.current is not None:
            self._print(self.current.id, "surat-keterangan.pdf")

    @Slot()
    def print_referral_letter(self) -> None:
        r = _selected(self.referral_table, self.referral_proxy, self.referral_model)
        if r is not None:
            self._print(r.event_id or r.id, "surat-rujukan.pdf")

    @Slot(object)
    def _printed(self, info: letters.LetterInfo) -> None:
        number = f"nomor {info.number}" if info.number else "draf tanpa nomor (nomor diberikan di kantor)"
        self._say(f"Surat {number} tanggal {fmt.short_date(info.letter_date)} disimpan ke {info.path}.")

    # ----- DTSEN tab ------------------------------------------------------------------------------

    def _dtsen_tab(self) -> QWidget:
        self.batch_filter = QLineEdit()
        self.batch_filter.setPlaceholderText("Batch (kosong: semua)")
        self.batch_filter.returnPressed.connect(self.refresh)
        self.proposal_model = proposals_model(self)
        self.proposal_table, self.proposal_proxy = _table(self.proposal_model, self)
        self.proposal_table.selectionModel().selectionChanged.connect(self._proposal_selected)
        self.proposal_person = PersonPicker(self.ctx)
        self.proposal_kind = QComboBox()
        fill_combo(self.proposal_kind, [(label, key) for key, label in DTSEN_KINDS.items()])
        self.proposal_batch = QLineEdit()
        self.proposal_reason = QLineEdit()
        self.propose_button = QPushButton("Usulka&n")
        self.propose_button.clicked.connect(self.propose)
        self.propose_button.setEnabled(self.ctx.can("dtsen.propose"))
        propose = QFormLayout()
        propose.addRow("Penerima layanan", self.proposal_person)
        kind_row = QHBoxLayout()
        for w in (self.proposal_kind, QLabel("Batch"), self.proposal_batch):
            kind_row.addWidget(w)
        propose.addRow("Jenis usulan", kind_row)
        propose.addRow("Alasan", self.proposal_reason)
        propose.addRow("", self.propose_button)
        new_box = QGroupBox("Usulan baru")
        new_box.setLayout(propose)
        self.decision = QComboBox()
        self.decision_date = DateEdit()
        self.decision_reason = QLineEdit()
        self.decision_reason.setPlaceholderText("Alasan (wajib bila ditolak)")
        self.decide_button = QPushButton("Simpan kepu&tusan")
        self.decide_button.clicked.connect(self.decide)
        decide = QHBoxLayout()
        for w in (QLabel("Status"), self.decision, self.decision_date, self.decision_reason, self.decide_button):
            decide.addWidget(w)
        self.decide_button.setEnabled(False)
        # A whole batch at once: the operator's answer comes per batch, and the batch goes to the
        # national system as one file (same services as the CLI: decide_batch, export_batch).
        self.batch_decision = QComboBox()
        for key in ("diverifikasi", "ditetapkan", "ditolak"):
            self.batch_decision.addItem(DTSEN_STATUSES[key], key)
        self.batch_decide_button = QPushButton("Putuskan semua d&i batch")
        self.batch_decide_button.setToolTip("Status, tanggal dan alasan di baris keputusan berlaku untuk semua "
                                            "usulan terbuka pada batch yang ditampilkan.")
        self.batch_decide_button.clicked.connect(self.decide_batch)
        self.export_button = QPushButton("Ekspor batch ke E&xcel…")
        self.export_button.setToolTip("Kolom untuk diketik ke aplikasi DTSEN nasional (data pribadi: tercatat "
                                      "di jejak audit).")
        self.export_button.clicked.connect(self.export_batch)
        top = QHBoxLayout()
        top.addWidget(QLabel("Batch:"))
        top.addWidget(self.batch_filter)
        top.addWidget(self.batch_decision)
        top.addWidget(self.batch_decide_button)
        top.addWidget(self.export_button)
        top.addStretch(1)
        self.batch_filter.textChanged.connect(self._batch_buttons)
        self._batch_buttons()
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(top)
        layout.addWidget(self.proposal_table)
        layout.addLayout(decide)
        layout.addWidget(new_box)
        return tab

    @Slot()
    def _proposal_selected(self, *_args) -> None:
        d = _selected(self.proposal_table, self.proposal_proxy, self.proposal_model)
        self.decision.clear()
        for key in (DTSEN_NEXT.get(d.status, ()) if d else ()):
            self.decision.addItem(DTSEN_STATUSES[key], key)
        self.decide_button.setEnabled(d is not None and self.ctx.can("dtsen.decide") and bool(self.decision.count()))

    @Slot()
    def _batch_buttons(self, *_args) -> None:
        batch = bool(self.batch_filter.text().strip())
        self.batch_decide_button.setEnabled(batch and self.ctx.can("dtsen.decide"))
        self.batch_decision.setEnabled(batch and self.ctx.can("dtsen.decide"))
        self.export_button.setEnabled(batch and self.ctx.can("personal_data.export"))

    @Slot()
    def decide_batch(self) -> None:
        batch = self.batch_filter.text().strip()
        if batch:
            self.ctx.runner.submit(ds.decide_batch, self.ctx.db, self.ctx.actor, batch,
                                   self.batch_decision.currentData(), self.decision_date.value(),
                                   self.decision_reason.text(), parent=self,
                                   on_done=lambda n, b=batch: self._batch_decided(b, n))

    def _batch_decided(self, batch: str, changed: int) -> None:
        self._say(f"Batch {batch}: {fmt.number(changed)} usulan menjadi {self.batch_decision.currentText()}.")
        self.refresh()

    @Slot()
    def export_batch(self) -> None:
        batch = self.batch_filter.text().strip()
        if not batch:
            return
        target = LetterFileDialog.ask(self, f"dtsen-{batch}.xlsx", "Ekspor batch DTSEN",
                                      "Excel (*.xlsx);;CSV (*.csv)")
        if target is not None:
            self.ctx.runner.submit(ds.export_batch, self.ctx.db, self.ctx.actor, batch, target, parent=self,
                                   on_done=lambda r, b=batch: self._say(
                                       f"Batch {b}: {fmt.number(r.rows)} usulan diekspor ke {r.path}."))

    @Slot()
    def propose(self) -> None:
        if not self.proposal_person.person_id:
            self.proposal_person.setFocus()
            return
        data = ds.ProposalInput(self.proposal_person.person_id, self.proposal_kind.currentData(), clock.today(),
                                self.proposal_batch.text(), self.proposal_reason.text())
        self.ctx.runner.submit(ds.propose, self.ctx.db, self.ctx.actor, data, parent=self,
                               on_done=self._changed)

    @Slot()
    def decide(self) -> None:
        d = _selected(self.proposal_table, self.proposal_proxy, self.proposal_model)
        if d is not None:
            self.ctx.runner.submit(ds.decide, self.ctx.db, self.ctx.actor, d.id, self.decision.currentData(),
                                   self.decision_date.value(), self.decision_reason.text(), parent=self,
                                   on_done=self._changed)

    # ----- data ----------------------------------------------------------------------------------

    @Slot()
    def refresh(self, *_args) -> None:
        mode = self.filter.currentData()
        self.ctx.runner.submit(cs.list_complaints, self.ctx.db, self.ctx.actor, open_only=mode == "open",
                               overdue_only=mode == "overdue", search=self.search.text(), parent=self,
                               on_done=self._complaints_loaded)
        self.ctx.runner.submit(rs.list_referrals, self.ctx.db, self.ctx.actor, open_only=self.open_only.isChecked(),
                               today=clock.today(), parent=self, on_done=self._referrals_loaded)  # Beranda's day
        self.ctx.runner.submit(ds.list_proposals, self.ctx.db, self.ctx.actor, batch=self.batch_filter.text().strip(),
                               parent=self, on_done=self._proposals_loaded)

    @Slot(object)
    def _changed(self, _result) -> None:
        self.refresh()

    @Slot(object)
    def _complaints_loaded(self, rows: list) -> None:
        self.complaint_model.set_records(rows)

    @Slot(object)
    def _referrals_loaded(self, rows: list) -> None:
        self.referral_model.set_records(rows)
        self._referral_selected()

    @Slot(object)
    def _proposals_loaded(self, rows: list) -> None:
        self.proposal_model.set_records(rows)
        self._proposal_selected()
