"""One file-picker helper (issue 22 item 5): ``ui/file_dialogs.py`` is the only caller of Qt's
file dialogs; pages keep their small seams (replaced by tests) around it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

import spm_desktop
from spm_desktop.ui.file_dialogs import ask_open_file, ask_save_file

ROOT = Path(spm_desktop.__file__).parent / "ui"


def test_save_adds_the_suffix_and_cancel_is_none(monkeypatch, tmp_path):
    answers = [str(tmp_path / "paket"), str(tmp_path / "paket.spmsync"), ""]
    asked = []

    def fake(parent, caption, start, file_filter):
        asked.append((caption, start, file_filter))
        return answers.pop(0), file_filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    assert ask_save_file(None, "Simpan", tmp_path / "x.spmsync", "Paket (*.spmsync)", ".spmsync") == \
        tmp_path / "paket.spmsync"
    assert ask_save_file(None, "Simpan", tmp_path / "x.spmsync", "Paket (*.spmsync)", ".spmsync") == \
        tmp_path / "paket.spmsync"
    assert ask_save_file(None, "Simpan", tmp_path / "x.spmsync", "Paket (*.spmsync)") is None
    assert asked[0] == ("Simpan", str(tmp_path / "x.spmsync"), "Paket (*.spmsync)")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a: (str(tmp_path / "a.csv"), "")))
    assert ask_open_file(None, "Buka", tmp_path, "CSV (*.csv)") == tmp_path / "a.csv"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a: ("", "")))
    assert ask_open_file(None, "Buka", tmp_path, "CSV (*.csv)") is None


def test_only_the_helper_calls_the_qt_file_dialogs():
    found = [f"{p.relative_to(ROOT).as_posix()}:{n}" for p in sorted(ROOT.rglob("*.py"))
             if p.name != "file_dialogs.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if "QFileDialog.get" in line]
    assert not found, "ask through spm_desktop/ui/file_dialogs.py: " + ", ".join(found)
