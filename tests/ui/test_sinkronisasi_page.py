"""Sinkronisasi page: identity and enrolment, export for a peer, import with preview,
conflicts, history."""

from __future__ import annotations

from sqlalchemy import select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.storage.models import Person, SyncConflict
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import device_info, enrol_device, list_peers, read_identity, write_identity
from spm_desktop.core.sync.importer import import_package
from spm_desktop.ui.pages import sinkronisasi

TKSK = Actor(username="tksk1", role="tksk", kecamatan_code="61.71.03")
ADMIN = Actor("admin", "admin")


def test_sync_page_round_trip(ctx, qtbot, wait_runner, monkeypatch, qtmodeltester, make_database, tmp_path):
    infos = []
    monkeypatch.setattr(sinkronisasi, "show_info", lambda parent, msg, title="": infos.append(msg))
    page = sinkronisasi.Page(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_runner()
    assert not page.guide.isHidden() and "Belum ada komputer terdaftar" in page.guide.text()
    assert page.fingerprint.text() == device_info(ctx.db).fingerprint

    page.device_name.setText("Kantor Dinas Sosial")
    page.save_name_button.click()
    wait_runner()
    wait_runner()
    assert device_info(ctx.db).name == "Kantor Dinas Sosial"

    # The walk-through: the office saves its identity, enrols the laptop's; the laptop enrols the office's.
    own = tmp_path / "kantor.spmid"
    monkeypatch.setattr(sinkronisasi.SyncFileDialog, "ask_save_identity",
                        classmethod(lambda cls, parent, suggested: own))
    page.identity_button.click()
    wait_runner()
    assert read_identity(own).fingerprint == page.fingerprint.text() and page.fingerprint.text() in infos[-1]
    tksk = make_database("tksk", "TKSK Pontianak Barat")
    enrol_device(tksk, ADMIN, own, "Kantor Dinas Sosial", "office")
    laptop_id = tmp_path / "barat.spmid"
    write_identity(tksk, ADMIN, laptop_id)
    monkeypatch.setattr(sinkronisasi.EnrolDialog, "ask", classmethod(
        lambda cls, parent, kecamatans: sinkronisasi.Enrolment(laptop_id, "TKSK Pontianak Barat", "tksk",
                                                                dict(kecamatans) and "61.71.03", None)))
    page.enrol_button.click()
    wait_runner()
    wait_runner()
    assert "Terdaftar: TKSK Pontianak Barat (TKSK, kecamatan 61.71.03)" in infos[-1]
    assert device_info(tksk).fingerprint in infos[-1]
    qtmodeltester.check(page.devices)
    assert page.devices.rowCount() == 1 and page.devices.data(page.devices.index(0, 3)) == "aktif"
    assert page.guide.isHidden()

    # A package from the TKSK laptop: preview shown, then applied.
    with tksk.transaction(TKSK) as s:
        s.add(Person(id="p-1", name="Budi", sex="L", kelurahan_code="61.71.03.1001"))
    package = tmp_path / "barat.spmsync"
    export_package(tksk, TKSK, package, peer_name="Kantor Dinas Sosial")
    previews = []
    monkeypatch.setattr(sinkronisasi.SyncFileDialog, "ask_open", classmethod(lambda cls, parent: package))
    monkeypatch.setattr(sinkronisasi.ImportConfirm, "ask",
                        classmethod(lambda cls, parent, summary: previews.append(summary) or True))
    page.import_button.click()
    wait_runner()
    wait_runner()
    wait_runner()
    [preview] = previews
    assert preview.new == 1 and preview.source_device_name == "TKSK Pontianak Barat"
    assert "Penerima layanan: 1 baru" in sinkronisasi.preview_text(preview)
    with ctx.db.reading() as s:
        assert s.get(Person, "p-1").name == "Budi"
    assert "Terakhir diimpor" in page.import_result.text()
    qtmodeltester.check(page.history)
    assert page.history.rowCount() == 1 and page.history.data(page.history.index(0, 1)) == "Diterima dari"
    assert [page.peer.itemText(i) for i in range(page.peer.count())] == ["TKSK Pontianak Barat"]

    # Export for that peer.
    out = tmp_path / "ke-barat.spmsync"
    monkeypatch.setattr(sinkronisasi.SyncFileDialog, "ask_save", classmethod(lambda cls, parent, suggested: out))
    page.peer.setCurrentText("TKSK Pontianak Barat")
    page.export_button.click()
    wait_runner()
    wait_runner()
    assert out.exists() and page.last_export.peer_name == "TKSK Pontianak Barat"
    assert "Paket dibuat" in infos[-1]
    import_package(tksk, TKSK, out)

    # Both sides edit Budi; the laptop's later edit wins at the office and is listed as a conflict.
    with ctx.db.transaction(ctx.actor) as s:
        s.get(Person, "p-1").address = "Jl. Ahmad Yani (kantor)"
    with tksk.transaction(TKSK) as s:
        s.get(Person, "p-1").address = "Jl. Tanjungpura (TKSK)"
    second = tmp_path / "barat-2.spmsync"
    export_package(tksk, TKSK, second, peer_name="Kantor Dinas Sosial")
    monkeypatch.setattr(sinkronisasi.SyncFileDialog, "ask_open", classmethod(lambda cls, parent: second))
    page.import_button.click()
    wait_runner()
    wait_runner()
    wait_runner()
    qtmodeltester.check(page.conflicts)
    assert page.conflicts.rowCount() == 1 and page.tabs.tabText(0) == "Konflik (1)"
    assert page.conflicts.data(page.conflicts.index(0, 2)) == "kiriman"
    assert "Jl. Ahmad Yani (kantor) ↔ Jl. Tanjungpura (TKSK)" in page.conflicts.data(page.conflicts.index(0, 3))
    assert not page.keep_local_button.isEnabled()
    page.conflict_view.selectRow(0)
    assert page.keep_local_button.isEnabled()
    page.keep_local_button.click()
    wait_runner()
    wait_runner()
    assert page.conflicts.rowCount() == 0
    with ctx.db.reading() as s:
        assert s.get(Person, "p-1").address == "Jl. Ahmad Yani (kantor)"
        assert s.scalars(select(SyncConflict)).one().resolution == "local"

    # The laptop is lost: revoke it.
    assert not page.revoke_button.isEnabled()
    page.device_view.selectRow(0)
    monkeypatch.setattr(sinkronisasi.RevokeConfirm, "ask", classmethod(lambda cls, parent, peer: True))
    page.revoke_button.click()
    wait_runner()
    wait_runner()
    assert [p.revoked_at is not None for p in list_peers(ctx.db)] == [True]
    assert page.devices.data(page.devices.index(0, 3)).startswith("dicabut")
    assert page.peer.count() == 0 and not page.guide.isHidden()


def test_tksk_cannot_change_identity_enrol_or_resolve(ctx, qtbot, monkeypatch):
    from dataclasses import replace

    ctx.user = replace(ctx.user, role="tksk")
    page = sinkronisasi.Page(ctx)
    qtbot.addWidget(page)
    assert not page.save_name_button.isEnabled() and not page.device_name.isEnabled()
    assert not page.enrol_button.isEnabled() and not page.revoke_button.isEnabled()
    assert page.identity_button.isEnabled()
    assert page.export_button.isEnabled() and not page.keep_remote_button.isEnabled()


def test_a_refusal_by_the_peer_is_shown_with_its_reasons(ctx, qtbot, wait_runner, make_database, tmp_path):
    """The laptop refused the office's package; its next package says why, and the page shows it."""
    import pytest

    from spm_desktop.core.storage.models import Setting
    from spm_desktop.core.sync.identity import set_device_name
    from spm_desktop.core.sync.validation import PackageInvalid

    set_device_name(ctx.db, ADMIN, "Kantor Dinas Sosial")
    tksk = make_database("tksk", "TKSK Pontianak Barat")
    for here, there, role, kec in ((ctx.db, tksk, "tksk", "61.71.03"), (tksk, ctx.db, "office", None)):
        write_identity(there, ADMIN, tmp_path / "id.spmid")
        enrol_device(here, ADMIN, tmp_path / "id.spmid", device_info(there).name, role, kecamatan=kec)
    with ctx.db.transaction(ADMIN) as s:
        s.scalars(select(Setting).where(Setting.key == "spm.weight_a")).one().value = "abc"
    export_package(ctx.db, ADMIN, tmp_path / "ke-barat.spmsync", peer_name="TKSK Pontianak Barat", check=False)
    with pytest.raises(PackageInvalid):
        import_package(tksk, ADMIN, tmp_path / "ke-barat.spmsync")
    export_package(tksk, ADMIN, tmp_path / "jawaban.spmsync", peer_name="Kantor Dinas Sosial")
    import_package(ctx.db, ADMIN, tmp_path / "jawaban.spmsync")

    page = sinkronisasi.Page(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_runner()
    assert not page.refusal_notice.isHidden()
    notice = page.refusal_notice.text()
    assert "Paket ke TKSK Pontianak Barat (ke-barat.spmsync" in notice and "DITOLAK" in notice
    assert "Pengaturan" in notice and "spm.weight_a" in notice and "ikut terkirim lagi" in notice
    assert not page.refusal_button.isHidden()
    assert [(p.table, p.field) for p in page.refusal_problems] == [("setting", "spm.weight_a")]
    statuses = [page.history.data(page.history.index(r, 4)) for r in range(page.history.rowCount())]
    assert "DITOLAK mitra (1 alasan)" in statuses and "diterapkan" in statuses
    refused_row = statuses.index("DITOLAK mitra (1 alasan)")
    from PySide6.QtCore import Qt

    assert "spm.weight_a" in page.history.data(page.history.index(refused_row, 4), Qt.ItemDataRole.ToolTipRole)


def test_export_lists_what_the_peer_would_refuse_and_can_send_anyway(ctx, qtbot, wait_runner, make_database,
                                                                     monkeypatch, tmp_path):
    """Pre-flight (sticky refusals): the page lists this computer's changes the peer would
    refuse before writing; *Tetap buat paket* writes it anyway; the refused reasons that come
    back open in the same list."""
    from spm_desktop.core.sync.identity import set_device_name

    set_device_name(ctx.db, ADMIN, "Kantor Dinas Sosial")
    tksk = make_database("tksk", "TKSK Pontianak Barat")
    for here, there, role, kec in ((ctx.db, tksk, "tksk", "61.71.03"), (tksk, ctx.db, "office", None)):
        write_identity(there, ADMIN, tmp_path / "id.spmid")
        enrol_device(here, ADMIN, tmp_path / "id.spmid", device_info(there).name, role, kecamatan=kec)
    with ctx.db.transaction(ADMIN) as s:  # written past the person service
        s.add(Person(id="p-1", name="Budi", sex="L", nik="12", kelurahan_code="61.71.03.1001"))
    page = sinkronisasi.Page(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_runner()
    path = tmp_path / "ke-barat.spmsync"
    monkeypatch.setattr(sinkronisasi.SyncFileDialog, "ask_save", classmethod(lambda cls, parent, suggested: path))
    asked = []
    monkeypatch.setattr(sinkronisasi.ProblemsDialog, "ask", classmethod(
        lambda cls, parent, title, intro, problems, allow_send: asked.append((intro, problems, allow_send)) or ""))
    monkeypatch.setattr(sinkronisasi, "show_info", lambda *a, **k: None)
    errors = []
    monkeypatch.setattr(sinkronisasi, "show_error", lambda parent, error: errors.append(error))
    page.peer.setCurrentText("TKSK Pontianak Barat")
    page.export_button.click()
    wait_runner()
    assert errors == []
    intro, problems, allow_send = asked[-1]
    assert allow_send and "belum dibuat" in intro and not path.exists()
    assert [(p.table, p.field, p.person_id) for p in problems] == [("person", "nik", "p-1")]
    assert problems[0].line().startswith("Penerima layanan Budi, nik:")
    monkeypatch.setattr(sinkronisasi.ProblemsDialog, "ask", classmethod(lambda cls, *a, **k: "send"))
    page.export_button.click()
    wait_runner()
    wait_runner()
    assert path.exists() and page.last_export is not None

    # The dialog itself: a record with a person can be opened.
    from spm_desktop.core.sync.preflight import Problem

    dialog = sinkronisasi.ProblemsDialog(page, "Data yang ditolak", "…", [
        Problem("person", "p-1", "nik", "NIK harus 16 digit", "Penerima layanan Budi", "p-1"),
        Problem("setting", "s-1", "spm.weight_a", "bukan angka", "Pengaturan s-1", None)], allow_send=False)
    qtbot.addWidget(dialog)
    dialog.list.setCurrentRow(1)
    assert not dialog.open_button.isEnabled()
    dialog.list.setCurrentRow(0)
    assert dialog.open_button.isEnabled()
    dialog.open_button.click()
    assert dialog.choice == "open:p-1"
