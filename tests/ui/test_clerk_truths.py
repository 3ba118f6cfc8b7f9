"""What the clerk sees is right: memory per user, own unit only, buttons enabled only where
saving is accepted, the service list grouped by program with its codes."""

from __future__ import annotations

from dataclasses import replace

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
