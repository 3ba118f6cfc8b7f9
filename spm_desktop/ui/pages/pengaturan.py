"""Pengaturan (administrator): office and letterhead logo, signatories, SPM rules (fulfilment
rule, weights, tuntas table), targets per year, the service catalogue and the yearly mutu
quantities (available per standard item). Every change goes through the settings/mutu services
on the runner."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.groups import SPM_GROUP_SHORT
from spm_desktop.core.domain.layanan import LETTER_KINDS
from spm_desktop.core.reports import formatting as fmt
from spm_desktop.core.rollup.mutu import KINDS as MUTU_KINDS
from spm_desktop.core.services import mutu as mutu_svc
from spm_desktop.core.services import settings as settings_svc
from spm_desktop.core.services.settings import FULFILMENT_RULES, AppSettings
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.errors import show_info
from spm_desktop.ui.file_dialogs import ask_open_file, ask_save_file
from spm_desktop.ui.models.table import RESIZE_SAMPLE_ROWS, Column, RecordTableModel

OFFICE_FIELDS = (
    ("office.government", "office_government", "Pemerintah daerah"),
    ("office.name", "office_name", "Nama kantor"),
    ("office.address", "office_address", "Alamat"),
    ("office.phone", "office_phone", "Telepon"),
    ("office.email", "office_email", "Surel"),
    ("office.city", "office_city", "Kota (tempat tanda tangan)"),
    ("signatory.title", "signatory_title", "Jabatan penanda tangan"),
    ("signatory.name", "signatory_name", "Nama penanda tangan"),
    ("signatory.nip", "signatory_nip", "NIP"),
    ("signatory.rank", "signatory_rank", "Pangkat/golongan"),
)
TUNTAS_ROWS = 6


def _mutu_year(db, year: int):
    """The year's mutu items and the groups' B (worker thread: captures no widget)."""
    return mutu_svc.list_items(db, year), mutu_svc.scores(db, year)


def _decimals(value) -> int:
    """0 for whole quantities, else 2 (mutu quantities have at most two decimals)."""
    return 0 if value == int(value) else 2


class LogoFileDialog:
    """Pick the letterhead logo; ``ask`` returns a path or None (patched in tests)."""

    @classmethod
    def ask(cls, parent: QWidget) -> Path | None:
        return ask_open_file(parent, "Pilih logo kop surat", Path.home(), "Gambar (*.png *.jpg *.jpeg)")


class TargetsFileDialog:
    """Pick the targets file to import or the file to export to (patched in tests)."""

    FILTER = "Target Renstra (*.csv *.xlsx)"

    @classmethod
    def ask_open(cls, parent: QWidget) -> Path | None:
        return ask_open_file(parent, "Impor target Renstra", Path.home(), cls.FILTER)

    @classmethod
    def ask_save(cls, parent: QWidget) -> Path | None:
        return ask_save_file(parent, "Ekspor target Renstra", Path.home() / "target.csv", "CSV (*.csv)")


def _view(model) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _selected(view: QTableView, model: RecordTableModel):
    rows = view.selectionModel().selectedRows()
    return model.record(rows[0].row()) if rows else None


class Page(QWidget):
    TITLE = "Pengaturan"
    PERMISSION = "settings.edit"
    ORDER = 95

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget()
        self.tabs.addTab(self._office_tab(), "Kantor dan penanda tangan")
        self.tabs.addTab(self._rules_tab(), "Aturan SPM")
        self.tabs.addTab(self._targets_tab(), "Target per tahun")
        self.tabs.addTab(self._catalogue_tab(), "Katalog layanan")
        self.tabs.addTab(self._mutu_tab(), "Mutu (jumlah tersedia)")
        self.tabs.addTab(self._layanan_tab(), "Pengaduan dan surat")
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.status)

    def _submit(self, fn, *args, on_done=None, **kwargs) -> None:
        self.ctx.runner.submit(fn, self.ctx.db, self.ctx.actor, *args, parent=self, on_done=on_done, **kwargs)

    # --- office and signatories -------------------------------------------------------------
    def _office_tab(self) -> QWidget:
        w = QWidget()
        form = QFormLayout(w)
        self.office_edits: dict[str, QLineEdit] = {}
        for key, _attr, label in OFFICE_FIELDS:
            edit = QLineEdit()
            self.office_edits[key] = edit
            form.addRow(label + ":", edit)
        self.logo_edit = QLineEdit()
        self.logo_edit.setReadOnly(True)
        pick = QPushButton("Pilih &logo…")
        pick.clicked.connect(self.pick_logo)
        clear = QPushButton("Hapus logo")
        clear.clicked.connect(self.clear_logo)
        row = QHBoxLayout()
        row.addWidget(self.logo_edit, 1)
        row.addWidget(pick)
        row.addWidget(clear)
        form.addRow("Logo kop surat:", row)
        self.office_save = QPushButton("&Simpan kantor dan penanda tangan")
        self.office_save.clicked.connect(self.save_office)
        form.addRow(self.office_save)
        self.area_label = QLabel()
        self.area_change = QPushButton("Ganti &wilayah kerja…")
        self.area_change.setToolTip("Hanya selama basis data belum berisi penerima layanan.")
        self.area_change.clicked.connect(self.change_area)
        area_row = QHBoxLayout()
        area_row.addWidget(self.area_label, 1)
        area_row.addWidget(self.area_change)
        form.addRow("Wilayah kerja:", area_row)
        return w

    @Slot()
    def change_area(self) -> None:
        from spm_desktop.core.services.area import current_area
        from spm_desktop.ui.dialogs.area import AreaDialog

        def ask(current) -> None:
            area = AreaDialog.ask(self, self.ctx.db, self.ctx.actor, self.ctx.runner, current=current)
            if area is not None:
                self.ctx.reload_lists()  # kecamatan and desa/kelurahan of the new area
                self.status.setText(f"Wilayah kerja: {area.name} ({area.code}).")
                self.refresh()

        self.ctx.runner.submit(current_area, self.ctx.db, on_done=ask, parent=self)

    def _show_area(self, area) -> None:
        self.area_label.setText(f"{area.name} ({area.code}), {area.province_name}" if area else "belum dipilih")

    @Slot()
    def pick_logo(self) -> None:
        path = LogoFileDialog.ask(self)
        if path is not None:
            self._submit(settings_svc.set_logo, path, self.ctx.data_dir,
                         on_done=lambda st: self.logo_edit.setText(st.office_logo_path))

    @Slot()
    def clear_logo(self) -> None:
        self._submit(settings_svc.set_logo, None, self.ctx.data_dir, on_done=lambda st: self.logo_edit.clear())

    @Slot()
    def save_office(self) -> None:
        values = {key: edit.text() for key, edit in self.office_edits.items()}
        self._submit(settings_svc.update_settings, values, on_done=self._settings_saved)

    # --- SPM rules ----------------------------------------------------------------------------
    def _rules_tab(self) -> QWidget:
        w = QWidget()
        form = QFormLayout(w)
        self.rule_box = QComboBox()
        for key, label in FULFILMENT_RULES.items():
            self.rule_box.addItem(label, key)
        self.weight_a = QDoubleSpinBox()
        self.weight_b = QDoubleSpinBox()
        for spin in (self.weight_a, self.weight_b):
            spin.setRange(0, 1)
            spin.setSingleStep(0.05)
            spin.setDecimals(2)
        form.addRow("Aturan terpenuhi:", self.rule_box)
        form.addRow("Bobot A (penerima layanan):", self.weight_a)
        form.addRow("Bobot B (mutu):", self.weight_b)
        grid = QGridLayout()
        grid.addWidget(QLabel("Indeks minimal"), 0, 0)
        grid.addWidget(QLabel("Status"), 0, 1)
        self.tuntas_rows: list[tuple[QDoubleSpinBox, QLineEdit]] = []
        for r in range(TUNTAS_ROWS):
            spin, edit = QDoubleSpinBox(), QLineEdit()
            spin.setRange(0, 100)
            spin.setDecimals(1)
            grid.addWidget(spin, r + 1, 0)
            grid.addWidget(edit, r + 1, 1)
            self.tuntas_rows.append((spin, edit))
        form.addRow("Tabel status tuntas (baris berlabel kosong diabaikan):", grid)
        self.child_age = QSpinBox()
        self.child_age.setRange(1, 18)
        self.child_age.setPrefix("di bawah ")
        self.child_age.setSuffix(" tahun")
        self.child_age.setToolTip("Korban bencana yang lebih muda dari batas ini pada tanggal mulai bencana termasuk "
                                  "kelompok rentan (butuh penanganan khusus). 5 = bayi dan balita (Renstra); "
                                  "18 = anak-anak (UU 24/2007 pasal 55).")
        form.addRow("Usia anak kelompok rentan (bencana):", self.child_age)
        self.rules_save = QPushButton("Simpan &aturan SPM")
        self.rules_save.clicked.connect(self.save_rules)
        form.addRow(self.rules_save)
        return w

    @Slot()
    def save_rules(self) -> None:
        tuntas = [{"min": spin.value(), "label": edit.text()} for spin, edit in self.tuntas_rows if edit.text().strip()]
        values = {"spm.fulfilment_rule": self.rule_box.currentData(), "spm.weight_a": self.weight_a.value(),
                  "spm.weight_b": self.weight_b.value(), "spm.tuntas": tuntas,
                  "disaster.usia_rentan_anak": self.child_age.value()}
        self._submit(settings_svc.update_settings, values, on_done=self._settings_saved)

    @Slot(object)
    def _settings_saved(self, st: AppSettings) -> None:
        self.ctx.reload_lists()  # other pages read the settings from the context
        self.show_settings(st)
        self.status.setText("Pengaturan disimpan.")

    def show_settings(self, st: AppSettings) -> None:
        for key, attr, _label in OFFICE_FIELDS:
            self.office_edits[key].setText(getattr(st, attr))
        self.logo_edit.setText(st.office_logo_path)
        self.rule_box.setCurrentIndex(max(0, self.rule_box.findData(st.fulfilment_rule)))
        self.weight_a.setValue(st.weight_a)
        self.weight_b.setValue(st.weight_b)
        self.child_age.setValue(st.usia_rentan_anak)
        self.response_days.setValue(st.complaint_response_days)
        self.feedback_days.setValue(st.referral_feedback_days)
        self.extra_holidays.setText("; ".join(st.extra_holidays))
        for kind, edit in self.letter_formats.items():
            edit.setText(st.letter_format(kind))
        levels = sorted(st.tuntas, key=lambda t: -t.min)
        for r, (spin, edit) in enumerate(self.tuntas_rows):
            spin.setValue(levels[r].min if r < len(levels) else 0)
            edit.setText(levels[r].label if r < len(levels) else "")

    # --- complaints, referrals and letters (issue 21) -------------------------------------------
    def _layanan_tab(self) -> QWidget:
        w = QWidget()
        form = QFormLayout(w)
        self.response_days = QSpinBox()
        self.response_days.setRange(1, 60)
        self.response_days.setSuffix(" hari kerja")
        self.feedback_days = QSpinBox()
        self.feedback_days.setRange(1, 365)
        self.feedback_days.setSuffix(" hari")
        self.extra_holidays = QLineEdit()
        self.extra_holidays.setPlaceholderText("mis. 2026-03-18; 2026-12-24 (dipisah titik koma)")
        self.extra_holidays.setToolTip("Hari libur di luar resources/hari_libur.csv (cuti bersama, libur daerah); "
                                       "tidak dihitung sebagai hari kerja.")
        form.addRow("Batas tanggapan pertama pengaduan:", self.response_days)
        form.addRow("Batas menunggu umpan balik rujukan:", self.feedback_days)
        form.addRow("Hari libur tambahan:", self.extra_holidays)
        self.letter_formats: dict[str, QLineEdit] = {}
        for kind, label in LETTER_KINDS.items():
            edit = QLineEdit()
            edit.setToolTip("{n} = nomor urut per jenis surat dan tahun, {tahun} = tahun, {bulan} = bulan (Romawi).")
            self.letter_formats[kind] = edit
            form.addRow(f"Format nomor {label}:", edit)
        self.layanan_save = QPushButton("Simpan pengaturan pengaduan dan s&urat")
        self.layanan_save.clicked.connect(self.save_layanan)
        form.addRow(self.layanan_save)
        return w

    @Slot()
    def save_layanan(self) -> None:
        days = [d.strip() for d in self.extra_holidays.text().replace(",", ";").split(";") if d.strip()]
        values = {"layanan.batas_respons_hari": self.response_days.value(),
                  "rujukan.batas_umpan_balik_hari": self.feedback_days.value(), "layanan.hari_libur_tambahan": days}
        values.update({f"surat.nomor_{kind}": edit.text() for kind, edit in self.letter_formats.items()})
        self._submit(settings_svc.update_settings, values, on_done=self._settings_saved)

    # --- targets ------------------------------------------------------------------------------
    def _targets_tab(self) -> QWidget:
        w = QWidget()
        self.target_year = QSpinBox()
        self.target_year.setRange(2000, 2100)
        self.target_year.setValue(clock.today().year)
        self.target_year.valueChanged.connect(self.load_targets)
        names = {}
        self.targets = RecordTableModel((
            Column("Kode / indikator", lambda t: t.key),
            Column("Subkegiatan", lambda t: names.get(t.key, t.key.upper())),
            Column("Target", lambda t: fmt.number(t.value)),
            Column("Pagu", lambda t: fmt.money(t.budget)),
        ), self)
        self._target_names = names
        self.targets_view = _view(self.targets)
        self.targets_view.selectionModel().selectionChanged.connect(self._target_selected)
        self.target_value = QDoubleSpinBox()
        self.target_value.setRange(0, 1e9)
        self.target_value.setDecimals(0)
        self.target_budget = QDoubleSpinBox()
        self.target_budget.setRange(0, 1e15)
        self.target_budget.setDecimals(0)
        self.target_save = QPushButton("Simpan &target")
        self.target_save.clicked.connect(self.save_target)
        self.target_import = QPushButton("&Impor target dari berkas…")
        self.target_import.setToolTip("Berkas dengan kolom renstra_targets.csv: code, baseline_TAHUN, "
                                      "target_TAHUN…, budget_TAHUN…")
        self.target_import.clicked.connect(self.import_targets)
        self.target_export = QPushButton("&Ekspor target ke berkas…")
        self.target_export.clicked.connect(self.export_targets)
        top = QHBoxLayout()
        top.addWidget(QLabel("Tahun:"))
        top.addWidget(self.target_year)
        top.addStretch(1)
        top.addWidget(self.target_import)
        top.addWidget(self.target_export)
        edit = QHBoxLayout()
        for widget in (QLabel("Target:"), self.target_value, QLabel("Pagu (Rp):"), self.target_budget,
                       self.target_save):
            edit.addWidget(widget)
        layout = QVBoxLayout(w)
        layout.addLayout(top)
        layout.addWidget(self.targets_view, 1)
        layout.addLayout(edit)
        return w

    @Slot()
    def load_targets(self, *_args) -> None:
        self.ctx.runner.submit(settings_svc.list_targets, self.ctx.db, self.target_year.value(), parent=self,
                               on_done=self.targets.set_records)

    @Slot()
    def _target_selected(self, *_args) -> None:
        t = _selected(self.targets_view, self.targets)
        if t is not None:
            self.target_value.setValue(t.value)
            self.target_budget.setValue(t.budget or 0)

    @Slot()
    def save_target(self) -> None:
        t = _selected(self.targets_view, self.targets)
        if t is None:
            show_info(self, "Pilih dulu baris target yang akan diubah.")
            return
        budget = self.target_budget.value() if t.budget is not None or self.target_budget.value() else None
        self._submit(settings_svc.update_target, t.year, t.key, self.target_value.value(), budget,
                     on_done=lambda _r: self.load_targets())

    @Slot()
    def import_targets(self) -> None:
        from spm_desktop.core.imports import run_import

        path = TargetsFileDialog.ask_open(self)
        if path is None:
            return

        def done(result) -> None:
            self.status.setText(result.summary())
            show_info(self, result.summary(), "Impor target")
            self.load_targets()

        self._submit(run_import, "targets", path, on_done=done)

    @Slot()
    def export_targets(self) -> None:
        from spm_desktop.core.imports.targets import export_targets

        path = TargetsFileDialog.ask_save(self)
        if path is None:
            return
        self._submit(export_targets, path, on_done=lambda n: self.status.setText(
            f"{n} baris target (kode layanan dan dtsen) ditulis ke {path}."))

    # --- service catalogue --------------------------------------------------------------------
    def _catalogue_tab(self) -> QWidget:
        w = QWidget()
        self.catalogue = RecordTableModel((
            Column("Kode", lambda t: t.code),
            Column("Nama", lambda t: t.name),
            Column("Satuan", lambda t: t.unit),
            Column("Standar/hari", lambda t: "" if t.standard_per_day is None else str(t.standard_per_day)),
            Column("Status", lambda t: "Aktif" if t.active else "Nonaktif"),
        ), self)
        self.catalogue_view = _view(self.catalogue)
        self.catalogue_view.selectionModel().selectionChanged.connect(self._service_selected)
        self.service_name = QLineEdit()
        self.service_active = QCheckBox("Aktif")
        self.service_standard = QSpinBox()
        self.service_standard.setRange(0, 20)
        self.service_standard.setSpecialValueText("—")
        self.service_save = QPushButton("Simpan &layanan")
        self.service_save.clicked.connect(self.save_service)
        edit = QHBoxLayout()
        for widget in (QLabel("Nama:"), self.service_name, QLabel("Standar per hari:"), self.service_standard,
                       self.service_active, self.service_save):
            edit.addWidget(widget)
        layout = QVBoxLayout(w)
        layout.addWidget(self.catalogue_view, 1)
        layout.addLayout(edit)
        return w

    @Slot()
    def load_catalogue(self) -> None:
        self.ctx.runner.submit(settings_svc.list_service_types, self.ctx.db, parent=self,
                               on_done=self._catalogue_loaded)

    @Slot(object)
    def _catalogue_loaded(self, rows) -> None:
        self._target_names.update({t.code: t.name for t in rows})
        self.catalogue.set_records(rows)
        self.targets.layoutChanged.emit()

    @Slot()
    def _service_selected(self, *_args) -> None:
        t = _selected(self.catalogue_view, self.catalogue)
        if t is not None:
            self.service_name.setText(t.name)
            self.service_active.setChecked(t.active)
            self.service_standard.setValue(t.standard_per_day or 0)

    @Slot()
    def save_service(self) -> None:
        t = _selected(self.catalogue_view, self.catalogue)
        if t is None:
            show_info(self, "Pilih dulu jenis layanan yang akan diubah.")
            return
        standard = self.service_standard.value() or None

        def done(_info) -> None:
            self.ctx.reload_lists()
            self.load_catalogue()

        self._submit(settings_svc.update_service_type, t.code, name=self.service_name.text(),
                     active=self.service_active.isChecked(), standard_per_day=standard, on_done=done)

    # --- mutu (B): available quantities per year ---------------------------------------------
    def _mutu_tab(self) -> QWidget:
        w = QWidget()
        self.mutu_year = QSpinBox()
        self.mutu_year.setRange(2000, 2100)
        self.mutu_year.setValue(clock.today().year)
        self.mutu_year.valueChanged.connect(self.load_mutu)
        self.mutu = RecordTableModel((
            Column("Jenis", lambda m: MUTU_KINDS.get(m.kind, m.kind)),
            Column("Butir standar", lambda m: m.item, tooltip=lambda m: f"{m.item} (Renstra baris {m.seed_line})"),
            Column("Kelompok", lambda m: ", ".join(SPM_GROUP_SHORT.get(g, g) for g in m.groups)),
            Column("Satuan", lambda m: m.unit),
            Column("Standar", lambda m: fmt.number(m.standard, _decimals(m.standard)) if m.standard is not None
                   else "tidak terbaca"),
            Column("Tersedia", lambda m: "belum diisi" if m.available is None
                   else fmt.number(m.available, _decimals(m.available))),
            Column("Skor", lambda m: fmt.percent(None if m.score is None else float(m.score))
                   if m.counted else "tidak dihitung"),
            Column("Catatan", lambda m: m.note),
        ), self)
        self.mutu_view = _view(self.mutu)
        self.mutu_view.selectionModel().selectionChanged.connect(self._mutu_selected)
        self.mutu_available = QLineEdit()
        self.mutu_available.setPlaceholderText("kosong = belum diisi")
        self.mutu_note = QLineEdit()
        self.mutu_save = QPushButton("Simpan &jumlah tersedia")
        self.mutu_save.clicked.connect(self.save_mutu)
        self.mutu_available.returnPressed.connect(self.save_mutu)
        self.mutu_scores = QLabel()
        self.mutu_scores.setWordWrap(True)
        top = QHBoxLayout()
        for widget in (QLabel("Tahun:"), self.mutu_year):
            top.addWidget(widget)
        top.addStretch(1)
        edit = QHBoxLayout()
        for widget in (QLabel("Jumlah tersedia:"), self.mutu_available, QLabel("Catatan:"), self.mutu_note,
                       self.mutu_save):
            edit.addWidget(widget)
        layout = QVBoxLayout(w)
        layout.addLayout(top)
        explanation = QLabel("Isi jumlah yang dimiliki kantor tahun ini untuk setiap butir standar Renstra. "
                             "B = rata-rata min(tersedia / standar, 1) × 100; sebuah kelompok \"belum dinilai\" "
                             "sampai semua butirnya terisi. Butir bersama dipakai oleh keempat kelompok "
                             "rehabilitasi (dan bencana bila tercantum).")
        explanation.setWordWrap(True)  # one long line made the window 1.874 px wide
        layout.addWidget(explanation)
        layout.addWidget(self.mutu_view, 1)
        layout.addLayout(edit)
        layout.addWidget(self.mutu_scores)
        self.mutu_save.setEnabled(self.ctx.can("mutu.edit"))
        return w

    @Slot()
    def load_mutu(self, *_args) -> None:
        self.ctx.runner.submit(_mutu_year, self.ctx.db, self.mutu_year.value(), parent=self, on_done=self._show_mutu)

    def _show_mutu(self, loaded) -> None:
        rows, scores = loaded
        self.mutu.set_records(rows)
        parts = []
        for g, score in scores.items():
            value = fmt.percent(score.value) if score.value is not None else \
                f"belum dinilai ({score.filled} dari {score.items} butir terisi)"
            parts.append(f"{SPM_GROUP_SHORT[g]}: B = {value}")
        self.mutu_scores.setText("; ".join(parts))

    @Slot()
    def _mutu_selected(self, *_args) -> None:
        m = _selected(self.mutu_view, self.mutu)
        if m is not None:
            self.mutu_available.setText("" if m.available is None else fmt.number(m.available,
                                                                                   _decimals(m.available)))
            self.mutu_note.setText(m.note)

    @Slot()
    def save_mutu(self) -> None:
        m = _selected(self.mutu_view, self.mutu)
        if m is None:
            show_info(self, "Pilih dulu butir mutu.")
            return
        row = self.mutu_view.selectionModel().selectedRows()[0].row()
        text = self.mutu_available.text().strip().replace(".", "").replace(",", ".")

        def done(_item) -> None:
            self.load_mutu()
            self.ctx.runner.submit(lambda: None, on_done=lambda _r: self.mutu_view.selectRow(row))

        self._submit(mutu_svc.set_available, self.mutu_year.value(), m.key, text or None, self.mutu_note.text(),
                     on_done=done)

    # --- page ---------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        from spm_desktop.core.services.area import current_area

        self.ctx.runner.submit(settings_svc.get_settings, self.ctx.db, parent=self, on_done=self.show_settings)
        self.ctx.runner.submit(current_area, self.ctx.db, parent=self, on_done=self._show_area)
        self.load_catalogue()
        self.load_targets()
        self.load_mutu()
