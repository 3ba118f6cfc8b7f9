"""One writer process of ``test_concurrent_writers``: registers a person, waits for the start
signal (after saying it is ready), then records N service events, one service call (one transaction) each.

Usage: python concurrent_writer.py URL N LABEL GO_FILE
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.services.events import EventDraft, record_event
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import make_engine

SERVICE = "1.06.04.2.01.0009"  # layanan data dan pengaduan: no required detail


def main(url: str, n: int, label: str, go: Path) -> int:
    actor = Actor(username=f"petugas_{label}", role="admin")
    db = Database(make_engine(url))
    try:
        name = {"a": "Abdul Rahman", "b": "Siti Nurhaliza"}[label]
        person = register_person(db, actor, PersonDraft(name=name, sex="L", birth_year=1980,
                                                        kelurahan_code="61.71.01.1002"),
                                 confirm_duplicates_ok=True)
        Path(f"{go}.{label}.ready").touch()
        deadline = time.monotonic() + 60
        while not go.exists():
            if time.monotonic() > deadline:
                return 3
            time.sleep(0.01)
        for i in range(n):
            record_event(db, actor, EventDraft(person_id=person.id, service_code=SERVICE,
                                               event_date=date(2026, 3, 1 + i % 28),
                                               notes=f"{label} {i}"))
        return 0
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])))
