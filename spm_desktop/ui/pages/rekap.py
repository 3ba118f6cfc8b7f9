"""Rekap: choose a month or a quarter, see every figure of the roll-up, export the recap PDF
or the quarterly e-SPM workbook (through the runner) and open the file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.groups import SPM_GROUPS
from spm_desktop.core.reports import formatting as fmt
from spm_desktop.core.rollup import DIMENSIONS, Period, RollupResult
from spm_desktop.core.services import recap as recap_svc
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.file_dialogs import ask_save_file
from spm_desktop.ui.models.table import RESIZE_SAMPLE_ROWS, Column, RecordTableModel

GROUP_COLUMNS = (
    Column("Jenis pelayanan dasar", lambda g: SPM_GROUPS[g.group]),
    Column("Sasaran", lambda g: fmt.number(g.sasaran)),
    Column("Terpenuhi", lambda g: fmt.number(g.terpenuhi)),
    Column("Capaian (A)", lambda g: fmt.percent(g.capaian)),
    Column("Mutu (B)", lambda g: fmt.percent(g.mutu)),
    Column("Indeks SPM", lambda g: fmt.number(g.index, 1)),
    Column("Status", lambda g: g.status),
)
INDICATOR_COLUMNS = (
    Column("Kode", lambda i: i.code),
    Column("Subkegiatan", lambda i: i.name, tooltip=lambda i: i.name),
    Column("Satuan", lambda i: i.unit),
    Column("Bulan ini", lambda i: fmt.number(i.month)),
    Column("Kumulatif", lambda i: fmt.number(i.cumulative)),
    Column("Target", lambda i: fmt.number(i.target)),
    Column("% target", lambda i: fmt.percent(i.percent_of_target)),
    Column("Pagu", lambda i: fmt.money(i.budget)),
)
QUARTERS = ("I", "II", "III", "IV")


# Worker-thread jobs are module functions: a closure over the page would let the worker drop
# the last reference to a widget (destroying it off the GUI thread).
def _export_pdf(db, actor, period: Period, path: Path, result: RollupResult | None, signed_on: date):
    signing = recap_svc.signing_for(db, actor, signed_on)
    return recap_svc.export_recap_pdf(db, actor, period, path, result, signing)


def _export_espm(db, actor, year: int, quarter: int, path: Path, signed_on: date):
    return recap_svc.export_espm(db, actor, year, quarter, path, recap_svc.signing_for(db, actor, signed_on))


class ExportFileDialog:
    """Where to save an export; ``ask`` returns the chosen path or None (patched in tests)."""

    @classmethod
    def ask(cls, parent: QWidget, caption: str, suggested: Path, file_filter: str) -> Path | None:
        return ask_save_file(parent, caption, suggested, file_filter)


class Page(QWidget):
    TITLE = "Rekap"
    PERMISSION = "report.view"
    ORDER = 70

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result: RollupResult | None = None
        self.last_file: Path | None = None
        today = today or clock.today()
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(today.year)
        self.period_box = QComboBox()
        for m, name in enumerate(fmt.MONTHS_ID, start=1):
            self.period_box.addItem(f"Bulan {name}", ("month", m))
        for q, roman in enumerate(QUARTERS, start=1):
            self.period_box.addItem(f"Triwulan {roman}", ("quarter", q))
        self.period_box.setCurrentIndex(today.month - 1)
        self.signed_on = QDateEdit(QDate(today.year, today.month, today.day))
        self.signed_on.setCalendarPopup(True)
        self.signed_on.setDisplayFormat("dd/MM/yyyy")
        self.signed_on.setToolTip("Tanggal tanda tangan pada PDF dan buku kerja e-SPM (bawaan: hari ini)")
        self.show_button = QPushButton("&Tampilkan")
        self.pdf_button = QPushButton("Ekspor &PDF…")
        self.xlsx_button = QPushButton("Ekspor &e-SPM (xlsx)…")
        self.open_button = QPushButton("&Buka berkas")
        self.show_button.clicked.connect(self.compute)
        self.pdf_button.clicked.connect(self.export_pdf)
        self.xlsx_button.clicked.connect(self.export_xlsx)
        self.open_button.clicked.connect(self.open_last_file)
        self.period_box.currentIndexChanged.connect(self._update_buttons)
        top = QHBoxLayout()
        for w in (QLabel("Tahun:"), self.year, QLabel("Periode:"), self.period_box, self.show_button):
            top.addWidget(w)
        top.addStretch(1)
        for w in (QLabel("Tanggal tanda tangan:"), self.signed_on, self.pdf_button, self.xlsx_button, self.open_button):
            top.addWidget(w)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.ikk_label = QLabel()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.groups = RecordTableModel(GROUP_COLUMNS, self)
        self.indicators = RecordTableModel(INDICATOR_COLUMNS, self)
        self.breakdown_model = RecordTableModel((), self)
        self.dimension_box = QComboBox()
        for key, label in DIMENSIONS.items():
            self.dimension_box.addItem(label, key)
        self.dimension_box.currentIndexChanged.connect(self._dimension_changed)
        breakdown_tab = QWidget()
        breakdown_layout = QVBoxLayout(breakdown_tab)
        row = QHBoxLayout()
        row.addWidget(QLabel("Rincian menurut:"))
        row.addWidget(self.dimension_box)
        row.addStretch(1)
        breakdown_layout.addLayout(row)
        breakdown_layout.addWidget(self._table(self.breakdown_model, stretch=1))
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        tabs = QTabWidget()
        tabs.addTab(self._table(self.groups), "Capaian SPM")
        tabs.addTab(self._table(self.indicators, stretch=1), "Indikator keluaran")
        tabs.addTab(breakdown_tab, "Rincian")
        tabs.addTab(self.warnings, "Peringatan")
        self.tabs = tabs
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.ikk_label)
        layout.addWidget(tabs, 1)
        layout.addWidget(self.status_label)
        self._update_buttons()

    def _table(self, model: RecordTableModel, stretch: int = 0) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setWordWrap(False)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
        if stretch:
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        else:
            header.setStretchLastSection(True)
        return view

    # --- period ------------------------------------------------------------------------------
    def period(self) -> Period:
        kind, n = self.period_box.currentData()
        year = self.year.value()
        return Period.for_quarter(year, n) if kind == "quarter" else Period.for_month(year, n)

    def set_period(self, year: int, month: int | None = None, quarter: int | None = None) -> None:
        self.year.setValue(year)
        self.period_box.setCurrentIndex(month - 1 if month else 11 + (quarter or 1))

    @Slot()
    def _update_buttons(self, *_args) -> None:
        can_export = self.ctx.can("report.export")
        self.pdf_button.setEnabled(can_export)
        is_quarter = self.period_box.currentData()[0] == "quarter"
        self.xlsx_button.setEnabled(can_export and is_quarter)
        self.xlsx_button.setToolTip("" if is_quarter else "Buku kerja e-SPM dibuat per triwulan: pilih Triwulan.")
        self.open_button.setEnabled(self.last_file is not None)

    # --- figures -----------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        if self.result is None:
            self.compute()

    @Slot()
    def compute(self) -> None:
        self.status_label.setText("Menghitung…")
        dims = tuple(dict.fromkeys(("kecamatan", self.dimension_box.currentData())))
        self.ctx.runner.submit(recap_svc.recap, self.ctx.db, self.ctx.actor, self.period(), dims, parent=self,
                               on_done=self.show_result)

    @Slot()
    def _dimension_changed(self, *_args) -> None:
        if self.result is not None:
            self.compute()

    @Slot(object)
    def show_result(self, result: RollupResult) -> None:
        self.result = result
        self.title.setText(f"Rekapitulasi Capaian SPM Bidang Sosial — {result.period.label} "
                           f"(1 Januari s.d. {fmt.long_date(result.period.end)})")
        k = result.ikk
        self.ikk_label.setText(f"IKK 1: {fmt.percent(k.ikk1)} ({fmt.number(k.ikk1_terpenuhi)} dari "
                               f"{fmt.number(k.ikk1_sasaran)})    IKK 2: {fmt.percent(k.ikk2)} "
                               f"({fmt.number(k.ikk2_terpenuhi)} dari {fmt.number(k.ikk2_sasaran)})")
        self.groups.set_records(result.spm)
        self.indicators.set_records(result.indicators)
        chosen = result.breakdown(self.dimension_box.currentData()) or result.breakdown("kecamatan")
        rows = chosen.rows if chosen else ()
        columns = [Column("Subkegiatan", lambda i: i.name)] + [
            Column(r.label, lambda i, r=r: fmt.number(r.value(i.code))) for r in rows]
        self.breakdown_model.beginResetModel()
        self.breakdown_model.columns = tuple(columns)
        self.breakdown_model.endResetModel()
        self.breakdown_model.set_records(result.indicators)
        self.warnings.setText("\n".join(f"• {w}" for w in result.warnings) or "Tidak ada peringatan.")
        self.status_label.setText("")

    # --- exports -----------------------------------------------------------------------------
    @Slot()
    def export_pdf(self) -> None:
        period = self.period()
        suggested = Path.home() / f"rekap-spm-{period.year}-{period.month:02d}.pdf"
        path = ExportFileDialog.ask(self, "Simpan rekap PDF", suggested, "PDF (*.pdf)")
        if path is None:
            return
        result = self.result if self.result is not None and self.result.period == period else None
        self.status_label.setText("Membuat PDF…")
        self.ctx.runner.submit(_export_pdf, self.ctx.db, self.ctx.actor, period, path, result,
                               self.signed_on.date().toPython(), parent=self, on_done=self._exported,
                               on_error=self._export_failed)

    @Slot()
    def export_xlsx(self) -> None:
        kind, quarter = self.period_box.currentData()
        if kind != "quarter":
            return
        year = self.year.value()
        path = ExportFileDialog.ask(self, "Simpan buku kerja e-SPM", Path.home() / f"e-spm-{year}-tw{quarter}.xlsx",
                                    "Buku kerja Excel (*.xlsx)")
        if path is None:
            return
        self.status_label.setText("Membuat buku kerja e-SPM…")
        self.ctx.runner.submit(_export_espm, self.ctx.db, self.ctx.actor, year, quarter, path,
                               self.signed_on.date().toPython(), parent=self, on_done=self._exported,
                               on_error=self._export_failed)

    @Slot(object)
    def _exported(self, written) -> None:
        path = written[0] if isinstance(written, tuple) else written
        self.last_file = Path(path)
        self.status_label.setText(f"Berkas disimpan: {self.last_file}")
        self._update_buttons()

    def _export_failed(self, exc: BaseException) -> None:
        """The refusal (e.g. the Kepala Dinas's name or NIP still empty) stays readable on the page."""
        self.status_label.setText(f"Ekspor ditolak: {getattr(exc, 'message', exc)}")

    @Slot()
    def open_last_file(self) -> None:
        if self.last_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_file)))
