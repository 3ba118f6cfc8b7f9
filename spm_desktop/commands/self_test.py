"""``spm-desktop --self-test`` (a flag of the top-level parser, not a subcommand): runs
:func:`spm_desktop.selftest.run_self_test` and prints its Indonesian report.

Exit code 0 when every check passed, 1 otherwise. Needs no display and never touches the
user's data folder or ``SPM_DATABASE_URL``.
"""

from __future__ import annotations

import sys

from spm_desktop import __version__


def run_self_test_command() -> int:
    from spm_desktop.selftest import run_self_test

    print(f"Uji mandiri SPM Desktop {__version__} (Python {sys.version.split()[0]}, {sys.platform})", flush=True)
    report = run_self_test(progress=lambda line: print(line, flush=True))
    print(report.lines()[-1], flush=True)
    return 0 if report.ok else 1
