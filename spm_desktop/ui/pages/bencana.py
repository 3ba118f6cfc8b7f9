"""Page "Bencana": the disasters of a year, and for the chosen one its families, each member's
needs and what they still lack ("Masih kurang", by the roll-up's own victim-needs rule), and
the bulk services (meals, clothing, special care, psychosocial support, shelter). All
database work goes through the runner."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QSortFilterProxyModel, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.services import disaster_aid as aid
from spm_desktop.core.services.disaster_summary import DisasterSummary, disaster_summary
from spm_desktop.core.services.disasters import (
    DisasterInfo,
    close_disaster,
    end_emergency,
    list_disasters,
    register_disaster,
    update_disaster,
)
from spm_desktop.core.services.household_changes import get_household, remove_household, update_household
from spm_desktop.core.services.households import HouseholdInfo, register_household
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.dialogs.disaster import (
    AID_KINDS,
    AidDialog,
    AidRequest,
    CloseDisasterDialog,
    DisasterDialog,
    HouseholdDialog,
)
from spm_desktop.ui.errors import confirm
from spm_desktop.ui.models.disasters import SORT_ROLE, disaster_model, fmt_int, member_needs_model
from spm_desktop.ui.models.table import RESIZE_SAMPLE_ROWS
from spm_desktop.ui.widgets import FlowLayout


def record_aid(db, actor, disaster_id: str, request: AidRequest, household_ids: list[str],
               person_ids: list[str]) -> aid.AidResult:
    """Worker side of a bulk service: call the core service the request names."""
    who = dict(household_ids=household_ids, person_ids=person_ids)
    if request.kind == "meals":
        return aid.record_meals(db, actor, disaster_id, request.start, request.end,
                                meals_per_day=request.meals_per_day, notes=request.notes, **who)
    if request.kind == "clothing":
        return aid.record_clothing(db, actor, disaster_id, request.start, items=request.items, notes=request.notes,
                                   **who)
    if request.kind == "special_care":
        return aid.record_special_care(db, actor, disaster_id, request.start, notes=request.notes, **who)
    if request.kind == "psychosocial":
        return aid.record_psychosocial(db, actor, disaster_id, request.start, session_type=request.session_type,
                                       notes=request.notes, **who)
    return aid.record_shelter(db, actor, disaster_id, request.start, household_ids, request.units,
                              request.shelter_kind, notes=request.notes)


def _table(model, multi: bool = False) -> tuple[QTableView, QSortFilterProxyModel]:
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if multi
                          else QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().hide()
    return view, proxy


class Page(QWidget):
    TITLE = "Bencana"
    PERMISSION = "person.view"
    ORDER = 60

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.summary: DisasterSummary | None = None
        self._choices: dict[str, list[str]] | None = None
        self._want_id: str | None = None
        writer = ctx.can("disaster.write")
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(clock.today().year)
        self.year.setPrefix("Tahun ")
        self.year.valueChanged.connect(self.refresh)
        self.new_button = QPushButton("&Daftarkan bencana…")
        self.edit_button = QPushButton("&Ubah…")
        self.emergency_button = QPushButton("Akhiri tanggap darura&t…")
        self.close_button = QPushButton("Tutu&p penanganan…")
        self.new_button.clicked.connect(self.register_disaster)
        self.edit_button.clicked.connect(self.edit_disaster)
        self.emergency_button.clicked.connect(self.end_emergency)
        self.close_button.clicked.connect(self.close_disaster)
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Kejadian bencana</b>"))
        top.addWidget(self.year)
        top.addStretch(1)
        for b in (self.new_button, self.edit_button, self.emergency_button, self.close_button):
            b.setVisible(writer)
            top.addWidget(b)
        self.disasters = disaster_model(self)
        self.disaster_view, self.disaster_proxy = _table(self.disasters)
        self.disaster_view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.disaster_view.selectionModel().currentRowChanged.connect(self._disaster_chosen)

        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.figures = QLabel()
        self.figures.setWordWrap(True)
        self.figures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.household_button = QPushButton("Tambah &keluarga…")
        self.household_button.clicked.connect(self.add_household)
        self.edit_household_button = QPushButton("Ubah ke&luarga…")
        self.edit_household_button.setToolTip("Ubah keluarga dari anggota yang dipilih: tambah, ubah atau "
                                               "keluarkan anggota.")
        self.edit_household_button.clicked.connect(self.edit_household)
        self.remove_button = QPushButton("Hapus keluar&ga…")
        self.remove_button.setToolTip("Hapus keluarga dari anggota yang dipilih (salah input); layanan yang "
                                      "sudah tercatat tetap ada.")
        self.remove_button.clicked.connect(self.remove_household)
        self.aid_buttons: dict[str, QPushButton] = {}
        actions = FlowLayout()  # eight buttons: they wrap on a narrow window instead of widening it
        actions.addWidget(self.household_button)
        actions.addWidget(self.edit_household_button)
        actions.addWidget(self.remove_button)
        for kind, label in AID_KINDS.items():
            button = QPushButton(label + "…")
            button.clicked.connect(lambda _=False, k=kind: self.record(k))
            self.aid_buttons[kind] = button
            actions.addWidget(button)
        self.household_button.setVisible(writer)
        self.remove_button.setVisible(writer)
        self.edit_household_button.setVisible(writer)
        for b in self.aid_buttons.values():
            b.setVisible(ctx.can("event.write"))
        self.members = member_needs_model(self)
        self.member_view, self.member_proxy = _table(self.members, multi=True)
        self.status = QLabel()
        self.status.setWordWrap(True)

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.heading)
        detail_layout.addWidget(self.figures)
        detail_layout.addLayout(actions)
        detail_layout.addWidget(self.member_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.disaster_view)
        splitter.addWidget(detail)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        self._show_summary(None)

    # ----- loading ---------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        if self._choices is None:
            self.ctx.runner.submit(aid.aid_choices, self.ctx.db, on_done=self._choices_loaded, parent=self)
        self.ctx.runner.submit(list_disasters, self.ctx.db, self.ctx.actor, self.year.value(),
                               on_done=self._disasters_loaded,
                               parent=self)

    @Slot(object)
    def _choices_loaded(self, choices: dict[str, list[str]]) -> None:
        self._choices = choices

    @Slot(object)
    def _disasters_loaded(self, rows: list[DisasterInfo]) -> None:
        keep = self._want_id or (self.summary.disaster.id if self.summary else None)
        self._want_id = None
        self.disasters.set_records(rows)
        row = next((i for i, d in enumerate(rows) if d.id == keep), 0 if rows else -1)
        if row < 0:
            self._show_summary(None)
            return
        index = self.disaster_proxy.mapFromSource(self.disasters.index(row, 0))
        self.disaster_view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.load_summary(rows[row].id)

    @Slot()
    def _disaster_chosen(self) -> None:
        d = self.current_disaster()
        if d is not None and (self.summary is None or self.summary.disaster.id != d.id):
            self.load_summary(d.id)

    def load_summary(self, disaster_id: str) -> None:
        self.ctx.runner.submit(disaster_summary, self.ctx.db, self.ctx.actor, disaster_id, on_done=self._show_summary,
                               parent=self)

    def current_disaster(self) -> DisasterInfo | None:
        index = self.disaster_view.currentIndex()
        if not index.isValid():
            return None
        return self.disasters.record(self.disaster_proxy.mapToSource(index).row())

    @Slot(object)
    def _show_summary(self, summary: DisasterSummary | None) -> None:
        self.summary = summary
        has = summary is not None
        for b in (self.edit_button, self.emergency_button, self.close_button, self.household_button,
                  self.remove_button,
                  self.edit_household_button,
                  *self.aid_buttons.values()):
            b.setEnabled(has)
        if not has:
            self.heading.setText("Belum ada kejadian bencana pada tahun ini. Pilih “Daftarkan bencana…”.")
            self.figures.clear()
            self.members.set_records([])
            return
        d = summary.disaster
        self.close_button.setEnabled(d.status != "closed")
        self.emergency_button.setEnabled(d.end_date is None)
        self.heading.setText(heading_text(d))
        self.figures.setText(summary_text(summary))
        self.members.set_records(list(summary.members))

    # ----- disasters -------------------------------------------------------------------

    @Slot()
    def register_disaster(self) -> None:
        saved = DisasterDialog.ask(self, self.ctx.regions(), self.ctx.runner,
                                   lambda value: register_disaster(self.ctx.db, self.ctx.actor, value))
        self._after_disaster_saved(saved, "Bencana didaftarkan.")

    @Slot()
    def edit_disaster(self) -> None:
        d = self.summary.disaster if self.summary else None
        if d is None:
            return
        saved = DisasterDialog.ask(self, self.ctx.regions(), self.ctx.runner,
                                   lambda value: update_disaster(self.ctx.db, self.ctx.actor, d.id, value), d)
        self._after_disaster_saved(saved, "Data bencana diubah.")

    @Slot()
    def end_emergency(self) -> None:
        d = self.summary.disaster if self.summary else None
        if d is None:
            return
        saved = CloseDisasterDialog.ask(self, d, self.ctx.runner, lambda value: end_emergency(
            self.ctx.db, self.ctx.actor, d.id, value[0], value[1]), emergency=True)
        self._after_disaster_saved(saved, "Masa tanggap darurat diakhiri.")

    @Slot()
    def close_disaster(self) -> None:
        d = self.summary.disaster if self.summary else None
        if d is None:
            return
        saved = CloseDisasterDialog.ask(self, d, self.ctx.runner, lambda value: close_disaster(
            self.ctx.db, self.ctx.actor, d.id, value[0], value[1]))
        self._after_disaster_saved(saved, "Penanganan bencana ditutup.")

    def _after_disaster_saved(self, saved: DisasterInfo | None, text: str) -> None:
        if saved is None:
            return
        self.status.setText(text)
        self._want_id = saved.id
        if self.year.value() != saved.start_date.year:
            self.year.setValue(saved.start_date.year)  # refreshes
        else:
            self.refresh()

    # ----- families and services --------------------------------------------------------

    @Slot()
    def add_household(self) -> None:
        if self.summary is None:
            return
        d = self.summary.disaster
        saved = HouseholdDialog.ask(self, d, self.ctx.runner,
                                    lambda value: register_household(self.ctx.db, self.ctx.actor, value))
        if saved is not None:
            linked = sum(1 for m in saved.members if m.linked_existing)
            note = f" ({linked} anggota sudah terdaftar sebelumnya dan dihubungkan)" if linked else ""
            self.status.setText(f"Keluarga {saved.head_name} dengan {len(saved.members)} anggota disimpan{note}.")
            self._want_id = d.id
            self.refresh()

    def _chosen_household(self, what: str) -> tuple[str, str] | None:
        """(household id, No. KK) of the members selected in the table, when they are of one family."""
        households = list(dict.fromkeys((m.household_id, m.no_kk) for m in self.selected_members()))
        if len(households) != 1:
            self.status.setText(f"Pilih anggota dari satu keluarga di tabel untuk {what} keluarga itu.")
            return None
        return households[0]

    @Slot()
    def edit_household(self) -> None:
        chosen = self._chosen_household("mengubah")
        if chosen is not None:
            self.ctx.runner.submit(get_household, self.ctx.db, self.ctx.actor, chosen[0],
                                   on_done=self._household_loaded, parent=self)

    @Slot(object)
    def _household_loaded(self, household: HouseholdInfo) -> None:
        if self.summary is None:
            return
        d = self.summary.disaster
        saved = HouseholdDialog.ask(self, d, self.ctx.runner, lambda value: update_household(
            self.ctx.db, self.ctx.actor, household.id, value), initial=household)
        if saved is not None:
            self.status.setText(f"Keluarga {saved.head_name} diubah: {len(saved.members)} anggota.")
            self._want_id = d.id
            self.refresh()

    @Slot()
    def remove_household(self) -> None:
        chosen = self._chosen_household("menghapus")
        if chosen is None:
            return
        household_id, no_kk = chosen
        if not confirm(self, f"Hapus keluarga KK {no_kk or '(tanpa No. KK)'} dari bencana ini? Data orangnya dan "
                             "layanan yang sudah tercatat tetap disimpan.", "Hapus keluarga"):
            return
        self.ctx.runner.submit(remove_household, self.ctx.db, self.ctx.actor, household_id,
                               on_done=self._household_removed, parent=self)

    @Slot(object)
    def _household_removed(self, _result) -> None:
        self.status.setText("Keluarga dihapus dari bencana ini.")
        if self.summary is not None:
            self._want_id = self.summary.disaster.id
        self.refresh()

    def selected_members(self) -> list:
        rows = {self.member_proxy.mapToSource(i).row() for i in self.member_view.selectionModel().selectedRows()}
        return [self.members.record(r) for r in sorted(rows)]

    @Slot()
    def record(self, kind: str) -> None:
        if self.summary is None:
            return
        selected = self.selected_members()
        families = {m.household_id for m in selected}
        request = AidDialog.ask(self, kind, self.summary.disaster, len(selected), self._choices or {},
                                families=len(families))
        if request is None:
            return
        if request.whole_families:
            chosen = [m for m in self.summary.members if m.household_id in families]
        else:
            chosen = selected if request.selected_only else list(self.summary.members)
        household_ids = list(dict.fromkeys(m.household_id for m in chosen))
        person_ids = [m.person_id for m in chosen] if request.selected_only and kind != "shelter" else []
        if person_ids:
            household_ids = []
        self.ctx.runner.submit(record_aid, self.ctx.db, self.ctx.actor, self.summary.disaster.id, request,
                               household_ids, person_ids, on_done=self._aid_recorded, parent=self)

    @Slot(object)
    def _aid_recorded(self, result: aid.AidResult) -> None:
        self.status.setText(result.message)
        if self.summary is not None:
            self._want_id = self.summary.disaster.id
        self.refresh()


def heading_text(d: DisasterInfo) -> str:
    """Title, dates (emergency period, handling), scale, phase, place and damage of a disaster."""
    emergency = (f"tanggap darurat s.d. {short_date(d.end_date)}" if d.end_date
                 else "masa tanggap darurat berjalan")
    handling = f"penanganan ditutup {short_date(d.closed_on)}" if d.closed_on else "penanganan berjalan"
    scale = f"skala {d.scale_label.lower()}" + ("" if d.counts_in_spm else " (tidak dihitung dalam SPM bencana)")
    return (f"<b>{d.title}</b> — {emergency}; {handling}; {scale}; {d.phase_label}; lokasi: {d.location or '–'}; "
            f"rumah rusak ringan {d.houses_light}, sedang {d.houses_medium}, berat {d.houses_heavy}")


def summary_text(s: DisasterSummary) -> str:
    """The figures line under the heading (Indonesian, numbers 1.234)."""
    kinds = ", ".join(f"{label.split(' (')[0].lower()} {fmt_int(n)}" for _, label, n in s.vulnerable_by_kind)
    lacking = ", ".join(f"{label} {fmt_int(n)}" for _, label, n in s.lacking_by_need)
    share = "–" if s.share_met is None else f"{s.share_met:.1f}".replace(".", ",") + "%"
    without = s.persons - s.with_needs
    services = "; ".join(f"{t.name} {fmt_int(t.quantity)} {'unit' if t.unit != 'Orang' else 'catatan'}"
                         f"{'' if t.unit != 'Orang' else f' ({fmt_int(t.persons)} orang)'}" for t in s.services)
    return (f"{fmt_int(s.households)} KK, {fmt_int(s.persons)} jiwa; kelompok rentan {fmt_int(s.vulnerable_persons)} "
            f"orang ({kinds}).<br>Kebutuhan dasar terpenuhi: <b>{fmt_int(s.met)} dari {fmt_int(s.with_needs)} "
            f"({share})</b>{f' ({fmt_int(without)} jiwa tanpa kebutuhan)' if without else ''}. "
            f"Masih kurang — {lacking}.<br>Layanan tercatat: {services or 'belum ada'}.")
