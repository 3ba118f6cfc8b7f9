"""Hybrid logical clock: the order of the versions of a record between databases.

A value is ``milliseconds since 1970 (UTC) << 16 | counter``, one integer. This database
keeps the last value it issued (``local_device.hlc``); a new value is the larger of that
plus one and the wall clock, and a changed record's new value is also above the version it
was changed from. So an edit always orders after the version it edited, whatever the
computer's clock says (a laptop five years behind still overrides what it received), and a
database that imports a package moves its clock up to the sender's, so its later edits order
after everything it received. Which of two versions made apart wins is decided by this value
(then the device id, then the content): the same everywhere, so databases converge; that they
were made apart is detected by the change counters (:mod:`spm_desktop.core.sync.planning`),
not by the clock, and listed as a conflict.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

SHIFT = 16
LIMIT = 1 << 62  # larger values are refused in packages (BIGINT headroom)
_EPOCH = datetime(1970, 1, 1)


def from_datetime(when: datetime) -> int:
    """The clock value of a wall-clock time (naive UTC), counter 0."""
    return ((when - _EPOCH) // timedelta(milliseconds=1)) << SHIFT


def to_datetime(value: int) -> datetime:
    """The wall-clock part of a clock value (for display)."""
    return _EPOCH + timedelta(milliseconds=max(0, value) >> SHIFT)


def advance(session: Session, now: datetime) -> tuple[int, int]:
    """Advance this database's change counter by one and its clock past both its last value
    and ``now``; returns ``(change_seq, hlc)``."""
    session.execute(text("UPDATE local_device SET change_seq = change_seq + 1, "
                         "hlc = CASE WHEN hlc + 1 > :now THEN hlc + 1 ELSE :now END"),
                    {"now": from_datetime(now)})
    seq, value = session.execute(text("SELECT MAX(change_seq), MAX(hlc) FROM local_device")).one()
    return int(seq or 0), int(value or 0)


def observe(session: Session, value: int) -> None:
    """Move this database's clock up to ``value`` (a value received or issued elsewhere)."""
    if value:
        session.execute(text("UPDATE local_device SET hlc = :v WHERE hlc < :v"), {"v": int(value)})


def current(session: Session) -> int:
    return int(session.execute(text("SELECT MAX(hlc) FROM local_device")).scalar() or 0)
