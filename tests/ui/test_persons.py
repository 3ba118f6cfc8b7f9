"""Penerima Layanan: the lazy list, search, the person dialog (NIK as you type), duplicates."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QMessageBox

from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.services.person_search import PersonQuery
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.ui.dialogs.person import PersonDialog
from spm_desktop.ui.models.persons import PersonListModel
from spm_desktop.ui.pages.penerima import Page as PersonsPage

KEL = "61.71.01.1002"


def _register(ctx, name, sex="L", nik=None, born=None, year=None, confirm=True):
    draft = PersonDraft(name=name, sex=sex, nik=nik, birth_date=born, birth_year=year, kelurahan_code=KEL)
    return register_person(ctx.db, ctx.actor, draft, confirm_duplicates_ok=confirm)


@pytest.fixture
def people(ctx):
    nik = make_nik("617101", date(1975, 8, 17), "L", 1)
    return [
        _register(ctx, "Budi Santoso", nik=nik, born=date(1975, 8, 17)),
        _register(ctx, "Siti Rahmawati", sex="P", year=1960),
        _register(ctx, "Ahmad Fauzi", year=1990),
        _register(ctx, "Sulastri", sex="P", year=1948),
    ]


def test_person_model_passes_modeltester_and_pages(ctx, people, qtbot, qtmodeltester, wait_runner, monkeypatch):
    monkeypatch.setattr("spm_desktop.ui.models.persons.PAGE_SIZE", 3)
    model = PersonListModel(ctx)
    with qtbot.waitSignal(model.loaded, timeout=5000) as loaded:
        model.set_query(PersonQuery())
    assert loaded.args == [4]
    assert model.rowCount() == 3 and model.canFetchMore()
    model.fetchMore()
    wait_runner()
    assert model.rowCount() == 4 and not model.canFetchMore()
    assert [model.index(r, 0).data() for r in range(4)] == ["Ahmad Fauzi", "Budi Santoso", "Siti Rahmawati",
                                                             "Sulastri"]
    assert model.index(1, 4).data() == "17/08/1975"
    assert model.index(0, 4).data() == "± 1990"
    assert model.index(0, 1).data() == "belum diketahui"
    qtmodeltester.check(model, force_py=True)
    model.sort(0, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.SortOrder.DescendingOrder)
    wait_runner()
    assert model.index(0, 0).data() == "Sulastri"


def test_search_by_name_part_and_nik(ctx, people, qtbot, wait_runner):
    page = PersonsPage(ctx)
    qtbot.addWidget(page)
    wait_runner()
    assert page.model.rowCount() == 4
    page.search.setText("rahma")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    assert page.model.index(0, 0).data() == "Siti Rahmawati"
    page.search.setText(people[0].nik[:8])
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.index(0, 0).data() == "Budi Santoso",
                    timeout=5000)
    assert page.count_label.text() == "1 orang"
    page.search.setText("")
    page.open_case.setCurrentIndex(1)  # only persons with an open case: none yet
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=5000)


def test_bad_nik_refused_with_message_and_good_person_saved(ctx, qtbot, wait_runner, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    dialog = PersonDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.name.setText("Rudi Hartono")
    dialog.nik.setText("617101750899")  # 12 digits
    assert dialog.nik_message.text() == "NIK harus 16 digit angka; yang diisi 12 digit."
    dialog.nik.setText("6171017508990001")  # day 75: neither man nor woman
    assert "Digit 7–8" in dialog.nik_message.text() and "75" in dialog.nik_message.text()
    dialog.submit()
    wait_runner()
    assert dialog.saved is None
    assert "75" in dialog.message.text()
    good = make_nik("617102", date(1988, 3, 12), "L", 42)
    dialog.nik.setText(good)
    assert dialog.nik_message.text().startswith("NIK sah")
    assert dialog.message.text() == ""  # the refusal of the old NIK does not stay
    dialog.birth_known.setChecked(True)
    dialog.birth_date.set_value(date(1988, 3, 13))
    assert "tidak cocok dengan tanggal lahir 13/03/1988" in dialog.nik_message.text()
    dialog.birth_date.set_value(date(1988, 3, 12))
    dialog.submit()
    wait_runner()
    assert dialog.saved is not None and dialog.saved.nik == good and dialog.saved.name == "Rudi Hartono"


def test_duplicate_candidates_shown_before_saving(ctx, people, qtbot, wait_runner, monkeypatch):
    dialog = PersonDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.name.setText("Siti Rahmawaty")
    dialog.sex.setCurrentIndex(dialog.sex.findData("P"))
    dialog.birth_year.setValue(1961)
    dialog.region.set_kelurahan(KEL)
    qtbot.waitUntil(lambda: dialog.dup_box.isVisibleTo(dialog), timeout=5000)
    assert dialog.duplicates.count() == 1
    assert dialog.duplicates.item(0).text().startswith("Siti Rahmawati")
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.Save)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.saved is not None, timeout=5000)
    assert asked == ["Kemungkinan data ganda"]


def test_index_answers_like_the_database(ctx, people):
    from spm_desktop.core.services.person_index import PersonIndex
    from spm_desktop.core.services.person_search import list_person_ids

    index = PersonIndex.load(ctx.db, ctx.actor)
    assert len(index) == 4
    for text in ("s", "si", "siti", "SANTOSO", "ahmad f", people[0].nik[:6], people[0].nik, "zz"):
        expected = set(list_person_ids(ctx.db, ctx.actor, PersonQuery(text=text)))
        assert set(index.match(text)) == expected, text
    assert index.match("santoso", kecamatan_code="61.71.01") == [people[0].id]
    assert index.match("santoso", kecamatan_code="61.71.02") == []


def test_edit_person_and_merge_from_duplicates_list(ctx, people, qtbot, wait_runner, monkeypatch):
    from spm_desktop.core.services.persons import get_person
    from spm_desktop.ui.dialogs.duplicates import DuplicatesDialog

    siti = people[1]
    twin = _register(ctx, "Siti Rahmawaty", sex="P", year=1961, confirm=True)  # confirmed: goes on the review list
    edit = PersonDialog(ctx, get_person(ctx.db, ctx.actor, twin.id))
    qtbot.addWidget(edit)
    assert not edit.has_unsaved_changes()
    edit.alias.setText("Bu Siti")
    assert edit.has_unsaved_changes()
    edit.submit()
    wait_runner()
    assert edit.saved is not None and edit.saved.alias == "Bu Siti"

    monkeypatch.setattr("spm_desktop.ui.dialogs.duplicates.confirm", lambda *a, **k: True)
    dialog = DuplicatesDialog(ctx)
    qtbot.addWidget(dialog)
    wait_runner()
    assert dialog.model.rowCount() == 1
    dialog.view.selectRow(0)
    pair = dialog.current()
    assert dialog.open_a.isEnabled() and dialog.open_b.isEnabled()
    dialog.open_b.click()
    assert dialog.chosen == pair.b.id and dialog.result() == dialog.DialogCode.Accepted
    dialog = DuplicatesDialog(ctx)
    qtbot.addWidget(dialog)
    wait_runner()
    dialog.view.selectRow(0)
    pair = dialog.current()
    keep = pair.a
    dialog.merge(keep_first=True)
    wait_runner()
    assert dialog.chosen == keep.id
    assert dialog.model.rowCount() == 0
    gone = twin.id if keep.id == siti.id else siti.id
    assert get_person(ctx.db, ctx.actor, gone).merged_into == keep.id
