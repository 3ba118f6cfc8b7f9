"""Kasus: the case list (open by default) with how many needs are still open (or "belum
diasesmen" / "tidak ada kebutuhan"); the selected case's needs one by one, as the recap judges
them (met on, cancelled, open); open a case, add a re-assessment, remove a need (with its
reason), close."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from html import escape

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.groups import EXIT_REASONS, REFERRED_BY, UNITS
from spm_desktop.core.services.case_list import CaseRow, list_case_rows
from spm_desktop.core.services.cases import CaseInfo, NeedStatus, get_case, need_status, remove_need
from spm_desktop.core.storage.database import Database
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.dialogs.case import CaseDialog, CloseCaseDialog, NeedsDialog
from spm_desktop.ui.errors import user_message
from spm_desktop.ui.models.table import Column, RecordTableModel, record_view
from spm_desktop.ui.widgets import fill_combo, shortcut

STATUS_CHOICES = (("Kasus terbuka", "open"), ("Kasus ditutup", "closed"), ("Semua kasus", None))

CASE_COLUMNS = (
    Column("Nama", lambda c: c.person_name),
    Column("NIK", lambda c: c.nik or "belum diketahui"),
    Column("Kelompok", lambda c: c.spm_group_label),
    Column("Unit", lambda c: c.unit),
    Column("Masuk", lambda c: short_date(c.intake_date)),
    Column("Status", lambda c: "terbuka" if c.status == "open" else f"ditutup {short_date(c.exit_date)}"),
    Column("Kebutuhan", lambda c: str(c.needs)),
    Column("Belum terpenuhi", lambda c: str(c.missing) if c.needs else c.assessment),
)


def _need_state(n: NeedStatus) -> str:
    if n.delivered:
        return f"terpenuhi {short_date(n.met_on)}"
    if n.cancelled_on:
        return f"dibatalkan (keluar {short_date(n.cancelled_on)})"
    return "BELUM"


NEED_COLUMNS = (
    Column("Kebutuhan", lambda n: n.name, tooltip=lambda n: n.code),
    Column("Diasesmen", lambda n: short_date(n.assessed_on)),
    Column("Status", _need_state),
    Column("Layanan", lambda n: str(n.events) if n.events else ""),
    Column("Terakhir", lambda n: short_date(n.last_date)),
)


@dataclass(frozen=True)
class CaseDetail:
    case: CaseInfo
    needs: list[NeedStatus]


def load_case_detail(db: Database, actor: Actor, case_id: str) -> CaseDetail:
    """Worker thread: the case and the status of each needed item."""
    return CaseDetail(get_case(db, actor, case_id), need_status(db, actor, case_id))


def case_html(c: CaseInfo) -> str:
    rows = [("Kelompok SPM", c.spm_group_label), ("Unit", c.unit), ("Tanggal masuk", short_date(c.intake_date)),
            ("Dirujuk oleh", REFERRED_BY.get(c.referred_by, c.referred_by) or "–"),
            ("Tempat ditemukan", c.found_location or "–"),
            ("Rumah singgah", "ya" if c.in_shelter else "tidak")]
    if c.status == "closed":
        rows.append(("Keluar", f"{short_date(c.exit_date)} — {EXIT_REASONS.get(c.exit_reason, c.exit_reason)}"))
    if c.notes:
        rows.append(("Catatan", c.notes))
    cells = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{escape(str(v))}</td></tr>" for k, v in rows)
    return f"<h3>{escape(c.person_name)}</h3><table>{cells}</table>"


class Page(QWidget):
    TITLE = "Kasus"
    PERMISSION = "person.view"
    ORDER = 30

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.detail: CaseDetail | None = None
        self._generation = 0
        self._select_after: str | None = None
        self.search = QLineEdit()
        self.search.setPlaceholderText("Cari nama atau NIK…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox()
        fill_combo(self.status, list(STATUS_CHOICES))
        self.unit = QComboBox()
        fill_combo(self.unit, [(code, code) for code in UNITS], "Semua unit")
        self.new_button = QPushButton("&Buka kasus baru")
        self.new_button.setToolTip("Buka kasus baru dengan asesmen kebutuhan (Ctrl+N)")
        self.new_button.setEnabled(ctx.can("case.write"))
        self.new_button.clicked.connect(self.new_case)
        self.count_label = QLabel()
        self.cases = RecordTableModel(CASE_COLUMNS, self)
        self.view = record_view(self.cases)
        self.view.setObjectName("caseTable")
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)

        self.case_label = QLabel("Pilih kasus di daftar.")
        self.case_label.setWordWrap(True)
        self.case_label.setTextFormat(Qt.TextFormat.RichText)
        self.needs = RecordTableModel(NEED_COLUMNS, self)
        self.needs_view = record_view(self.needs, stretch=0)
        self.needs_view.setObjectName("needStatus")
        self.missing_label = QLabel()
        self.missing_label.setWordWrap(True)
        self.needs_button = QPushButton("Asesmen &ulang")
        self.needs_button.setToolTip("Tambahkan asesmen kebutuhan (atau \"tidak ada kebutuhan\") pada kasus terbuka")
        self.remove_need_button = QPushButton("Hapus &kebutuhan")
        self.remove_need_button.setToolTip("Hapus kebutuhan yang dipilih (salah input), dengan alasannya")
        self.close_button = QPushButton("&Tutup kasus")
        self.needs_button.clicked.connect(self.change_needs)
        self.remove_need_button.clicked.connect(self.remove_selected_need)
        self.close_button.clicked.connect(self.close_selected)
        self._enable_case_buttons()

        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.unit, 1)
        bar.addWidget(self.new_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.case_label)
        needs_box = QGroupBox("Kebutuhan dan pemenuhannya")
        needs_layout = QVBoxLayout(needs_box)
        needs_layout.addWidget(self.missing_label)
        needs_layout.addWidget(self.needs_view)
        right_layout.addWidget(needs_box, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.needs_button)
        buttons.addWidget(self.remove_need_button)
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        right_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.view)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.count_label)
        layout.addWidget(splitter, 1)

        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self.reload)
        self.search.textChanged.connect(self._timer.start)
        self.status.currentIndexChanged.connect(self.reload)
        self.unit.currentIndexChanged.connect(self.reload)
        shortcut(self, QKeySequence.StandardKey.Find, self.search.setFocus)
        shortcut(self, QKeySequence.StandardKey.New, self.new_case)
        self.reload()

    # --- list ---------------------------------------------------------------------------
    @Slot()
    def reload(self) -> None:
        self._timer.stop()
        self._generation += 1
        self.ctx.runner.submit(list_case_rows, self.ctx.db, self.ctx.actor, self.status.currentData(),
                               self.unit.currentData(), self.search.text(),
                               on_done=partial(self._loaded, self._generation), parent=self)

    def refresh(self) -> None:
        self.reload()

    def _loaded(self, generation: int, rows: list[CaseRow]) -> None:
        if generation != self._generation:
            return
        keep = self._select_after or (self.detail.case.id if self.detail else None)
        self._select_after = None
        self.cases.set_records(rows)
        self.view.resizeColumnsToContents()
        self.count_label.setText(f"{len(rows)} kasus ditampilkan" + (" (500 terbaru; persempit dengan pencarian)"
                                                                     if len(rows) >= 500 else ""))
        row = next((i for i, r in enumerate(rows) if r.case_id == keep), -1)
        if row >= 0:
            self.view.selectRow(row)
        else:
            self._show_detail(None)

    @Slot()
    def _selection_changed(self, *args) -> None:
        rows = self.view.selectionModel().selectedRows()
        record = self.cases.record(rows[0].row()) if rows else None
        if record is None:
            self._show_detail(None)
            return
        self.ctx.runner.submit(load_case_detail, self.ctx.db, self.ctx.actor, record.case_id,
                               on_done=self._show_detail, parent=self)

    @Slot(object)
    def _show_detail(self, detail: CaseDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self.case_label.setText("Pilih kasus di daftar.")
            self.needs.set_records([])
            self.missing_label.setText("")
        else:
            self.case_label.setText(case_html(detail.case))
            self.needs.set_records(detail.needs)
            missing = [n.name for n in detail.needs if not n.delivered and not n.cancelled_on]
            warnings = "".join(f"⚠ {w}\n" for w in detail.case.warnings)
            if not detail.needs and detail.case.no_need_assessed_on:
                self.missing_label.setText(warnings + "Tidak ada kebutuhan layanan dasar (asesmen "
                                           f"{short_date(detail.case.no_need_assessed_on)}).")
            elif not detail.needs:
                self.missing_label.setText(warnings + "Teridentifikasi, belum diasesmen: klik \"Asesmen ulang\".")
            elif missing:
                self.missing_label.setText(f"Belum terpenuhi ({len(missing)}): " + ", ".join(missing))
            else:
                self.missing_label.setText("Semua kebutuhan sudah terpenuhi.")
        self._enable_case_buttons()

    def _enable_case_buttons(self) -> None:
        open_case = self.detail is not None and self.detail.case.status == "open"
        may = self.ctx.can("case.write")
        self.needs_button.setEnabled(open_case and may)
        self.remove_need_button.setEnabled(self.detail is not None and bool(self.detail.needs) and may)
        self.close_button.setEnabled(open_case and may)

    # --- actions ------------------------------------------------------------------------
    @Slot()
    def new_case(self) -> None:
        self.start_for_person(None, "")

    def start_for_person(self, person_id: str | None, name: str, group: str | None = None,
                         assessment: str | None = None) -> None:
        """Open the new-case dialog, with the person (and group, assessment) already chosen when given."""
        if not self.ctx.can("case.write"):
            return
        opened = CaseDialog.ask(self, self.ctx, person_id, name, group=group, assessment=assessment)
        if opened is not None:
            self._after_change(opened)

    @Slot()
    def change_needs(self) -> None:
        if self.detail is not None:
            changed = NeedsDialog.ask(self, self.ctx, self.detail.case)
            if changed is not None:
                self._after_change(changed)

    @Slot()
    def remove_selected_need(self) -> None:
        if self.detail is None:
            return
        rows = self.needs_view.selectionModel().selectedRows()
        need = self.needs.record(rows[0].row()) if rows else None
        if need is None:
            self.missing_label.setText("Pilih dulu kebutuhan yang akan dihapus di tabel.")
            return
        ask = QInputDialog(self)
        ask.setWindowTitle("Hapus kebutuhan")
        ask.setLabelText(f"Alasan menghapus kebutuhan \"{need.name}\" (wajib):")
        if ask.exec() != QDialog.DialogCode.Accepted:
            return
        reason = ask.textValue()
        self.ctx.runner.submit(remove_need, self.ctx.db, self.ctx.actor, need.id, reason,
                               on_done=self._after_change, on_error=self._refused, parent=self)

    @Slot(object)
    def _refused(self, error: BaseException) -> None:
        self.missing_label.setText(user_message(error))

    @Slot()
    def close_selected(self) -> None:
        if self.detail is not None:
            closed = CloseCaseDialog.ask(self, self.ctx, self.detail.case)
            if closed is not None:
                self._after_change(closed)

    def _after_change(self, case: CaseInfo) -> None:
        self._select_after = case.id
        if case.status == "closed" and self.status.currentData() == "open":
            self._select_after = None
        self.reload()
