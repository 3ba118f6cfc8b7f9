"""Register or edit a person (PPKS).

The NIK is checked as it is typed (``nik_problem`` and its agreement with the sex and birth
date) and the reason stands beside the field. Possible duplicates are looked up on the
runner while the form is filled in and listed before saving; saving with candidates asks
for a confirmation. ``PersonDialog.ask(parent, ctx, person=None)`` returns the id of the
person to show next (the saved one, or a candidate opened instead) or None.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.groups import SEXES
from spm_desktop.core.domain.nik import kk_problem, kk_warning, nik_problem, nik_warning, parse_nik
from spm_desktop.core.services.candidates import Candidate, PossibleDuplicatesError
from spm_desktop.core.services.duplicates import find_duplicate_candidates
from spm_desktop.core.services.persons import DuplicateNikError, PersonDraft, PersonInfo, register_person, update_person
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.dialogs.form import FormDialog
from spm_desktop.ui.widgets import DateEdit, MessageLabel, RegionPicker, category_items, fill_combo, hbox, select_data

UNKNOWN_YEAR = 1899  # the spin box's "tidak diketahui" value
DIGITS_16 = r"[0-9]{0,16}"


def nik_feedback(nik: str, sex: str, birth: date | None) -> tuple[bool, str]:
    """(ok, sentence) about a NIK being typed; empty NIK is fine (belum diketahui)."""
    nik = nik.strip()
    if not nik:
        return True, "NIK belum diketahui (boleh dikosongkan)."
    problem = nik_problem(nik)
    if problem:
        return False, problem
    info = parse_nik(nik)
    if sex in SEXES and sex != info.sex:
        wanted = "41–71 untuk perempuan" if sex == "P" else "01–31 untuk laki-laki"
        return False, f"Digit 7–8 ({nik[6:8]}) tidak cocok dengan jenis kelamin: harus {wanted}."
    if birth is not None and not info.birth_date_matches(birth):
        return False, (f"Digit 7–12 ({nik[6:12]}) tidak cocok dengan tanggal lahir {short_date(birth)}.")
    text = f"NIK sah: lahir {info.day:02d}/{info.month:02d}/..{info.year2:02d}, {SEXES[info.sex].lower()}."
    warning = nik_warning(nik)
    return True, f"{text} Peringatan: {warning}" if warning else text


class PersonDialog(FormDialog):
    FIELDS = {"category_code": "category", "disability_type": "disability"}

    def __init__(self, ctx: UiContext, person: PersonInfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(ctx.runner, parent, save=True)
        self.ctx, self.person = ctx, person
        self.saved: PersonInfo | None = None
        self.open_existing: str | None = None  # a candidate the user chose to open instead
        self._candidates: list[Candidate] = []
        self._confirmed_duplicates = False
        self.setWindowTitle("Ubah data penerima layanan" if person else "Daftarkan penerima layanan")
        self._build()
        if person is not None:
            self._load(person)
        self._baseline = self.draft()
        self._dup_timer = QTimer(self, singleShot=True, interval=300)
        self._dup_timer.timeout.connect(self._look_for_duplicates)
        for signal in (self.name.textChanged, self.alias.textChanged, self.nik.textChanged,
                       self.sex.currentIndexChanged, self.birth_known.toggled, self.birth_date.dateChanged,
                       self.birth_year.valueChanged, self.region.changed):
            signal.connect(self._form_changed)
        self._check_nik()
        self._check_kk()

    # --- layout -------------------------------------------------------------------------
    def _build(self) -> None:
        self.name = QLineEdit()
        self.alias = QLineEdit()
        self.alias.setPlaceholderText("nama panggilan / julukan")
        self.sex = QComboBox()
        fill_combo(self.sex, [(label, code) for code, label in SEXES.items()])
        self.nik = QLineEdit()
        self.nik.setValidator(QRegularExpressionValidator(DIGITS_16, self.nik))
        self.nik.setPlaceholderText("16 digit; kosongkan bila belum diketahui")
        self.nik_message = MessageLabel()
        self.nik_message.setObjectName("nikMessage")
        self.no_kk = QLineEdit()
        self.no_kk.setValidator(QRegularExpressionValidator(DIGITS_16, self.no_kk))
        self.kk_message = MessageLabel()
        self.birth_known = QCheckBox("Tanggal lahir diketahui")
        self.birth_date = DateEdit(date(1980, 1, 1))
        self.birth_year = QSpinBox()
        self.birth_year.setRange(UNKNOWN_YEAR, clock.today().year)
        self.birth_year.setSpecialValueText("tidak diketahui")
        self.birth_year.setValue(UNKNOWN_YEAR)
        self.birth_known.toggled.connect(self._birth_mode)
        self.birth_place = QLineEdit()
        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)
        self.address.setMaximumHeight(self.fontMetrics().lineSpacing() * 4)
        self.region = RegionPicker(self.ctx.regions())
        self.category = QComboBox()
        fill_combo(self.category, category_items(self.ctx.categories()), "(belum ditentukan)")
        self.disability = QLineEdit()
        self.phone = QLineEdit()
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(self.fontMetrics().lineSpacing() * 4)

        form = self.form
        form.addRow("&Nama lengkap *:", self.name)
        form.addRow("&Alias:", self.alias)
        form.addRow("&Jenis kelamin *:", self.sex)
        form.addRow("N&IK:", self._beside(self.nik, self.nik_message))
        form.addRow("No. K&K:", self._beside(self.no_kk, self.kk_message))
        form.addRow("Lahir:", hbox(self.birth_known, self.birth_date, "atau perkiraan tahun:", self.birth_year, None))
        form.addRow("&Tempat lahir:", self.birth_place)
        form.addRow("A&lamat:", self.address)
        form.addRow("Kecamatan / desa/kelurahan:", self.region)
        form.addRow("Kategori &PMKS:", self.category)
        form.addRow("Jenis &disabilitas:", self.disability)
        form.addRow("Tel&epon:", self.phone)
        form.addRow("&Catatan:", self.notes)

        self.duplicates = QListWidget()
        self.duplicates.setObjectName("duplicateCandidates")
        self.duplicates.itemActivated.connect(self._open_candidate)
        self.dup_box = QGroupBox("Mungkin sudah terdaftar (klik dua kali untuk membuka)")
        box_layout = QVBoxLayout(self.dup_box)
        box_layout.addWidget(self.duplicates)
        self.dup_box.setVisible(False)

        self.ok_button().setToolTip("Simpan (Ctrl+S)")
        self.body.addWidget(self.dup_box)
        self._birth_mode(False)

    def _beside(self, field: QWidget, message: QLabel) -> QWidget:
        holder = QWidget()
        grid = QGridLayout(holder)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(field, 0, 0)
        grid.addWidget(message, 0, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        return holder

    def _load(self, p: PersonInfo) -> None:
        self.name.setText(p.name)
        self.alias.setText(p.alias)
        select_data(self.sex, p.sex)
        self.nik.setText(p.nik or "")
        self.no_kk.setText(p.no_kk or "")
        if p.birth_date is not None and not p.birth_year_estimated:
            self.birth_known.setChecked(True)
            self.birth_date.set_value(p.birth_date)
        elif p.birth_year:
            self.birth_year.setValue(p.birth_year)
        self.birth_place.setText(p.birth_place)
        self.address.setPlainText(p.address)
        self.region.set_kelurahan(p.kelurahan_code)
        select_data(self.category, p.category_code)
        self.disability.setText(p.disability_type)
        self.phone.setText(p.phone)
        self.notes.setPlainText(p.notes)

    # --- reading the form ---------------------------------------------------------------
    def birth(self) -> date | None:
        return self.birth_date.value() if self.birth_known.isChecked() else None

    def draft(self) -> PersonDraft:
        year = self.birth_year.value()
        return PersonDraft(
            name=self.name.text(), alias=self.alias.text(), sex=self.sex.currentData() or "",
            nik=self.nik.text().strip() or None, no_kk=self.no_kk.text().strip() or None,
            birth_date=self.birth(), birth_year=None if self.birth_known.isChecked() or year == UNKNOWN_YEAR else year,
            birth_place=self.birth_place.text(), address=self.address.toPlainText(),
            kelurahan_code=self.region.kelurahan_code(), category_code=self.category.currentData(),
            disability_type=self.disability.text(), phone=self.phone.text(), notes=self.notes.toPlainText())

    def has_unsaved_changes(self) -> bool:
        return self.saved is None and self.draft() != self._baseline

    # --- live checks --------------------------------------------------------------------
    @Slot(bool)
    def _birth_mode(self, known: bool) -> None:
        self.birth_date.setEnabled(known)
        self.birth_year.setEnabled(not known)

    @Slot()
    def _form_changed(self) -> None:
        self._confirmed_duplicates = False
        if self.buttons.isEnabled():
            self.message.fine("")  # a refusal was about the form as it was; it has changed since
        self._check_nik()
        self._check_kk()
        self._dup_timer.start()

    def _check_nik(self) -> None:
        ok, text = nik_feedback(self.nik.text(), self.sex.currentData() or "", self.birth())
        (self.nik_message.fine if ok else self.nik_message.problem)(text)

    def _check_kk(self) -> None:
        kk = self.no_kk.text().strip()
        problem = kk_problem(kk) if kk else None
        if problem:
            self.kk_message.problem(problem)
        else:
            warning = kk_warning(kk) if kk else None
            self.kk_message.fine(f"Peringatan: {warning}" if warning else "")

    @Slot()
    def _look_for_duplicates(self) -> None:
        draft = self.draft()
        if not draft.name.strip() and not draft.nik:
            self._show_candidates([])
            return
        exclude = self.person.id if self.person else None
        self.ctx.runner.submit(find_duplicate_candidates, self.ctx.db, self.ctx.actor, draft, exclude,
                               on_done=self._show_candidates, on_error=self._ignore_lookup_error)

    @Slot(object)
    def _ignore_lookup_error(self, error: BaseException) -> None:
        # The lookup is advice while typing; saving checks again and reports properly.
        self._show_candidates([])

    @Slot(object)
    def _show_candidates(self, candidates: list[Candidate]) -> None:
        self._candidates = list(candidates)
        self.duplicates.clear()
        for c in self._candidates:
            born = short_date(c.birth_date) if c.birth_date else (f"± {c.birth_year}" if c.birth_year else "?")
            self.duplicates.addItem(f"{c.name}{f' ({c.alias})' if c.alias else ''} — {c.sex}, lahir {born}, "
                                    f"NIK {c.nik or 'belum diketahui'} — {c.reason}")
        self.dup_box.setVisible(bool(self._candidates))

    @Slot()
    def _open_candidate(self) -> None:
        row = self.duplicates.currentRow()
        if 0 <= row < len(self._candidates):
            self.open_existing = self._candidates[row].person_id
            self.saved = None
            super().reject()

    # --- saving -------------------------------------------------------------------------
    @Slot()
    def submit(self) -> None:
        draft = self.draft()
        if self.person is None:
            self.run(register_person, self.ctx.db, self.ctx.actor, draft,
                     confirm_duplicates_ok=self._confirmed_duplicates)
        else:
            self.run(update_person, self.ctx.db, self.ctx.actor, self.person.id, draft)

    @Slot(object)
    def _done(self, person: PersonInfo) -> None:
        self.saved = person
        super()._done(person)

    @Slot(object)
    def _refused(self, error: BaseException) -> None:
        self.show_refusal(error)
        if isinstance(error, PossibleDuplicatesError):
            self._show_candidates(error.candidates)
            if self._confirm_anyway():
                self._confirmed_duplicates = True
                self.submit()
        elif isinstance(error, DuplicateNikError):
            self._show_candidates([])
            self.nik_message.problem(error.message)
        elif isinstance(error, ValidationError):
            nik_errors = [e.message for e in error.errors if e.field == "nik"]
            if nik_errors:
                self.nik_message.problem(nik_errors[0])

    def _confirm_anyway(self) -> bool:
        answer = QMessageBox.question(
            self, "Kemungkinan data ganda",
            "Orang yang mirip sudah terdaftar (lihat daftar di formulir). Bila ini memang orang yang "
            "berbeda, simpan sebagai data baru? Pasangan ini masuk daftar periksa data ganda.",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Save

    def field_widget(self, field: str) -> QWidget | None:
        return self.region.kelurahan if field == "kelurahan_code" else super().field_widget(field)

    # --- leaving ------------------------------------------------------------------------
    def reject(self) -> None:
        if self.has_unsaved_changes() and not self._may_discard():
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.has_unsaved_changes() and not self._may_discard():
            event.ignore()
            return
        super().closeEvent(event)

    def _may_discard(self) -> bool:
        answer = QMessageBox.question(self, "Perubahan belum disimpan",
                                      "Isian formulir ini belum disimpan. Buang perubahan?",
                                      QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    @classmethod
    def ask(cls, parent: QWidget | None, ctx: UiContext, person: PersonInfo | None = None,
            on_saved: Callable[[PersonInfo], None] | None = None) -> str | None:
        """The id of the person to show afterwards: the one saved, or an existing candidate the
        user chose to open instead; None when cancelled. ``on_saved`` gets the saved person
        (after the dialog has closed)."""
        dialog = cls(ctx, person, parent)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.exec()
        if dialog.saved is not None and on_saved is not None:
            on_saved(dialog.saved)
        return dialog.saved.id if dialog.saved else dialog.open_existing
