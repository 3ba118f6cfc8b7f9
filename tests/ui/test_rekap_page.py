"""Rekap page: figures in the window, PDF and workbook exported through the runner."""

from __future__ import annotations

import subprocess
from datetime import date

from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt
from rollup_builders import CLOTHES, MEALS, Rows

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.services.settings import update_settings
from spm_desktop.ui.pages import rekap


def sign(db, name="Drs. Budi Santoso, M.Si", nip="197001011990031001") -> None:
    update_settings(db, SYSTEM, {"signatory.name": name, "signatory.nip": nip})


def fill(db) -> None:
    sign(db)
    with db.transaction() as s:
        r = Rows(s)
        for i in range(5):
            p = r.person()
            r.case(p, "gepeng", date(2026, 1, 3), needs=[MEALS, CLOTHES])
            r.event(p, MEALS, date(2026, 1 + i % 3, 4))
            if i % 2 == 0:
                r.event(p, CLOTHES, date(2026, 3, 9))


def test_figures_shown_and_pdf_exported(qtbot, qtmodeltester, ctx, db, wait_runner, tmp_path, monkeypatch):
    fill(db)
    page = rekap.Page(ctx, today=date(2026, 3, 20))
    qtbot.addWidget(page)
    page.set_period(2026, month=3)
    page.compute()
    wait_runner()
    gepeng = page.groups.record(3)
    assert (gepeng.group, gepeng.sasaran, gepeng.terpenuhi) == ("gepeng", 5, 3)
    assert page.groups.index(3, 3).data() == "60,0%"
    assert page.indicators.index(0, 4).data() == "5"  # permakanan, cumulative
    assert "IKK 1: 60,0%" in page.ikk_label.text()
    assert "Maret 2026" in page.title.text()
    assert page.breakdown_model.columnCount() == 1 + 6 and page.breakdown_model.index(0, 1).data() == "5"
    for model in (page.groups, page.indicators, page.breakdown_model):
        qtmodeltester.check(model)
    page.dimension_box.setCurrentIndex(page.dimension_box.findData("sex"))
    wait_runner()
    assert [page.breakdown_model.headerData(c, Qt.Orientation.Horizontal) for c in (1, 2)] == ["Laki-laki",
                                                                                                "Perempuan"]
    assert page.breakdown_model.index(0, 1).data() == "5"  # the builder's persons are all L
    qtmodeltester.check(page.breakdown_model)
    target = tmp_path / "rekap-maret.pdf"
    monkeypatch.setattr(rekap.ExportFileDialog, "ask", classmethod(lambda cls, *a: target))
    assert page.signed_on.date().toPython() == date(2026, 3, 20)  # today by default
    page.signed_on.setDate(QDate(2026, 4, 3))
    qtbot.mouseClick(page.pdf_button, Qt.MouseButton.LeftButton)
    wait_runner()
    assert page.last_file == target and target.exists()
    assert page.open_button.isEnabled()
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True).stdout
    row = next(ln for ln in text.splitlines() if "Gelandangan dan  " in ln)
    assert row.split()[-8:] == ["5", "3", "60,0%", "belum", "diisi", "–", "belum", "dinilai"]
    assert "Pontianak, 3 April 2026" in text and "Administrator Dinsos" in text  # signed by the exporting user
    meals = next(ln for ln in text.splitlines() if MEALS in ln)
    assert "5" in meals.split() and "2,5%" in meals  # 5 of a target of 200


def test_quarter_workbook_export(qtbot, ctx, db, wait_runner, tmp_path, monkeypatch):
    fill(db)
    page = rekap.Page(ctx, today=date(2026, 3, 20))
    qtbot.addWidget(page)
    assert not page.xlsx_button.isEnabled()  # a month is chosen
    page.set_period(2026, quarter=1)
    assert page.xlsx_button.isEnabled()
    target = tmp_path / "q1.xlsx"
    monkeypatch.setattr(rekap.ExportFileDialog, "ask", classmethod(lambda cls, *a: target))
    page.export_xlsx()
    wait_runner()
    ws = load_workbook(target)["Gepeng"]
    row = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 2).value).startswith("Jumlah gelandangan"))
    assert ws.cell(row, 4).value == 5 and [ws.cell(row, c).value for c in (5, 6, 7)] == [0, 0, 3]


def test_export_refused_while_the_signatory_is_empty(qtbot, ctx, db, wait_runner, tmp_path, monkeypatch):
    fill(db)
    sign(db, name="", nip="")
    page = rekap.Page(ctx, today=date(2026, 3, 20))
    qtbot.addWidget(page)
    page.set_period(2026, month=3)
    target = tmp_path / "rekap.pdf"
    monkeypatch.setattr(rekap.ExportFileDialog, "ask", classmethod(lambda cls, *a: target))
    page.export_pdf()
    wait_runner()
    assert not target.exists() and page.last_file is None
    assert "Ekspor ditolak: Nama dan NIP Kepala Dinas" in page.status_label.text()
    assert "Pengaturan" in page.status_label.text()


def test_viewer_cannot_export(qtbot, ctx, db):
    from dataclasses import replace

    ctx.user = replace(ctx.user, role="viewer")
    page = rekap.Page(ctx, today=date(2026, 3, 20))
    qtbot.addWidget(page)
    assert not page.pdf_button.isEnabled() and not page.xlsx_button.isEnabled()
