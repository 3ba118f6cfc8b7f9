"""First start, after the administrator account: the office's area and identity (issue 20).

Provinsi → kabupaten/kota from the national region list, then the office name, address and
signatory. Saving adopts the area through :func:`spm_desktop.core.services.area.adopt_area`
(its kecamatan and desa/kelurahan become the working regions). ``ask()`` returns the
adopted :class:`Area`, or None when the person cancelled.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from spm_desktop import APP_NAME
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.services.area import Area, AreaChoice, adopt_area, find_area, search_areas
from spm_desktop.core.storage.database import Database
from spm_desktop.ui.dialogs.form import FormDialog
from spm_desktop.ui.runner import Runner

KALIMANTAN_BARAT = "61"


class AreaDialog(FormDialog):
    FIELDS = {"wilayah": "regency", "signatory.nip": "signatory_nip"}

    def __init__(self, db: Database, actor: Actor, runner: Runner, parent: QWidget | None = None,
                 current: Area | None = None) -> None:
        super().__init__(runner, parent, title=f"{APP_NAME} — Wilayah kerja kantor", ok_text="Simpan wilayah kerja")
        self.db, self.actor = db, actor
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 44)
        self._areas = search_areas("")
        self.set_intro("Pilih kabupaten/kota yang dilayani kantor ini. Kecamatan dan desa/kelurahannya menjadi "
                       "wilayah kerja aplikasi. Wilayah masih bisa diganti administrator selama belum ada data "
                       "penerima layanan.")
        self.province = QComboBox()
        for code, name in sorted({(a.province_code, a.province_name) for a in self._areas}):
            self.province.addItem(f"{name} ({code})", code)
        self.regency = QComboBox()
        self.office_name = QLineEdit()
        self.office_name.setPlaceholderText("mis. Dinas Sosial Kabupaten Kubu Raya")
        self.office_address = QLineEdit()
        self.signatory_name = QLineEdit()
        self.signatory_nip = QLineEdit()
        form = self.form
        form.addRow("&Provinsi:", self.province)
        form.addRow("&Kabupaten/kota:", self.regency)
        form.addRow("Na&ma kantor:", self.office_name)
        form.addRow("&Alamat kantor:", self.office_address)
        form.addRow("Nama penanda &tangan:", self.signatory_name)
        form.addRow("&NIP penanda tangan:", self.signatory_nip)
        self.province.currentIndexChanged.connect(self._fill_regencies)
        self.regency.currentIndexChanged.connect(self._suggest_office)
        start = current.province_code if current else KALIMANTAN_BARAT
        self.province.setCurrentIndex(max(0, self.province.findData(start)))
        self._fill_regencies()
        if current is not None:
            self.regency.setCurrentIndex(max(0, self.regency.findData(current.code)))

    @Slot()
    def _fill_regencies(self, *_args) -> None:
        code = self.province.currentData()
        self.regency.blockSignals(True)
        self.regency.clear()
        for area in self._areas:
            if area.province_code == code:
                self.regency.addItem(f"{area.name} ({area.code})", area.code)
        self.regency.blockSignals(False)
        self._suggest_office()

    @Slot()
    def _suggest_office(self, *_args) -> None:
        code = self.regency.currentData()
        if code:
            self.office_name.setPlaceholderText(f"mis. Dinas Sosial {find_area(code).name}")

    def choice(self) -> AreaChoice:
        return AreaChoice(code=self.regency.currentData() or "", office_name=self.office_name.text(),
                          office_address=self.office_address.text(), signatory_name=self.signatory_name.text(),
                          signatory_nip=self.signatory_nip.text())

    @Slot()
    def submit(self) -> None:
        self.run(adopt_area, self.db, self.actor, self.choice())

    @property
    def area(self) -> Area | None:
        return self.result_value

    @classmethod
    def ask(cls, parent: QWidget | None, db: Database, actor: Actor, runner: Runner,
            current: Area | None = None) -> Area | None:
        return cls(db, actor, runner, parent, current).exec_for_result()
