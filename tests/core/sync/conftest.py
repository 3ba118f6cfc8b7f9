"""Databases that exchange packages: on SQLite files or, with SPM_TEST_DATABASE_URL, on
PostgreSQL databases (each its own device, enrolled at the others with a role and scope)."""

from __future__ import annotations

import pytest
from sync_helpers import enrol_each_other


@pytest.fixture
def office(make_database):
    return make_database("office", "Kantor Dinas Sosial")


@pytest.fixture
def tksk(make_database, office, tmp_path):
    db = make_database("tksk", "TKSK Pontianak Barat")
    enrol_each_other(office, db, tmp_path, role="tksk", kecamatan="61.71.03")
    return db


@pytest.fixture
def third(make_database, office, tksk, tmp_path):
    db = make_database("third", "TKSK Pontianak Kota")
    enrol_each_other(office, db, tmp_path, role="tksk", kecamatan="61.71.05")
    enrol_each_other(tksk, db, tmp_path, role="tksk", kecamatan="61.71.05", here_role="tksk",
                     here_kecamatan="61.71.03")
    return db
