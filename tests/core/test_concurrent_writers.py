"""Two processes record events into the same database at the same time and nothing is lost
(issue 9). On PostgreSQL both write to the same server database; on SQLite to the same file.

Every flush bumps the single ``local_device.change_seq`` row (core/storage/tracking.py): the
writers must queue on it (row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), never fail, and
every transaction must get its own change number.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import make_engine
from spm_desktop.core.storage.models import AuditEntry, LocalDevice, Person, ServiceEvent

WRITER = Path(__file__).with_name("concurrent_writer.py")
PER_WRITER = 40


def test_two_processes_recording_events_at_once_lose_nothing(new_database_url, tmp_path):
    url = new_database_url("shared")
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, str(WRITER), url, str(PER_WRITER), label, str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for label in ("a", "b")]
    deadline = time.monotonic() + 120
    while not all(Path(f"{go}.{label}.ready").exists() for label in ("a", "b")):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "a writer did not start"
        time.sleep(0.02)
    go.touch()  # both have registered their person: now they record as fast as they can
    outcomes = [(p.wait(timeout=180), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [code for code, _ in outcomes] == [0, 0], [err[-2000:] for _, err in outcomes]

    db = Database(make_engine(url))
    try:
        with db.reading() as s:
            events = s.execute(select(ServiceEvent.updated_by, ServiceEvent.change_seq)).all()
            persons = s.scalar(select(func.count()).select_from(Person))
            audited = s.scalar(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.entity == "service_event"))
            counter = s.scalar(select(func.max(LocalDevice.change_seq)))
    finally:
        db.dispose()
    assert len(events) == 2 * PER_WRITER
    assert sorted(by for by, _ in events) == ["petugas_a"] * PER_WRITER + ["petugas_b"] * PER_WRITER
    assert persons == 2
    assert audited == 2 * PER_WRITER
    # One transaction per event: each got its own change number, all at most the counter.
    seqs = [seq for _, seq in events]
    assert len(set(seqs)) == len(seqs)
    assert max(seqs) <= counter
