"""Kegiatan Kelompok page: activities and the volunteer roster driven through their widgets,
from the keyboard, in a 1366×768 main window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from spm_desktop.core import clock
from spm_desktop.core.rollup.engine import compute_rollup
from spm_desktop.core.rollup.period import Period
from spm_desktop.core.services.activities import list_activities
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.core.services.volunteers import VolunteerInput, list_volunteers, register_volunteer
from spm_desktop.ui.main_window import MainWindow, page_numbers
from spm_desktop.ui.pages.kegiatan import Page

KEL = "61.71.01.1002"
FAMILY = "1.06.04.2.01.0006"
TAGANA = "1.06.06.2.02.0002"


def _person(ctx, name, sex="L"):
    return register_person(ctx.db, ctx.actor, PersonDraft(name=name, sex=sex, birth_year=1960, kelurahan_code=KEL),
                           confirm_duplicates_ok=True)


def test_a_family_activity_recorded_from_the_keyboard(ctx, qtbot, wait_runner):
    person = _person(ctx, "Maryati Ningsih", "P")
    page = Page(ctx)
    qtbot.addWidget(page)
    page.resize(1180, 700)
    page.show()
    qtbot.waitExposed(page)
    wait_runner()
    tab = page.activities
    assert tab.service.currentData() == FAMILY
    tab.region.set_kelurahan(KEL)
    tab.male.selectAll()
    QTest.keyClicks(tab.male, "3")
    tab.female.selectAll()
    QTest.keyClicks(tab.female, "4")
    QTest.keyClicks(tab.facilitator, "Bu Lina")
    QTest.keyClicks(tab.person.edit, "maryati")
    qtbot.waitUntil(lambda: tab.person.results.count() == 1, timeout=5000)
    QTest.keyClick(tab.person.edit, Qt.Key.Key_Return)
    assert [tab.persons.item(i).text() for i in range(tab.persons.count())] == ["Maryati Ningsih"]
    assert tab.total.text() == "jumlah 7 orang (kehadiran)"
    assert page.has_unsaved_changes()
    tab.facilitator.setFocus()
    QTest.keyClick(tab.facilitator, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    assert tab.message.text().startswith("Kegiatan ") and "7 peserta, 1 PPKS, 0 relawan" in tab.message.text()
    saved = list_activities(ctx.db, ctx.actor)
    assert [(a.participants, a.facilitator, [p.id for p in a.persons]) for a in saved] == [(7, "Bu Lina",
                                                                                             [person.id])]
    assert not page.has_unsaved_changes()
    # A refusal is shown beside the form, nothing is written.
    QTest.keyClick(tab.facilitator, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert tab.editing is None and tab.male.value() == 0
    tab.save()
    wait_runner()
    assert "paling sedikit 1" in tab.message.text()
    assert len(list_activities(ctx.db, ctx.actor)) == 1


def test_roster_and_a_tagana_activity(ctx, qtbot, wait_runner):
    page = Page(ctx)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    page.tabs.setCurrentWidget(page.roster)
    wait_runner()
    roster = page.roster
    QTest.keyClicks(roster.name, "Sri Wahyuni")
    roster.sex.setCurrentIndex(roster.sex.findData("P"))
    QTest.keyClick(roster.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: roster.model.rowCount() == 1, timeout=5000)
    assert roster.message.text() == "Relawan Sri Wahyuni tersimpan."
    QTest.keyClick(roster.name, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(roster.name, "Andi")
    QTest.keyClicks(roster.nik, "123")
    QTest.keyClick(roster.name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_runner()
    assert "16 digit" in roster.message.text()
    assert [v.name for v in list_volunteers(ctx.db, ctx.actor)] == ["Sri Wahyuni"]

    page.tabs.setCurrentWidget(page.activities)
    wait_runner()
    tab = page.activities
    tab.service.setCurrentIndex(tab.service.findData(TAGANA))
    assert not tab.persons_box.isEnabled()
    tab.region.set_kelurahan(KEL)
    tab.male.setValue(1)
    tab.female.setValue(1)
    QTest.keyClicks(tab.volunteer.lineEdit(), "sri")
    QTest.keyClick(tab.volunteer.lineEdit(), Qt.Key.Key_Return)
    assert tab.volunteer_list.count() == 1
    tab.save()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=5000)
    result = compute_rollup(ctx.db, Period.for_month(clock.today().year, clock.today().month))
    assert result.indicator(TAGANA).cumulative == 1
    # The roster counts the activity; a listed volunteer cannot be removed.
    page.tabs.setCurrentWidget(page.roster)
    wait_runner()
    assert roster.model.record(0).activities == 1


def test_the_page_fits_1366x768_and_takes_a_free_shortcut(ctx, qtbot, wait_runner):
    register_volunteer(ctx.db, ctx.actor, VolunteerInput(name="Rudi", sex="L"))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    page = window.show_page("kegiatan")
    wait_runner()
    for tab in (page.activities, page.roster):
        page.tabs.setCurrentWidget(tab)
        hint = window.minimumSizeHint()
        assert hint.width() <= 1366 and hint.height() <= 768, hint
    assert window.width() <= 1366 and window.height() <= 768
    # Kegiatan Kelompok takes the next free Ctrl+number; the fixed ones stay.
    number = page_numbers()["kegiatan"]
    assert number not in {n for name, n in page_numbers().items() if name != "kegiatan"}
    window.show_page("beranda")
    wait_runner()
    window.setFocus()
    QTest.keyClick(window, getattr(Qt.Key, f"Key_{number}"), Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() is page
    wait_runner()


def test_the_ctrl_numbers_staff_learned_stay_when_a_page_is_added():
    """Issue 21 added Pengaduan: it takes Ctrl+0, the pages before it keep their numbers."""
    numbers = page_numbers()
    assert {name: numbers[name] for name in ("beranda", "penerima", "kasus", "catat_layanan", "makan_harian",
                                             "bencana", "rekap", "sinkronisasi", "kegiatan", "pengaduan")} == {
        "beranda": 1, "penerima": 2, "kasus": 3, "catat_layanan": 4, "makan_harian": 5, "bencana": 6, "rekap": 7,
        "sinkronisasi": 8, "kegiatan": 9, "pengaduan": 0}
