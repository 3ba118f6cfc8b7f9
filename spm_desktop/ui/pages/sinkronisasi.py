"""Sinkronisasi: exchange packages with the TKSK laptops / the office, review conflicts.

This computer's name and identity (fingerprint, identity file), the enrolled devices
(administrator: enrol with role and scope, revoke), a guide to enrolment while no device is
enrolled, export for an enrolled peer, import with a preview and a confirmation, conflicts to
review (supervisor: keep mine / keep theirs), history of packages. All database work goes
through the one runner; slots only read the form and show results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.dates import date_time
from spm_desktop.core.reports.formatting import number
from spm_desktop.core.security.audit_trail import to_local
from spm_desktop.core.sync import conflicts as conflicts_svc
from spm_desktop.core.sync import identity
from spm_desktop.core.sync.exporter import FILE_SUFFIX, ExportResult, export_package
from spm_desktop.core.sync.importer import ImportSummary, import_package, preview_import
from spm_desktop.core.sync.preflight import OutgoingProblems, Problem
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.errors import show_error, show_info
from spm_desktop.ui.file_dialogs import ask_open_file, ask_save_file
from spm_desktop.ui.models.table import RESIZE_SAMPLE_ROWS, Column, RecordTableModel, record_view
from spm_desktop.ui.widgets import hbox

FILE_FILTER = f"Paket sinkronisasi (*{FILE_SUFFIX})"
IDENTITY_FILTER = f"Identitas komputer (*{identity.IDENTITY_SUFFIX})"
GUIDE = ("<b>Belum ada komputer terdaftar.</b> Paket hanya bisa ditukar dengan komputer yang saling "
         "mendaftarkan identitasnya (sekali saja):<ol>"
         "<li>Di setiap laptop TKSK: <i>Simpan identitas komputer ini…</i>, salin berkasnya ke flashdisk.</li>"
         "<li>Di kantor (administrator): <i>Daftarkan perangkat…</i>, pilih berkas laptop itu, beri nama, peran "
         "<b>TKSK</b> dan kecamatannya. Cocokkan sidik yang tampil dengan sidik di layar laptop.</li>"
         "<li>Di kantor: <i>Simpan identitas komputer ini…</i>; di laptop: <i>Daftarkan perangkat…</i> dengan "
         "berkas kantor dan peran <b>Kantor</b>.</li>"
         "<li>Setelah itu: <i>Buat paket…</i> untuk komputer tujuan, dan <i>Impor paket…</i> di sana.</li></ol>")


def _when(at: datetime | None) -> str:
    return date_time(to_local(at)) if at else "—"


def _iso_when(iso: str) -> str:
    try:
        return _when(datetime.fromisoformat(iso))
    except ValueError:
        return iso


def _short(value) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _differences(c: conflicts_svc.ConflictInfo) -> str:
    return "; ".join(f"{d.field}: {_short(d.local)} ↔ {_short(d.remote)}" for d in c.differences) or "—"


CONFLICT_COLUMNS = (
    Column("Jenis data", lambda c: c.entity_label),
    Column("Data", lambda c: c.title),
    Column("Dipakai saat impor", lambda c: "milik komputer ini" if c.winner == "local" else "kiriman"),
    Column("Perbedaan (komputer ini ↔ kiriman)", _differences, tooltip=_differences),
    Column("Terdeteksi", lambda c: _when(c.detected_at)),
)
DEVICE_COLUMNS = (
    Column("Nama", lambda p: p.name),
    Column("Peran dan wilayah", lambda p: p.scope_label),
    Column("Sidik", lambda p: p.fingerprint or "—"),
    Column("Status", lambda p: f"dicabut {_when(p.revoked_at)}" if p.revoked_at else "aktif"),
    Column("Terakhir terima", lambda p: _when(p.last_received_at)),
)
HISTORY_COLUMNS = (
    Column("Waktu", lambda p: _when(p.processed_at)),
    Column("Arah", lambda p: "Dikirim ke" if p.direction == "out" else "Diterima dari"),
    Column("Mitra", lambda p: p.peer_name or "—"),
    Column("Jumlah data", lambda p: number(p.total)),
    Column("Status", lambda p: p.status_label + (f" ({number(len(p.reasons))} alasan)" if p.reasons else ""),
           tooltip=lambda p: "\n".join(p.reason_lines()) or p.status_label),
    Column("Berkas", lambda p: p.file_name),
)


def refusal_text(refusals: list[identity.PackageRecord], problems: tuple[tuple[Problem, ...], ...] = ()) -> str:
    """What the peers refused, for the page: the reasons (with the records as this computer
    names them, when ``problems`` gives them), and that the same changes go again."""
    parts = []
    for i, p in enumerate(refusals):
        lines = [q.line() for q in problems[i]] if i < len(problems) else p.reason_lines()
        shown = "\n".join(f"• {line}" for line in lines[:5])
        more = f"\n… dan {number(len(lines) - 5)} alasan lain (lihat Riwayat paket)." if len(lines) > 5 else ""
        parts.append(f"Paket ke {p.peer_name} ({p.file_name}, {_when(p.created_at)}) DITOLAK di sana:\n{shown}{more}")
    if not parts:
        return ""
    return ("\n\n".join(parts) + "\n\nPerbaiki data itu di komputer ini, lalu buat paket lagi: perubahan yang sama "
            "ikut terkirim lagi sampai diterima.")


class SyncFileDialog:
    """File choice for packages (tests replace these)."""

    @classmethod
    def ask_save(cls, parent: QWidget, suggested: Path) -> Path | None:
        return ask_save_file(parent, "Simpan paket sinkronisasi", suggested, FILE_FILTER, FILE_SUFFIX)

    @classmethod
    def ask_open(cls, parent: QWidget) -> Path | None:
        return ask_open_file(parent, "Pilih paket sinkronisasi", Path.home(), FILE_FILTER)

    @classmethod
    def ask_save_identity(cls, parent: QWidget, suggested: Path) -> Path | None:
        return ask_save_file(parent, "Simpan identitas komputer ini", suggested, IDENTITY_FILTER,
                             identity.IDENTITY_SUFFIX)


@dataclass(frozen=True)
class Enrolment:
    path: Path
    name: str
    role: str
    kecamatan: str | None
    unit: str | None


class EnrolDialog(QDialog):
    """The identity file of another computer, its name, role and scope (tests replace ``ask``)."""

    def __init__(self, parent: QWidget | None, kecamatans: list[tuple[str, str]]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Daftarkan perangkat")
        form = QFormLayout(self)
        self.path = QLineEdit()
        browse = QPushButton("Pilih berkas…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("Berkas identitas:", row)
        self.name = QLineEdit()
        self.name.setPlaceholderText("mis. TKSK Pontianak Barat")
        form.addRow("Nama perangkat:", self.name)
        self.role = QComboBox()
        for key, label in identity.ROLES.items():
            self.role.addItem(label, key)
        form.addRow("Peran:", self.role)
        self.kecamatan = QComboBox()
        for code, name in kecamatans:
            self.kecamatan.addItem(f"{name} ({code})", code)
        form.addRow("Kecamatan (TKSK):", self.kecamatan)
        self.unit = QComboBox()
        self.unit.addItems(identity.UNITS)
        form.addRow("Unit (unit layanan):", self.unit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.role.currentIndexChanged.connect(self._scope)
        self._scope()

    @Slot()
    def _scope(self) -> None:
        role = self.role.currentData()
        self.kecamatan.setEnabled(role == identity.TKSK_DEVICE)
        self.unit.setEnabled(role == identity.UNIT_DEVICE)

    @Slot()
    def _browse(self) -> None:
        path = ask_open_file(self, "Pilih berkas identitas", Path.home(), IDENTITY_FILTER)
        if path:
            self.path.setText(str(path))

    def value(self) -> Enrolment:
        role = self.role.currentData()
        return Enrolment(Path(self.path.text().strip()), self.name.text(), role,
                         self.kecamatan.currentData() if role == identity.TKSK_DEVICE else None,
                         self.unit.currentText() if role == identity.UNIT_DEVICE else None)

    @classmethod
    def ask(cls, parent: QWidget, kecamatans: list[tuple[str, str]]) -> Enrolment | None:
        dialog = cls(parent, kecamatans)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


class ProblemsDialog(QDialog):
    """The changes a receiver refuses (or would refuse): record, field, reason; *Buka data*
    opens the selected record's person, *Tetap buat paket* sends anyway (export only)."""

    def __init__(self, parent: QWidget | None, title: str, intro: str, problems: list[Problem],
                 allow_send: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.choice = ""
        layout = QVBoxLayout(self)
        text = QLabel(intro)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.list = QListWidget()
        for problem in problems:
            item = QListWidgetItem(problem.line())
            item.setData(Qt.ItemDataRole.UserRole, problem.person_id or "")
            self.list.addItem(item)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox()
        self.open_button = buttons.addButton("&Buka data", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self._open)
        if allow_send:
            send = buttons.addButton("&Tetap buat paket", QDialogButtonBox.ButtonRole.AcceptRole)
            send.clicked.connect(self._send)
        buttons.addButton("Tutup", QDialogButtonBox.ButtonRole.RejectRole).clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.list.currentItemChanged.connect(
            lambda item, _old: self.open_button.setEnabled(bool(item and item.data(Qt.ItemDataRole.UserRole))))
        self.resize(760, 420)

    def _open(self) -> None:
        item = self.list.currentItem()
        if item is not None and item.data(Qt.ItemDataRole.UserRole):
            self.choice = "open:" + item.data(Qt.ItemDataRole.UserRole)
            self.accept()

    def _send(self) -> None:
        self.choice = "send"
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget, title: str, intro: str, problems: list[Problem], allow_send: bool) -> str:
        """"send", "open:<person id>" or "" (closed). Tests replace this."""
        dialog = cls(parent, title, intro, problems, allow_send)
        dialog.exec()
        return dialog.choice


class RevokeConfirm:
    """Asks before revoking a device (tests replace this)."""

    @classmethod
    def ask(cls, parent: QWidget, peer: identity.PeerInfo) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, "Cabut pendaftaran",
                          f"Cabut pendaftaran {peer.name}? Paket darinya akan ditolak dan tidak ada paket dibuat "
                          "untuknya. Perangkat yang dicabut tidak bisa didaftarkan lagi dengan identitas yang sama.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes


def preview_text(summary: ImportSummary) -> str:
    lines = [f"Paket dari {summary.source_device_name}, dibuat {_iso_when(summary.created_at)}"
             f"{' (paket lengkap)' if summary.full else ''}.",
             f"Baru: {number(summary.new)} · diperbarui: {number(summary.updated)} · sama: "
             f"{number(summary.unchanged)} · tetap versi komputer ini: {number(summary.kept_local)}",
             f"Konflik untuk ditinjau: {number(summary.conflicts)} · dugaan data ganda baru: "
             f"{number(summary.duplicates)}"]
    if summary.removed:
        lines.append(f"Dihapus dari komputer ini karena di luar wilayah kecamatannya (data tetap ada di kantor): "
                     f"{number(summary.removed)} penerima layanan beserta kasus dan layanannya")
    labels = conflicts_svc.ENTITY_LABELS
    for t in summary.tables:
        if t.new or t.updated or t.conflicts:
            lines.append(f"  {labels.get(t.table, t.table)}: {number(t.new)} baru, {number(t.updated)} diperbarui, "
                         f"{number(t.conflicts)} konflik")
    return "\n".join(lines)


class ImportConfirm:
    """Shows the preview and asks to apply it (tests replace this)."""

    @classmethod
    def ask(cls, parent: QWidget, summary: ImportSummary) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, "Impor paket", preview_text(summary) +
                          "\n\nTerapkan paket ini? Salinan cadangan dibuat lebih dulu; semua perubahan diterapkan "
                          "dalam satu transaksi.", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          parent)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes


@dataclass(frozen=True)
class _Loaded:
    device: identity.DeviceInfo
    peers: list[identity.PeerInfo]
    history: list[identity.PackageRecord]
    conflicts: list[conflicts_svc.ConflictInfo]
    kecamatans: list[tuple[str, str]]
    clock_warning: str
    refusals: list[identity.PackageRecord]
    refusal_problems: tuple[tuple[Problem, ...], ...] = ()  # per refusal: its reasons, records named here


def _load(db, actor) -> _Loaded:
    refusals = identity.open_refusals(db)
    return _Loaded(identity.device_info(db), identity.list_peers(db), identity.package_history(db),
                   conflicts_svc.list_conflicts(db, actor), identity.kecamatan_choices(db), identity.clock_warning(db),
                   refusals, tuple(tuple(identity.refused_problems(db, p)) for p in refusals))


class Page(QWidget):
    TITLE = "Sinkronisasi"
    PERMISSION = "sync.run"
    ORDER = 80

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.last_export: ExportResult | None = None
        self.last_import: ImportSummary | None = None
        self.kecamatans: list[tuple[str, str]] = []
        layout = QVBoxLayout(self)
        self.guide = QLabel(GUIDE)
        self.guide.setWordWrap(True)
        self.guide.setVisible(False)
        layout.addWidget(self.guide)
        self.clock_warning = QLabel()
        self.clock_warning.setWordWrap(True)
        self.clock_warning.setStyleSheet("color: #a33;")
        self.clock_warning.setVisible(False)
        layout.addWidget(self.clock_warning)
        self.refusal_notice = QLabel()
        self.refusal_notice.setWordWrap(True)
        self.refusal_notice.setStyleSheet("color: #a33;")
        self.refusal_notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refusal_notice.setVisible(False)
        layout.addWidget(self.refusal_notice)
        self.refusal_button = QPushButton("Lihat dan perbaiki data yang &ditolak…")
        self.refusal_button.clicked.connect(self.show_refused)
        self.refusal_button.setVisible(False)
        layout.addWidget(self.refusal_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.refusal_problems: list[Problem] = []
        layout.addWidget(self._identity_box())
        row = QHBoxLayout()
        row.addWidget(self._export_box())
        row.addWidget(self._import_box())
        layout.addLayout(row)
        self.conflicts = RecordTableModel(CONFLICT_COLUMNS, self)
        self.history = RecordTableModel(HISTORY_COLUMNS, self)
        self.conflict_view = record_view(self.conflicts)
        self.history_view = record_view(self.history)
        for view in (self.conflict_view, self.history_view):
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.horizontalHeader().setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
        self.keep_local_button = QPushButton("Pertahankan milik &saya")
        self.keep_remote_button = QPushButton("Pakai &kiriman")
        self.keep_local_button.clicked.connect(self.keep_local)
        self.keep_remote_button.clicked.connect(self.keep_remote)
        conflict_tab = QWidget()
        tab_layout = QVBoxLayout(conflict_tab)
        hint = QLabel("Data yang diubah di dua komputer sejak pertukaran terakhir. Versi terbaru sudah dipakai; "
                      "supervisor memastikan pilihan. Pilihan Anda menjadi revisi baru dan ikut terkirim.")
        hint.setWordWrap(True)
        tab_layout.addWidget(hint)
        tab_layout.addWidget(self.conflict_view)
        tab_layout.addLayout(hbox(self.keep_local_button, self.keep_remote_button, None))
        self.devices = RecordTableModel(DEVICE_COLUMNS, self)
        self.device_view = record_view(self.devices)
        self.device_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.device_view.horizontalHeader().setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
        self.enrol_button = QPushButton("&Daftarkan perangkat…")
        self.revoke_button = QPushButton("&Cabut pendaftaran…")
        self.enrol_button.clicked.connect(self.enrol)
        self.revoke_button.clicked.connect(self.revoke)
        device_tab = QWidget()
        device_layout = QVBoxLayout(device_tab)
        device_layout.addWidget(self.device_view)
        device_layout.addLayout(hbox(self.enrol_button, self.revoke_button, None))
        self.tabs = QTabWidget()
        self.tabs.addTab(conflict_tab, "Konflik")
        self.tabs.addTab(self.history_view, "Riwayat paket")
        self.tabs.addTab(device_tab, "Perangkat terdaftar")
        layout.addWidget(self.tabs, 1)
        self.conflict_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.device_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()

    # --- layout -----------------------------------------------------------------------------
    def _identity_box(self) -> QGroupBox:
        box = QGroupBox("Komputer ini")
        form = QFormLayout(box)
        self.device_name = QLineEdit()
        self.device_name.setPlaceholderText("mis. TKSK Pontianak Barat")
        self.save_name_button = QPushButton("Simpan &nama")
        self.save_name_button.clicked.connect(self.save_name)
        name_row = QHBoxLayout()
        name_row.addWidget(self.device_name, 1)
        name_row.addWidget(self.save_name_button)
        form.addRow("Nama komputer:", name_row)
        self.fingerprint = QLabel()
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.identity_button = QPushButton("Simpan iden&titas komputer ini…")
        self.identity_button.clicked.connect(self.save_identity)
        id_row = QHBoxLayout()
        id_row.addWidget(self.fingerprint, 1)
        id_row.addWidget(self.identity_button)
        form.addRow("Sidik identitas:", id_row)
        editable = self.ctx.can("settings.edit")
        for w in (self.device_name, self.save_name_button):
            w.setEnabled(editable)
        self.identity_button.setEnabled(self.ctx.can("sync.run"))
        return box

    def _export_box(self) -> QGroupBox:
        box = QGroupBox("Kirim paket")
        form = QFormLayout(box)
        self.peer = QComboBox()
        self.peer.setPlaceholderText("komputer tujuan yang terdaftar")
        form.addRow("Tujuan:", self.peer)
        self.full = QCheckBox("Kirim semua data (paket lengkap)")
        form.addRow("", self.full)
        self.export_button = QPushButton("&Buat paket…")
        self.export_button.clicked.connect(self.export)
        form.addRow("", self.export_button)
        return box

    def _import_box(self) -> QGroupBox:
        box = QGroupBox("Terima paket")
        col = QVBoxLayout(box)
        text = QLabel("Pilih berkas paket dari flashdisk atau folder bersama. Isi paket ditampilkan dulu; "
                      "tidak ada yang berubah sebelum Anda setuju.")
        text.setWordWrap(True)
        col.addWidget(text)
        self.import_button = QPushButton("&Impor paket…")
        self.import_button.clicked.connect(self.import_)
        col.addWidget(self.import_button)
        self.import_result = QLabel()
        self.import_result.setWordWrap(True)
        col.addWidget(self.import_result)
        col.addStretch(1)
        return box

    # --- data -------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        self.ctx.runner.submit(_load, self.ctx.db, self.ctx.actor, parent=self, on_done=self._loaded)

    @Slot(object)
    def _loaded(self, data: _Loaded) -> None:
        self.device_name.setText(data.device.name)
        self.fingerprint.setText(data.device.fingerprint)
        self.kecamatans = data.kecamatans
        self.guide.setVisible(data.device.enrolled_peers == 0)
        self.clock_warning.setText(data.clock_warning)
        self.clock_warning.setVisible(bool(data.clock_warning))
        self.refusal_notice.setText(refusal_text(data.refusals, data.refusal_problems))
        self.refusal_notice.setVisible(bool(data.refusals))
        self.refusal_problems = [q for group in data.refusal_problems for q in group]
        self.refusal_button.setVisible(bool(self.refusal_problems))
        current = self.peer.currentText()
        self.peer.clear()
        self.peer.addItems([p.name for p in data.peers if p.enrolled])
        if current:
            self.peer.setCurrentText(current)
        self.devices.set_records([p for p in data.peers if p.role])
        self.conflicts.set_records(data.conflicts)
        self.history.set_records(data.history)
        self.tabs.setTabText(0, f"Konflik ({number(len(data.conflicts))})")
        self._update_buttons()

    @Slot()
    def _update_buttons(self, *_args) -> None:
        can_resolve = self.ctx.can("sync.resolve") and self.selected_conflict() is not None
        self.keep_local_button.setEnabled(can_resolve)
        self.keep_remote_button.setEnabled(can_resolve)
        admin = self.ctx.can("settings.edit")
        self.enrol_button.setEnabled(admin)
        device = self.selected_device()
        self.revoke_button.setEnabled(admin and device is not None and device.revoked_at is None)

    def selected_device(self) -> identity.PeerInfo | None:
        rows = self.device_view.selectionModel().selectedRows()
        return self.devices.record(rows[0].row()) if rows else None

    def selected_conflict(self) -> conflicts_svc.ConflictInfo | None:
        rows = self.conflict_view.selectionModel().selectedRows()
        return self.conflicts.record(rows[0].row()) if rows else None

    # --- identity ---------------------------------------------------------------------------
    @Slot()
    def save_name(self) -> None:
        self.ctx.runner.submit(identity.set_device_name, self.ctx.db, self.ctx.actor, self.device_name.text(),
                               parent=self, on_done=self._saved)

    @Slot()
    def save_identity(self) -> None:
        who = "".join(ch if ch.isalnum() else "-" for ch in self.device_name.text()).strip("-").lower()
        path = SyncFileDialog.ask_save_identity(self, Path.home() / f"identitas-{who or 'komputer'}"
                                                                    f"{identity.IDENTITY_SUFFIX}")
        if path is None:
            return
        self.ctx.runner.submit(identity.write_identity, self.ctx.db, self.ctx.actor, path, parent=self,
                               on_done=self._identity_saved)

    @Slot(object)
    def _identity_saved(self, ident: identity.Identity) -> None:
        show_info(self, f"Identitas {ident.name} disimpan.\nSidik: {ident.fingerprint}\n\nBawa berkas ini ke "
                        "komputer mitra dan daftarkan di sana (Daftarkan perangkat…); bacakan sidiknya agar "
                        "dicocokkan.", "Identitas komputer ini")

    @Slot()
    def enrol(self) -> None:
        answer = EnrolDialog.ask(self, self.kecamatans)
        if answer is None:
            return
        self.ctx.runner.submit(identity.enrol_device, self.ctx.db, self.ctx.actor, answer.path, answer.name,
                               answer.role, kecamatan=answer.kecamatan, unit=answer.unit, parent=self,
                               on_done=self._enrolled)

    @Slot(object)
    def _enrolled(self, peer: identity.PeerInfo) -> None:
        show_info(self, f"Terdaftar: {peer.name} ({peer.scope_label}).\nSidik: {peer.fingerprint}\n\nCocokkan "
                        "sidik ini dengan yang tampil di komputer itu sebelum bertukar paket.", "Perangkat terdaftar")
        self.refresh()

    @Slot()
    def revoke(self) -> None:
        device = self.selected_device()
        if device is None or not RevokeConfirm.ask(self, device):
            return
        self.ctx.runner.submit(identity.revoke_device, self.ctx.db, self.ctx.actor, device.name, parent=self,
                               on_done=self._saved)

    @Slot(object)
    def _saved(self, _info) -> None:
        self.refresh()

    # --- export -----------------------------------------------------------------------------
    @Slot()
    def export(self) -> None:
        peer = self.peer.currentText().strip()
        stamp = clock.now().strftime("%Y%m%d-%H%M")
        who = "".join(ch if ch.isalnum() else "-" for ch in (peer or "semua")).strip("-").lower()
        path = SyncFileDialog.ask_save(self, Path.home() / f"spm-{who}-{stamp}{FILE_SUFFIX}")
        if path is None:
            return
        self._export(path, peer, self.full.isChecked(), True)

    def _export(self, path: Path, peer: str, full: bool, check: bool) -> None:
        self.ctx.runner.submit(export_package, self.ctx.db, self.ctx.actor, path, peer_name=peer, full=full,
                               check=check, parent=self, on_done=self._exported,
                               on_error=partial(self._export_failed, path, peer, full))

    def _export_failed(self, path: Path, peer: str, full: bool, error: BaseException) -> None:
        if not isinstance(error, OutgoingProblems):
            show_error(self, error)
            return
        intro = (f"Paket untuk {peer} belum dibuat: {number(len(error.problems))} perubahan di komputer ini akan "
                 "ditolak penerima, dan satu saja menolak seluruh paket. Perbaiki datanya (pilih, lalu Buka data), "
                 "lalu buat paket lagi.")
        choice = ProblemsDialog.ask(self, "Periksa sebelum kirim", intro, error.problems, allow_send=True)
        if choice == "send":
            self._export(path, peer, full, False)
        elif choice.startswith("open:"):
            self.open_person(choice[5:])

    @Slot()
    def show_refused(self) -> None:
        intro = ("Data ini ditolak komputer mitra. Perbaiki di komputer ini (pilih, lalu Buka data), lalu buat paket "
                 "lagi: perubahan yang sama ikut terkirim lagi.")
        choice = ProblemsDialog.ask(self, "Data yang ditolak", intro, self.refusal_problems, allow_send=False)
        if choice.startswith("open:"):
            self.open_person(choice[5:])

    def open_person(self, person_id: str) -> None:
        """Show the person on the Penerima Layanan page (when the window has it)."""
        window = self.window()
        if hasattr(window, "show_page") and "penerima" in [e.name for e in getattr(window, "pages", [])]:
            window.show_page("penerima").show_person(person_id)

    @Slot(object)
    def _exported(self, result: ExportResult) -> None:
        self.last_export = result
        scope = "semua data" if result.full else "perubahan sejak paket terakhir"
        show_info(self, f"Paket dibuat: {result.file}\n{number(result.total)} data ({scope}). Salin berkas ini "
                        "ke flashdisk atau folder bersama untuk komputer tujuan.", "Paket dibuat")
        self.refresh()

    # --- import -----------------------------------------------------------------------------
    @Slot()
    def import_(self) -> None:
        path = SyncFileDialog.ask_open(self)
        if path is None:
            return
        self.ctx.runner.submit(preview_import, self.ctx.db, self.ctx.actor, path, parent=self,
                               on_done=partial(self._previewed, path))

    def _previewed(self, path: Path, summary: ImportSummary) -> None:
        if summary.already_imported:
            show_info(self, f"Paket dari {summary.source_device_name} ini sudah pernah diimpor; tidak ada yang "
                            "berubah.", "Impor paket")
            return
        if not ImportConfirm.ask(self, summary):
            return
        self.ctx.runner.submit(import_package, self.ctx.db, self.ctx.actor, path, parent=self, on_done=self._imported)

    @Slot(object)
    def _imported(self, summary: ImportSummary) -> None:
        self.last_import = summary
        self.import_result.setText("Terakhir diimpor:\n" + preview_text(summary))
        if summary.conflicts:
            self.tabs.setCurrentIndex(0)
        self.refresh()

    # --- conflicts --------------------------------------------------------------------------
    @Slot()
    def keep_local(self) -> None:
        self._resolve("keep_local")

    @Slot()
    def keep_remote(self) -> None:
        self._resolve("keep_remote")

    def _resolve(self, choice: str) -> None:
        conflict = self.selected_conflict()
        if conflict is None:
            return
        self.ctx.runner.submit(conflicts_svc.resolve_conflict, self.ctx.db, self.ctx.actor, conflict.id, choice,
                               parent=self, on_done=self._resolved)

    @Slot(object)
    def _resolved(self, _info: conflicts_svc.ConflictInfo) -> None:
        self.refresh()
