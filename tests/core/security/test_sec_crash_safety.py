"""Crash safety (architecture §7): a writer killed with SIGKILL at random moments leaves a
database that passes integrity_check and holds every record it reported as committed."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.storage.models import Person, ServiceType

CHILD = Path(__file__).with_name("crash_child.py")
ROUNDS = 20


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX only")
def test_sigkill_during_writes_loses_nothing_committed(db, db_file):
    with db.transaction(SYSTEM) as s:
        person = Person(name="Uji Ketahanan", sex="L", birth_year=1970, kelurahan_code="61.71.01.1002")
        s.add(person)
        s.flush()
        person_id = person.id
        code = s.scalars(select(ServiceType.code).order_by(ServiceType.code)).first()
    db.dispose()
    rng = random.Random(20261128)
    printed: list[str] = []
    for _ in range(ROUNDS):
        child = subprocess.Popen([sys.executable, str(CHILD), str(db_file), person_id, code],
                                 stdout=subprocess.PIPE, text=True, env=os.environ.copy())
        first = child.stdout.readline()  # the child is writing now
        assert first.endswith("\n"), "child produced no event"
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate(timeout=30)
        lines = (first + rest).split("\n")
        printed += [line for line in lines[:-1] if line]  # the last piece may be cut mid-line
        assert child.returncode == -signal.SIGKILL
    assert len(printed) > ROUNDS
    con = sqlite3.connect(db_file)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {r[0] for r in con.execute("SELECT id FROM service_event")}
        audited = {r[0] for r in con.execute("SELECT entity_id FROM audit_entry WHERE entity='service_event'")}
    finally:
        con.close()
    missing = [i for i in printed if i not in stored]
    assert not missing, f"{len(missing)} committed events lost"
    assert set(printed) <= audited
    assert stored == audited  # every event that exists came with its audit entry, and vice versa
