"""Databases that exchange packages: on SQLite files or, with SPM_TEST_DATABASE_URL, on
PostgreSQL databases (each its own device, the office passphrase set)."""

from __future__ import annotations

import pytest
from sync_helpers import ADMIN, PASSPHRASE

from spm_desktop.core.sync.identity import set_passphrase


def _exchanging(make_database, label, name):
    db = make_database(label, name)
    set_passphrase(db, ADMIN, PASSPHRASE)
    return db


@pytest.fixture
def office(make_database):
    return _exchanging(make_database, "office", "Kantor Dinas Sosial")


@pytest.fixture
def tksk(make_database):
    return _exchanging(make_database, "tksk", "TKSK Pontianak Barat")


@pytest.fixture
def third(make_database):
    return _exchanging(make_database, "third", "TKSK Pontianak Kota")
