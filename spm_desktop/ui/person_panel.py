"""A person's page beside the list: identity, cases and the service history as a timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from html import escape

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.groups import SEXES
from spm_desktop.core.domain.layanan import REFERRAL_CODE
from spm_desktop.core.services.cases import CaseInfo, list_cases
from spm_desktop.core.services.events import TimelineEntry, person_history
from spm_desktop.core.services.letters import REUNIFICATION_CODE, current_letter
from spm_desktop.core.services.persons import PersonInfo, age_on, get_person, may_change
from spm_desktop.core.services.referrals import referral_of_event
from spm_desktop.core.storage.database import Database
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.models.persons import birth_text
from spm_desktop.ui.models.table import Column, RecordTableModel, record_view
from spm_desktop.ui.widgets import hbox

KIND_LABELS = {"event": "Layanan", "activity": "Kegiatan kelompok", "case_opened": "Kasus dibuka",
               "case_closed": "Kasus ditutup"}

CASE_COLUMNS = (
    Column("Kelompok SPM", lambda c: c.spm_group_label),
    Column("Unit", lambda c: c.unit),
    Column("Masuk", lambda c: short_date(c.intake_date)),
    Column("Status", lambda c: "terbuka" if c.status == "open" else f"ditutup {short_date(c.exit_date)}"),
    Column("Kebutuhan", lambda c: str(len(c.needs)), tooltip=lambda c: "\n".join(n.name for n in c.needs)),
)
HISTORY_COLUMNS = (
    Column("Tanggal", lambda t: short_date(t.on)),
    Column("Jenis", lambda t: KIND_LABELS.get(t.kind, t.kind)),
    Column("Layanan / kejadian", lambda t: t.title, tooltip=lambda t: t.detail),
    Column("Rincian", lambda t: t.detail),
)


@dataclass(frozen=True)
class PersonPageData:
    person: PersonInfo
    cases: list[CaseInfo]
    history: list[TimelineEntry]
    editable: bool = False  # the user may change the record (persons.may_change, the service's rule)


def load_person_page(db: Database, actor: Actor, person_id: str) -> PersonPageData:
    """Worker thread: everything the person's page shows, as plain values."""
    return PersonPageData(get_person(db, actor, person_id), list_cases(db, actor, person_id),
                          person_history(db, actor, person_id), may_change(db, actor, person_id))


def identity_html(p: PersonInfo, today: date | None = None) -> str:
    age = age_on(p, today or clock.today())
    born = birth_text(p.birth_date, p.birth_year, p.birth_year_estimated) or "tidak diketahui"
    rows = [
        ("NIK", p.nik or "belum diketahui"), ("No. KK", p.no_kk or "–"),
        ("Jenis kelamin", SEXES.get(p.sex, p.sex)),
        ("Lahir", f"{escape(p.birth_place) + ', ' if p.birth_place else ''}{born}"
                  + (f" (umur {age} tahun)" if age is not None else "")),
        ("Alamat", p.address or "–"),
        ("Desa/kelurahan", ", ".join(x for x in (p.kelurahan_name, p.kecamatan_name) if x) or "–"),
        ("Kategori PMKS", p.category_name or "–"),
    ]
    if p.disability_type:
        rows.append(("Disabilitas", p.disability_type))
    if p.phone:
        rows.append(("Telepon", p.phone))
    if p.notes:
        rows.append(("Catatan", p.notes))
    cells = "".join(f"<tr><td><b>{label}</b>&nbsp;&nbsp;</td><td>{escape(str(value))}</td></tr>"
                    for label, value in rows)
    alias = f" <i>({escape(p.alias)})</i>" if p.alias else ""
    return f"<h3>{escape(p.name)}{alias}</h3><table>{cells}</table>"


class PersonPanel(QWidget):
    edit_requested = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person_id: str | None = None
        self.data: PersonPageData | None = None
        self._generation = 0
        self.identity = QLabel("Pilih seseorang di daftar untuk melihat datanya.")
        self.identity.setObjectName("personIdentity")
        self.identity.setWordWrap(True)
        self.identity.setTextFormat(Qt.TextFormat.RichText)
        self.identity.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.identity.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.edit_button = QPushButton("&Ubah data")
        self.case_button = QPushButton("Buka &kasus")
        self.service_button = QPushButton("Catat &layanan")
        # Issue 21, on the chosen history line: the answer to an outgoing referral, and the
        # Berita Acara Serah Terima of a reunification with its witnesses.
        self.feedback_button = QPushButton("Umpan balik rujuka&n…")
        self.feedback_button.setToolTip("Pilih layanan rujukan di riwayat: catat status (diterima, selesai, "
                                        "ditolak), tanggal dan catatan umpan balik dari tujuan rujukan.")
        self.handover_button = QPushButton("Berita acara &serah terima…")
        self.handover_button.setToolTip("Pilih layanan reunifikasi keluarga di riwayat: cetak Berita Acara "
                                         "Serah Terima dengan saksi-saksinya.")
        for button, slot in ((self.edit_button, self._edit), (self.case_button, self._open_case),
                             (self.service_button, self._record_service),
                             (self.feedback_button, self._referral_feedback),
                             (self.handover_button, self._handover_letter)):
            button.clicked.connect(slot)
            button.setEnabled(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.cases = RecordTableModel(CASE_COLUMNS, self)
        self.history = RecordTableModel(HISTORY_COLUMNS, self)
        self.case_view = record_view(self.cases)
        self.history_view = record_view(self.history)
        self.history_view.setObjectName("historyView")
        self.history_view.selectionModel().selectionChanged.connect(self._history_chosen)

        buttons = hbox(self.edit_button, self.case_button, self.service_button, None)
        case_box = QGroupBox("Kasus")
        QVBoxLayout(case_box).addWidget(self.case_view)
        history_box = QGroupBox("Riwayat layanan")
        history_layout = QVBoxLayout(history_box)
        history_layout.addWidget(self.history_view)
        history_layout.addLayout(hbox(self.feedback_button, self.handover_button, None))
        history_layout.addWidget(self.message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.identity)
        layout.addLayout(buttons)
        layout.addWidget(case_box, 1)
        layout.addWidget(history_box, 2)

    def show_person(self, person_id: str | None) -> None:
        self.person_id = person_id
        self._generation += 1
        if person_id is None:
            self._clear()
            return
        self.ctx.runner.submit(load_person_page, self.ctx.db, self.ctx.actor, person_id,
                               on_done=partial(self._loaded, self._generation), parent=self)

    def reload(self) -> None:
        if self.person_id:
            self.show_person(self.person_id)

    def _clear(self) -> None:
        self.data = None
        self.identity.setText("Pilih seseorang di daftar untuk melihat datanya.")
        self.cases.set_records([])
        self.history.set_records([])
        for button in (self.edit_button, self.case_button, self.service_button):
            button.setEnabled(False)
        self._history_chosen()

    def _loaded(self, generation: int, data: PersonPageData) -> None:
        if generation != self._generation:
            return
        self.data = data
        self.identity.setText(identity_html(data.person))
        self.cases.set_records(data.cases)
        self.history.set_records(data.history)
        self.history_view.resizeColumnsToContents()
        # enabled only where saving would be accepted: a TKSK edits the persons of its scope (living
        # in its kecamatan, or with an open TKSK case or a disaster household there)
        editable = data.editable
        self.edit_button.setEnabled(editable)
        self.edit_button.setToolTip("" if editable or not self.ctx.can("person.write") else
                                    "Orang ini tidak tinggal di kecamatan Anda dan tidak punya kasus TKSK terbuka "
                                    "atau keluarga korban bencana di kecamatan Anda; datanya hanya bisa diubah "
                                    "oleh petugas kantor atau TKSK kecamatannya.")
        self.case_button.setEnabled(self.ctx.can("case.write"))
        self.service_button.setEnabled(self.ctx.can("event.write"))
        self._history_chosen()

    def chosen_entry(self) -> TimelineEntry | None:
        rows = self.history_view.selectionModel().selectedRows()
        return self.history.record(rows[0].row()) if rows else None

    @Slot()
    def _history_chosen(self, *_args) -> None:
        entry = self.chosen_entry()
        code = entry.service_code if entry is not None and entry.kind == "event" else None
        self.feedback_button.setEnabled(code == REFERRAL_CODE and self.ctx.can("referral.write"))
        self.handover_button.setEnabled(code == REUNIFICATION_CODE and self.ctx.can("letter.print"))

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    @Slot()
    def _referral_feedback(self) -> None:
        entry = self.chosen_entry()
        if entry is not None and entry.event_id:
            self.ctx.runner.submit(referral_of_event, self.ctx.db, self.ctx.actor, entry.event_id, parent=self,
                                   on_done=partial(self._ask_feedback, entry))

    def _ask_feedback(self, entry: TimelineEntry, tracking) -> None:
        from spm_desktop.ui.dialogs.layanan import ReferralFeedbackDialog

        info = ReferralFeedbackDialog.ask(self, self.ctx, entry, tracking)
        if info is not None:
            when = f", umpan balik {short_date(info.feedback_date)}" if info.feedback_date else ""
            self._say(f"Rujukan ke {info.destination}: {info.status_label}{when}.")
            self.reload()

    @Slot()
    def _handover_letter(self) -> None:
        entry = self.chosen_entry()
        if entry is not None and entry.event_id:
            self.ctx.runner.submit(current_letter, self.ctx.db, self.ctx.actor, entry.event_id, "serah_terima",
                                   parent=self, on_done=partial(self._ask_handover, entry))

    def _ask_handover(self, entry: TimelineEntry, issued) -> None:
        from spm_desktop.ui.dialogs.layanan import HandoverLetterDialog

        letter, witnesses = issued if issued is not None else (None, ())
        info = HandoverLetterDialog.ask(self, self.ctx, entry, letter, witnesses)
        if info is not None:
            number = f"nomor {info.number}" if info.number else "draf tanpa nomor (nomor diberikan di kantor)"
            self._say(f"Berita acara serah terima {number} tanggal {short_date(info.letter_date)} disimpan ke "
                      f"{info.path}.")

    @Slot()
    def _edit(self) -> None:
        if self.person_id:
            self.edit_requested.emit(self.person_id)

    def _navigate(self, page_name: str) -> QWidget | None:
        window = self.window()
        if hasattr(window, "show_page") and page_name in [e.name for e in window.pages]:
            return window.show_page(page_name)
        return None

    @Slot()
    def _open_case(self) -> None:
        page = self._navigate("kasus")
        if page is not None and self.data is not None:
            page.start_for_person(self.data.person.id, self.data.person.name)

    @Slot()
    def _record_service(self) -> None:
        page = self._navigate("catat_layanan")
        if page is not None and self.data is not None:
            page.choose_person(self.data.person.id, self.data.person.name)
