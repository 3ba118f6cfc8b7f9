"""Entry widgets generated from a service type's ``detail_fields`` (resources/service_types.json).

Kinds: ``int`` (spin box with min/default), ``choice`` (drop-down starting empty: "(pilih)"
when required), ``multi`` (a check box per choice), ``date`` (dd/mm/yyyy, optional), ``text``.
:meth:`DetailFieldsForm.values` returns the dict the core's ``check_details`` validates.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGridLayout, QLineEdit, QSpinBox, QWidget

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
        self.specs: tuple[dict[str, Any], ...] = ()
        self.editors: dict[str, Any] = {}

    def set_fields(self, specs: tuple[dict[str, Any], ...]) -> None:
        while self.layout_.rowCount():
            self.layout_.removeRow(0)
        self.specs, self.editors = tuple(specs), {}
        for spec in self.specs:
            editor = self._editor(spec)
            self.editors[spec["key"]] = editor
            label = str(spec.get("label") or spec["key"]) + (" *" if spec.get("required") else "") + ":"
            self.layout_.addRow(label, editor if isinstance(editor, QWidget) else self._boxes(editor))

    def _editor(self, spec: dict[str, Any]):
        kind = spec.get("type", "text")
        if kind == "int":
            box = QSpinBox()
            box.setRange(int(spec.get("min", 0)), SPIN_MAX)
            box.setValue(int(spec.get("default", spec.get("min", 0))))
            box.valueChanged.connect(self.changed)
            return box
        if kind == "choice":
            combo = QComboBox()
            # a required choice starts empty too: a preselected first choice would be saved unread
            combo.addItem("(pilih)" if spec.get("required") else "(tidak diisi)", None)
            for choice in spec.get("choices", []):
                combo.addItem(choice, choice)
            combo.currentIndexChanged.connect(self.changed)
            return combo
        if kind == "multi":
            return [QCheckBox(choice) for choice in spec.get("choices", [])]
        if kind == "date":
            return _DateOrEmpty(str(spec.get("label", "")))
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
        out: dict[str, Any] = {}
        for spec in self.specs:
            editor = self.editors[spec["key"]]
            kind = spec.get("type", "text")
            if kind == "int":
                out[spec["key"]] = editor.value()
            elif kind == "choice":
                if editor.currentData() is not None:
                    out[spec["key"]] = editor.currentData()
            elif kind == "multi":
                chosen = [box.text() for box in editor if box.isChecked()]
                if chosen:
                    out[spec["key"]] = chosen
            elif kind == "date":
                if editor.value():
                    out[spec["key"]] = editor.value()
            elif editor.text().strip():
                out[spec["key"]] = editor.text().strip()
        return out
