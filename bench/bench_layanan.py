"""The layanan data part of the monthly recap (issue 21: ``rollup/layanan.layanan_summary``, the
``layanan_data`` key of ``recap --json``, section F of the recap PDF, Beranda) on the big demo
database, beside the full roll-up of the same window measured in the same run.

The source database is never written: it is copied (``common.copy_of``) and the copy upgraded
with the application's own migrate (``open_database``). Run with the source named, e.g.

    SPM_BENCH_DB=/path/to/spm.db .venv/bin/python bench/bench_layanan.py

and again on the copy it made and filled, measuring only (``SPM_BENCH_LAYANAN_REUSE`` = that
copy, ``bench/.data/work/layanan/spm.db``), e.g. before and after a change.

The demo data has referral events (1.06.04.2.01.0012) but no complaints, tracking rows or DTSEN
proposals; the run adds, through the services, ``COMPLAINTS`` complaints spread over 2026 (every
third answered, every fifth closed), tracking with feedback for every second referral event of
2026 and ``PROPOSALS`` DTSEN proposals, so every query of the summary reads rows.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from common import big_demo_db, copy_of

YEAR, MONTH = 2026, 10
COMPLAINTS, PROPOSALS, REPEAT = 3_000, 500, 9


def _timed(fn, repeat: int = REPEAT) -> tuple[float, float]:
    """(median wall s, median process CPU s)."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def _fill(db) -> dict[str, int]:
    from sqlalchemy import select

    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.domain.layanan import REFERRAL_CODE
    from spm_desktop.core.services import complaints as cs
    from spm_desktop.core.services import dtsen
    from spm_desktop.core.services import referrals as rs
    from spm_desktop.core.storage.models import Person, Region, ServiceEvent

    with db.reading() as s:
        villages = list(s.scalars(select(Region.code).where(Region.level.in_(("kelurahan", "desa")))))
        persons = list(s.scalars(select(Person.id).where(Person.nik.is_not(None), Person.deleted_at.is_(None))
                                 .order_by(Person.id).limit(PROPOSALS)))
        events = list(s.scalars(select(ServiceEvent.id).where(
            ServiceEvent.service_code == REFERRAL_CODE, ServiceEvent.deleted_at.is_(None),
            ServiceEvent.event_date >= date(YEAR, 1, 1), ServiceEvent.event_date <= date(YEAR, MONTH, 31))
            .order_by(ServiceEvent.id)))
    first = date(YEAR, 1, 2)
    with db.transaction(SYSTEM) as s:
        for i in range(COMPLAINTS):
            day = first + timedelta(days=(i * 7) % 300)
            c = cs.receive_complaint_in(s, SYSTEM, cs.ComplaintInput(
                datetime(day.year, day.month, day.day, 9), "telepon", "ppks_terlantar", f"Laporan {i}",
                reporter_name=f"Pelapor {i}", kelurahan_code=villages[i % len(villages)]))
            if i % 3 == 0:
                cs.set_status_in(s, SYSTEM, c, "diverifikasi", day + timedelta(days=2), "dicek")
            if i % 15 == 0:
                cs.set_status_in(s, SYSTEM, c, "selesai", day + timedelta(days=9), "selesai")
        for j, event_id in enumerate(events[::2]):
            r = rs.track_event_in(s, SYSTEM, event_id)
            if j % 2 == 0:
                rs.set_status_in(s, SYSTEM, r, "diterima", r.referral_date + timedelta(days=5), "")
        for k, person_id in enumerate(persons):
            on = first + timedelta(days=k % 280)
            p = dtsen.propose_in(s, SYSTEM, dtsen.ProposalInput(person_id, "perubahan", on, batch=f"B{k // 50}"))
            if k % 2 == 0:
                dtsen.set_status_in(s, SYSTEM, p, "diverifikasi", p.proposed_on + timedelta(days=3))
    return {"complaints": COMPLAINTS, "tracked referrals": len(events[::2]), "referral events": len(events),
            "proposals": len(persons)}


def main() -> int:
    from spm_desktop.core.rollup import Period, compute_rollup
    from spm_desktop.core.rollup.layanan import layanan_summary
    from spm_desktop.core.services.settings import load_settings
    from spm_desktop.core.storage.open import open_database

    reuse = Path(os.environ.get("SPM_BENCH_LAYANAN_REUSE", ""))
    if reuse.is_file():  # the copy a previous run made and filled: measure only (before/after a change)
        db = open_database(f"sqlite:///{reuse}")
        print(f"reusing {reuse}")
    else:
        source = Path(os.environ.get("SPM_BENCH_DB") or big_demo_db())  # built once when not named
        t0 = time.perf_counter()
        copy = copy_of(source, "layanan")
        t1 = time.perf_counter()
        db = open_database(f"sqlite:///{copy}")  # the app's migrate: upgrades the copy to head
        t2 = time.perf_counter()
        added = _fill(db)
        t3 = time.perf_counter()
        print(f"copy {t1 - t0:.1f} s, migrate+open {t2 - t1:.1f} s, layanan rows added {t3 - t2:.1f} s: {added}")
    load = os.getloadavg()
    for months in (MONTH,):
        period = Period.for_month(YEAR, months)
        with db.reading() as s:
            settings = load_settings(s)

        def summary(period=period, settings=settings):
            with db.reading() as s:
                return layanan_summary(s, period, settings)

        def full(period=period):
            compute_rollup(db, period, ("kecamatan",)).to_json()

        result = summary()
        summary_wall, summary_cpu = _timed(summary)
        full_wall, full_cpu = _timed(full, 5)
        print(f"{period.start}..{period.end}: layanan_summary median {summary_wall * 1000:.1f} ms "
              f"(CPU {summary_cpu * 1000:.1f} ms); full roll-up median {full_wall * 1000:.0f} ms "
              f"(CPU {full_cpu * 1000:.0f} ms); share {summary_wall / full_wall:.1%}")
        print(f"  figures: received {result.complaints_received}, closed {result.complaints_closed}, "
              f"overdue {result.complaints_overdue}, sent {result.referrals_sent}, waiting {result.referrals_waiting}, "
              f"dtsen {result.dtsen_by_status}")
    print(f"load average at the end: {load[0]:.1f} / {os.getloadavg()[0]:.1f} (1 min), cores {os.cpu_count()}")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
