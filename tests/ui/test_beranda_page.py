"""Beranda: figures of the current month, most-behind indicators, chart, attention list."""

from __future__ import annotations

from datetime import date

from rollup_builders import CLOTHES, MEALS, Rows

from spm_desktop.core.services.dashboard import attention
from spm_desktop.ui.pages import beranda


def fill(db) -> None:
    with db.transaction() as s:
        r = Rows(s)
        a, b, c = r.person(), r.person(), r.person()
        r.case(a, "lansia", date(2026, 1, 5), needs=[MEALS])
        r.event(a, MEALS, date(2026, 2, 1))
        r.case(b, "lansia", date(2026, 2, 5), needs=[MEALS, CLOTHES])
        r.event(b, MEALS, date(2026, 3, 2))
        case = r.case(c, "gepeng", date(2026, 3, 1))  # no needs assessed yet
        from spm_desktop.core.storage.models import Case

        s.get(Case, case).in_shelter = True
        r.duplicate(a, b)


def test_dashboard_figures_and_attention(qtbot, ctx, db, wait_runner):
    fill(db)
    page = beranda.Page(ctx, today=lambda: date(2026, 3, 15))
    qtbot.addWidget(page)
    page.refresh()
    wait_runner()
    assert "Maret 2026" in page.heading.text()
    assert "<b>50,0%</b> — terpenuhi 1 dari 2 orang" in page.group_labels["lansia"].text()
    # IKK 1: a (met), b (not), and c whose gepeng case is not yet assessed (sasaran, v2): 1 of 3
    assert "IKK 1: <b>33,3%</b>" in page.ikk_label.text()
    behind = page.behind_label.text()
    assert "Pemberian Bimbingan Fisik, Mental, Spiritual, dan Sosial: 0 dari target 100 (0,0%; seharusnya ±25,0%)" \
        in behind
    assert "Permakanan" not in behind and len(behind.splitlines()) == 5  # 1,0% is less behind than the zeros
    text = page.attention_label.text()
    assert "Kasus terbuka tanpa kebutuhan (asesmen belum diisi): 1" in text
    assert "data ganda yang perlu ditinjau: 1" in text
    assert "Penghuni UPRS belum tercatat makan hari ini (15/03/2026): 1 dari 1" in text
    # Of the recap's warnings Beranda shows the unfilled mutu, picked by its kind (not by its words).
    assert "• Mutu (B) tahun 2026 belum diisi lengkap" in text
    assert page.data.result.notices_of("ikk2_missing") and "IKK 2 tidak dapat dihitung" not in text
    page.indicator_box.setCurrentIndex(page.indicator_box.findData(MEALS))
    assert page.chart.series == (0, 1, 2) and page.chart.target == 200
    assert page.chart.target_points()[-1] == 50.0
    page.chart.resize(400, 240)
    page.chart.grab()  # paints without warnings


def test_attention_counts_only_live_records(db, admin):
    fill(db)
    a = attention(db, admin.actor(), date(2026, 3, 16))
    assert (a.open_cases_without_needs, a.duplicates_to_review) == (1, 1)
    assert dict((u, (m, t)) for u, m, t in a.residents_without_meals)["UPRS"] == (1, 1)
