"""Cumulative achievement per month against the yearly target, drawn with QPainter
(no QtCharts in PySide6-Essentials)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from spm_desktop.core.reports import formatting as fmt

CUMULATIVE_COLOUR = QColor("#1f77b4")
TARGET_COLOUR = QColor("#555555")


class TrendChart(QWidget):
    """``set_series(title, cumulative_per_month, yearly_target)``: a line of the cumulative
    figure at the end of each month and a dashed line of the pro-rata target (target × m / 12)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.series: tuple[int, ...] = ()
        self.target: float | None = None
        self.setMinimumHeight(180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(480, 240)

    def set_series(self, title: str, series: tuple[int, ...], target: float | None) -> None:
        self.title, self.series, self.target = title, tuple(series), target
        self.update()

    def target_points(self) -> list[float]:
        """Pro-rata target at the end of each shown month."""
        if not self.target:
            return []
        return [self.target * m / 12 for m in range(1, len(self.series) + 1)]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(48, 28, -16, -28)
        p.drawText(QRectF(8, 4, self.width() - 16, 20), Qt.AlignmentFlag.AlignLeft, self.title)
        if not self.series or area.width() <= 0 or area.height() <= 0:
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, "Belum ada data")
            p.end()
            return
        targets = self.target_points()
        top = max([1, *self.series, *targets]) * 1.1
        months = len(self.series)

        def point(month: int, value: float) -> QPointF:
            x = area.left() + area.width() * month / max(months, 1)
            return QPointF(x, area.bottom() - area.height() * value / top)

        p.setPen(QPen(QColor("#999999"), 1))
        p.drawLine(area.bottomLeft(), area.bottomRight())
        p.drawLine(area.bottomLeft(), area.topLeft())
        for step in range(5):
            value = top * step / 4
            y = area.bottom() - area.height() * step / 4
            p.drawText(QRectF(0, y - 8, 44, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       fmt.number(value))
        for m in range(1, months + 1):
            x = point(m, 0).x()
            p.drawText(QRectF(x - 20, area.bottom() + 4, 40, 16), Qt.AlignmentFlag.AlignHCenter,
                       fmt.MONTHS_SHORT_ID[m - 1])
        if targets:
            pen = QPen(TARGET_COLOUR, 1.5, Qt.PenStyle.DashLine)
            p.setPen(pen)
            prev = point(0, 0)
            for m, v in enumerate(targets, start=1):
                cur = point(m, v)
                p.drawLine(prev, cur)
                prev = cur
        p.setPen(QPen(CUMULATIVE_COLOUR, 2.2))
        prev = point(0, 0)
        for m, v in enumerate(self.series, start=1):
            cur = point(m, v)
            p.drawLine(prev, cur)
            p.drawEllipse(cur, 2.5, 2.5)
            prev = cur
        p.setPen(QPen(TARGET_COLOUR))
        legend = "— kumulatif    - - target proporsional" if targets else "— kumulatif (tanpa target)"
        p.drawText(QRectF(area.left(), 4, area.width(), 20), Qt.AlignmentFlag.AlignRight, legend)
        p.end()
