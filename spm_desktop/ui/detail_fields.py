"""Entry widgets generated from a service type's detail fields
(:class:`spm_desktop.core.domain.detail_fields.DetailField`, the same description the core validates).

Kinds: ``int`` (spin box with min/default), ``choice`` (drop-down starting empty: "(pilih)"
when required), ``multi`` (a check box per choice), ``date`` (dd/mm/yyyy, optional), ``text``.
:meth:`DetailFieldsForm.values` returns the dict the core's ``check_details`` validates.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGridLayout, QLineEdit, QSpinBox, QWidget

from spm_desktop.core.domain.detail_fields import DetailField
from spm_desktop.ui.widgets import DateEdit

SPIN_MAX = 100_000


class _DateOrEmpty(QWidget):
    """An optional date: a check box switches the date field on."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.use = QCheckBox("isi")
        self.date = DateEdit()
        self.date.setEnabled(False)
        self.use.toggled.connect(self.date.setEnabled)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.use, 0, 0)
        grid.addWidget(self.date, 0, 1)
        self.setAccessibleName(label)

    def value(self) -> str | None:
        return self.date.value().isoformat() if self.use.isChecked() else None


class DetailFieldsForm(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.fields: tuple[DetailField, ...] = ()
        self.editors: dict[str, Any] = {}

    def set_fields(self, fields: tuple[DetailField, ...]) -> None:
        while self.layout_.rowCount():
            self.layout_.removeRow(0)
        self.fields, self.editors = tuple(fields), {}
        for f in self.fields:
            editor = self._editor(f)
            self.editors[f.key] = editor
            label = f.label + (" *" if f.required else "") + ":"
            self.layout_.addRow(label, editor if isinstance(editor, QWidget) else self._boxes(editor))

    def _editor(self, f: DetailField):
        if f.kind == "int":
            box = QSpinBox()
            box.setRange(f.minimum or 0, SPIN_MAX)
            box.setValue(int(f.default if f.has_default else (f.minimum or 0)))
            box.valueChanged.connect(self.changed)
            return box
        if f.kind == "choice":
            combo = QComboBox()
            # a required choice starts empty too: a preselected first choice would be saved unread
            combo.addItem("(pilih)" if f.required else "(tidak diisi)", None)
            for choice in f.choices:
                combo.addItem(choice, choice)
            combo.currentIndexChanged.connect(self.changed)
            return combo
        if f.kind == "multi":
            return [QCheckBox(choice) for choice in f.choices]
        if f.kind == "date":
            return _DateOrEmpty(f.label)
        edit = QLineEdit()
        edit.textChanged.connect(self.changed)
        return edit

    def _boxes(self, boxes: list[QCheckBox]) -> QWidget:
        holder = QWidget()
        grid = QGridLayout(holder)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, box in enumerate(boxes):
            grid.addWidget(box, i // 3, i % 3)
            box.toggled.connect(self.changed)
        return holder

    def values(self) -> dict[str, Any]:
        """What the form holds, in the form the core's ``check_details`` validates."""
        out: dict[str, Any] = {}
        for f in self.fields:
            value = _VALUE_OF[f.kind](self.editors[f.key])
            if value is not None:
                out[f.key] = value
        return out


def _text_of(edit: QLineEdit) -> str | None:
    return edit.text().strip() or None


def _chosen(boxes: list[QCheckBox]) -> list[str] | None:
    return [box.text() for box in boxes if box.isChecked()] or None


_VALUE_OF = {"int": QSpinBox.value, "choice": QComboBox.currentData, "multi": _chosen, "date": _DateOrEmpty.value,
             "text": _text_of}
