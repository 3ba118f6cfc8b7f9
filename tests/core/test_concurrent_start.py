"""Two seats open a new, empty server database at the same moment (issue 9): the schema is
upgraded once, master data seeded once and the database gets one device identity, which both
seats share. Runs on the current backend (a SQLite file, or PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
import time

from sqlalchemy import func, select

from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import make_engine
from spm_desktop.core.storage.models import LocalDevice, Region, ServiceType

SEAT = """
import sys, time
from pathlib import Path
go = Path(sys.argv[2])
Path(str(go) + "." + sys.argv[3]).touch()
while not go.exists():
    time.sleep(0.005)
from spm_desktop.core.storage.open import open_database
db = open_database(sys.argv[1])
print(db.device_id)
db.dispose()
"""


def test_two_seats_starting_together_on_an_empty_database(empty_database_url, tmp_path):
    go = tmp_path / "go"
    seats = [subprocess.Popen([sys.executable, "-c", SEAT, empty_database_url, str(go), label],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for label in ("a", "b")]
    deadline = time.monotonic() + 240
    while not all((tmp_path / f"go.{label}").exists() for label in ("a", "b")):
        assert all(p.poll() is None for p in seats), [p.stderr.read() for p in seats]
        assert time.monotonic() < deadline, "a seat never got ready"
        time.sleep(0.005)
    go.touch()
    results = [p.communicate(timeout=240) for p in seats]
    assert [p.returncode for p in seats] == [0, 0], [err[-2000:] for _, err in results]
    device_ids = {out.strip() for out, _ in results}

    db = Database(make_engine(empty_database_url))
    try:
        with db.reading() as s:
            devices = s.scalars(select(LocalDevice.id)).all()
            regions = s.scalar(select(func.count()).select_from(Region))
            types = s.scalar(select(func.count()).select_from(ServiceType))
    finally:
        db.dispose()
    assert len(devices) == 1 and device_ids == set(devices)
    assert (regions, types) == (0, 22)  # a new database has no regions until its area is chosen
