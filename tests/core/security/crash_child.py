"""Child process of the crash-safety test: records service events in a loop and prints the
id of each one after its transaction committed. Killed with SIGKILL by the parent."""

from __future__ import annotations

import sys
from datetime import date

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.services.events import EventDraft, record_event
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import make_engine


def main(db_file: str, person_id: str, service_code: str) -> None:
    db = Database(make_engine(f"sqlite:///{db_file}"))
    n = 0
    while True:
        n += 1
        # The real service: validation, one transaction, its audit entry.
        event_id = record_event(db, SYSTEM, EventDraft(person_id=person_id, service_code=service_code,
                                                       event_date=date(2026, 3, 1), notes="x" * (n % 500))).id
        sys.stdout.write(event_id + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(*sys.argv[1:4])
