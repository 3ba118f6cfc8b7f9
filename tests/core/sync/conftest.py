from __future__ import annotations

import pytest
from sync_helpers import make_db


@pytest.fixture
def office(template_db_file, tmp_path):
    db = make_db(template_db_file, tmp_path / "office", "Kantor Dinas Sosial")
    yield db
    db.dispose()


@pytest.fixture
def tksk(template_db_file, tmp_path):
    db = make_db(template_db_file, tmp_path / "tksk", "TKSK Pontianak Barat")
    yield db
    db.dispose()


@pytest.fixture
def third(template_db_file, tmp_path):
    db = make_db(template_db_file, tmp_path / "third", "TKSK Pontianak Kota")
    yield db
    db.dispose()
