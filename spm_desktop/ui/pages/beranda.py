"""Beranda: this month's key figures against the targets, capaian per SPM group, IKK, the
indicators furthest behind, a chart of cumulative vs target, and what needs attention today."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

import spm_desktop.core.clock as clock
from spm_desktop.core.reports import formatting as fmt
from spm_desktop.core.rollup.result import main_indicators
from spm_desktop.core.services.dashboard import Dashboard, dashboard
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.trend_chart import TrendChart


class Page(QWidget):
    TITLE = "Beranda"
    PERMISSION = "report.view"
    ORDER = 0

    def __init__(self, ctx: UiContext, parent: QWidget | None = None,
                 today: Callable[[], date] = clock.today) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = today
        self.data: Dashboard | None = None
        self.heading = QLabel("Beranda")
        self.heading.setStyleSheet("font-weight: bold; font-size: 15px;")
        self.group_box = QGroupBox("Capaian SPM per jenis pelayanan dasar (kumulatif tahun ini)")
        self.group_grid = QGridLayout(self.group_box)
        self.group_labels: dict[str, QLabel] = {}
        self.ikk_label = QLabel()
        self.ikk_label.setStyleSheet("font-size: 13px;")
        self.indicator_box = QComboBox()
        self.indicator_box.currentIndexChanged.connect(self._show_chart)
        self.chart = TrendChart()
        self.behind_label = QLabel()
        self.behind_label.setWordWrap(True)
        self.attention_label = QLabel()
        self.attention_label.setWordWrap(True)
        chart_box = QGroupBox("Kumulatif terhadap target")
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.addWidget(self.indicator_box)
        chart_layout.addWidget(self.chart, 1)
        side_panel = QWidget()
        side = QVBoxLayout(side_panel)
        side.setContentsMargins(0, 0, 0, 0)
        behind_box = QGroupBox("Indikator paling tertinggal dari target")
        QVBoxLayout(behind_box).addWidget(self.behind_label)
        attention_box = QGroupBox("Perlu perhatian")
        QVBoxLayout(attention_box).addWidget(self.attention_label)
        side.addWidget(behind_box)
        side.addWidget(attention_box)
        side.addStretch(1)
        lower = QHBoxLayout()
        lower.addWidget(chart_box, 3)
        side_scroll = QScrollArea()  # a small screen scrolls the lists instead of cutting them
        side_scroll.setWidget(side_panel)
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lower.addWidget(side_scroll, 2)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.group_box)
        layout.addWidget(self.ikk_label)
        layout.addWidget(line)
        layout.addLayout(lower, 1)

    @Slot()
    def refresh(self) -> None:
        self.ctx.runner.submit(dashboard, self.ctx.db, self.ctx.actor, self.today(), parent=self,
                               on_done=self.show_dashboard)

    @Slot(object)
    def show_dashboard(self, data: Dashboard) -> None:
        self.data = data
        r = data.result
        self.heading.setText(f"Beranda — {r.period.label} (1 Januari s.d. {fmt.long_date(r.period.end)})")
        while self.group_grid.count():
            item = self.group_grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.group_labels.clear()
        for row, g in enumerate(r.spm):
            name = QLabel(g.label)
            value = QLabel(f"<b>{fmt.percent(g.capaian)}</b> — terpenuhi {fmt.number(g.terpenuhi)} dari "
                           f"{fmt.number(g.sasaran)} orang · {g.status}")
            self.group_grid.addWidget(name, row, 0)
            self.group_grid.addWidget(value, row, 1)
            self.group_labels[g.group] = value
        k = r.ikk
        self.ikk_label.setText(f"IKK 1: <b>{fmt.percent(k.ikk1)}</b> (target 100%)     "
                               f"IKK 2: <b>{fmt.percent(k.ikk2)}</b> (target 100%)")
        behind = [f"• {b.indicator.name}: {fmt.number(b.indicator.cumulative)} dari target "
                  f"{fmt.number(b.indicator.target)} ({fmt.percent(b.indicator.percent_of_target)}; "
                  f"seharusnya ±{fmt.percent(b.expected_percent)})" for b in data.behind]
        self.behind_label.setText("\n".join(behind) or "Semua indikator sesuai atau di atas target bulan ini.")
        a = data.attention
        lines = [f"• Kasus terbuka tanpa kebutuhan (asesmen belum diisi): {fmt.number(a.open_cases_without_needs)}",
                 f"• Kemungkinan data ganda yang perlu ditinjau: {fmt.number(a.duplicates_to_review)}"]
        day = fmt.short_date(data.today)
        lines += [f"• Penghuni {unit} belum tercatat makan hari ini ({day}): {fmt.number(missing)} dari "
                  f"{fmt.number(total)}" for unit, missing, total in a.residents_without_meals]
        lines += [f"• {n.text}" for n in r.notices_of("mutu_unfilled")]
        lines += self._layanan_lines(data)
        self.attention_label.setText("\n".join(lines))
        main = main_indicators(r) or [i for i in r.indicators if i.target][:1]
        chosen = [i for i in main if i.cumulative] or main  # open on a line that has data
        current = self.indicator_box.currentData()
        self.indicator_box.blockSignals(True)
        self.indicator_box.clear()
        for i in r.indicators:
            self.indicator_box.addItem(f"{i.name} ({i.code})", i.code)
        codes = [i.code for i in r.indicators]
        pick = current if current in codes else (chosen[0].code if chosen else (codes[0] if codes else None))
        if pick is not None:
            self.indicator_box.setCurrentIndex(codes.index(pick))
        self.indicator_box.blockSignals(False)
        self._show_chart()

    @Slot()
    @staticmethod
    def _layanan_lines(data) -> list[str]:
        """Issue 21: overdue complaints, referrals waiting for feedback, the month's summary."""
        a, lay = data.attention, data.result.layanan
        lines = []
        if a.complaints_overdue:
            lines.append(f"• Pengaduan belum ditanggapi melewati batas waktu: {fmt.number(a.complaints_overdue)} "
                         "(halaman Pengaduan)")
        if a.referrals_waiting:
            lines.append(f"• Rujukan keluar belum berbalas melewati batas hari: {fmt.number(a.referrals_waiting)}")
        if lay is not None:
            avg = "–" if lay.response_avg_days is None else fmt.number(lay.response_avg_days, 1)
            lines.append(f"• Bulan ini: pengaduan diterima {fmt.number(lay.complaints_received)}, selesai "
                         f"{fmt.number(lay.complaints_selesai)}, tanggapan rata-rata {avg} hari kerja; rujukan "
                         f"dikirim {fmt.number(lay.referrals_sent)}, menunggu {fmt.number(lay.referrals_waiting)}; "
                         f"DTSEN ditetapkan {fmt.number(lay.dtsen_ditetapkan_year)} dari target "
                         f"{fmt.number(lay.dtsen_target)}")
        return lines

    def _show_chart(self, *_args) -> None:
        if self.data is None:
            return
        code = self.indicator_box.currentData()
        found = [i for i in self.data.result.indicators if i.code == code]
        if found:
            i = found[0]
            self.chart.set_series(f"{i.name}: {fmt.number(i.cumulative)} {i.unit.lower()} "
                                  f"({fmt.percent(i.percent_of_target)} dari target)", i.series, i.target)
