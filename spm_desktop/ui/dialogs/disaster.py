"""Dialogs of the Bencana page: a disaster, a family with its member grid, a bulk service.

Each returns its value through a classmethod ``ask(...)`` (None when cancelled) so a test can
drive or replace it; none of them writes: the page hands the value to a core service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.groups import (
    DISASTER_KINDS,
    DISASTER_PHASES,
    DISASTER_SCALES,
    HOUSEHOLD_RELATIONS,
    LOCAL_SCALE,
    SEXES,
)
from spm_desktop.core.domain.vulnerable import NEED_LABELS, VICTIM_NEED_CODES
from spm_desktop.core.services.disasters import DAMAGE_LEVELS, DisasterInfo, DisasterInput
from spm_desktop.core.services.households import HouseholdInfo, HouseholdInput
from spm_desktop.core.services.master_lists import RegionItem
from spm_desktop.ui.dialogs.form import FormDialog
from spm_desktop.ui.errors import confirm
from spm_desktop.ui.models.disasters import MemberGridModel, MemberRow
from spm_desktop.ui.runner import Runner
from spm_desktop.ui.widgets import DateEdit, RegionPicker, fill_combo, select_data


class DisasterDialog(FormDialog):
    """Register or change a disaster (type, start, end of the emergency period, handling
    closed, scale, phase, place, damaged houses)."""

    FIELDS = {"start_date": "start", "end_date": "end", "closed_on": "closed", "kelurahan_code": "region"}

    def __init__(self, regions: list[RegionItem], runner: Runner, submit, initial: DisasterInfo | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(runner, parent, save=True, service=submit)
        self.setWindowTitle("Ubah data bencana" if initial else "Daftarkan bencana")
        self.kind = QComboBox()
        fill_combo(self.kind, [(label, key) for key, label in DISASTER_KINDS.items()])
        self.name = QLineEdit()
        self.name.setPlaceholderText("mis. Kebakaran Gg. Amal")
        self.start = DateEdit()
        self.has_end = QCheckBox("sudah berakhir, pada")
        self.end = DateEdit()
        self.end.setEnabled(False)
        self.has_end.toggled.connect(self.end.setEnabled)
        self.has_closed = QCheckBox("sudah ditutup, pada")
        self.closed = DateEdit()
        self.closed.setEnabled(False)
        self.has_closed.toggled.connect(self.closed.setEnabled)
        self.scale = QComboBox()
        fill_combo(self.scale, [(label, key) for key, label in DISASTER_SCALES.items()])
        select_data(self.scale, LOCAL_SCALE)
        self.scale.setToolTip("Hanya bencana skala kabupaten/kota yang dihitung dalam SPM bencana (IKK 2); "
                              "layanan untuk korban bencana lain tetap dihitung pada indikator keluaran.")
        self.phase = QComboBox()
        fill_combo(self.phase, [(label, key) for key, label in DISASTER_PHASES.items()])
        self.region = RegionPicker(regions)
        self.location = QLineEdit()
        self.houses = {key: QSpinBox() for key in DAMAGE_LEVELS}
        for spin in self.houses.values():
            spin.setRange(0, 100_000)
        self.description = QPlainTextEdit()
        self.description.setFixedHeight(70)
        form = self.form
        form.addRow("&Jenis bencana:", self.kind)
        form.addRow("&Nama kejadian:", self.name)
        form.addRow("Tanggal &mulai:", self.start)
        end_row = QHBoxLayout()
        end_row.addWidget(self.has_end)
        end_row.addWidget(self.end, 1)
        form.addRow("Masa tanggap darurat:", end_row)
        closed_row = QHBoxLayout()
        closed_row.addWidget(self.has_closed)
        closed_row.addWidget(self.closed, 1)
        form.addRow("Penanganan:", closed_row)
        form.addRow("Sk&ala:", self.scale)
        form.addRow("&Fase:", self.phase)
        form.addRow("Kecamatan / desa/kelurahan:", self.region)
        form.addRow("&Lokasi (jalan, gang, RT/RW):", self.location)
        houses = QHBoxLayout()
        for key, label in DAMAGE_LEVELS.items():
            houses.addWidget(QLabel(label.replace("Rusak ", "")))
            houses.addWidget(self.houses[key])
        form.addRow("Rumah rusak:", houses)
        form.addRow("&Keterangan:", self.description)
        if initial is not None:
            self._load(initial)

    def _load(self, d: DisasterInfo) -> None:
        select_data(self.kind, d.kind)
        self.name.setText(d.name)
        self.start.set_value(d.start_date)
        self.has_end.setChecked(d.end_date is not None)
        if d.end_date:
            self.end.set_value(d.end_date)
        self.has_closed.setChecked(d.closed_on is not None)
        if d.closed_on:
            self.closed.set_value(d.closed_on)
        select_data(self.scale, d.scale)
        select_data(self.phase, d.phase)
        self.region.set_kelurahan(d.kelurahan_code)
        self.location.setText(d.location)
        for key, value in zip(DAMAGE_LEVELS, (d.houses_light, d.houses_medium, d.houses_heavy), strict=True):
            self.houses[key].setValue(value)
        self.description.setPlainText(d.description)

    def value(self) -> DisasterInput:
        return DisasterInput(
            kind=self.kind.currentData(), start_date=self.start.value(),
            kelurahan_code=self.region.kelurahan_code() or "",
            end_date=self.end.value() if self.has_end.isChecked() else None,
            closed_on=self.closed.value() if self.has_closed.isChecked() else None,
            scale=self.scale.currentData() or LOCAL_SCALE, phase=self.phase.currentData(),
            name=self.name.text(), location=self.location.text(), houses_light=self.houses["ringan"].value(),
            houses_medium=self.houses["sedang"].value(), houses_heavy=self.houses["berat"].value(),
            description=self.description.toPlainText())

    @classmethod
    def ask(cls, parent: QWidget | None, regions: list[RegionItem], runner: Runner, submit,
            initial: DisasterInfo | None = None):
        """Until ``submit(DisasterInput)`` accepts the form: its result, or None when cancelled."""
        return cls(regions, runner, submit, initial, parent).exec_for_result()


class CloseDisasterDialog(FormDialog):
    """End a disaster's emergency period (``emergency``) or close its handling: the date and the
    phase that follows."""

    FIELDS = {"end_date": "end", "closed_on": "end"}

    def __init__(self, disaster: DisasterInfo, runner: Runner, submit, parent: QWidget | None = None,
                 emergency: bool = False) -> None:
        super().__init__(runner, parent, save=True, service=submit)
        what = "Akhiri masa tanggap darurat" if emergency else "Tutup penanganan bencana"
        self.setWindowTitle(f"{what} — {disaster.title}")
        known = disaster.end_date if emergency else (disaster.closed_on or disaster.end_date)
        self.end = DateEdit(min(clock.today(), max(disaster.start_date, known or clock.today())))
        self.phase = QComboBox()
        fill_combo(self.phase, [(label, key) for key, label in DISASTER_PHASES.items()])
        select_data(self.phase, "pasca_bencana")
        self.form.addRow("Tanggal &berakhir:" if emergency else "Tanggal &ditutup:", self.end)
        self.form.addRow("&Fase sesudahnya:", self.phase)
        if emergency:
            note = ("Makan korban bencana hanya dihitung sampai akhir masa tanggap darurat. Layanan lain sesudahnya "
                    "(pasca bencana) tetap boleh dicatat dan dihitung.")
        else:
            note = ("Kebutuhan korban yang belum terpenuhi saat penanganan ditutup tidak dibawa ke tahun berikutnya. "
                    "Masa tanggap darurat yang masih berjalan ikut berakhir pada tanggal ini.")
        self.set_intro(note)

    def value(self) -> tuple[date, str]:
        return self.end.value(), self.phase.currentData()

    @classmethod
    def ask(cls, parent: QWidget | None, disaster: DisasterInfo, runner: Runner, submit, emergency: bool = False):
        """Until ``submit((date, phase))`` accepts: its result, or None when cancelled."""
        return cls(disaster, runner, submit, parent, emergency).exec_for_result()


class WaiverDialog(FormDialog):
    """The default needs waived for one member, and why (the reason is kept in the audit)."""

    def __init__(self, name: str, waived: tuple[str, ...], reason: str, parent: QWidget | None = None) -> None:
        super().__init__(None, parent, title=f"Kecualikan kebutuhan — {name or 'anggota'}")
        self.boxes = {code: QCheckBox(f"{NEED_LABELS[code]} ({code})") for code in VICTIM_NEED_CODES}
        for code, box in self.boxes.items():
            box.setChecked(code in waived)
        self.reason = QLineEdit(reason)
        self.reason.setPlaceholderText("mis. menumpang di rumah kerabat, pakaian selamat")
        self.set_intro("Kebutuhan bawaan yang dicentang tidak dihitung untuk anggota ini. Hanya kebutuhan bawaannya "
                       "(dari status mengungsi, kelompok rentan, butuh psikososial) yang bisa dikecualikan.")
        for box in self.boxes.values():
            self.form.addRow(box)
        self.form.addRow("&Alasan:", self.reason)

    def value(self) -> tuple[tuple[str, ...], str]:
        return tuple(c for c, box in self.boxes.items() if box.isChecked()), self.reason.text().strip()

    @classmethod
    def ask(cls, parent: QWidget | None, name: str, waived: tuple[str, ...], reason: str):
        """(waived codes, reason), or None when cancelled."""
        dialog = cls(name, waived, reason, parent)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


class _ChoiceDelegate(QStyledItemDelegate):
    """A combo box editor for a grid column holding one key of ``choices``."""

    def __init__(self, choices: dict[str, str], parent=None) -> None:
        super().__init__(parent)
        self.choices = choices

    def createEditor(self, parent, option, index):  # noqa: N802 - Qt API
        combo = QComboBox(parent)
        for key, label in self.choices.items():
            combo.addItem(label, key)
        return combo

    def setEditorData(self, editor, index):  # noqa: N802 - Qt API
        select_data(editor, index.data(Qt.ItemDataRole.EditRole))

    def setModelData(self, editor, model, index):  # noqa: N802 - Qt API
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


RELATION_SEX = {"suami": "L", "istri": "P"}  # relations that name a sex


class HouseholdDialog(FormDialog):
    """One affected family: No. KK, address, damage, and the members in a grid.

    Pressing Simpan runs ``submit(value)`` (a core service call) on the background runner;
    when the core refuses, the dialog stays open with the message so the user can correct."""

    def __init__(self, disaster: DisasterInfo, runner: Runner, submit, parent: QWidget | None = None,
                 initial: HouseholdInfo | None = None) -> None:
        super().__init__(runner, parent, save=True, service=submit)
        self.disaster = disaster
        self.setWindowTitle(f"{'Ubah keluarga' if initial else 'Keluarga terdampak'} — {disaster.title}")
        self.resize(980, 460)
        self.no_kk = QLineEdit()
        self.no_kk.setMaxLength(16)
        self.no_kk.setPlaceholderText("16 digit; kosongkan bila KK hilang/belum diketahui")
        self.address = QLineEdit(disaster.location)
        self.damage = QComboBox()
        fill_combo(self.damage, [(label, key) for key, label in DAMAGE_LEVELS.items()],
                   empty="(tidak ada / belum dinilai)")
        self.displaced = QCheckBox("keluarga &mengungsi (butuh permakanan, sandang dan tempat penampungan)")
        form = self.form
        form.addRow("No. &KK:", self.no_kk)
        form.addRow("&Alamat:", self.address)
        form.addRow("Kerusakan &rumah:", self.damage)
        form.addRow("Pengungsian:", self.displaced)
        self.members = MemberGridModel(self)
        self.grid = QTableView()
        self.grid.setModel(self.members)
        self.grid.setItemDelegateForColumn(MemberGridModel.SEX_COLUMN, _ChoiceDelegate(
            {k: f"{k} — {v}" for k, v in SEXES.items()}, self.grid))
        self.grid.setItemDelegateForColumn(MemberGridModel.RELATION_COLUMN, _ChoiceDelegate(HOUSEHOLD_RELATIONS,
                                                                                           self.grid))
        self.grid.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.grid.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        add = QPushButton("&Tambah anggota")
        add.clicked.connect(self.add_member)
        remove = QPushButton("&Hapus anggota")
        remove.clicked.connect(self.remove_member)
        self.waive_button = QPushButton("Ke&cualikan kebutuhan…")
        self.waive_button.setToolTip("Kebutuhan bawaan anggota yang dipilih yang tidak perlu dipenuhi, dengan "
                                     "alasannya.")
        self.waive_button.clicked.connect(self.waive)
        row = QHBoxLayout()
        hint = QLabel("Anggota keluarga (isi tanggal lahir dd/mm/yyyy, atau umur bila tidak diketahui; NIK yang sudah "
                      "terdaftar akan dihubungkan ke data yang ada):")
        hint.setWordWrap(True)
        row.addWidget(hint, 1)
        row.addWidget(add)
        row.addWidget(remove)
        row.addWidget(self.waive_button)
        self.body.addLayout(row)
        self.body.addWidget(self.grid, 1)
        self.layout_.setStretchFactor(self.form, 0)
        self.layout_.setStretchFactor(self.body, 1)
        if initial is not None:
            self._load(initial)

    def _load(self, h: HouseholdInfo) -> None:
        self.no_kk.setText(h.no_kk)
        self.address.setText(h.address)
        select_data(self.damage, h.damage_level or None)
        self.displaced.setChecked(h.displaced)
        self.members.set_rows([MemberRow(
            name=m.name, nik=m.nik or "", sex=m.sex,
            birth_date=short_date(m.birth_date),
            age="" if m.birth_date or m.age is None else str(m.age), relation=m.relation,
            pregnant_breastfeeding=m.pregnant_breastfeeding, disability=m.disability,
            extra={"person_id": m.person_id}, needs_psychosocial=m.needs_psychosocial, waived=m.waived,
            waiver_reason=m.waiver_reason) for m in h.members])

    @Slot()
    def add_member(self) -> None:
        row = self.members.add_row()
        self.grid.setCurrentIndex(self.members.index(row, 0))

    @Slot()
    def remove_member(self) -> None:
        self.members.remove_row(self.grid.currentIndex().row())

    @Slot()
    def waive(self) -> None:
        row = self.grid.currentIndex().row()
        if not 0 <= row < self.members.rowCount():
            self.message.problem("Pilih dulu anggota yang kebutuhannya dikecualikan.")
            return
        member = self.members.rows[row]
        chosen = WaiverDialog.ask(self, member.name, member.waived, member.waiver_reason)
        if chosen is not None:
            self.members.set_waiver(row, *chosen)

    @Slot()
    def submit(self) -> None:
        """A relation that contradicts the sex (a woman as Suami) is asked about, then saved."""
        odd = [f"{r.name or 'baris ' + str(i + 1)} dicatat sebagai {HOUSEHOLD_RELATIONS.get(r.relation, r.relation)} "
               f"tetapi jenis kelaminnya {SEXES.get(r.sex, r.sex)}"
               for i, r in enumerate(self.members.rows) if RELATION_SEX.get(r.relation, r.sex) != r.sex and r.sex]
        if odd and not confirm(self, "; ".join(odd) + ". Tetap simpan?", "Periksa hubungan keluarga"):
            self.show_refusal("Periksa kolom hubungan dan jenis kelamin, lalu simpan lagi.")
            return
        super().submit()

    def value(self) -> HouseholdInput:
        return HouseholdInput(disaster_id=self.disaster.id, no_kk=self.no_kk.text().strip(),
                              members=self.members.inputs(), address=self.address.text(),
                              damage_level=self.damage.currentData() or "", displaced=self.displaced.isChecked())

    @classmethod
    def ask(cls, parent: QWidget | None, disaster: DisasterInfo, runner: Runner, submit,
            initial: HouseholdInfo | None = None):
        """Until ``submit(HouseholdInput)`` accepts the family: its result, or None when cancelled.
        With ``initial`` the form edits that family (its members keep their person)."""
        return cls(disaster, runner, submit, parent, initial).exec_for_result()


# ----- bulk services -------------------------------------------------------------------

AID_KINDS: dict[str, str] = {
    "meals": "Makan 3×1 hari",
    "clothing": "Paket sandang",
    "special_care": "Penanganan khusus kelompok rentan",
    "psychosocial": "Dukungan psikososial",
    "shelter": "Tempat penampungan (tenda/terpal)",
}


@dataclass(frozen=True)
class AidRequest:
    """What the bulk-service dialog asks for; ``selected_only``: the members chosen in the
    table; ``whole_families``: every member of the families of the chosen members; neither:
    every member of every household of the disaster."""

    kind: str
    start: date
    end: date
    selected_only: bool
    whole_families: bool = False
    meals_per_day: int = 3
    items: tuple[str, ...] = ()
    session_type: str = ""
    units: int = 1
    shelter_kind: str = ""
    notes: str = ""


class AidDialog(FormDialog):
    """Dates and details of one bulk service; the page does the writing."""

    def __init__(self, kind: str, disaster: DisasterInfo, selected: int, choices: dict[str, list[str]],
                 parent: QWidget | None = None, families: int = 0) -> None:
        super().__init__(None, parent, title=f"{AID_KINDS[kind]} — {disaster.title}", ok_text="Catat")
        self.kind = kind
        form = self.form
        last_day = min(clock.today(), disaster.end_date or clock.today())
        if kind == "meals":  # meals run over the emergency: from its first day to its end (or today)
            self.start, self.end = DateEdit(disaster.start_date), DateEdit(max(disaster.start_date, last_day))
        else:
            self.start = DateEdit(max(disaster.start_date, last_day))
            self.end = DateEdit(self.start.value())
        form.addRow("Tanggal &awal:" if kind == "meals" else "&Tanggal:", self.start)
        if kind == "meals":
            form.addRow("Tanggal a&khir:", self.end)
            self.per_day = QSpinBox()
            self.per_day.setRange(1, 3)
            self.per_day.setValue(3)
            form.addRow("Makan per hari:", self.per_day)
        self.items = QListWidget()
        if kind == "clothing":
            for item in choices.get("items", []):
                entry = QListWidgetItem(item)
                entry.setCheckState(Qt.CheckState.Checked)
                self.items.addItem(entry)
            self.items.setFixedHeight(130)
            form.addRow("Isi paket:", self.items)
        self.session_type = QLineEdit()
        if kind == "psychosocial":
            form.addRow("Jenis &sesi:", self.session_type)
        self.units = QSpinBox()
        self.shelter_kind = QComboBox()
        if kind == "shelter":
            self.units.setRange(1, 10_000)
            form.addRow("&Jumlah unit per keluarga:", self.units)
            fill_combo(self.shelter_kind, [(c, c) for c in choices.get("kind", [])])
            form.addRow("Jenis tem&pat:", self.shelter_kind)
        self.notes = QLineEdit()
        form.addRow("Catatan:", self.notes)
        self.selected = QRadioButton(f"hanya anggota yang dipilih di tabel ({selected} orang)")
        self.family = QRadioButton("keluarga ini (semua anggotanya)" if families == 1 else
                                   f"seluruh keluarga dari anggota yang dipilih ({families} keluarga)")
        self.everyone = QRadioButton("semua keluarga terdampak bencana ini")
        group = QButtonGroup(self)
        for button in (self.selected, self.family, self.everyone):
            group.addButton(button)
        (self.selected if selected else self.everyone).setChecked(True)
        self.selected.setEnabled(bool(selected))
        self.family.setEnabled(bool(families))
        who = QVBoxLayout()
        who.addWidget(self.selected)
        if kind != "shelter":  # shelter is recorded per family anyway
            who.addWidget(self.family)
        who.addWidget(self.everyone)
        if kind == "special_care":
            who.addWidget(QLabel("Hanya anggota kelompok rentan yang dicatat."))
        if kind == "shelter":
            who.addWidget(QLabel("Dicatat per keluarga (atas nama kepala keluarga), dihitung per unit."))
        form.addRow("Untuk:", who)

    def value(self) -> AidRequest:
        start = self.start.value()
        end = self.end.value() if self.kind == "meals" else start
        items = tuple(self.items.item(i).text() for i in range(self.items.count())
                      if self.items.item(i).checkState() == Qt.CheckState.Checked)
        return AidRequest(kind=self.kind, start=start, end=end, selected_only=self.selected.isChecked(),
                          whole_families=self.family.isChecked() and self.kind != "shelter",
                          meals_per_day=self.per_day.value() if self.kind == "meals" else 3, items=items,
                          session_type=self.session_type.text(), units=self.units.value(),
                          shelter_kind=self.shelter_kind.currentData() or "", notes=self.notes.text())

    @classmethod
    def ask(cls, parent: QWidget | None, kind: str, disaster: DisasterInfo, selected: int,
            choices: dict[str, list[str]], families: int = 0) -> AidRequest | None:
        dialog = cls(kind, disaster, selected, choices, parent, families)
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
