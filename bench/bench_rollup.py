"""The full monthly roll-up (everything in the recap JSON + the kecamatan breakdown) and the
recap PDF on the 100k-person / 1M-event demo database (architecture §8; issue 4).

Budget of the roll-up: median < 1 s AND ≤ 1.5 × the raw baseline measured in the same run,
``SELECT service_code, COUNT(DISTINCT person_id) FROM service_event WHERE event_date
BETWEEN start AND end GROUP BY service_code`` over the same window. The demo file is
copied first (never written to).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from common import DATA, BenchCase, median_seconds

DEMO = Path(os.environ.get("SPM_ROLLUP_BENCH_DB", "/work/benchdata/demo_100k.db"))
YEAR, MONTH = 2026, 10  # the last full month of the demo data (Jan–Oct window)
REPEAT = 7
_state: dict = {}


def _copy() -> Path:
    if "path" in _state:
        return _state["path"]
    source = DEMO
    if not source.exists():
        from common import big_demo_db

        source = big_demo_db()
    target = DATA / "work" / "rollup" / "spm.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        shutil.copyfile(source, target)
    _current_indexes(target)
    _state["path"] = target
    return target


def _current_indexes(path: Path) -> None:
    """Bring the copy's roll-up indexes to the current model definition (the shared demo file
    may predate the covering indexes of 0001)."""
    import sqlite3

    from spm_desktop.core.storage.models import CaseNeed, ServiceEvent

    con = sqlite3.connect(path)
    try:
        for table in (ServiceEvent.__table__, CaseNeed.__table__):
            for index in table.indexes:
                have = [r[2] for r in con.execute(f"PRAGMA index_info({index.name})")]
                want = [c.name for c in index.columns]
                if have != want:
                    con.execute(f"DROP INDEX IF EXISTS {index.name}")
                    con.execute(f"CREATE INDEX {index.name} ON {table.name} ({', '.join(want)})")
        con.commit()
    finally:
        con.close()


def _open():
    if "db" not in _state:
        from spm_desktop.core.storage.open import open_database

        _state["db"] = open_database(f"sqlite:///{_copy()}")
    return _state["db"]


def _period():
    from spm_desktop.core.rollup import Period

    return Period.for_month(YEAR, MONTH)


def baseline(db) -> None:
    from sqlalchemy import text

    p = _period()
    with db.reading() as s:
        s.execute(text("SELECT service_code, COUNT(DISTINCT person_id) FROM service_event "
                       "WHERE event_date BETWEEN :a AND :b GROUP BY service_code"),
                  {"a": p.start.isoformat(), "b": p.end.isoformat()}).all()


def full_rollup(db):
    from spm_desktop.core.rollup import compute_rollup

    result = compute_rollup(db, _period(), ("kecamatan",))
    result.to_json()
    return result


def write_pdf(state) -> None:
    from spm_desktop.core.reports.recap_pdf import write_recap_pdf

    result, settings, folder = state
    write_recap_pdf(result, settings, Path(folder) / "rekap.pdf")


def _pdf_setup():
    from spm_desktop.core.services.settings import get_settings

    db = _open()
    return full_rollup(db), get_settings(db), tempfile.mkdtemp(prefix="bench-pdf-")


def _ratio_run(db) -> None:
    """Both measured in the same run: the roll-up must stay within 1.5× the baseline."""
    base = median_seconds(lambda: baseline(db), REPEAT)
    roll = median_seconds(lambda: full_rollup(db), REPEAT)
    _state["ratio"] = (base, roll)
    if roll > 1.5 * base:
        print(f"  roll-up {roll * 1000:.0f} ms is more than 1.5 × baseline {base * 1000:.0f} ms",
              file=sys.stderr)


def cases():
    size = "100.000 orang, 1.000.000 layanan, Jan–Okt 2026"
    return [
        BenchCase("roll-up: raw baseline COUNT(DISTINCT) per service_code", size, 1.0, baseline, _open,
                  repeat=REPEAT),
        BenchCase("roll-up: full monthly (JSON + kecamatan)", size, 1.0, full_rollup, _open, repeat=REPEAT),
        BenchCase("recap PDF written", "1 bulan (hasil roll-up di atas)", 2.0, write_pdf, _pdf_setup, repeat=5),
    ]


def main() -> int:
    db = _open()
    full_rollup(db)  # warm the page cache for both
    baseline(db)
    _ratio_run(db)
    base, roll = _state["ratio"]
    print(f"baseline median {base * 1000:.1f} ms; full roll-up median {roll * 1000:.1f} ms; "
          f"ratio {roll / base:.2f} (budget ≤ 1.5 and < 1 s)")
    state = _pdf_setup()
    pdf = median_seconds(lambda: write_pdf(state), 5)
    print(f"recap PDF median {pdf * 1000:.1f} ms (budget < 2 s)")
    return 0 if roll <= 1.5 * base and roll < 1.0 and pdf < 2.0 else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
