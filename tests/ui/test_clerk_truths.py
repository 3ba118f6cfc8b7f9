"""What the clerk sees is right: memory per user, own unit only, buttons enabled only where
saving is accepted, the service list grouped by program with its codes."""

from __future__ import annotations

from dataclasses import replace

from spm_desktop.core import clock
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.pages.catat_layanan import Page as ServicePage
from spm_desktop.ui.person_panel import PersonPanel

KEC = "61.71.01"  # Pontianak Selatan
ALAT_BANTU = "1.06.04.2.01.0003"


def _as(ctx: UiContext, username: str, role: str, **changes) -> UiContext:
    user = replace(ctx.user, username=username, full_name=username.title(), role=role, **changes)
    return UiContext(db=ctx.db, user=user, runner=ctx.runner, data_dir=ctx.data_dir)


def test_last_unit_and_service_are_remembered_per_user_and_a_tksk_records_for_tksk_only(ctx, qtbot):
    clerk = _as(ctx, "rina", "petugas", unit="UPRS")
    clerk.remember("service/last_code", ALAT_BANTU)
    clerk.remember("service/last_unit", "UPRS")
    again = ServicePage(_as(ctx, "rina", "petugas", unit="UPRS"))
    qtbot.addWidget(again)
    assert (again.service.currentData(), again.unit.currentData()) == (ALAT_BANTU, "UPRS")

    tksk = ServicePage(_as(ctx, "sari", "tksk", unit="", kecamatan_code=KEC))
    qtbot.addWidget(tksk)
    assert tksk.service.currentData() != ALAT_BANTU  # the clerk's choice is not the TKSK's
    assert [tksk.unit.itemData(i) for i in range(tksk.unit.count())] == ["TKSK"]


def test_service_list_grouped_by_program_with_codes(ctx, qtbot):
    page = ServicePage(ctx)
    qtbot.addWidget(page)
    combo = page.service
    headings = [combo.itemText(i) for i in range(combo.count()) if combo.itemData(i) is None]
    assert headings == ["Rehabilitasi sosial", "Bencana", "Lainnya"]
    for i in range(combo.count()):
        if combo.itemData(i) is None:
            assert not combo.model().item(i).isEnabled()  # a heading cannot be chosen
        else:
            assert combo.itemText(i).rstrip().endswith(f"({combo.itemData(i)})")
    texts = [combo.itemText(i).strip() for i in range(combo.count())]
    sandang = [i for i, t in enumerate(texts) if t.startswith("Penyediaan Sandang")]
    bencana = texts.index("Bencana")
    assert len(sandang) == 2 and sandang[0] < bencana < sandang[1]  # one per program, under its heading
    assert combo.itemData(combo.currentIndex()) is not None


def test_ubah_data_disabled_for_a_person_outside_the_tksk_kecamatan(ctx, qtbot, wait_runner):
    inside = register_person(ctx.db, ctx.actor, PersonDraft(name="Budi Dalam", sex="L", birth_year=1970,
                                                            kelurahan_code=KEC + ".1002"))
    outside = register_person(ctx.db, ctx.actor, PersonDraft(name="Budi Luar", sex="L", birth_year=1971,
                                                             kelurahan_code="61.71.02.1001"))
    panel = PersonPanel(_as(ctx, "sari", "tksk", unit="", kecamatan_code=KEC))
    qtbot.addWidget(panel)
    panel.show_person(inside.id)
    wait_runner()
    assert panel.edit_button.isEnabled()
    panel.show_person(outside.id)
    wait_runner()
    assert not panel.edit_button.isEnabled() and "kecamatan" in panel.edit_button.toolTip()


def test_ubah_data_enabled_for_a_person_linked_to_the_tksk_kecamatan(ctx, qtbot, wait_runner):
    """Issue 17: a TKSK edits the persons of its scope wherever they live — an open TKSK case of
    its kecamatan, a household of a disaster there — as the person service allows
    (``persons.may_change``); a person of another kecamatan without such a link stays read-only."""
    from datetime import date

    from spm_desktop.core.services.disasters import DisasterInput, register_disaster
    from spm_desktop.core.services.households import HouseholdInput, MemberInput, register_household
    from spm_desktop.core.storage.models import Case

    def outside(name):
        return register_person(ctx.db, ctx.actor, PersonDraft(name=name, sex="P", birth_year=1980,
                                                              kelurahan_code="61.71.02.1001")).id

    case_person, victim, head, unlinked = (outside(n) for n in ("Sri Kasus", "Sri Korban", "Sri Kepala", "Sri Lain"))
    with ctx.db.transaction(ctx.actor) as s:
        for person_id, kecamatan in ((case_person, KEC), (unlinked, "61.71.02")):  # the other kecamatan's case
            s.add(Case(person_id=person_id, unit="TKSK", kecamatan_code=kecamatan, spm_group="lansia",
                       intake_date=date(2026, 2, 1), status="open"))
    fire = register_disaster(ctx.db, ctx.actor, DisasterInput("kebakaran_permukiman", date(2026, 3, 1), KEC + ".1002"))
    register_household(ctx.db, ctx.actor, HouseholdInput(fire.id, "6171010101010001", (
        MemberInput("Sri Kepala", "kepala", "P", person_id=head), MemberInput("Sri Korban", "istri", "P",
                                                                              person_id=victim))))
    panel = PersonPanel(_as(ctx, "sari", "tksk", unit="", kecamatan_code=KEC))
    qtbot.addWidget(panel)
    for person_id, editable in ((case_person, True), (victim, True), (head, True), (unlinked, False)):
        panel.show_person(person_id)
        wait_runner()
        assert panel.data.person.id == person_id
        assert panel.edit_button.isEnabled() is editable
        assert ("kasus TKSK terbuka" in panel.edit_button.toolTip()) is not editable


def test_the_same_service_twice_on_one_day_asks_first(ctx, qtbot, wait_runner, monkeypatch):

    from PySide6.QtWidgets import QMessageBox

    from spm_desktop.core.services.events import EventDraft, list_events, record_event
    from spm_desktop.ui.widgets import select_data

    clothing = "1.06.04.2.01.0002"
    person = register_person(ctx.db, ctx.actor, PersonDraft(name="Hasan Basri", sex="L", birth_year=1960,
                                                            kelurahan_code=KEC + ".1002"))
    record_event(ctx.db, ctx.actor, EventDraft(person.id, clothing, clock.today(), details={"items": ["Pakaian"]},
                                               unit="UPRS"))
    answers, asked = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes], []
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a: asked.append(text) or answers.pop(0))
    page = ServicePage(ctx)
    qtbot.addWidget(page)
    for expected in (1, 2):
        page.choose_person(person.id, person.name)
        wait_runner()
        select_data(page.service, clothing)
        page.details.editors["items"][1].setChecked(True)
        page.save()
        wait_runner()
        assert len(list_events(ctx.db, ctx.actor, person.id)) == expected
    assert len(asked) == 2 and "sudah tercatat menerima Penyediaan Sandang" in asked[0]


def test_makan_3x1_for_this_family_over_the_disasters_days(ctx, qtbot, wait_runner, monkeypatch):
    from datetime import date

    from bencana_scenario import FIRE_DAY, build_fire
    from PySide6.QtCore import QItemSelectionModel

    from spm_desktop.core.services.events import list_events
    from spm_desktop.ui.dialogs import disaster as dialogs
    from spm_desktop.ui.pages.bencana import Page as DisasterPage

    fire = build_fire(ctx.db)
    page = DisasterPage(ctx)
    qtbot.addWidget(page)
    page.year.setValue(FIRE_DAY.year)
    page.refresh()
    wait_runner()
    budi = next(r for r in range(page.member_proxy.rowCount()) if page.member_proxy.index(r, 1).data() == "Budi")
    page.member_view.selectionModel().select(page.member_proxy.index(budi, 0),
                                             QItemSelectionModel.SelectionFlag.ClearAndSelect
                                             | QItemSelectionModel.SelectionFlag.Rows)
    seen = {}

    def meals(parent, kind, disaster, selected, choices, families=0):
        dialog = dialogs.AidDialog(kind, disaster, selected, choices, parent, families)
        qtbot.addWidget(dialog)
        seen.update(family=dialog.family.text(), start=dialog.start.value(), end=dialog.end.value())
        dialog.end.set_value(date(2026, 3, 3))
        dialog.family.setChecked(True)
        return dialog.value()

    monkeypatch.setattr(dialogs.AidDialog, "ask", meals)
    page.aid_buttons["meals"].click()
    wait_runner()
    assert seen["family"] == "keluarga ini (semua anggotanya)"
    assert seen["start"] == FIRE_DAY  # the disaster's first day, not today
    assert seen["end"] == min(clock.today(), page.summary.disaster.end_date or clock.today())
    served = {p for name in ("Budi", "Siti", "Ahmad") for p in [fire.person[name]]
              if len(list_events(ctx.db, ctx.actor, p)) == 2}
    assert served == {fire.person["Budi"], fire.person["Siti"], fire.person["Ahmad"]}  # 02 and 03/03
    assert list_events(ctx.db, ctx.actor, fire.person["Dewi"]) == []  # another family: nothing


def test_a_woman_entered_as_suami_is_asked_about(ctx, qtbot, wait_runner, monkeypatch):
    from bencana_scenario import fire_input

    from spm_desktop.core.services.disasters import register_disaster
    from spm_desktop.ui.dialogs import disaster as dialogs
    from spm_desktop.ui.models.disasters import MemberRow

    fire = register_disaster(ctx.db, ctx.actor, fire_input())
    saved, asked, answers = [], [], [False, True]
    monkeypatch.setattr(dialogs, "confirm", lambda parent, text, title: asked.append(text) or answers.pop(0))
    dialog = dialogs.HouseholdDialog(fire, ctx.runner, lambda value: saved.append(value) or value)
    qtbot.addWidget(dialog)
    dialog.no_kk.setText("6171010203260009")
    dialog.members.set_rows([MemberRow("Rahmat", sex="L", age="40", relation="kepala"),
                             MemberRow("Sri", sex="P", age="38", relation="suami")])
    dialog.submit()
    wait_runner()
    assert saved == [] and "Sri dicatat sebagai Suami tetapi jenis kelaminnya Perempuan" in asked[0]
    dialog.submit()  # confirmed: saved as typed
    wait_runner()
    assert len(saved) == 1 and len(asked) == 2


def test_enter_on_a_person_outside_the_tksk_scope_refuses_before_the_form_opens(ctx, qtbot, wait_runner,
                                                                                monkeypatch):
    """Issue 17 leftover: Enter (or a double-click) on a row of Penerima Layanan opened the edit
    form for anyone, and only saving was refused. Now the form opens only for a person the user
    may change (``persons.person_to_edit``: the save's own rule and message)."""
    from PySide6.QtCore import Qt

    from spm_desktop.ui.pages import penerima

    inside = register_person(ctx.db, ctx.actor, PersonDraft(name="Sri Dalam", sex="P", birth_year=1980,
                                                            kelurahan_code=KEC + ".1002")).id
    outside = register_person(ctx.db, ctx.actor, PersonDraft(name="Sri Luar", sex="P", birth_year=1980,
                                                             kelurahan_code="61.71.02.1001")).id
    opened, refused = [], []
    monkeypatch.setattr(penerima.PersonDialog, "ask", staticmethod(lambda parent, c, person=None, **k:
                                                                  opened.append(person.id)))
    monkeypatch.setattr("spm_desktop.ui.errors.show_error", lambda parent, error, title="": refused.append(str(error)))
    page = penerima.Page(_as(ctx, "sari", "tksk", unit="", kecamatan_code=KEC))
    qtbot.addWidget(page)
    page.show()
    wait_runner()
    rows = {page.model.person_id(r): r for r in range(page.model.rowCount())}
    for person_id in (outside, inside):
        page.table.setCurrentIndex(page.model.index(rows[person_id], 0))
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
        wait_runner()
    assert opened == [inside]
    assert len(refused) == 1 and "Anda hanya berhak mengubah data penerima layanan untuk kecamatan" in refused[0]
