"""The Bencana page: register a disaster, enter a family through the member grid, record
meals for everyone, and see what each member still lacks."""

from __future__ import annotations

from datetime import date

from bencana_scenario import build_fire, serve_fire
from PySide6.QtCore import Qt

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.services.disaster_summary import disaster_summary
from spm_desktop.core.services.disasters import list_disasters
from spm_desktop.ui.dialogs import disaster as dialogs
from spm_desktop.ui.models.disasters import (
    MISSING_COLUMN,
    MemberGridModel,
    MemberRow,
    disaster_model,
    member_needs_model,
)
from spm_desktop.ui.pages import bencana
from spm_desktop.ui.pages.bencana import Page

START = date(2026, 3, 2)


def _fill_grid(grid: MemberGridModel, rows: list[MemberRow]) -> None:
    """Type the rows into the grid through the model's own setData, as the editors do."""
    for i, row in enumerate(rows):
        if i >= grid.rowCount():
            grid.add_row()
        for col, field in enumerate(MemberGridModel.TEXT_FIELDS):
            assert grid.setData(grid.index(i, col), getattr(row, field), Qt.ItemDataRole.EditRole)
        for col, field in MemberGridModel.CHECK_FIELDS.items():
            state = Qt.CheckState.Checked if getattr(row, field) else Qt.CheckState.Unchecked
            assert grid.setData(grid.index(i, col), state.value, Qt.ItemDataRole.CheckStateRole)


def test_register_disaster_family_and_meals(ctx, qtbot, wait_runner, monkeypatch, qtmodeltester):
    page = Page(ctx)
    qtbot.addWidget(page)
    page.year.setValue(2026)
    wait_runner()
    assert page.disasters.rowCount() == 0
    assert "Belum ada kejadian bencana" in page.heading.text()

    def fill_disaster(parent, regions, runner, submit, initial=None):
        dialog = dialogs.DisasterDialog(regions, runner, submit, initial, parent)
        qtbot.addWidget(dialog)
        dialog.kind.setCurrentIndex(dialog.kind.findData("kebakaran_permukiman"))
        dialog.name.setText("Kebakaran Gg. Amal")
        dialog.start.set_value(START)
        dialog.region.set_kelurahan("61.71.01.1002")
        dialog.location.setText("Gg. Amal RT 03")
        dialog.houses["berat"].setValue(2)
        dialog.submit()
        qtbot.waitUntil(lambda: dialog.result_value is not None)
        return dialog.result_value

    monkeypatch.setattr(dialogs.DisasterDialog, "ask", fill_disaster)
    page.new_button.click()
    wait_runner()
    assert page.disasters.rowCount() == 1
    assert page.summary is not None and page.summary.disaster.name == "Kebakaran Gg. Amal"
    assert "02/03/2026" in page.heading.text()
    assert "masa tanggap darurat berjalan; penanganan berjalan; skala kabupaten/kota" in page.heading.text()

    refused = []

    def fill_family(parent, disaster, runner, submit):
        dialog = dialogs.HouseholdDialog(disaster, runner, submit, parent)
        qtbot.addWidget(dialog)
        qtmodeltester.check(dialog.members)
        dialog.no_kk.setText("6171010203260001")
        dialog.displaced.setChecked(True)
        # First without a head of family: the core refuses, the dialog stays open with the reason.
        _fill_grid(dialog.members, [MemberRow("Budi", sex="L", birth_date="10/05/1980", relation="anak")])
        dialog.submit()
        qtbot.waitUntil(lambda: "kepala keluarga" in dialog.message.text())
        refused.append(dialog.message.text())
        _fill_grid(dialog.members, [
            MemberRow("Budi", sex="L", birth_date="10/05/1980", relation="kepala"),
            MemberRow("Siti", sex="P", birth_date="20/08/1985", relation="istri", pregnant_breastfeeding=True),
            MemberRow("Ahmad", sex="L", age="0", relation="anak"),
        ])
        dialog.submit()
        qtbot.waitUntil(lambda: dialog.result_value is not None)
        return dialog.result_value

    monkeypatch.setattr(dialogs.HouseholdDialog, "ask", fill_family)
    page.household_button.click()
    wait_runner()
    assert refused and "tepat satu kepala keluarga" in refused[0]
    assert "Keluarga Budi dengan 3 anggota disimpan" in page.status.text()
    assert page.members.rowCount() == 3
    assert "Kebutuhan dasar terpenuhi: <b>0 dari 3 (0,0%)</b>" in page.figures.text()

    def meals(parent, kind, disaster, selected, choices, families=0):
        dialog = dialogs.AidDialog(kind, disaster, selected, choices, parent)
        qtbot.addWidget(dialog)
        dialog.start.set_value(START)
        dialog.end.set_value(date(2026, 3, 8))
        dialog.everyone.setChecked(True)
        return dialog.value()

    monkeypatch.setattr(dialogs.AidDialog, "ask", meals)
    page.aid_buttons["meals"].click()
    wait_runner()
    assert page.status.text() == "21 catatan layanan disimpan untuk 3 orang."
    page.aid_buttons["meals"].click()  # the same week again writes nothing
    wait_runner()
    assert page.status.text() == "0 catatan layanan disimpan untuk 0 orang; 21 sudah tercatat sebelumnya dan dilewati."

    disaster_id = page.summary.disaster.id
    summary = disaster_summary(ctx.db, ctx.actor, disaster_id)
    assert [m.missing_text for m in summary.members] == [
        "sandang, tempat penampungan", "sandang, tempat penampungan, penanganan khusus",
        "sandang, tempat penampungan, penanganan khusus"]
    assert page.members.headerData(MISSING_COLUMN, Qt.Orientation.Horizontal) == "Masih kurang"
    texts = [page.members.data(page.members.index(r, MISSING_COLUMN)) for r in range(3)]
    assert sorted(texts) == sorted(m.missing_text for m in summary.members)

    # Clothing for the selected members only (Budi and Siti, picked in the table).
    page.member_view.selectAll()
    selection = page.member_view.selectionModel()
    for r in range(page.member_proxy.rowCount()):
        name = page.member_proxy.index(r, 1).data()
        if name == "Ahmad":
            selection.select(page.member_proxy.index(r, 0), selection.SelectionFlag.Deselect
                             | selection.SelectionFlag.Rows)
    assert sorted(m.name for m in page.selected_members()) == ["Budi", "Siti"]

    def clothing(parent, kind, disaster, selected, choices, families=0):
        dialog = dialogs.AidDialog(kind, disaster, selected, choices, parent)
        qtbot.addWidget(dialog)
        assert selected == 2 and dialog.selected.isChecked() and dialog.items.count() == 6
        dialog.start.set_value(date(2026, 3, 3))
        return dialog.value()

    monkeypatch.setattr(dialogs.AidDialog, "ask", clothing)
    page.aid_buttons["clothing"].click()
    wait_runner()
    assert page.status.text() == "2 catatan layanan disimpan untuk 2 orang."
    assert "Kebutuhan dasar terpenuhi: <b>0 dari 3 (0,0%)</b>" in page.figures.text()

    def shelter(parent, kind, disaster, selected, choices, families=0):
        dialog = dialogs.AidDialog(kind, disaster, selected, choices, parent)
        qtbot.addWidget(dialog)
        dialog.start.set_value(date(2026, 3, 3))
        dialog.everyone.setChecked(True)
        return dialog.value()

    monkeypatch.setattr(dialogs.AidDialog, "ask", shelter)
    page.aid_buttons["shelter"].click()
    wait_runner()
    assert page.status.text() == "1 unit tempat penampungan dicatat untuk 1 keluarga."
    # One tent on the head shelters the family: Budi is served; Siti and Ahmad lack more.
    assert "Kebutuhan dasar terpenuhi: <b>1 dari 3 (33,3%)</b>" in page.figures.text()
    assert [d.households for d in list_disasters(ctx.db, ctx.actor, 2026)] == [1]

    # Edit the family: a baby born in the shelter is added; the known members keep their person.
    def edit_family(parent, disaster, runner, submit, initial=None):
        dialog = dialogs.HouseholdDialog(disaster, runner, submit, parent, initial)
        qtbot.addWidget(dialog)
        qtmodeltester.check(dialog.members)
        assert [r.name for r in dialog.members.rows] == ["Budi", "Siti", "Ahmad"]
        assert dialog.displaced.isChecked()
        name_cell = dialog.members.index(0, 0)
        assert not dialog.members.flags(name_cell) & Qt.ItemFlag.ItemIsEditable
        # Ahmad's clothing is waived (baby clothes from relatives), with the reason.
        dialog.grid.setCurrentIndex(dialog.members.index(2, 0))
        monkeypatch.setattr(dialogs.WaiverDialog, "ask", lambda parent, name, waived, reason: (
            ("1.06.06.2.01.0002",), "Pakaian bayi dari kerabat") if name == "Ahmad" else None)
        dialog.waive()
        waived_cell = dialog.members.index(2, MemberGridModel.WAIVED_COLUMN)
        assert waived_cell.data() == "sandang — Pakaian bayi dari kerabat"
        dialog.add_member()
        _fill_grid(dialog.members, [*dialog.members.rows[:3], MemberRow("Putri", sex="P", age="0")])
        dialog.submit()
        qtbot.waitUntil(lambda: dialog.result_value is not None)
        return dialog.result_value

    monkeypatch.setattr(dialogs.HouseholdDialog, "ask", edit_family)
    page.member_view.selectRow(0)
    page.edit_household_button.click()
    wait_runner()
    assert page.status.text() == "Keluarga Budi diubah: 4 anggota."
    assert page.members.rowCount() == 4
    ahmad = next(m for m in page.summary.members if m.name == "Ahmad")
    assert (ahmad.missing_text, ahmad.waiver_reason) == ("penanganan khusus", "Pakaian bayi dari kerabat")

    # A family entered by mistake is removed (after confirmation); its services stay recorded.
    monkeypatch.setattr(bencana, "confirm", lambda parent, text, title="": "KK 6171010203260001" in text)
    page.member_view.selectRow(0)
    page.remove_button.click()
    wait_runner()
    assert page.status.text() == "Keluarga dihapus dari bencana ini."
    assert page.members.rowCount() == 0
    assert [(d.households, d.persons) for d in list_disasters(ctx.db, ctx.actor, 2026)] == [(0, 0)]


def test_models_pass_the_model_tester(db, qtmodeltester, app):
    fire = build_fire(db)
    serve_fire(db, fire)
    model = disaster_model()
    model.set_records(list_disasters(db, SYSTEM, 2026))
    qtmodeltester.check(model)
    needs = member_needs_model()
    needs.set_records(list(disaster_summary(db, SYSTEM, fire.id).members))
    qtmodeltester.check(needs)
    grid = MemberGridModel()
    _fill_grid(grid, [MemberRow("Budi", sex="L", age="40", relation="kepala"), MemberRow("Ani", sex="P", age="3")])
    qtmodeltester.check(grid)
    assert [m.age for m in grid.inputs()] == [40, 3]


def test_end_the_emergency_then_close_the_handling(ctx, qtbot, wait_runner, monkeypatch):
    fire = build_fire(ctx.db)
    page = Page(ctx)
    qtbot.addWidget(page)
    page.year.setValue(2026)
    page.refresh()
    wait_runner()
    assert page.summary is not None and page.summary.disaster.id == fire.id

    def answer(day):
        def ask(parent, disaster, runner, submit, emergency=False):
            dialog = dialogs.CloseDisasterDialog(disaster, runner, submit, parent, emergency)
            qtbot.addWidget(dialog)
            dialog.end.set_value(day)
            dialog.submit()
            qtbot.waitUntil(lambda: dialog.result_value is not None or "tidak boleh" in dialog.message.text())
            return dialog.result_value
        return ask

    monkeypatch.setattr(dialogs.CloseDisasterDialog, "ask", answer(date(2026, 3, 9)))
    page.emergency_button.click()
    wait_runner()
    assert page.status.text() == "Masa tanggap darurat diakhiri."
    assert "tanggap darurat s.d. 09/03/2026; penanganan berjalan" in page.heading.text()
    assert not page.emergency_button.isEnabled() and page.close_button.isEnabled()
    monkeypatch.setattr(dialogs.CloseDisasterDialog, "ask", answer(date(2026, 4, 30)))
    page.close_button.click()
    wait_runner()
    assert page.status.text() == "Penanganan bencana ditutup."
    assert "penanganan ditutup 30/04/2026" in page.heading.text()
    assert page.disasters.data(page.disasters.index(0, 7)) == "Ditutup 30/04/2026"
    assert not page.close_button.isEnabled()
