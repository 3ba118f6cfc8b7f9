"""Pengguna: accounts, roles, unit/kecamatan, deactivation, password reset, unlock (admin)."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from spm_desktop.core.domain.dates import date_time
from spm_desktop.core.domain.groups import ROLES, UNITS
from spm_desktop.core.security import users
from spm_desktop.core.security.audit_trail import to_local
from spm_desktop.core.security.passwords import PASSWORD_RULES
from spm_desktop.core.security.permissions import KECAMATAN_ROLE
from spm_desktop.core.storage.base import utcnow
from spm_desktop.ui.context import UiContext
from spm_desktop.ui.dialogs.security import ResetPasswordDialog, UserDialog, UserForm
from spm_desktop.ui.errors import confirm, show_info
from spm_desktop.ui.models.table import RESIZE_SAMPLE_ROWS, Column, RecordTableModel


def status_text(user: users.UserInfo) -> str:
    if not user.active:
        return "Nonaktif"
    if user.locked_until and user.locked_until > utcnow():
        return f"Terkunci s.d. {to_local(user.locked_until):%H:%M}"
    return "Aktif"


def users_model(kecamatan_names: dict[str, str], parent=None) -> RecordTableModel:
    """The users table: one row per account (a short list, so the plain record model)."""

    def place(user: users.UserInfo) -> str:
        if user.role == KECAMATAN_ROLE:
            return f"Kec. {kecamatan_names.get(user.kecamatan_code or '', user.kecamatan_code or '')}"
        return UNITS.get(user.unit, user.unit) if user.unit else "—"

    def last_login(user: users.UserInfo) -> str:
        return date_time(to_local(user.last_login_at)) if user.last_login_at else "belum pernah"

    return RecordTableModel([
        Column("Nama pengguna", lambda u: u.username),
        Column("Nama lengkap", lambda u: u.full_name),
        Column("NIP", lambda u: u.nip),
        Column("Peran", lambda u: ROLES.get(u.role, u.role)),
        Column("Unit / kecamatan", place),
        Column("Status", status_text),
        Column("Terakhir masuk", last_login),
    ], parent)


class Page(QWidget):
    TITLE = "Pengguna"
    PERMISSION = "users.manage"
    ORDER = 90

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        kecamatan = [(r.code, r.name) for r in ctx.regions() if r.level == "kecamatan"]
        self.kecamatan = kecamatan
        self.model = users_model(dict(kecamatan), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self.edit_user)
        self.add_button = QPushButton("&Tambah pengguna…")
        self.edit_button = QPushButton("&Ubah…")
        self.active_button = QPushButton("&Nonaktifkan")
        self.reset_button = QPushButton("Atur ulan&g kata sandi…")
        self.unlock_button = QPushButton("&Buka kunci")
        buttons = QHBoxLayout()
        for button, slot in ((self.add_button, self.add_user), (self.edit_button, self.edit_user),
                             (self.active_button, self.toggle_active), (self.reset_button, self.reset_password),
                             (self.unlock_button, self.unlock)):
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        rules = QLabel(f"Aturan kata sandi: {PASSWORD_RULES} Akun dikunci {users.LOCK_MINUTES} menit setelah "
                       f"{users.MAX_FAILED_LOGINS} kali salah kata sandi; layar terkunci setelah "
                       f"{users.IDLE_LOCK_MINUTES} menit tanpa kegiatan.")
        rules.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        layout.addWidget(rules)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self._selection_changed()

    # --- data -------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        self.ctx.runner.submit(users.list_users, self.ctx.db, self.ctx.actor, parent=self, on_done=self._loaded)

    @Slot(object)
    def _loaded(self, rows: list[users.UserInfo]) -> None:
        self.model.set_records(rows)
        self._selection_changed()

    def selected(self) -> users.UserInfo | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.record(self.proxy.mapToSource(rows[0]).row())

    def select_username(self, username: str) -> None:
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data() == username:
                self.table.selectRow(row)
                return

    @Slot()
    def _selection_changed(self, *_args) -> None:
        user = self.selected()
        for button in (self.edit_button, self.active_button, self.reset_button, self.unlock_button):
            button.setEnabled(user is not None)
        if user is not None:
            self.active_button.setText("&Nonaktifkan" if user.active else "&Aktifkan")
            self.unlock_button.setEnabled(user.locked_until is not None)

    def _submit(self, fn, *args, done_text: str = "", **kwargs) -> None:
        def done(_result) -> None:
            if done_text:
                show_info(self, done_text)
            self.refresh()

        self.ctx.runner.submit(fn, self.ctx.db, self.ctx.actor, *args, parent=self, on_done=done, **kwargs)

    # --- actions ----------------------------------------------------------------------------
    @Slot()
    def add_user(self) -> None:
        db, actor = self.ctx.db, self.ctx.actor

        def create(form: UserForm) -> users.UserInfo:  # on the runner; a refusal keeps the dialog open
            return users.create_user(db, actor, form.username, form.full_name, form.role, form.password,
                                     unit=form.unit, kecamatan_code=form.kecamatan_code, nip=form.nip)

        if UserDialog.ask(self, self.kecamatan, runner=self.ctx.runner, submit=create) is not None:
            self.refresh()

    @Slot()
    def edit_user(self, *_args) -> None:
        user = self.selected()
        if user is None:
            return
        db, actor = self.ctx.db, self.ctx.actor

        def update(form: UserForm) -> users.UserInfo:
            return users.update_user(db, actor, user.id, full_name=form.full_name, nip=form.nip, role=form.role,
                                     unit=form.unit, kecamatan_code=form.kecamatan_code or "")

        if UserDialog.ask(self, self.kecamatan, user, runner=self.ctx.runner, submit=update) is not None:
            self.refresh()

    @Slot()
    def toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        if user.active and not confirm(self, f"Nonaktifkan akun {user.username}? Akun ini tidak bisa masuk lagi "
                                             "sampai diaktifkan kembali; catatan dan jejak auditnya tetap ada."):
            return
        self._submit(users.set_user_active, user.id, not user.active)

    @Slot()
    def reset_password(self) -> None:
        user = self.selected()
        if user is None:
            return
        password = ResetPasswordDialog.ask(self, user)
        if password is None:
            return
        self._submit(users.reset_password, user.id, password,
                     done_text=f"Kata sandi {user.username} sudah diatur ulang. Sampaikan kepada pemiliknya "
                               "secara langsung dan minta ia menggantinya.")

    @Slot()
    def unlock(self) -> None:
        user = self.selected()
        if user is not None:
            self._submit(users.unlock_user, user.id)
