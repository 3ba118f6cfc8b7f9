"""The core never imports Qt: import every core module in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import spm_desktop.core


def test_core_modules_do_not_load_pyside6():
    names = [m.name for m in pkgutil.walk_packages(spm_desktop.core.__path__, "spm_desktop.core.")]
    assert len(names) > 10
    code = (
        "import importlib, sys\n"
        f"for n in {names!r}: importlib.import_module(n)\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
