"""The keyboard as staff use it: one Alt letter per action, page shortcuts that work at once,
Tab through every field of a form, and a whole Catat Layanan entry without the mouse."""

from __future__ import annotations

from collections import Counter

from layout_check import MNEMONIC, mnemonics
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from spm_desktop.core import clock
from spm_desktop.ui.main_window import MainWindow
from spm_desktop.ui.security_hooks import install_session_guards


def test_no_alt_letter_twice_on_a_page(ctx, qtbot):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    install_session_guards(window, ctx)  # its "Keamanan" menu is part of every page's window
    window.show()
    menu_letters = [(m.lower(), a.text()) for a in window.menuBar().actions() for m in MNEMONIC.findall(a.text())]
    clashes = {}
    for entry in window.pages:
        page = window.show_page(entry.name)
        letters = mnemonics(page) + menu_letters
        counts = Counter(letter for letter, _ in letters)
        twice = {letter: [t for x, t in letters if x == letter] for letter, n in counts.items() if n > 1}
        if twice:
            clashes[entry.name] = twice
    assert not clashes, "\n".join(f"{p}: {c}" for p, c in clashes.items())


def _press(keys: str | Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press where the focus is, as a person's keyboard does it (what the press posted,
    such as showing new fields, runs before the next key, as in the event loop)."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    if isinstance(keys, str):
        QTest.keyClicks(target, keys)
    else:
        QTest.keyClick(target, keys, modifier)
    QApplication.processEvents()


def _show_active(qtbot, window: QWidget) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)


def _focus(qtbot, widget: QWidget) -> None:
    """Put the keyboard focus on ``widget`` (as a click or the menu leaves it) and wait for it."""
    widget.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=5000)


def test_ctrl_n_and_ctrl_f_work_right_after_choosing_a_page(ctx, qtbot, monkeypatch):
    from spm_desktop.ui.dialogs.case import CaseDialog
    from spm_desktop.ui.dialogs.person import PersonDialog

    opened = []
    monkeypatch.setattr(PersonDialog, "ask", lambda *a, **k: opened.append("person"))
    monkeypatch.setattr(CaseDialog, "ask", lambda *a, **k: opened.append("case"))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    _show_active(qtbot, window)
    _focus(qtbot, window.nav)
    _press(Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # Penerima Layanan, focus stays in the menu bar's window
    assert window.current_page() is window.page("penerima")
    _focus(qtbot, window.nav)  # as after choosing from the Halaman menu or the navigation list
    _press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert opened == ["person"]
    _focus(qtbot, window.nav)
    _press(Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.page("penerima").search
    _press(Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() is window.page("kasus")
    _focus(qtbot, window.nav)
    _press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert opened == ["person", "case"]  # the hidden Penerima page's Ctrl+N no longer answers


def test_page_shortcuts_keep_their_numbers_for_every_role(ctx, qtbot):
    from dataclasses import replace

    from spm_desktop.ui.context import UiContext

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    shortcuts = {a.text(): a.shortcut().toString() for a in window.page_actions}
    assert [shortcuts[t] for t in ("Beranda", "Penerima Layanan", "Kasus", "Catat Layanan", "Makan Harian")] == \
        ["Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+4", "Ctrl+5"]
    taken = [s for s in shortcuts.values() if s]
    assert len(taken) == len(set(taken))
    viewer = MainWindow(UiContext(db=ctx.db, user=replace(ctx.user, role="viewer"), runner=ctx.runner,
                                  data_dir=ctx.data_dir))
    qtbot.addWidget(viewer)
    seen = {a.text(): a.shortcut().toString() for a in viewer.page_actions}
    assert "Catat Layanan" not in seen
    assert all(shortcuts[title] == keys for title, keys in seen.items())  # same numbers as the admin


def test_daftarkan_bencana_saves_with_ctrl_s(ctx, qtbot):
    from spm_desktop.ui.dialogs.disaster import DisasterDialog

    saved = []
    dialog = DisasterDialog(ctx.regions(), ctx.runner, lambda value: saved.append(value) or value)
    qtbot.addWidget(dialog)
    _show_active(qtbot, dialog)
    assert QApplication.focusWidget() is dialog.kind  # the first field, not Simpan
    dialog.region.set_kelurahan("61.71.01.1002")
    _press(Qt.Key.Key_Tab)
    _press("Kebakaran Gg. Amal")
    _press(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.result_value is not None, timeout=5000)
    assert [v.name for v in saved] == ["Kebakaran Gg. Amal"]


def _tab_to(qtbot, target: QWidget, limit: int = 15) -> int:
    """Press Tab until ``target`` has the focus; fails when Tab never reaches it."""
    for presses in range(limit):
        if QApplication.focusWidget() is target:
            return presses
        _press(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is target, f"Tab never reached {target!r}"
    return limit


def test_keyboard_only_clothing_device_and_referral_each_saved_once_with_the_case(ctx, qtbot, wait_runner):
    """Type a name, ↓, Enter, choose the service with the arrow keys, Tab to its details, fill
    them with the keyboard, Enter: exactly one event per entry, on the person's open case."""
    from datetime import timedelta

    from spm_desktop.core.services.cases import CaseDraft, open_case
    from spm_desktop.core.services.events import list_events
    from spm_desktop.core.services.persons import PersonDraft, register_person
    from spm_desktop.ui.pages.catat_layanan import Page as ServicePage

    clothing, device, referral = "1.06.04.2.01.0002", "1.06.04.2.01.0003", "1.06.04.2.01.0012"
    person = register_person(ctx.db, ctx.actor, PersonDraft(name="Sutarno Wijaya", sex="L", birth_year=1950,
                                                            kelurahan_code="61.71.01.1002"))
    case = open_case(ctx.db, ctx.actor, CaseDraft(person.id, "UPRS", "lansia", clock.today() - timedelta(days=3),
                                                  needs=(clothing, device, referral)))
    page = ServicePage(ctx)
    qtbot.addWidget(page)
    _show_active(qtbot, page)

    def pick_person_and_service(code: str) -> None:
        _press(Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        _press("sutarno")
        qtbot.waitUntil(lambda: page.person.results.count() == 1, timeout=5000)
        _press(Qt.Key.Key_Down)
        _press(Qt.Key.Key_Return)
        assert QApplication.focusWidget() is page.service
        wait_runner()  # the person's cases
        for key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            for _ in range(page.service.count()):
                if page.service.currentData() == code:
                    return
                _press(key)
        assert page.service.currentData() == code

    def save_and_wait(count: int) -> None:
        _press(Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.recent.rowCount() == count, timeout=5000)
        wait_runner()

    pick_person_and_service(clothing)
    items = page.details.editors["items"]
    _tab_to(qtbot, items[0])  # the detail fields are in the Tab order, after Jumlah
    _press(Qt.Key.Key_Space)
    _press(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is items[1]
    _press(Qt.Key.Key_Space)
    save_and_wait(1)

    pick_person_and_service(device)
    _tab_to(qtbot, page.details.editors["device"])
    _press(Qt.Key.Key_Down)
    save_and_wait(2)

    pick_person_and_service(referral)
    _tab_to(qtbot, page.details.editors["destination"])
    _press(Qt.Key.Key_Down)
    save_and_wait(3)

    events = sorted(list_events(ctx.db, ctx.actor, person.id), key=lambda e: e.service_code)
    assert [(e.service_code, e.case_id, e.event_date) for e in events] == [
        (clothing, case.id, clock.today()), (device, case.id, clock.today()), (referral, case.id, clock.today())]
    choices = {f.code: f.fields for f in ctx.service_forms()}
    assert events[0].details == {"items": list(choices[clothing][0].choices[:2])}
    assert events[1].details["device"] == choices[device][0].choices[0]
    assert events[2].details == {"destination": choices[referral][0].choices[0]}
