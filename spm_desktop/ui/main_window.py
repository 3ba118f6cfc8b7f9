"""The main window: a navigation bar on the left, the pages on the right.

Pages come from :data:`spm_desktop.ui.pages.PAGE_MODULES`, filtered by the logged-in
user's permissions, ordered by ``ORDER`` and built the first time they are shown (so start-up
stays fast). Window geometry and the last page are kept in ``<data>/gui.ini``.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, Qt, Slot, qVersion
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from spm_desktop import APP_NAME, __version__
from spm_desktop.core.domain.groups import ROLES
from spm_desktop.ui.app_events import app_events
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.icons import app_icon
from spm_desktop.ui.pages import PAGE_MODULES
from spm_desktop.ui.tab_order import set_tab_order
from spm_desktop.ui.window_fit import default_window_size

log = logging.getLogger(__name__)

UNSAVED_QUESTION = "Ada isian yang belum disimpan di halaman ini. Tinggalkan dan buang perubahan?"


@dataclass
class PageEntry:
    name: str
    cls: type
    widget: QWidget | None = None


# Ctrl+1…5 as staff learned them; every other page takes the next free number in navigation
# order, whatever pages a role sees (so Ctrl+5 is Makan Harian for everyone who has it).
FIXED_PAGE_NUMBERS = {"beranda": 1, "penerima": 2, "kasus": 3, "catat_layanan": 4, "makan_harian": 5}


def _all_pages() -> list[PageEntry]:
    entries = []
    for name in PAGE_MODULES:
        try:
            module = importlib.import_module(f"spm_desktop.ui.pages.{name}")
        except ImportError:
            log.exception("page %s could not be loaded", name)
            continue
        entries.append(PageEntry(name, module.Page))
    entries.sort(key=lambda e: getattr(e.cls, "ORDER", 100))
    return entries


def available_pages(ctx: UiContext) -> list[PageEntry]:
    """The page classes this user may see, in navigation order."""
    return [e for e in _all_pages() if ctx.can(getattr(e.cls, "PERMISSION", None))]


def page_numbers() -> dict[str, int]:
    """Page name -> its Ctrl+number (1…9, then 0), the same for every role."""
    numbers = dict(FIXED_PAGE_NUMBERS)
    free = (n for n in (*range(1, 10), 0) if n not in numbers.values())
    for entry in _all_pages():
        if entry.name not in numbers:
            number = next(free, None)
            if number is None:
                break
            numbers[entry.name] = number
    return numbers


class MainWindow(QMainWindow):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setWindowIcon(app_icon())
        self.setWindowTitle(f"{APP_NAME} — {ctx.settings().office_name}")
        self.pages = available_pages(ctx)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFrameShape(QListWidget.Shape.NoFrame)
        self.nav.setStyleSheet("QListWidget#navigation::item { padding: 0.35em 0.8em; }")
        self.stack = QStackedWidget()
        for entry in self.pages:
            self.nav.addItem(QListWidgetItem(entry.cls.TITLE))
            self.stack.addWidget(QWidget())  # replaced by the page when first shown
        splitter = QSplitter()
        splitter.addWidget(self.nav)
        splitter.addWidget(self.stack)
        self.nav.setMinimumWidth(self.nav.sizeHintForColumn(0) + self.fontMetrics().horizontalAdvance("M") * 3)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(0, False)
        splitter.setCollapsible(1, False)
        splitter.setSizes([self.nav.minimumWidth(), 900])
        self.setCentralWidget(splitter if self.pages else QLabel("Akun ini tidak memiliki halaman yang bisa dibuka."))
        self._current = -1
        self.switching_user = False
        self._build_menu()
        self._build_status()
        self.nav.currentRowChanged.connect(self._nav_changed)
        self._restore_state()

    # --- building ---------------------------------------------------------------------
    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("Be&rkas")
        self.switch_user_action = QAction("Keluar / &ganti pengguna…", self)
        self.switch_user_action.setShortcut(QKeySequence("Ctrl+Shift+Q"))
        self.switch_user_action.setStatusTip("Tutup sesi ini dan kembali ke jendela Masuk")
        self.switch_user_action.triggered.connect(self.switch_user)
        file_menu.addAction(self.switch_user_action)
        quit_action = QAction("&Tutup aplikasi", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        go_menu = self.menuBar().addMenu("&Halaman")
        self.page_actions = []
        numbers = page_numbers()
        for row, entry in enumerate(self.pages):
            action = QAction(entry.cls.TITLE, self)
            if entry.name in numbers:
                action.setShortcut(QKeySequence(f"Ctrl+{numbers[entry.name]}"))
            action.setData(row)
            action.triggered.connect(self._go_action)
            go_menu.addAction(action)
            self.page_actions.append(action)
        help_menu = self.menuBar().addMenu("B&antuan")
        about = QAction("&Tentang SPM Desktop", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def _build_status(self) -> None:
        user = self.ctx.user
        role = ROLES.get(user.role, user.role)
        self.user_label = QLabel(f"Masuk sebagai {user.full_name} ({user.username}, {role})")
        self.busy_label = QLabel("")
        self.statusBar().addWidget(self.user_label, 1)
        self.statusBar().addPermanentWidget(self.busy_label)
        self.ctx.runner.busy_changed.connect(self._busy_changed)

    def _restore_state(self) -> None:
        geometry = self.ctx.recall("window/geometry")
        if not (isinstance(geometry, QByteArray) and not geometry.isEmpty() and self.restoreGeometry(geometry)):
            available = self.screen().availableGeometry()
            self.resize(default_window_size(available))
            frame = self.frameGeometry()
            frame.moveCenter(available.center())
            self.move(frame.topLeft())
        last = self.ctx.recall("window/last_page", "")
        names = [e.name for e in self.pages]
        if self.pages:
            self.nav.setCurrentRow(names.index(last) if last in names else 0)

    # --- pages --------------------------------------------------------------------------
    def page(self, name: str) -> QWidget:
        """The page widget called ``name`` (built if needed); KeyError when not available."""
        row = [e.name for e in self.pages].index(name)
        return self._ensure_page(row)

    def show_page(self, name: str) -> QWidget:
        row = [e.name for e in self.pages].index(name)
        self.nav.setCurrentRow(row)
        return self._ensure_page(row)

    def current_page(self) -> QWidget | None:
        return self.pages[self._current].widget if 0 <= self._current < len(self.pages) else None

    def _ensure_page(self, row: int) -> QWidget:
        entry = self.pages[row]
        if entry.widget is None:
            with app_events(QApplication.instance()).paused():  # thousands of events, none for a handler
                entry.widget = entry.cls(self.ctx, self)
                for splitter in entry.widget.findChildren(QSplitter):
                    # a panel dragged to nothing looks like a missing panel: never collapse one
                    splitter.setChildrenCollapsible(False)
                set_tab_order(entry.widget)
                old = self.stack.widget(row)
                self.stack.insertWidget(row, entry.widget)
                self.stack.removeWidget(old)
                old.deleteLater()
        return entry.widget

    @Slot()
    def _go_action(self) -> None:
        self.nav.setCurrentRow(int(self.sender().data()))

    @Slot(int)
    def _nav_changed(self, row: int) -> None:
        if row == self._current or row < 0:
            return
        if not self._may_leave_current():
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(self._current)
            self.nav.blockSignals(False)
            return
        self._current = row
        page = self._ensure_page(row)
        self.stack.setCurrentIndex(row)
        self.ctx.remember("window/last_page", self.pages[row].name)
        if hasattr(page, "refresh"):
            page.refresh()

    def _may_leave_current(self) -> bool:
        page = self.current_page()
        if page is None or not getattr(page, "has_unsaved_changes", lambda: False)():
            return True
        answer = QMessageBox.question(self, "Perubahan belum disimpan", UNSAVED_QUESTION,
                                      QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    # --- window -------------------------------------------------------------------------
    @Slot()
    def switch_user(self) -> None:
        """Close this session (its window state is kept for this user) and go back to the
        login; ``app.run`` sees ``switching_user`` once the window has closed."""
        self.switching_user = True
        if not self.close():
            self.switching_user = False  # unsaved work kept the window open

    @Slot(bool)
    def _busy_changed(self, busy: bool) -> None:
        self.busy_label.setText("Sedang memproses…" if busy else "")

    @Slot()
    def show_about(self) -> None:
        AboutDialog.ask(self, self.ctx)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self._may_leave_current():
            event.ignore()
            return
        self.ctx.remember("window/geometry", self.saveGeometry())
        self.ctx.ui_settings.sync()
        event.accept()


class AboutDialog(QMessageBox):
    """"Tentang": version, data folder, database and this computer's sync identity."""

    def __init__(self, parent: QWidget, ctx: UiContext) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tentang SPM Desktop")
        self.setIconPixmap(app_icon().pixmap(64, 64))
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setText(f"<h3>{APP_NAME} {__version__}</h3>"
                     "<p>Pencatatan layanan PPKS dan rekap capaian SPM Bidang Sosial.</p>"
                     f"<p>{ctx.settings().office_name}</p>")
        self.setInformativeText(
            f"Folder data: {ctx.data_dir}<br>Basis data: {ctx.db.url}<br>"
            f"ID perangkat: {ctx.db.device_id}<br>Qt {qVersion()}")
        self.setStandardButtons(QMessageBox.StandardButton.Close)

    @classmethod
    def ask(cls, parent: QWidget, ctx: UiContext) -> None:
        cls(parent, ctx).exec()
