"""Opening a case (assessed with its needs, "tidak ada kebutuhan", or not yet assessed), adding
a re-assessment, closing a case.

``CaseDialog.ask(parent, ctx, person_id, person_name)`` -> the opened ``CaseInfo`` or None;
``NeedsDialog.ask(parent, ctx, case)`` -> the re-assessed ``CaseInfo`` or None;
``CloseCaseDialog.ask(parent, ctx, case)`` -> the closed ``CaseInfo`` or None.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Slot
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.groups import CASE_GROUPS, EXIT_REASONS, REFERRED_BY, SPM_GROUP_SHORT, UNITS
from spm_desktop.core.services.cases import (
    SHELTER_UNITS,
    TKSK_UNIT,
    CaseDraft,
    CaseInfo,
    NeedStatus,
    close_case,
    need_status,
    open_case,
    reassess,
)
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.dialogs.form import FormDialog
from spm_desktop.ui.errors import confirm
from spm_desktop.ui.person_picker import PersonPicker
from spm_desktop.ui.widgets import DateEdit, compact_combo, fill_combo, select_data


class _CheckRowDelegate(QStyledItemDelegate):
    """Rows at least as tall as the check box itself: at 125 % scaling a one-line row is lower
    than the indicator, which was drawn clipped."""

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: N802 - Qt override
        hint = super().sizeHint(option, index)
        style = option.widget.style() if option.widget else QApplication.style()
        indicator = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorHeight, option, option.widget)
        return QSize(hint.width(), max(hint.height(), indicator + 6))


class NeedsChecklist(QListWidget):
    """One check box per assessable service item (the needs assessment). Long names wrap onto
    a second line instead of being cut or needing a sideways scroll bar."""

    def __init__(self, ctx: UiContext, checked: tuple[str, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("needsChecklist")
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self.setMinimumHeight(self.fontMetrics().lineSpacing() * 12)
        self.setItemDelegate(_CheckRowDelegate(self))
        for st in ctx.service_types():
            if not st.assessable:
                continue
            item = QListWidgetItem(st.name)
            item.setData(Qt.ItemDataRole.UserRole, st.code)
            item.setToolTip(f"{st.code} — {st.indicator}" if st.indicator else st.code)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Checked if st.code in checked else Qt.CheckState.Unchecked)
            self.addItem(item)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Tall enough for every need at the minimum width, so a large screen shows the whole
        list without scrolling (the dialog fitter keeps the dialog within a small screen)."""
        metrics = self.fontMetrics()
        text_width = self.minimumWidth() - metrics.averageCharWidth() * 8  # indicator, margins, scroll bar
        height = 2 * self.frameWidth()
        for i in range(self.count()):
            text = metrics.boundingRect(QRect(0, 0, text_width, 100_000), Qt.TextFlag.TextWordWrap, self.item(i).text())
            height += max(text.height() + 4, self.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorHeight) + 6)
        return QSize(self.minimumWidth(), height)

    def codes(self) -> tuple[str, ...]:
        return tuple(self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                     if self.item(i).checkState() == Qt.CheckState.Checked)

    def set_codes(self, codes: tuple[str, ...]) -> None:
        for i in range(self.count()):
            item = self.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in codes
                               else Qt.CheckState.Unchecked)


ASSESSMENTS = (("Ada kebutuhan (centang di bawah)", "needs"),
               ("Tidak ada kebutuhan layanan dasar", "no_need"),
               ("Teridentifikasi, belum diasesmen", "later"))


class AssessmentChoice(QComboBox):
    """How the assessment came out; the needs checklist is used only for "needs"."""

    def __init__(self, checklist: NeedsChecklist, with_later: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assessmentChoice")
        self.checklist = checklist
        fill_combo(self, [a for a in ASSESSMENTS if with_later or a[1] != "later"])
        self.currentIndexChanged.connect(self._changed)
        self._changed()

    @Slot()
    def _changed(self) -> None:
        self.checklist.setEnabled(self.currentData() == "needs")

    def needs(self) -> tuple[str, ...]:
        return self.checklist.codes() if self.currentData() == "needs" else ()

    def no_need(self) -> bool:
        return self.currentData() == "no_need"


class CaseDialog(FormDialog):
    FIELDS = {"person_id": "person", "spm_group": "group", "intake_date": "intake", "referred_by": "referred",
              "found_location": "found", "in_shelter": "shelter", "kecamatan_code": "kecamatan"}

    def __init__(self, ctx: UiContext, person_id: str | None = None, person_name: str = "",
                 parent: QWidget | None = None, group: str | None = None, assessment: str | None = None) -> None:
        super().__init__(ctx.runner, parent, title="Buka kasus (asesmen kebutuhan)", save=True)
        self.ctx = ctx
        self.person = PersonPicker(ctx)
        if person_id:
            self.person.choose(person_id, person_name)
        self.unit = QComboBox()
        fill_combo(self.unit, [(label, code) for code, label in UNITS.items()])
        select_data(self.unit, ctx.actor.unit or ctx.recall("case/last_unit", "UPRS"))
        self.group = QComboBox()
        fill_combo(self.group, [(SPM_GROUP_SHORT[g], g) for g in CASE_GROUPS])
        self.intake = DateEdit(clock.today())
        self.referred = QComboBox()
        fill_combo(self.referred, [(label, key) for key, label in REFERRED_BY.items()], "(tidak diisi)")
        self.found = QLineEdit()
        self.found.setPlaceholderText("mis. Jl. Gajah Mada depan pasar")
        self.shelter = QCheckBox("Tinggal di rumah singgah")
        self.kecamatan = QComboBox()
        fill_combo(self.kecamatan, [(r.name, r.code) for r in ctx.regions() if r.level == "kecamatan"],
                   "(bukan kasus TKSK)")
        select_data(self.kecamatan, ctx.actor.kecamatan_code)
        self.needs = NeedsChecklist(ctx)
        self.assessment = AssessmentChoice(self.needs)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(self.fontMetrics().lineSpacing() * 3)
        for combo in (self.unit, self.group, self.referred, self.kecamatan):
            compact_combo(combo, 24)
        self.form.addRow("&Penerima layanan *:", self.person)
        self.form.addRow("&Unit *:", self.unit)
        self.form.addRow("&Kelompok SPM *:", self.group)
        self.form.addRow("&Tanggal masuk *:", self.intake)
        self.form.addRow("&Dirujuk oleh:", self.referred)
        self.form.addRow("Tempat dit&emukan:", self.found)
        self.form.addRow("", self.shelter)
        self.form.addRow("Kecamatan (TKSK):", self.kecamatan)
        self.form.addRow("&Asesmen:", self.assessment)
        self.form.addRow("Ke&butuhan:", self.needs)
        self.form.addRow("&Catatan:", self.notes)
        self.unit.currentIndexChanged.connect(self._unit_changed)
        self._unit_changed()
        if group:
            select_data(self.group, group)
        if assessment:
            select_data(self.assessment, assessment)

    @Slot()
    def _unit_changed(self) -> None:
        in_shelter_unit = self.unit.currentData() in SHELTER_UNITS
        self.shelter.setEnabled(in_shelter_unit)
        if not in_shelter_unit:
            self.shelter.setChecked(False)
        self.kecamatan.setEnabled(self.unit.currentData() == TKSK_UNIT)

    def draft(self) -> CaseDraft:
        return CaseDraft(
            person_id=self.person.person_id or "", unit=self.unit.currentData(), spm_group=self.group.currentData(),
            intake_date=self.intake.value(), needs=self.assessment.needs(), no_need=self.assessment.no_need(),
            referred_by=self.referred.currentData() or "",
            found_location=self.found.text(), in_shelter=self.shelter.isChecked(),
            kecamatan_code=self.kecamatan.currentData() if self.unit.currentData() == TKSK_UNIT else None,
            notes=self.notes.toPlainText())

    def problem(self) -> str | ValidationError:
        if not self.person.person_id:
            return ValidationError("Pilih dulu penerima layanan (ketik nama atau NIK).", "person_id")
        return ""

    @Slot()
    def submit(self) -> None:
        if not self.checked():
            return
        self.ctx.remember("case/last_unit", self.unit.currentData())
        self.run(open_case, self.ctx.db, self.ctx.actor, self.draft())

    @classmethod
    def ask(cls, parent: QWidget | None, ctx: UiContext, person_id: str | None = None,
            person_name: str = "", group: str | None = None, assessment: str | None = None) -> CaseInfo | None:
        dialog = cls(ctx, person_id, person_name, parent, group=group, assessment=assessment)
        dialog.exec()
        return dialog.result_value


class NeedsDialog(FormDialog):
    """Asesmen ulang: the needs found on a later date are added to the case (earlier needs
    keep their dates), or "tidak ada kebutuhan layanan dasar" is recorded with that date."""

    def __init__(self, ctx: UiContext, case: CaseInfo, parent: QWidget | None = None) -> None:
        super().__init__(ctx.runner, parent, title=f"Asesmen ulang — {case.person_name}", save=True)
        self.ctx = ctx
        self.case = case
        self.assessed_on = DateEdit(clock.today())
        self.needs = NeedsChecklist(ctx)
        self.assessment = AssessmentChoice(self.needs, with_later=False)
        have = ", ".join(f"{n.name} ({short_date(n.assessed_on) if n.assessed_on else '–'})"
                         for n in case.needs) or "belum ada"
        current = QLineEdit(have)
        current.setReadOnly(True)
        self.form.addRow("Kebutuhan tercatat:", current)
        self.form.addRow("&Tanggal asesmen *:", self.assessed_on)
        self.form.addRow("&Hasil asesmen:", self.assessment)
        self.form.addRow("Kebutuhan &baru:", self.needs)

    @Slot()
    def submit(self) -> None:
        self.run(reassess, self.ctx.db, self.ctx.actor, self.case.id, self.assessment.needs(),
                 self.assessed_on.value(), self.assessment.no_need())

    @classmethod
    def ask(cls, parent: QWidget | None, ctx: UiContext, case: CaseInfo) -> CaseInfo | None:
        dialog = cls(ctx, case, parent)
        dialog.exec()
        return dialog.result_value


class CloseCaseDialog(FormDialog):
    FIELDS = {"exit_date": "exit_date", "exit_reason": "reason"}

    def __init__(self, ctx: UiContext, case: CaseInfo, parent: QWidget | None = None) -> None:
        super().__init__(ctx.runner, parent, title=f"Tutup kasus — {case.person_name}", save=True)
        self.ctx = ctx
        self.case = case
        self.exit_date = DateEdit(clock.today())
        self.reason = QComboBox()
        fill_combo(self.reason, [(label, key) for key, label in EXIT_REASONS.items()])
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(self.fontMetrics().lineSpacing() * 3)
        self.form.addRow("&Tanggal keluar *:", self.exit_date)
        self.form.addRow("&Alasan keluar *:", self.reason)
        self.form.addRow("&Catatan:", self.notes)
        self.ok_button().setText("Tutup kasus")

    @Slot()
    def submit(self) -> None:
        """First look for needs still unmet on the exit date: closing such a case is asked."""
        self.busy(True)
        self.ctx.runner.submit(need_status, self.ctx.db, self.ctx.actor, self.case.id, self.exit_date.value(),
                               on_done=self._needs_checked, on_error=self._refused)

    @Slot(object)
    def _needs_checked(self, needs: list[NeedStatus]) -> None:
        unmet = [n.name for n in needs if not n.delivered]
        if unmet and not confirm(self, f"{len(unmet)} kebutuhan kasus ini belum terpenuhi: {'; '.join(unmet)}. "
                                       "Tetap tutup kasus?", "Kebutuhan belum terpenuhi"):
            self.show_refusal("Kasus belum ditutup: masih ada kebutuhan yang belum terpenuhi.")
            return
        self.run(close_case, self.ctx.db, self.ctx.actor, self.case.id, self.exit_date.value(),
                 self.reason.currentData(), self.notes.toPlainText())

    @classmethod
    def ask(cls, parent: QWidget | None, ctx: UiContext, case: CaseInfo) -> CaseInfo | None:
        dialog = cls(ctx, case, parent)
        dialog.exec()
        return dialog.result_value
