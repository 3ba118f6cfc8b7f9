"""Sinkronisasi page: identity, export for a peer, import with preview, conflicts, history."""

from __future__ import annotations

from sqlalchemy import select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.storage.models import Person, SyncConflict
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import device_info, set_passphrase
from spm_desktop.core.sync.importer import import_package
from spm_desktop.ui.pages import sinkronisasi

SECRET = "frasa-sandi-kantor-2026"
TKSK = Actor(username="tksk1", role="tksk")


def laptop(make_database):
    db = make_database("tksk", "TKSK Pontianak Barat")
    set_passphrase(db, Actor("admin", "admin"), SECRET)
    return db


def test_sync_page_round_trip(ctx, qtbot, wait_runner, monkeypatch, qtmodeltester, make_database, tmp_path):
    infos = []
    monkeypatch.setattr(sinkronisasi, "show_info", lambda parent, msg, title="": infos.append(msg))
    page = sinkronisasi.Page(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_runner()
    assert "BELUM" in page.passphrase_state.text()

    page.device_name.setText("Kantor Dinas Sosial")
    page.save_name_button.click()
    page.passphrase.setText(SECRET)
    page.save_passphrase_button.click()
    wait_runner()
    wait_runner()
    assert device_info(ctx.db).name == "Kantor Dinas Sosial" and device_info(ctx.db).passphrase_set
    assert page.device_name.text() == "Kantor Dinas Sosial" and page.passphrase.text() == ""
    assert "sudah diatur" in page.passphrase_state.text()

    # A package from the TKSK laptop: preview shown, then applied.
    tksk = laptop(make_database)
    with tksk.transaction(TKSK) as s:
        s.add(Person(id="p-1", name="Budi", sex="L"))
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
    page.peer.setEditText("TKSK Pontianak Barat")
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


def test_viewer_cannot_change_identity_or_resolve(ctx, qtbot, monkeypatch):
    from dataclasses import replace

    ctx.user = replace(ctx.user, role="tksk")
    page = sinkronisasi.Page(ctx)
    qtbot.addWidget(page)
    assert not page.save_passphrase_button.isEnabled() and not page.device_name.isEnabled()
    assert page.export_button.isEnabled() and not page.keep_remote_button.isEnabled()
