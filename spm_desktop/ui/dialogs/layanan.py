"""Dialogs of issue 21 opened from a person's history (Penerima Layanan):

``ReferralFeedbackDialog.ask(parent, ctx, entry, tracking)`` -> the referral's ``ReferralInfo``
after recording the destination's answer (status, feedback date, notes), or None;
``HandoverLetterDialog.ask(parent, ctx, entry, issued)`` -> the printed ``LetterInfo`` of the
Berita Acara Serah Terima of a reunification event (the witnesses entered here), or None.
``LetterFileDialog.ask(parent, suggested)`` -> where to write a letter's PDF.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.layanan import REFERRAL_NEXT, REFERRAL_STATUSES
from spm_desktop.core.reports.formatting import short_date
from spm_desktop.core.services import letters
from spm_desktop.core.services import referrals as rs
from spm_desktop.core.services.events import TimelineEntry
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.dialogs.form import FormDialog
from spm_desktop.ui.file_dialogs import ask_save_file
from spm_desktop.ui.widgets import DateEdit

WITNESSES = 3  # a Berita Acara has two witnesses as a rule; room for a third


class LetterFileDialog:
    """Where to write a letter's PDF (a classmethod, so a test can replace it)."""

    @classmethod
    def ask(cls, parent: QWidget, suggested: str, title: str = "Simpan surat (PDF)",
            filters: str = "PDF (*.pdf)") -> Path | None:
        return ask_save_file(parent, title, Path.home() / suggested, filters)


class ReferralFeedbackDialog(FormDialog):
    """The answer to an outgoing referral, recorded where the clerk sees the person's case:
    the same service rule as the Rujukan tab (``referrals.record_event_feedback``)."""

    def __init__(self, ctx: UiContext, entry: TimelineEntry, tracking: rs.ReferralInfo | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx.runner, parent, title="Umpan balik rujukan", save=True)
        self.ctx = ctx
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        self.entry = entry
        current = tracking.status if tracking else "dikirim"
        where = tracking.destination if tracking else entry.detail
        state = REFERRAL_STATUSES.get(current, current)
        if tracking and tracking.feedback_date:
            state += f", umpan balik {short_date(tracking.feedback_date)}"
        about = QLabel(f"Rujukan {short_date(entry.on)} ke {where} — status sekarang: {state}.")
        about.setWordWrap(True)
        self.status = QComboBox()
        for key in REFERRAL_NEXT.get(current, ()):
            self.status.addItem(REFERRAL_STATUSES[key], key)
        self.feedback_date = DateEdit(clock.today())
        self.notes = QLineEdit(tracking.notes if tracking else "")
        self.notes.setPlaceholderText("mis. diterima poli jiwa, dirawat inap")
        self.form.addRow(about)
        self.form.addRow("&Status baru *:", self.status)
        self.form.addRow("&Tanggal umpan balik *:", self.feedback_date)
        self.form.addRow("&Catatan:", self.notes)
        save = self.ok_button()
        save.setText("Simpan umpan balik")
        save.setEnabled(self.status.count() > 0)
        if not self.status.count():
            self.message.fine("Rujukan ini sudah selesai atau ditolak; statusnya tidak bisa diubah lagi.")

    @Slot()
    def submit(self) -> None:
        if self.status.currentData() is None:
            return
        self.run(rs.record_event_feedback, self.ctx.db, self.ctx.actor, self.entry.event_id,
                 self.status.currentData(), self.feedback_date.value(), self.notes.text())

    @classmethod
    def ask(cls, parent: QWidget | None, ctx: UiContext, entry: TimelineEntry,
            tracking: rs.ReferralInfo | None) -> rs.ReferralInfo | None:
        dialog = cls(ctx, entry, tracking, parent)
        dialog.exec()
        return dialog.result_value


class HandoverLetterDialog(FormDialog):
    """Berita Acara Serah Terima of a reunification event: its witnesses (saksi) and date, then
    the PDF. Once issued, printing again gives the same letter (its number, date and
    witnesses): the fields then show what was printed and cannot be changed."""

    def __init__(self, ctx: UiContext, entry: TimelineEntry, issued: letters.LetterInfo | None,
                 witnesses: tuple[str, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(ctx.runner, parent, title="Cetak Berita Acara Serah Terima", save=True)
        self.ctx = ctx
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        self.entry, self.issued = entry, issued
        about = QLabel(f"Reunifikasi {short_date(entry.on)}: {entry.detail}")
        about.setWordWrap(True)
        self.form.addRow(about)
        self.witnesses = [QLineEdit() for _ in range(WITNESSES)]
        for i, field in enumerate(self.witnesses, start=1):
            field.setPlaceholderText("nama, jabatan (mis. Lurah, Ketua RT)")
            self.form.addRow(f"Saksi &{i}:", field)
        self.letter_date = DateEdit(clock.today())
        self.form.addRow("&Tanggal surat:", self.letter_date)
        save = self.ok_button()
        save.setText("Cetak ke PDF…")
        if issued is not None:
            for field, name in zip(self.witnesses, witnesses, strict=False):
                field.setText(name)
            for field in (*self.witnesses, self.letter_date):
                field.setEnabled(False)
            self.letter_date.set_value(issued.letter_date)
            number = f"nomor {issued.number}" if issued.number else "sebagai draf"
            self.message.fine(f"Sudah dicetak {number} tanggal {short_date(issued.letter_date)}; mencetak lagi "
                              "memberi surat yang sama.")

    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (f.text().strip() for f in self.witnesses) if n)

    def problem(self) -> str | ValidationError:
        if self.issued is None and not self.names():
            return ValidationError("Isi paling sedikit satu saksi serah terima.", "witness")
        return ""

    def field_widget(self, field: str) -> QWidget | None:
        return self.witnesses[0] if field == "witness" else super().field_widget(field)

    @Slot()
    def submit(self) -> None:
        if not self.checked():
            return
        target = LetterFileDialog.ask(self, "berita-acara-serah-terima.pdf")
        if target is None:
            return
        self.run(letters.print_letter, self.ctx.db, self.ctx.actor, self.entry.event_id, target,
                 kind="serah_terima", on=self.letter_date.value(), witnesses=self.names())

    @classmethod
    def ask(cls, parent: QWidget | None, ctx: UiContext, entry: TimelineEntry, issued: letters.LetterInfo | None,
            witnesses: tuple[str, ...] = ()) -> letters.LetterInfo | None:
        dialog = cls(ctx, entry, issued, witnesses, parent)
        dialog.exec()
        return dialog.result_value
