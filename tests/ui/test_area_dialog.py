"""First start (issue 20): after the administrator account the office picks provinsi →
kabupaten/kota and types its name, address and signatory; the area is adopted."""

from __future__ import annotations

from sqlalchemy import select

from spm_desktop import app as app_module
from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.security.sign_in import create_first_admin_encrypted
from spm_desktop.core.security.users import authenticate
from spm_desktop.core.services.area import current_area
from spm_desktop.core.services.settings import get_settings
from spm_desktop.core.storage.models import Region
from spm_desktop.core.storage.open import open_database
from spm_desktop.ui.dialogs.area import AreaDialog
from spm_desktop.ui.dialogs.login import FirstAdminDialog, LoginDialog, RecoveryKeyDialog

PASSWORD = "Rahasia-Kantor-1"


def test_area_dialog_adopts_kubu_raya(qtbot, runner, wait_runner, empty_database_url):
    db = open_database(empty_database_url)
    try:
        dialog = AreaDialog(db, SYSTEM, runner)
        qtbot.addWidget(dialog)
        assert dialog.province.currentData() == "61"  # Kalimantan Barat first
        dialog.regency.setCurrentIndex(dialog.regency.findData("61.12"))
        assert dialog.office_name.placeholderText() == "mis. Dinas Sosial Kabupaten Kubu Raya"
        dialog.office_name.setText("Dinas Sosial Kabupaten Kubu Raya")
        dialog.office_address.setText("Jl. Arteri Supadio, Sungai Raya")
        dialog.signatory_name.setText("Drs. H. Marijan")
        dialog.signatory_nip.setText("1968 0101 1990 03 1001")
        dialog.submit()
        wait_runner()
        assert dialog.area is not None and dialog.area.code == "61.12"
        assert current_area(db).name == "Kabupaten Kubu Raya"
        st = get_settings(db)
        assert (st.office_name, st.office_address, st.signatory_name) == (
            "Dinas Sosial Kabupaten Kubu Raya", "Jl. Arteri Supadio, Sungai Raya", "Drs. H. Marijan")
        with db.reading() as s:
            assert {c[:5] for c in s.scalars(select(Region.code))} == {"61.12"}
        other = AreaDialog(db, SYSTEM, runner, current=current_area(db))
        qtbot.addWidget(other)
        assert other.regency.currentData() == "61.12"
        other.province.setCurrentIndex(other.province.findData("31"))
        assert other.regency.count() == 6 and other.regency.currentData().startswith("31.")
    finally:
        db.dispose()


def test_first_start_asks_admin_then_area_then_login(app, runner, monkeypatch, empty_database_url):
    db = open_database(empty_database_url)
    calls = []

    def fake_first(parent, db_, runner_):
        calls.append("admin")
        # What the dialog runs: on SQLite the file is encrypted and a recovery key made.
        return create_first_admin_encrypted(db_, "admin", "Admin", PASSWORD)

    def fake_area(parent, db_, actor, runner_, current=None):
        calls.append(("area", actor.username))
        from spm_desktop.core.services.area import AreaChoice, adopt_area

        return adopt_area(db_, actor, AreaChoice("61.12"))

    def fake_login(parent, db_, runner_, office="", username=""):
        calls.append(("login", office))
        return authenticate(db_, "admin", PASSWORD), None, PASSWORD  # (user, Unlocked, password typed)

    monkeypatch.setattr(FirstAdminDialog, "ask", fake_first)
    monkeypatch.setattr(AreaDialog, "ask", fake_area)
    monkeypatch.setattr(LoginDialog, "ask_login", fake_login)
    monkeypatch.setattr(RecoveryKeyDialog, "show_once", classmethod(lambda cls, parent, key: None))
    try:
        assert app_module.sign_in(db, runner) is not None
        assert calls == ["admin", ("area", "admin"), ("login", "Dinas Sosial Kabupaten Kubu Raya")]
        calls.clear()
        app_module.sign_in(db, runner)
        assert calls == [("login", "Dinas Sosial Kabupaten Kubu Raya")]  # asked once
    finally:
        db.dispose()
