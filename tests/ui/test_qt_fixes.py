"""The PySide6 work-arounds hold: a long GUI session of void Qt calls and signal emits ends
normally (without them CPython 3.11 aborts with none_dealloc / bool_dealloc)."""

from __future__ import annotations

import os
import subprocess
import sys

SESSION = """
import spm_desktop.ui
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel
class Sender(QObject):
    fired = Signal()
app = QApplication([])
label, sender = QLabel(), Sender()
for _ in range(100_000):
    label.setText("x")
    label.setEnabled(True)
    sender.fired.emit()
print("selesai")
"""


def test_long_session_of_qt_calls_ends_normally():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", SESSION], env=env, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "selesai"), done.stderr[-2000:]
