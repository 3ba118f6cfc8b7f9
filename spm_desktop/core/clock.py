"""The one clock of the program: every read of today's date or the time of day goes through it.

Services, reports and pages ask ``clock.today()`` / ``clock.now()`` (local time) or
``clock.utcnow()`` (naive UTC, what records are stamped with, ``storage.base.utcnow``) instead
of ``date.today()`` / ``datetime.now()``, so a test can move the whole program to another day:
the suite's conftest sets ``SPM_TEST_TODAY`` (read only there) and installs
``Clock.starting_on(day)``. ``Database.today()`` / ``Database.now()`` read the same clock (or a
database's own injected wall clock, ``Database.clock``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta


@dataclass(frozen=True)
class Clock:
    """The wall clock, shifted by ``offset`` (zero for the real clock). Time still runs."""

    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        """Local time, naive."""
        return datetime.now() + self.offset

    def utcnow(self) -> datetime:
        """UTC time, naive (stored as UTC everywhere)."""
        return datetime.now(UTC).replace(tzinfo=None) + self.offset

    def today(self) -> date:
        return self.now().date()

    @classmethod
    def starting_on(cls, day: date) -> Clock:
        """A clock that reads ``day`` now (at the current time of day) and runs on from there."""
        real = datetime.now()
        return cls(datetime.combine(day, real.time()) - real)


SYSTEM = Clock()
_current = SYSTEM


def current() -> Clock:
    return _current


def set_clock(clock: Clock) -> Clock:
    """Install ``clock`` as the program's clock; returns the one it replaces."""
    global _current
    previous, _current = _current, clock
    return previous


def today() -> date:
    return _current.today()


def now() -> datetime:
    return _current.now()


def utcnow() -> datetime:
    return _current.utcnow()
