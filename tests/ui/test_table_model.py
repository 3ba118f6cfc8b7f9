"""The record table model computes a cell's text once and forgets it when anything changes."""

from __future__ import annotations

from PySide6.QtCore import Qt

from spm_desktop.ui.models.table import Column, RecordTableModel


def test_cell_text_is_computed_once_and_forgotten_on_reset_layout_and_data_change(qapp):
    names = {1: "Satu"}
    calls = []

    def name(record):
        calls.append(record)
        return names.get(record, "?")

    model = RecordTableModel((Column("Nama", name, tooltip=lambda r: f"no. {r}"),), checkable=True)
    model.set_records([1, 2])
    index = model.index(0, 0)
    for _ in range(5):
        assert model.data(index) == "Satu"
        assert model.data(index, int(Qt.ItemDataRole.DisplayRole.value)) == "Satu"
    assert calls == [1]
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) == "no. 1"
    assert model.data(index, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert model.data(index, Qt.ItemDataRole.FontRole) is None
    names[1] = "Satu (baru)"
    model.layoutChanged.emit()  # what Pengaturan does once target names arrive
    assert model.data(index) == "Satu (baru)"
    names[1] = "Lagi"
    model.dataChanged.emit(index, index)
    assert model.data(index) == "Lagi"
    model.set_records([2])
    assert model.data(index) == "?"
    assert model.data(model.index(1, 0)) is None  # past the last row
    model.set_all_checked(True)
    assert model.data(index, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
