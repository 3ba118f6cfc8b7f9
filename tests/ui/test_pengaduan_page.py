"""Pengaduan page (issue 21): a phone complaint about a neglected elderly man received from the
keyboard, verified, turned into a case with one click, followed up and closed; a referral's
feedback recorded on the Rujukan tab; a DTSEN proposal decided — in a 1366×768 window."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from spm_desktop.core import clock
from spm_desktop.core.services import complaints as cs
from spm_desktop.core.services import dtsen as ds
from spm_desktop.core.services import referrals as rs
from spm_desktop.core.services.cases import CaseDraft, list_cases, open_case
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.ui.pages.pengaduan import LetterFileDialog, Page

KEL = "61.71.01.1002"


def _page(ctx, qtbot, wait_runner):
    page = Page(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    qtbot.waitExposed(page)
    page.refresh()
    wait_runner()
    return page


def test_complaint_received_verified_case_opened_and_closed(ctx, qtbot, wait_runner, monkeypatch):
    person = register_person(ctx.db, ctx.actor, PersonDraft(name="Pak Darto", sex="L", birth_year=1948,
                                                            kelurahan_code=KEL), confirm_duplicates_ok=True)
    page = _page(ctx, qtbot, wait_runner)
    page.received_date.set_value(date(2026, 11, 2))
    page.channel.setCurrentIndex(page.channel.findData("telepon"))
    QTest.keyClicks(page.reporter, "Bu Rina")
    page.kelurahan.setCurrentIndex(page.kelurahan.findData(KEL))
    QTest.keyClicks(page.person.edit, "darto")
    qtbot.waitUntil(lambda: page.person.results.count() == 1, timeout=5000)
    QTest.keyClick(page.person.edit, Qt.Key.Key_Return)
    QTest.keyClicks(page.description, "Lansia terlantar tidur di emperan pasar")
    QTest.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.complaint_model.rowCount() == 1, timeout=5000)
    assert page.current is not None and page.current.status == "diterima"
    cid = page.current.id
    for status, day in (("diverifikasi", date(2026, 11, 3)),):
        page.next_status.setCurrentIndex(page.next_status.findData(status))
        page.status_date.set_value(day)
        QTest.mouseClick(page.status_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda s=status: page.current.status == s, timeout=5000)
    page.unit.setCurrentIndex(page.unit.findData("UPRS"))
    page.group.setCurrentIndex(page.group.findData("lansia"))
    page.status_date.set_value(date(2026, 11, 4))
    page.case_button.click()
    qtbot.waitUntil(lambda: page.current.case_id is not None, timeout=5000)
    wait_runner()
    assert [c.spm_group for c in list_cases(ctx.db, ctx.actor, person.id)] == ["lansia"]
    for day, text in ((date(2026, 11, 5), "Dijemput petugas UPRS"), (date(2026, 11, 6), "Keluarga dihubungi")):
        page.status_date.set_value(day)
        page.note.setText(text)
        page.note_button.click()
        qtbot.waitUntil(lambda t=text: any(t in f.note for f in page.current.followups), timeout=5000)
    page.next_status.setCurrentIndex(page.next_status.findData("selesai"))
    page.status_date.set_value(date(2026, 11, 9))
    page.status_button.click()
    qtbot.waitUntil(lambda: page.current.status == "selesai", timeout=5000)
    info = cs.get_complaint(ctx.db, ctx.actor, cid)
    assert (info.response_days, info.closed_on, len(info.followups)) == (1, date(2026, 11, 9), 5)
    assert not page.status_button.isEnabled() and page.log.count() == 5
    # Surat Keterangan of the complaint, numbered on this (office) database; a reprint is the same letter.
    target = ctx.data_dir / "sk.pdf"
    monkeypatch.setattr(LetterFileDialog, "ask", classmethod(lambda cls, parent, suggested: target))
    page.letter_button.click()
    wait_runner()
    assert target.is_file() and f"400.9/1/Dinsos-SK/{clock.today().year}" in page.message.text()
    wait_runner()


def test_referral_feedback_and_dtsen_decision(ctx, qtbot, wait_runner):
    person = register_person(ctx.db, ctx.actor, PersonDraft(name="Siti Aminah", sex="P", birth_year=1970,
                                                            kelurahan_code=KEL), confirm_duplicates_ok=True)
    sent = rs.send_referral(ctx.db, ctx.actor, rs.OutgoingInput(person.id, date(2026, 11, 2), "RSUD dr. Soedarso"))
    proposal = ds.propose(ctx.db, ctx.actor, ds.ProposalInput(person.id, "perubahan", date(2026, 11, 3), "B1"))
    page = _page(ctx, qtbot, wait_runner)
    page.tabs.setCurrentIndex(1)
    assert page.referral_model.rowCount() == 1
    page.referral_table.selectRow(0)
    page.referral_status.setCurrentIndex(page.referral_status.findData("diterima"))
    page.feedback_date.set_value(date(2026, 11, 10))
    page.referral_notes.setText("Dirawat inap")
    page.feedback_button.click()
    qtbot.waitUntil(lambda: page.referral_model.rowCount() == 0, timeout=5000)  # no longer waiting
    assert rs.referral_of_event(ctx.db, ctx.actor, sent.event_id).status == "diterima"
    # An incoming referral from Satpol PP, linked to the case it opened.
    case = open_case(ctx.db, ctx.actor, CaseDraft(person.id, "UPRS", "gepeng", date(2026, 11, 12)))
    QTest.keyClicks(page.incoming_person.edit, "aminah")
    qtbot.waitUntil(lambda: page.incoming_person.results.count() == 1, timeout=5000)
    QTest.keyClick(page.incoming_person.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.incoming_case.findData(case.id) >= 0, timeout=5000)
    page.incoming_origin.setCurrentIndex(page.incoming_origin.findData("Satpol PP"))
    page.incoming_date.set_value(date(2026, 11, 12))
    page.incoming_button.click()
    wait_runner()
    incoming = rs.list_referrals(ctx.db, ctx.actor, direction="masuk")
    assert [(r.origin, r.case_id, r.status) for r in incoming] == [("Satpol PP", case.id, "diterima")]
    page.tabs.setCurrentIndex(2)
    page.proposal_table.selectRow(0)
    page.decision.setCurrentIndex(page.decision.findData("ditetapkan"))
    page.decision_date.set_value(date(2026, 11, 20))
    page.decide_button.click()
    qtbot.waitUntil(lambda: ds.list_proposals(ctx.db, ctx.actor)[0].status == "ditetapkan", timeout=5000)
    assert ds.list_proposals(ctx.db, ctx.actor)[0].id == proposal.id
    wait_runner()


def test_pengaturan_sets_the_service_level_holidays_and_letter_numbers(ctx, qtbot, wait_runner, monkeypatch):
    from spm_desktop.core.services.settings import get_settings
    from spm_desktop.ui.pages.pengaturan import Page as Pengaturan

    page = Pengaturan(ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    wait_runner()
    assert page.response_days.value() == 5 and page.letter_formats["rujukan"].text() == "400.9/{n}/Dinsos-RJK/{tahun}"
    page.response_days.setValue(3)
    page.extra_holidays.setText("2026-12-24; 2026-12-26")
    page.letter_formats["keterangan"].setText("470/{n}/SK/{bulan}/{tahun}")
    page.layanan_save.click()
    wait_runner()
    st = get_settings(ctx.db)
    assert (st.complaint_response_days, st.extra_holidays) == (3, ("2026-12-24", "2026-12-26"))
    assert st.letter_format_keterangan == "470/{n}/SK/{bulan}/{tahun}"
    errors = []
    monkeypatch.setattr("spm_desktop.ui.errors.show_error", lambda parent, error, *a: errors.append(error))
    page.letter_formats["keterangan"].setText("tanpa nomor urut")
    page.layanan_save.click()
    wait_runner()
    assert "{n}" in str(errors[0])
    assert get_settings(ctx.db).letter_format_keterangan == "470/{n}/SK/{bulan}/{tahun}"  # refused, unchanged


def test_the_list_and_the_form_take_the_height_at_1366x768(ctx, qtbot, wait_runner):
    """Seen under Xvfb at 1366×768: the empty message line took half the tab and squeezed the
    complaint list and its form into the lower half. The splitter now takes the height."""
    from PySide6.QtWidgets import QSplitter

    from spm_desktop.ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    page = window.show_page("pengaduan")
    wait_runner()
    tab = page.tabs.widget(0)
    splitter = tab.findChild(QSplitter)
    assert splitter.height() >= 0.8 * tab.height(), (splitter.height(), tab.height())


def _window(ctx, qtbot, wait_runner, size):
    from PySide6.QtWidgets import QApplication

    from spm_desktop.ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(size)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    page = window.show_page("pengaduan")
    wait_runner()
    return window, page


def test_alt_letters_and_ctrl_tab_reach_every_tab_from_the_form(ctx, qtbot, wait_runner):
    """Issue 21 walkthrough: Rujukan (Alt+J) and Usulan DTSEN (Alt+D) are reached by their
    letters, and Ctrl+Tab / Ctrl+Shift+Tab switch tabs with the focus anywhere in a form — also
    in a date or time field, which used to swallow the keys (every tab's form starts with one),
    and right after the page was chosen, with the focus still in the page list."""
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QApplication

    window, page = _window(ctx, qtbot, wait_runner, QSize(1366, 728))

    def press(widget, key, modifiers):
        widget.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=5000)
        QTest.keyClick(widget, key, modifiers)
        QApplication.processEvents()
        return page.tabs.currentIndex()

    alt, ctrl, shift = (Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier,
                        Qt.KeyboardModifier.ShiftModifier)
    assert [page.tabs.tabText(i) for i in range(3)] == ["&Pengaduan dan permohonan data", "Ru&jukan", "Usulan &DTSEN"]
    assert press(page.description, Qt.Key.Key_J, alt) == 1
    assert press(page.feedback_date, Qt.Key.Key_D, alt) == 2
    assert press(page.decision_date, Qt.Key.Key_P, alt) == 0
    # Right after Ctrl+0 the focus is still in the page list, outside the page: the keys switch its tabs.
    page.tabs.setCurrentIndex(0)
    assert press(window.nav, Qt.Key.Key_Tab, ctrl) == 1
    assert press(window.nav, Qt.Key.Key_Backtab, ctrl | shift) == 0
    assert window.current_page() is page
    fields = {0: (page.received_date, page.received_time, page.reporter, page.description, page.status_date),
              1: (page.feedback_date, page.incoming_date, page.referral_notes),
              2: (page.decision_date, page.proposal_batch)}
    for tab, widgets in fields.items():
        for widget in widgets:
            page.tabs.setCurrentIndex(tab)
            assert press(widget, Qt.Key.Key_Tab, ctrl) == (tab + 1) % 3, widget
            page.tabs.setCurrentIndex(tab)
            assert press(widget, Qt.Key.Key_Backtab, ctrl | shift) == (tab - 1) % 3, widget


def test_the_follow_up_form_with_its_kasus_row_shows_whole_at_1366x768(ctx, qtbot, wait_runner):
    """Seen under Xvfb at 1366×768: the "Kasus:" row (unit, group, Buka kasus) and the follow-up
    log lay below the bottom of the complaint form. Now the whole form — the data, the status
    row, the Kasus row and the log — is on screen without scrolling, with a complaint chosen and
    the page's message line showing; at 125 % scaling (a smaller logical screen) every row keeps
    its width and Tab scrolls the Kasus row into view."""
    import os

    from layout_check import layout_problems
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QApplication, QScrollArea

    scaled = bool(os.environ.get("QT_SCALE_FACTOR"))
    person = register_person(ctx.db, ctx.actor, PersonDraft(name="Pak Darto", sex="L", birth_year=1948,
                                                            kelurahan_code=KEL), confirm_duplicates_ok=True)
    c = cs.receive_complaint(ctx.db, ctx.actor, cs.ComplaintInput(
        datetime(2026, 11, 2, 9), "telepon", "ppks_terlantar", "Lansia terlantar", reporter_name="Bu Rina",
        kelurahan_code=KEL, person_id=person.id))
    for day, text in ((3, "Dicek ke lokasi"), (4, "Dijemput"), (5, "Keluarga dihubungi")):
        cs.add_followup(ctx.db, ctx.actor, c.id, date(2026, 11, day), text)
    area = QApplication.primaryScreen().availableGeometry().size() if scaled else QSize(1366, 728)
    window, page = _window(ctx, qtbot, wait_runner, area)
    page.refresh()
    wait_runner()
    page.complaint_table.selectRow(0)
    logged = len(cs.get_complaint(ctx.db, ctx.actor, c.id).followups)
    qtbot.waitUntil(lambda: page.current is not None and page.log.count() == logged >= 3, timeout=5000)
    page._say("Tersimpan: pengaduan 02/11/2026 09:00, status Diterima.")  # the message line takes its room
    QApplication.processEvents()
    assert page.case_button.isEnabled()
    assert not layout_problems(window)
    row = (page.save_button, page.next_status, page.status_date, page.note, page.reason, page.status_button,
           page.unit, page.group, page.case_button, page.log)
    scroll = page.case_button.parentWidget()
    while not isinstance(scroll, QScrollArea):
        scroll = scroll.parentWidget()
    if not scaled:
        assert scroll.verticalScrollBar().value() == 0
        cut = [w for w in row if w.visibleRegion().boundingRect() != w.rect()]
        assert not cut, [(type(w).__name__, w.visibleRegion().boundingRect(), w.rect()) for w in cut]
    page.group.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.group, timeout=5000)
    QTest.keyClick(page.group, Qt.Key.Key_Tab)  # Tab from the group reaches Buka kasus, scrolled into view
    QApplication.processEvents()
    assert QApplication.focusWidget() is page.case_button
    assert page.case_button.visibleRegion().boundingRect() == page.case_button.rect()
    for w in (page.unit, page.group, page.case_button):  # never cut sideways
        assert w.width() >= w.minimumSizeHint().width()


def test_the_kasus_row_at_125_percent(tmp_path):
    """The test above again with Qt scaling at 125 % on a 1366×768 screen."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import pytest

    if os.environ.get("QT_SCALE_FACTOR"):
        pytest.skip("already running scaled")
    env = dict(os.environ, QT_SCALE_FACTOR="1.25", QT_QPA_PLATFORM="offscreen",
               QT_QPA_OFFSCREEN_SCREEN_GEOMETRY="1366x768")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__,
                           "-k", "kasus_row_shows_whole", "--basetemp", str(tmp_path / "t")],
                          env=env, capture_output=True, text=True, timeout=300, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout


def test_a_reported_person_not_yet_registered_is_registered_from_the_complaint(ctx, qtbot, wait_runner,
                                                                                 monkeypatch):
    """Walkthrough: a caller reports a neglected elderly man nobody registered yet. "Daftarkan
    orang…" opens the person form; the man saved there is chosen for the complaint, and Simpan
    links him — no trip to Penerima Layanan; the case it opens is suggested in his SPM group."""
    from spm_desktop.ui.dialogs.person import PersonDialog

    def exec_(dialog):
        dialog.show()
        QTest.keyClicks(dialog.name, "Darto Wiyono")
        dialog.sex.setCurrentIndex(dialog.sex.findData("L"))
        dialog.birth_year.setValue(1948)
        dialog.category.setCurrentIndex(dialog.category.findData("lansia_terlantar"))
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        qtbot.waitUntil(lambda: dialog.saved is not None, timeout=10_000)
        return 1

    monkeypatch.setattr(PersonDialog, "exec", exec_)
    page = _page(ctx, qtbot, wait_runner)
    assert page.register_button.isEnabled()
    QTest.keyClicks(page.reporter, "Bu Rina")
    QTest.keyClicks(page.description, "Lansia terlantar di emperan pasar")
    page.register_button.click()
    assert page.person.person_id is not None and page.person.person_name == "Darto Wiyono"
    page.save_button.click()
    qtbot.waitUntil(lambda: page.current is not None, timeout=10_000)
    wait_runner()
    info = cs.get_complaint(ctx.db, ctx.actor, page.current.id)
    assert (info.person_id, info.person_name) == (page.person.person_id, "Darto Wiyono")
    assert page.case_button.isEnabled()  # one click away from a case, in his SPM group
    qtbot.waitUntil(lambda: page.group.currentData() == "lansia", timeout=5000)


def test_a_dtsen_batch_is_decided_and_exported_from_the_tab(ctx, qtbot, wait_runner, monkeypatch, tmp_path):
    """Walkthrough: the five proposals of a batch were marked one by one (two steps each) and the
    batch could be exported only from the command line. The tab now decides every open proposal
    of the batch shown and exports it (the CLI's services: decide_batch, export_batch)."""
    from openpyxl import load_workbook

    people = []
    for i, (name, nik) in enumerate((("Rahmat", "6171010707450001"), ("Aisyah", "6171024503500002"))):
        people.append(register_person(ctx.db, ctx.actor, PersonDraft(
            name=name, sex="LP"[i], birth_year=1950, nik=nik, kelurahan_code=KEL), confirm_duplicates_ok=True).id)
        ds.propose(ctx.db, ctx.actor, ds.ProposalInput(people[-1], "baru", date(2026, 11, 3), "B-12"))
    page = _page(ctx, qtbot, wait_runner)
    page.tabs.setCurrentIndex(2)
    wait_runner()
    assert not page.batch_decide_button.isEnabled() and not page.export_button.isEnabled()
    QTest.keyClicks(page.batch_filter, "B-12")
    QTest.keyClick(page.batch_filter, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.proposal_model.rowCount() == 2, timeout=5000)
    target = tmp_path / "b12.xlsx"
    monkeypatch.setattr(LetterFileDialog, "ask", classmethod(lambda cls, parent, suggested, *a: target))
    page.export_button.click()
    qtbot.waitUntil(lambda: target.is_file() and "2 usulan diekspor" in page.message.text(), timeout=10_000)
    sheet = load_workbook(target).active
    assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]) == [
        "6171010707450001", "6171024503500002"]
    page.batch_decision.setCurrentIndex(page.batch_decision.findData("ditetapkan"))
    page.decision_date.set_value(date(2026, 11, 20))
    page.batch_decide_button.click()
    qtbot.waitUntil(lambda: "2 usulan menjadi Ditetapkan" in page.message.text(), timeout=10_000)
    wait_runner()
    assert {(d.status, d.status_on) for d in ds.list_proposals(ctx.db, ctx.actor, batch="B-12")} == {
        ("ditetapkan", date(2026, 11, 20))}
