"""The review list of possible duplicates: merge a pair (choosing who stays) or mark it as
two different persons. ``DuplicatesDialog.ask(parent, ctx)`` returns the id of a person to
show afterwards (the survivor of a merge, or one opened from the list) or None."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from spm_desktop.core.services.duplicates import (
    DuplicatePair,
    MergeResult,
    list_duplicate_pairs,
    mark_not_duplicate,
    merge_persons,
)
from spm_desktop.core.services.person_search import PersonRow
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.errors import confirm
from spm_desktop.ui.models.persons import birth_text
from spm_desktop.ui.models.table import Column, RecordTableModel, record_view


def _who(p: PersonRow) -> str:
    born = birth_text(p.birth_date, p.birth_year, p.birth_year_estimated) or "?"
    return f"{p.name} ({p.sex}, {born}, NIK {p.nik or '–'}, {p.kelurahan_name or 'desa/kelurahan ?'})"


PAIR_COLUMNS = (
    Column("Data A", lambda d: _who(d.a)),
    Column("Data B", lambda d: _who(d.b)),
    Column("Kemiripan", lambda d: f"{d.score}%"),
    Column("Alasan", lambda d: d.reason),
)


class DuplicatesDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.chosen: str | None = None
        self.setWindowTitle("Data yang mungkin ganda")
        self.model = RecordTableModel(PAIR_COLUMNS, self)
        self.view = record_view(self.model)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.info = QLabel("Memuat…")
        self.keep_a = QPushButton("Gabungkan, pertahankan &A")
        self.keep_b = QPushButton("Gabungkan, pertahankan &B")
        self.different = QPushButton("Bukan orang yang &sama")
        self.open_a = QPushButton("Buka data A")
        self.open_b = QPushButton("Buka data B")
        self.keep_a.clicked.connect(lambda: self.merge(keep_first=True))
        self.keep_b.clicked.connect(lambda: self.merge(keep_first=False))
        self.different.clicked.connect(self.not_duplicate)
        self.open_a.clicked.connect(lambda: self.open_person(first=True))
        self.open_b.clicked.connect(lambda: self.open_person(first=False))
        may_merge = ctx.can("person.merge")
        actions = QHBoxLayout()
        for button in (self.keep_a, self.keep_b, self.different, self.open_a, self.open_b):
            actions.addWidget(button)
            button.setEnabled(False)
        self._may_merge = may_merge
        actions.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.view, 1)
        layout.addLayout(actions)
        layout.addWidget(close)
        self.resize(self.fontMetrics().horizontalAdvance("M") * 70, self.fontMetrics().lineSpacing() * 24)
        self.reload()

    def reload(self) -> None:
        self.ctx.runner.submit(list_duplicate_pairs, self.ctx.db, self.ctx.actor, on_done=self._loaded, parent=self)

    @Slot(object)
    def _loaded(self, pairs: list[DuplicatePair]) -> None:
        self.model.set_records(pairs)
        self.view.resizeColumnsToContents()
        self.info.setText(f"{len(pairs)} pasangan menunggu diperiksa." if pairs
                          else "Tidak ada data yang perlu diperiksa.")
        self._selection_changed()

    def current(self) -> DuplicatePair | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    @Slot()
    def _selection_changed(self, *args) -> None:
        has = self.current() is not None
        for button in (self.keep_a, self.keep_b, self.different):
            button.setEnabled(has and self._may_merge)
        self.open_a.setEnabled(has)
        self.open_b.setEnabled(has)

    @Slot()
    def merge(self, keep_first: bool) -> None:
        pair = self.current()
        if pair is None:
            return
        keep, other = (pair.a, pair.b) if keep_first else (pair.b, pair.a)
        if not confirm(self, f"Gabungkan data {other.name} ke {keep.name}? Semua kasus dan layanan "
                             f"{other.name} dipindahkan; tindakan ini tercatat di jejak audit."):
            return
        self.ctx.runner.submit(merge_persons, self.ctx.db, self.ctx.actor, keep.id, other.id,
                               on_done=self._merged, parent=self)

    @Slot(object)
    def _merged(self, result: MergeResult) -> None:
        self.chosen = result.survivor_id
        self.info.setText(f"Digabung: {result.cases_moved} kasus dan {result.events_moved} layanan dipindahkan.")
        self.reload()

    @Slot()
    def not_duplicate(self) -> None:
        pair = self.current()
        if pair is not None:
            self.ctx.runner.submit(mark_not_duplicate, self.ctx.db, self.ctx.actor, pair.id,
                                   on_done=lambda _: self.reload(), parent=self)

    def open_person(self, first: bool) -> None:
        """Close the list and show person A or B of the selected pair."""
        pair = self.current()
        if pair is not None:
            self.chosen = (pair.a if first else pair.b).id
            self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, ctx: UiContext) -> str | None:
        dialog = cls(ctx, parent)
        dialog.exec()
        return dialog.chosen
