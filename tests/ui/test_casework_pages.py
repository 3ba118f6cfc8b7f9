"""Kasus, Catat Layanan and Makan Harian pages driven through their widgets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import func, select

from spm_desktop.core import clock
from spm_desktop.core.services.cases import CaseDraft, open_case
from spm_desktop.core.services.events import list_events, record_shelter_meals
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.core.storage.models import ServiceEvent
from spm_desktop.ui.dialogs.case import CaseDialog, CloseCaseDialog, NeedsDialog
from spm_desktop.ui.models.table import RecordTableModel
from spm_desktop.ui.pages.catat_layanan import Page as ServicePage
from spm_desktop.ui.pages.kasus import Page as CasePage
from spm_desktop.ui.pages.makan_harian import RESIDENT_COLUMNS
from spm_desktop.ui.pages.makan_harian import Page as MealsPage
from spm_desktop.ui.person_panel import PersonPanel

KEL = "61.71.01.1002"
MEALS = "1.06.04.2.01.0001"
CLOTHES = "1.06.04.2.01.0002"
TRACING = "1.06.04.2.01.0011"


def _person(ctx, name, sex="L", year=1970):
    return register_person(ctx.db, ctx.actor, PersonDraft(name=name, sex=sex, birth_year=year, kelurahan_code=KEL),
                           confirm_duplicates_ok=True)


def _events(ctx) -> int:
    with ctx.db.reading() as s:
        return s.scalar(select(func.count()).select_from(ServiceEvent))


@pytest.fixture
def intake_day():
    return clock.today() - timedelta(days=3)


def test_case_opened_with_needs_and_missing_items_shown(ctx, qtbot, wait_runner, intake_day, monkeypatch):
    person = _person(ctx, "Joko Susilo")
    dialog = CaseDialog(ctx, person.id, person.name)
    qtbot.addWidget(dialog)
    dialog.unit.setCurrentIndex(dialog.unit.findData("UPRS"))
    dialog.group.setCurrentIndex(dialog.group.findData("gepeng"))
    dialog.intake.set_value(intake_day)
    dialog.shelter.setChecked(True)
    dialog.needs.set_codes((MEALS, CLOTHES, TRACING))
    dialog.submit()
    wait_runner()
    case = dialog.result_value
    assert case is not None and case.status == "open" and case.in_shelter
    assert sorted(n.code for n in case.needs) == sorted([MEALS, CLOTHES, TRACING])

    page = CasePage(ctx)
    qtbot.addWidget(page)
    wait_runner()
    assert page.cases.rowCount() == 1
    assert page.cases.index(0, 7).data() == "3"
    page.view.selectRow(0)
    wait_runner()
    assert page.needs.rowCount() == 3
    assert {page.needs.index(r, 2).data() for r in range(3)} == {"BELUM"}
    assert {page.needs.index(r, 1).data() for r in range(3)} == {intake_day.strftime("%d/%m/%Y")}
    assert page.missing_label.text().startswith("Belum terpenuhi (3)")

    # Asesmen ulang: a need added on a later date, even for a code the case already has.
    again = NeedsDialog(ctx, page.detail.case)
    qtbot.addWidget(again)
    again.assessed_on.set_value(intake_day + timedelta(days=1))
    again.needs.set_codes((CLOTHES,))
    again.submit()
    wait_runner()
    assert again.result_value is not None and len(again.result_value.needs) == 4

    asked = []  # closing with unmet needs asks first (issue 19)
    monkeypatch.setattr("spm_desktop.ui.dialogs.case.confirm", lambda parent, text, title: asked.append(text) or True)
    closing = CloseCaseDialog(ctx, page.detail.case)
    qtbot.addWidget(closing)
    closing.exit_date.set_value(intake_day - timedelta(days=1))
    page.reload()
    wait_runner()
    assert page.cases.index(0, 7).data() == "4"
    closing.submit()
    wait_runner()
    assert closing.result_value is None and "sebelum tanggal masuk" in closing.message.text()
    closing.exit_date.set_value(clock.today())
    closing.reason.setCurrentIndex(closing.reason.findData("reunifikasi"))
    closing.submit()
    wait_runner()
    assert closing.result_value.status == "closed"
    assert len(asked) == 2 and asked[-1].startswith("4 kebutuhan kasus ini belum terpenuhi")


def test_case_opened_unassessed_or_with_no_need(ctx, qtbot, wait_runner, intake_day):
    person = _person(ctx, "Siti Aminah", sex="P", year=1950)
    dialog = CaseDialog(ctx, person.id, person.name, group="lansia", assessment="later")
    qtbot.addWidget(dialog)
    dialog.intake.set_value(intake_day)
    dialog.needs.set_codes((MEALS,))  # ignored: "belum diasesmen" chosen
    assert not dialog.needs.isEnabled()
    dialog.submit()
    wait_runner()
    assert dialog.result_value.assessment == "belum diasesmen" and dialog.result_value.spm_group == "lansia"
    other = CaseDialog(ctx, person.id, person.name, group="disabilitas", assessment="no_need")
    qtbot.addWidget(other)
    other.intake.set_value(intake_day)
    other.submit()
    wait_runner()
    assert other.result_value.assessment == "tidak ada kebutuhan"
    page = CasePage(ctx)
    qtbot.addWidget(page)
    wait_runner()
    assert {page.cases.index(r, 7).data() for r in range(2)} == {"belum diasesmen", "tidak ada kebutuhan"}


def test_service_recorded_with_enter_and_visible_in_history(ctx, qtbot, wait_runner, intake_day):
    person = _person(ctx, "Maryati Ningsih", sex="P", year=1950)
    case = open_case(ctx.db, ctx.actor, CaseDraft(person.id, "UPRS", "lansia", intake_day, needs=(CLOTHES,)))
    page = ServicePage(ctx)
    qtbot.addWidget(page)
    page.show()
    QTest.keyClicks(page.person.edit, "maryati")
    qtbot.waitUntil(lambda: page.person.results.count() == 1, timeout=5000)
    QTest.keyClick(page.person.edit, Qt.Key.Key_Return)
    assert page.person.person_id == person.id
    qtbot.waitUntil(lambda: page.case.currentData() == case.id, timeout=5000)
    page.service.setCurrentIndex(page.service.findData(CLOTHES))
    boxes = page.details.editors["items"]
    boxes[0].setChecked(True)
    boxes[2].setChecked(True)
    QTest.keyClick(page.service, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.recent.rowCount() == 1, timeout=5000)
    assert page.message.text().startswith("Tersimpan: Penyediaan Sandang untuk Maryati Ningsih")
    assert page.person.person_id is None  # ready for the next person
    assert page.service.currentData() == CLOTHES  # the service stays
    events = list_events(ctx.db, ctx.actor, person.id)
    assert len(events) == 1 and events[0].details == {"items": ["Pakaian", "Sandal"]}
    assert events[0].case_id == case.id and events[0].unit == "UPRS"
    assert ctx.recall("service/last_code") == CLOTHES

    panel = PersonPanel(ctx)
    qtbot.addWidget(panel)
    panel.show_person(person.id)
    wait_runner()
    titles = [panel.history.index(r, 2).data() for r in range(panel.history.rowCount())]
    assert titles[0] == "Penyediaan Sandang"
    assert "Masuk kasus Lanjut Usia Terlantar" in titles
    assert panel.history.index(0, 0).data() == clock.today().strftime("%d/%m/%Y")


def test_service_refused_shows_reason(ctx, qtbot, wait_runner):
    person = _person(ctx, "Andi Wijaya")
    page = ServicePage(ctx)
    qtbot.addWidget(page)
    page.save()
    assert "Pilih dulu penerima layanan" in page.message.text()
    page.choose_person(person.id, person.name)
    wait_runner()  # the person's cases have loaded
    page.event_date.set_value(clock.today() + timedelta(days=2))
    page.service.setCurrentIndex(page.service.findData(TRACING))
    page.save()
    wait_runner()
    assert "masa depan" in page.message.text()
    assert _events(ctx) == 0


def _key(widget, key) -> None:
    QTest.keyClick(widget, key)


def test_keyboard_only_pick_never_saves_and_enter_saves_once_with_the_case(ctx, qtbot, wait_runner, intake_day):
    """Issue 14: type a name, ↓, Enter picks the person and writes nothing; Enter before the
    person's cases have loaded writes nothing; choosing the service and pressing Enter writes
    exactly one event, on the person's open case."""
    person = _person(ctx, "Sutarno Wijaya")
    case = open_case(ctx.db, ctx.actor, CaseDraft(person.id, "UPRS", "gepeng", intake_day, needs=(MEALS,)))
    ctx.remember("service/last_code", CLOTHES)  # another service preselected, as after an earlier save
    page = ServicePage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activateWindow()
    page.focus_person()
    QTest.keyClicks(page.person.edit, "sutarno")
    qtbot.waitUntil(lambda: page.person.results.count() == 1, timeout=5000)
    _key(page.person.edit, Qt.Key.Key_Down)
    assert page.person.results.hasFocus()
    _key(page.person.results, Qt.Key.Key_Return)
    assert page.person.person_id == person.id
    assert page.service.hasFocus()
    _key(page.service, Qt.Key.Key_Return)  # at once: the case list has not loaded yet
    assert "kasus orang ini sedang dimuat" in page.message.text()
    wait_runner()
    assert _events(ctx) == 0 and page.recent.rowCount() == 0
    assert page.case.currentData() == case.id
    assert [page.case.itemText(i) for i in range(page.case.count())][0] == "(tanpa kasus)"
    for _ in range(page.service.count()):  # choose the service with the arrow keys
        if page.service.currentData() == MEALS:
            break
        _key(page.service, Qt.Key.Key_Up)
    assert page.service.currentData() == MEALS
    assert _events(ctx) == 0
    _key(page.service, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.recent.rowCount() == 1, timeout=5000)
    wait_runner()
    events = list_events(ctx.db, ctx.actor, person.id)
    assert len(events) == 1
    assert (events[0].service_code, events[0].case_id, events[0].event_date) == (MEALS, case.id, clock.today())

    # the next person: Enter in the name field picks the first match and saves nothing
    QTest.keyClicks(page.person.edit, "sutarno")
    qtbot.waitUntil(lambda: page.person.results.count() == 1, timeout=5000)
    _key(page.person.edit, Qt.Key.Key_Return)
    _key(page.person.edit, Qt.Key.Key_Return)
    wait_runner()
    assert page.person.person_id == person.id and _events(ctx) == 1


def test_meals_recorded_once_for_ticked_residents(ctx, qtbot, qtmodeltester, wait_runner, intake_day):
    people = [_person(ctx, name) for name in ("Agus Salim", "Bambang Irawan", "Cecep Supriadi")]
    for p in people:
        open_case(ctx.db, ctx.actor, CaseDraft(p.id, "UPRS", "gepeng", intake_day, needs=(MEALS,), in_shelter=True))
    page = MealsPage(ctx)
    qtbot.addWidget(page)
    wait_runner()
    assert page.residents.rowCount() == 3
    standalone = RecordTableModel(RESIDENT_COLUMNS, checkable=True)  # outlives the page for the tester
    standalone.set_records(page.residents.records, checked=lambda r: not r.meals_recorded)
    qtmodeltester.check(standalone, force_py=True)
    page.residents.setData(page.residents.index(2, 0), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert page.record_button.text().replace("&", "") == "Catat makan untuk 2 orang yang dicentang"
    page.record_button.click()
    wait_runner()
    assert _events(ctx) == 2
    assert page.message.text() == f"Makan {clock.today().strftime('%d/%m/%Y')} dicatat untuk 2 orang."
    assert [page.residents.index(r, 2).data() for r in range(3)] == ["sudah dicatat", "sudah dicatat", "belum"]
    page.tick_unfed()
    page.record_button.click()
    wait_runner()
    assert _events(ctx) == 3
    again = record_shelter_meals(ctx.db, ctx.actor, "UPRS", clock.today(), person_ids=[p.id for p in people])
    assert (again.created, again.already) == (0, 3)
    assert _events(ctx) == 3
    assert not page.record_button.isEnabled()


def test_record_table_model_passes_modeltester(app, qtmodeltester):
    from spm_desktop.ui.models.table import Column

    model = RecordTableModel([Column("A", str), Column("B", lambda r: str(r * 2))], checkable=True)
    model.set_records([1, 2, 3], checked=lambda r: r > 1)
    qtmodeltester.check(model, force_py=True)
    assert [r for r in model.checked_records()] == [2, 3]
