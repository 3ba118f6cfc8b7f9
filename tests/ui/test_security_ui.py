"""Users page, Jejak Audit page, idle lock, restore offer at start, security menu."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from backend_support import sqlite_only
from openpyxl import load_workbook
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow
from sqlalchemy import select

from spm_desktop import app as app_module
from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.security import audit
from spm_desktop.core.security.passwords import PASSWORD_RULES
from spm_desktop.core.security.users import authenticate, create_user
from spm_desktop.core.storage import backup
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.models import AuditEntry, User
from spm_desktop.ui import security_hooks
from spm_desktop.ui.dialogs import security as dialogs
from spm_desktop.ui.idle_lock import IdleLock
from spm_desktop.ui.pages import audit as audit_page
from spm_desktop.ui.pages import pengguna

PW = "Rahasia-Kuat-2026"


def audit_actions(db):
    with db.reading() as s:
        return [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.at))]


def test_users_page_create_deactivate_reset_unlock(ctx, qtbot, wait_runner, monkeypatch, qtmodeltester):
    page = pengguna.Page(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_runner()
    qtmodeltester.check(page.model)
    assert [u.username for u in page.model.records] == ["admin"]
    assert PASSWORD_RULES in page.findChildren(QLabel)[-1].text()

    form = dialogs.UserForm("sari", "Sari Petugas", "1987", "petugas", "PLAT", None, "awal12345")
    monkeypatch.setattr(dialogs.UserDialog, "ask",
                        classmethod(lambda cls, parent, kec, user=None, runner=None, submit=None: submit(form)))
    page.add_user()
    wait_runner()
    assert [u.username for u in page.model.records] == ["admin", "sari"]
    assert page.model.data(page.model.index(1, 6)) == "belum pernah"
    assert page.model.data(page.model.index(0, 6)) != "belum pernah"  # the admin logged in
    page.select_username("sari")
    assert page.selected().unit == "PLAT"
    assert page.model.data(page.model.index(1, 4)) == "PLAT"

    edit = dialogs.UserForm("sari", "Sari T.", "1987", "tksk", "", "61.71.01", "")
    monkeypatch.setattr(dialogs.UserDialog, "ask",
                        classmethod(lambda cls, parent, kec, user=None, runner=None, submit=None: submit(edit)))
    page.edit_user()
    wait_runner()
    sari = next(u for u in page.model.records if u.username == "sari")
    assert (sari.role, sari.kecamatan_code, sari.full_name) == ("tksk", "61.71.01", "Sari T.")
    assert page.model.data(page.model.index(1, 4)) == "Kec. Pontianak Selatan"

    monkeypatch.setattr(pengguna, "confirm", lambda *a, **k: True)
    page.select_username("sari")
    page.toggle_active()
    wait_runner()
    assert page.model.data(page.model.index(1, 5)) == "Nonaktif"
    page.select_username("sari")
    assert page.active_button.text() == "&Aktifkan"
    page.toggle_active()
    wait_runner()

    with ctx.db.transaction() as s:
        s.scalars(select(User).where(User.username == "sari")).one().locked_until = utcnow() + timedelta(minutes=9)
    page.refresh()
    wait_runner()
    page.select_username("sari")
    assert page.model.data(page.model.index(1, 5)).startswith("Terkunci s.d. ")
    assert page.unlock_button.isEnabled()
    page.unlock()
    wait_runner()
    monkeypatch.setattr(dialogs.ResetPasswordDialog, "ask", classmethod(lambda cls, parent, user: "baru98765"))
    monkeypatch.setattr(pengguna, "show_info", lambda *a, **k: None)
    page.select_username("sari")
    page.reset_password()
    wait_runner()
    assert authenticate(ctx.db, "sari", "baru98765").role == "tksk"
    assert {"create", "update", "deactivate", "activate", "unlock", "reset_password"} <= set(audit_actions(ctx.db))


def test_refused_weak_password_keeps_the_new_user_dialog_open_with_what_was_typed(ctx, qtbot, wait_runner):
    from spm_desktop.core.security.users import create_user, list_users

    kecamatan = [("61.71.01", "Pontianak Selatan")]
    dialog = dialogs.UserDialog(kecamatan, runner=ctx.runner, submit=lambda form: create_user(
        ctx.db, ctx.actor, form.username, form.full_name, form.role, form.password, unit=form.unit))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.role.currentData() == "petugas"  # never Administrator by default
    assert dialog.focusWidget() is dialog.username
    dialog.username.setText("rina")
    dialog.full_name.setText("Rina Wulandari")
    dialog.password.setText("pendek")
    dialog.password2.setText("pendek")
    dialog.submit()
    wait_runner()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert "kata sandi" in dialog.message.text().lower()
    assert (dialog.username.text(), dialog.full_name.text(), dialog.password.text()) == ("rina", "Rina Wulandari",
                                                                                         "pendek")
    dialog.password.setText("Sandi-Rina-2026")
    dialog.password2.setText("Sandi-Rina-2026")
    dialog.submit()
    wait_runner()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.result_value.username == "rina"
    assert [u.role for u in list_users(ctx.db, ctx.actor) if u.username == "rina"] == ["petugas"]


def test_user_dialog_enables_unit_or_kecamatan_by_role(app, qtbot):
    dialog = dialogs.UserDialog([("61.71.01", "Pontianak Selatan")])
    qtbot.addWidget(dialog)
    dialog.role.setCurrentIndex(dialog.role.findData("tksk"))
    assert dialog.kecamatan.isEnabled() and not dialog.unit.isEnabled()
    assert "mencatat layanan" in dialog.role_rights.text() and "kecamatannya sendiri" in dialog.role_rights.text()
    assert "mengelola pengguna" not in dialog.role_rights.text()
    dialog.username.setText("tk")
    dialog.password.setText("abc12345")
    dialog.password2.setText("abc12346")
    dialog.submit()
    assert "tidak sama" in dialog.message.text()
    assert dialog.value().kecamatan_code == "61.71.01" and dialog.value().unit == ""
    dialog.role.setCurrentIndex(dialog.role.findData("admin"))
    assert "mengelola pengguna" in dialog.role_rights.text()


def test_audit_page_filters_and_exports(ctx, qtbot, wait_runner, monkeypatch, qtmodeltester, tmp_path):
    with ctx.db.transaction(SYSTEM) as s:
        for i in range(250):
            audit.record(s, "create", "person", f"P{i}", after={"name": f"Orang {i}"})
        audit.record(s, "update", "case", "C1", before={"person_id": "P7"}, after={"person_id": "P7", "x": 1})
    page = audit_page.Page(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_runner()
    total = page.model.total
    assert total == 251 + 2  # plus the admin's create and login entries
    assert len(page.model.rows) == 200 and page.model.canFetchMore()
    page.model.fetchMore()
    wait_runner()
    assert len(page.model.rows) == total
    qtmodeltester.check(page.model)
    assert page.count_label.text() == f"{total} dari {total} entri"

    page.person_id.setText("P7")
    page.apply_filters()
    wait_runner()
    assert sorted(r.entity_id for r in page.model.rows) == ["C1", "P7"]
    page.table.selectRow(0)
    assert "Sesudah:" in page.detail.toPlainText() and "P7" in page.detail.toPlainText()

    page.person_id.clear()
    page.action.setCurrentIndex(page.action.findData("update"))
    page.apply_filters()
    wait_runner()
    assert [r.entity_id for r in page.model.rows] == ["C1"]

    target = tmp_path / "jejak.xlsx"
    monkeypatch.setattr(page, "ask_export_path", lambda: str(target))
    monkeypatch.setattr(audit_page, "show_info", lambda *a, **k: None)
    page.export()
    wait_runner()
    ws = load_workbook(target).active
    assert ws.max_row == 2 and ws["E2"].value == "C1"
    assert audit_actions(ctx.db)[-1] == "export"


def test_audit_page_hidden_and_refused_for_petugas(ctx, db):
    from spm_desktop.ui.main_window import available_pages

    create_user(db, ctx.actor, "pet", "Petugas", "petugas", "awal12345", unit="UPRS")
    ctx.user = authenticate(db, "pet", "awal12345")
    names = [p.name for p in available_pages(ctx)]
    assert "audit" not in names and "pengguna" not in names


def make_window(ctx, qtbot):
    window = QMainWindow()
    window.setCentralWidget(QLabel("data pribadi"))
    window.menuBar().addMenu("&Berkas")
    qtbot.addWidget(window)
    window.show()
    return window


# Showing top-level windows on the offscreen platform logs this harmless warning.
SHOWN_WINDOW = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@SHOWN_WINDOW
def test_idle_lock_after_timeout_and_unlock_with_password(ctx, qtbot, wait_runner):
    window = make_window(ctx, qtbot)
    idle = IdleLock(window, ctx, timeout_ms=400)
    try:
        # Activity keeps it open: move the mouse every 100 ms for 800 ms.
        for i in range(8):
            qtbot.mouseMove(window, QPoint(10 + i, 10))
            qtbot.wait(100)
        assert not idle.is_locked
        qtbot.waitUntil(lambda: idle.is_locked, timeout=3000)
        assert not window.centralWidget().isVisible() and not window.menuBar().isVisible()
        dialog = idle.dialog
        assert dialog is not None and dialog.isVisible()
        assert any("tidak ada kegiatan selama 15 menit" in label.text() for label in dialog.findChildren(QLabel))
        dialog.password.setText("salah-sekali")
        dialog.submit()
        wait_runner()
        assert idle.is_locked and "salah" in dialog.message.text()
        dialog.reject()  # Esc does not unlock
        assert idle.is_locked
        dialog.password.setText(PW)
        dialog.submit()
        wait_runner()
        qtbot.waitUntil(lambda: not idle.is_locked, timeout=3000)
        assert window.centralWidget().isVisible()
        actions = audit_actions(ctx.db)
        assert "idle_lock" in actions and actions[-1] == "login" and "login_failed" in actions
    finally:
        idle.stop()


@SHOWN_WINDOW
def test_session_guards_menu_daily_backup_and_lock_now(ctx, qtbot, wait_runner, db_file):
    window = make_window(ctx, qtbot)
    guards = security_hooks.install_session_guards(window, ctx, idle_timeout_ms=60_000)
    try:
        guards.wait_for_backup()
        kinds = {b.kind for b in backup.list_backups(db_file.parent / "backups")}
        assert kinds == {"daily", "monthly"}
        assert set(guards.menu_actions) == {"change_password", "lock_now", "backup_now", "restore", "diagnostics"}
        shown = []
        import spm_desktop.ui.dialogs.security as sec

        original = sec.DiagnosticsDialog.ask
        sec.DiagnosticsDialog.ask = classmethod(lambda cls, parent, text: shown.append(text))
        try:
            guards.menu_actions["diagnostics"].trigger()
            wait_runner()
        finally:
            sec.DiagnosticsDialog.ask = original
        assert "Cadangan terakhir" in shown[0] and "Ukuran basis data" in shown[0]
        guards.slots.record_logout()
        assert audit_actions(ctx.db)[-1] == "logout"
        guards.menu_actions["lock_now"].trigger()
        assert guards.idle.is_locked and guards.idle.dialog.isFullScreen()
        said = " ".join(label.text() for label in guards.idle.dialog.findChildren(QLabel))
        assert "atas permintaan Anda" in said and "tidak ada kegiatan" not in said  # the truth, not "15 idle minutes"
        guards.idle.dialog.password.setText(PW)
        guards.idle.dialog.submit()
        wait_runner()
        qtbot.waitUntil(lambda: not guards.idle.is_locked, timeout=3000)
    finally:
        guards.idle.stop()
        guards.timer.stop()


@sqlite_only("the start-up quick_check and restore offer are about the SQLite file")
def test_damaged_file_at_start_offers_backup_and_brings_data_back(app, data_dir, monkeypatch):
    db_file = data_dir / "spm.db"
    con = sqlite3.connect(db_file)
    con.execute("UPDATE local_device SET name='Kantor Dinsos'")
    con.commit()
    con.close()
    good = backup.make_backup(db_file, "daily")
    size = db_file.stat().st_size
    with db_file.open("r+b") as fh:
        for offset in range(4096, size, 8192):
            fh.seek(offset)
            fh.write(b"\x00\xff" * 512)
    offers = []
    monkeypatch.setattr(dialogs.RestoreOfferDialog, "ask",
                        classmethod(lambda cls, parent, check: offers.append(check) or True))
    monkeypatch.setattr(security_hooks.errors, "show_info", lambda *a, **k: None)
    monkeypatch.setattr(app_module, "sign_in", lambda db, runner: None)  # stop after opening
    monkeypatch.setattr(app_module.errors, "install_excepthook", lambda *a: None)  # keep pytest's hook
    assert app_module.run(data_dir) == 0
    assert len(offers) == 1 and offers[0].offer.path == good.path and not offers[0].ok
    con = sqlite3.connect(db_file)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT name FROM local_device").fetchone()[0] == "Kantor Dinsos"
    assert con.execute("SELECT count(*) FROM audit_entry WHERE action='restore'").fetchone()[0] == 1
    con.close()
    assert [b.kind for b in backup.list_backups(data_dir / "backups")].count("damaged") == 1


@sqlite_only("the start-up quick_check and restore offer are about the SQLite file")
def test_declining_the_restore_offer_stops_the_start(app, data_dir, monkeypatch):
    (data_dir / "spm.db").write_bytes(b"rusak" * 1000)
    monkeypatch.setattr(dialogs.RestoreOfferDialog, "ask", classmethod(lambda cls, parent, check: False))
    monkeypatch.setattr(app_module.errors, "install_excepthook", lambda *a: None)
    assert app_module.run(data_dir) == 1


def test_restore_offer_dialog_texts(app, qtbot, tmp_path):
    info = backup.BackupInfo(tmp_path / "spm-20260301-080000-daily.db", "daily",
                             __import__("datetime").datetime(2026, 3, 1, 8, 0), 2_000_000)
    with_offer = dialogs.RestoreOfferDialog(backup.StartupCheck(False, "database disk image is malformed", info))
    qtbot.addWidget(with_offer)
    assert "Harian, 01/03/2026 08:00 (2,0 MB)" in with_offer.text() and with_offer.restore_button is not None
    none = dialogs.RestoreOfferDialog(backup.StartupCheck(False, "rusak", None))
    qtbot.addWidget(none)
    assert none.restore_button is None and "Tidak ada cadangan" in none.text()


@pytest.mark.parametrize("dialog_cls", [dialogs.ChangePasswordDialog])
def test_password_rules_shown_in_indonesian(app, qtbot, dialog_cls):
    dialog = dialog_cls()
    qtbot.addWidget(dialog)
    assert any(label.text() == PASSWORD_RULES for label in dialog.findChildren(QLabel))
    dialog.password.setText("abc12345")
    dialog.password2.setText("abc")
    dialog.submit()
    assert dialog.message.text() == "Kedua kata sandi tidak sama; ketik ulang."


@SHOWN_WINDOW
def test_restore_from_the_security_menu(ctx, qtbot, db_file, monkeypatch):
    with ctx.db.transaction(SYSTEM) as s:
        audit.record(s, "create", "marker", "sebelum")
    good = backup.make_backup(db_file, "manual")
    with ctx.db.transaction(SYSTEM) as s:
        audit.record(s, "create", "marker", "sesudah")
    window = make_window(ctx, qtbot)
    guards = security_hooks.install_session_guards(window, ctx, idle_timeout_ms=60_000)
    try:
        guards.wait_for_backup()
        monkeypatch.setattr(security_hooks, "ask_open_file", lambda *a, **k: good.path)
        monkeypatch.setattr(security_hooks.errors, "confirm", lambda *a, **k: True)
        infos = []
        monkeypatch.setattr(security_hooks.errors, "show_info", lambda parent, text, title="": infos.append(text))
        guards.menu_actions["restore"].trigger()
        assert infos and "dipulihkan" in infos[0]
        assert not window.isVisible()
        con = sqlite3.connect(db_file)
        markers = [r[0] for r in con.execute("SELECT entity_id FROM audit_entry WHERE entity='marker' ORDER BY seq")]
        restores = con.execute("SELECT username FROM audit_entry WHERE action='restore'").fetchall()
        con.close()
        # the data is the backup's; the audit entry written after the backup is carried over
        # (issue 18: a restore never rolls the audit trail back)
        assert markers == ["sebelum", "sesudah"] and restores == [("admin",)]
    finally:
        guards.idle.stop()
        guards.timer.stop()


@SHOWN_WINDOW
def test_run_busy_returns_result_and_raises_errors(app):
    import time

    assert security_hooks.run_busy(None, "Menunggu…", lambda x: (time.sleep(0.7), x * 2)[1], 21) == 42
    with pytest.raises(ValueError):
        security_hooks.run_busy(None, "Menunggu…", int, "bukan angka")


def test_first_admin_dialog_shows_the_password_rules(app, db, runner, qtbot):
    from spm_desktop.ui.dialogs.login import FirstAdminDialog

    dialog = FirstAdminDialog(db, runner)
    qtbot.addWidget(dialog)
    assert dialog.rules.text() == PASSWORD_RULES


def test_person_list_export_button_only_for_supervisors(ctx, db, qtbot, wait_runner, monkeypatch, tmp_path):
    from spm_desktop.ui.pages import penerima

    page = penerima.Page(ctx)
    qtbot.addWidget(page)
    wait_runner()
    assert not page.export_button.isHidden()
    target = tmp_path / "daftar.xlsx"
    monkeypatch.setattr(page, "ask_export_path", lambda: str(target))
    monkeypatch.setattr(penerima, "show_info", lambda *a, **k: None)
    page.export_list()
    wait_runner()
    assert load_workbook(target).active.max_row == 1  # header only: no persons yet
    assert audit_actions(db)[-1] == "export"
    create_user(db, ctx.actor, "pet", "Petugas", "petugas", "awal12345", unit="UPRS")
    ctx.user = authenticate(db, "pet", "awal12345")
    other = penerima.Page(ctx)
    qtbot.addWidget(other)
    wait_runner()
    assert other.export_button.isHidden()
