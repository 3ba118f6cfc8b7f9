"""Diagnostics: versions, paths, database size, last backup — no personal data."""

from __future__ import annotations

from datetime import datetime

from sec_helpers import ROLE_ACTORS

from spm_desktop import __version__
from spm_desktop.core.services.diagnostics import collect, format_bytes
from spm_desktop.core.storage import backup
from spm_desktop.core.storage.migrate import head_revision


def test_diagnostics_lists_versions_paths_size_and_last_backup(db, db_file):
    before = collect(db, ROLE_ACTORS["viewer"], db_file.parent)
    assert before.value("Versi aplikasi") == __version__
    assert before.value("Cadangan terakhir") == "belum ada"
    assert before.value("Folder data") == str(db_file.parent)
    assert before.value("Berkas log").endswith("spm-desktop.log")
    assert before.value("Versi skema") == f"{head_revision()} (aplikasi: {head_revision()})"
    assert before.value("Ukuran basis data").endswith(("KB", "MB"))
    assert before.value("Penerima layanan") == "0"
    backup.make_backup(db_file, "daily", now=datetime(2026, 3, 5, 7, 30))
    after = collect(db, ROLE_ACTORS["petugas"], db_file.parent)
    assert after.value("Cadangan terakhir").startswith("Harian, 05/03/2026 07:30")
    assert after.value("Jumlah cadangan") == "1"
    text = after.as_text()
    assert "Pustaka SQLAlchemy" in text and "SQLite" in text


def test_format_bytes_in_indonesian():
    assert format_bytes(865_034_240) == "865,0 MB"
    assert format_bytes(1_500) == "1,5 KB"
    assert format_bytes(12) == "12 B"
    assert format_bytes(2_000_000_000) == "2,0 GB"
