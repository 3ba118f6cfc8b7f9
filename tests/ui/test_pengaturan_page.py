"""Pengaturan page: office/signatory form, SPM rules, targets, catalogue and mutu quantities."""

from __future__ import annotations

from spm_desktop.core.services import mutu as mutu_svc
from spm_desktop.core.services import settings as settings_svc
from spm_desktop.ui.pages import pengaturan

# a 1×1 PNG
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360"
                    "00000000050001a5f645400000000049454e44ae426082")


def open_page(qtbot, ctx, wait_runner):
    page = pengaturan.Page(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_runner()
    return page


def test_office_and_signatory_saved(qtbot, ctx, db, wait_runner, tmp_path, monkeypatch):
    page = open_page(qtbot, ctx, wait_runner)
    assert page.office_edits["office.name"].text() == "Dinas Sosial Kota Pontianak"
    page.office_edits["signatory.name"].setText("Drs. Budi Santoso")
    page.office_edits["signatory.nip"].setText("197001011990031001")
    logo = tmp_path / "usb" / "Logo Pemkot.PNG"
    logo.parent.mkdir()
    logo.write_bytes(PNG)
    monkeypatch.setattr(pengaturan.LogoFileDialog, "ask", classmethod(lambda cls, parent: logo))
    page.pick_logo()
    page.save_office()
    wait_runner()
    st = settings_svc.get_settings(db)
    copied = ctx.data_dir / "logo.png"
    assert (st.signatory_name, st.signatory_nip, st.office_logo_path) == ("Drs. Budi Santoso",
                                                                          "197001011990031001", str(copied))
    assert copied.read_bytes() == PNG and page.logo_edit.text() == str(copied)
    page.clear_logo()
    wait_runner()
    assert settings_svc.get_settings(db).office_logo_path == ""
    assert page.status.text() == "Pengaturan disimpan."


def test_rules_saved_and_invalid_weights_refused(qtbot, ctx, db, wait_runner, monkeypatch):
    page = open_page(qtbot, ctx, wait_runner)
    assert page.tuntas_rows[0][1].text() == "Tuntas Paripurna"
    page.rule_box.setCurrentIndex(page.rule_box.findData("any_item"))
    page.weight_a.setValue(0.7)
    page.weight_b.setValue(0.3)
    page.save_rules()
    wait_runner()
    st = settings_svc.get_settings(db)
    assert (st.fulfilment_rule, st.weight_a, st.weight_b) == ("any_item", 0.7, 0.3)
    assert len(st.tuntas) == 6
    errors = []
    monkeypatch.setattr("spm_desktop.ui.runner.show_error", lambda parent, error, *a: errors.append(error),
                        raising=False)
    page.weight_b.setValue(0.5)
    page.ctx.runner.submit(settings_svc.update_settings, db, ctx.actor, {"spm.weight_a": 0.7, "spm.weight_b": 0.5},
                           on_error=errors.append)
    wait_runner()
    assert errors and "bobot" in errors[0].message.lower()
    assert settings_svc.get_settings(db).weight_b == 0.3


def test_target_and_catalogue_edits(qtbot, ctx, db, wait_runner):
    page = open_page(qtbot, ctx, wait_runner)
    page.target_year.setValue(2026)
    wait_runner()
    row = next(r for r in range(page.targets.rowCount()) if page.targets.record(r).key == "1.06.04.2.01.0001")
    assert page.targets.index(row, 1).data() == "Penyediaan Permakanan"
    page.targets_view.selectRow(row)
    assert page.target_value.value() == 200
    page.target_value.setValue(260)
    page.save_target()
    wait_runner()
    assert {t.key: t.value for t in settings_svc.list_targets(db, 2026)}["1.06.04.2.01.0001"] == 260
    page.catalogue_view.selectRow(3)
    code = page.catalogue.record(3).code
    page.service_active.setChecked(False)
    page.save_service()
    wait_runner()
    assert code not in {t.code for t in settings_svc.list_service_types(db, active_only=True)}
    assert page.catalogue.index(3, 4).data() == "Nonaktif"


def test_mutu_quantities_entered_per_year(qtbot, ctx, db, wait_runner):
    page = open_page(qtbot, ctx, wait_runner)
    page.mutu_year.setValue(2026)
    wait_runner()
    assert page.mutu.rowCount() == 12  # every standard item of resources/mutu_standards.csv
    keys = [page.mutu.record(r).key for r in range(page.mutu.rowCount())]
    row = keys.index("tagana")
    assert page.mutu.index(row, 4).data() == "62" and page.mutu.index(row, 5).data() == "belum diisi"
    assert "Korban Bencana: B = belum dinilai (0 dari 5 butir terisi)" in page.mutu_scores.text()
    page.mutu_view.selectRow(row)
    page.mutu_available.setText("31")
    page.mutu_note.setText("31 aktif")
    page.save_mutu()
    wait_runner()
    stored = next(m for m in mutu_svc.list_items(db, 2026) if m.key == "tagana")
    assert (stored.available, stored.note) == (31, "31 aktif")
    assert page.mutu.index(row, 5).data() == "31" and page.mutu.index(row, 6).data() == "50,0%"
    assert "(1 dari 5 butir terisi)" in page.mutu_scores.text()
    page.mutu_view.selectRow(row)
    page.mutu_available.setText("2,5")
    page.save_mutu()
    wait_runner()
    assert page.mutu.index(row, 5).data() == "2,50"


def test_targets_imported_and_exported_from_the_page(qtbot, ctx, db, wait_runner, tmp_path, monkeypatch):
    from spm_desktop.ui import errors as ui_errors

    monkeypatch.setattr(pengaturan, "show_info", lambda *a, **k: None)
    monkeypatch.setattr(ui_errors, "show_info", lambda *a, **k: None)
    page = open_page(qtbot, ctx, wait_runner)
    path = tmp_path / "target.csv"
    path.write_text("code,target_2031,budget_2031\n1.06.04.2.01.0001,260,900000000\n", encoding="utf-8")
    monkeypatch.setattr(pengaturan.TargetsFileDialog, "ask_open", classmethod(lambda cls, parent: path))
    page.import_targets()
    wait_runner()
    assert page.status.text().startswith("1 baris dibaca; 1 data telah ditambahkan")
    assert {t.key: t.value for t in settings_svc.list_targets(db, 2031)} == {
        "1.06.04.2.01.0001": 260.0, "ikk1": 100.0, "ikk2": 100.0}
    out = tmp_path / "ekspor.csv"
    monkeypatch.setattr(pengaturan.TargetsFileDialog, "ask_save", classmethod(lambda cls, parent: out))
    page.export_targets()
    wait_runner()
    assert page.status.text() == f"23 baris target (kode layanan dan dtsen) ditulis ke {out}."  # 22 codes + dtsen
    assert "target_2031" in out.read_text(encoding="utf-8").splitlines()[0]
