"""One date formatter (issue 22 item 5): ``core/domain/dates.py`` writes every date and time a
user reads; no other module formats ``dd/mm/yyyy`` by hand."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import spm_desktop
from spm_desktop.core.domain.dates import date_time, long_date, short_date
from spm_desktop.core.reports import formatting as fmt

ROOT = Path(spm_desktop.__file__).parent
HAND_WRITTEN = re.compile(r"""strftime\(\s*["']%d/%m/%Y|:%d/%m/%Y""")


def test_short_date_time_and_long_date():
    assert short_date(date(2026, 3, 1)) == "01/03/2026"
    assert short_date(datetime(2026, 12, 31, 23, 59)) == "31/12/2026"
    assert short_date(None) == ""
    assert date_time(datetime(2026, 3, 1, 7, 5, 9)) == "01/03/2026 07:05"
    assert date_time(datetime(2026, 3, 1, 7, 5, 9), seconds=True) == "01/03/2026 07:05:09"
    assert date_time(None) == ""
    assert long_date(date(2026, 3, 31)) == "31 Maret 2026"
    assert long_date(date(2027, 1, 5)) == "5 Januari 2027"


def test_reports_use_the_same_functions():
    assert (fmt.short_date, fmt.long_date, fmt.date_time) == (short_date, long_date, date_time)


def test_no_module_formats_a_date_by_hand():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "core/domain/dates.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HAND_WRITTEN.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert not found, "use core/domain/dates.short_date / date_time:\n" + "\n".join(found)
