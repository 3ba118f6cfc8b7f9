"""``SPM_TEST_TODAY=YYYY-MM-DD``: the suite's day (issue 22 item 6), read only by the tests.

``tests/conftest.py`` installs it in the test process; the helper processes the tests start
run through ``python -m tests.fixed_clock <module> args…`` (the CLI: ``tests.fixed_clock
spm_desktop …``) or call :func:`install_from_env` first, so a package written "today" by the
test is not from the future for its child. The program itself never reads the variable.
"""

from __future__ import annotations

import os
import runpy
import sys
from datetime import date


def install_from_env() -> None:
    fixed = os.environ.get("SPM_TEST_TODAY")
    if fixed:
        from spm_desktop.core.clock import Clock, set_clock

        set_clock(Clock.starting_on(date.fromisoformat(fixed)))


if __name__ == "__main__":
    install_from_env()
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
