"""Work-arounds for defects of the installed Qt for Python, applied once when ``spm_desktop.ui``
is imported. Each is probed first and only applied where the defect shows.

PySide6 6.12.0 on CPython 3.11: ``SignalInstance.emit()`` returns ``True`` without taking a
reference to it. Every emit from Python then drops one reference to the ``True`` singleton,
and after a few thousand emits the interpreter aborts ("bool_dealloc: deallocating True or
False"). (CPython 3.12+ makes ``True`` immortal, which hides the defect.) The fix wraps
``emit`` so the returned object gets the reference it should have had.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal, SignalInstance

log = logging.getLogger(__name__)
PROBE_EMITS = 8

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


class _Probe(QObject):
    fired = Signal()


def emit_loses_reference() -> bool:
    """True when emitting a signal from Python drops a reference to the returned object."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(PROBE_EMITS):
        probe.fired.emit()
    lost = before - sys.getrefcount(True)
    if lost > 0:
        for _ in range(lost):  # give back what the probe took
            _incref(True)
    return lost >= PROBE_EMITS


def _patch_emit() -> None:
    original = SignalInstance.emit

    def emit(self, *args):
        result = original(self, *args)
        _incref(result)
        return result

    emit.__doc__ = original.__doc__
    emit._spm_fixed = True  # type: ignore[attr-defined]
    SignalInstance.emit = emit


def apply() -> None:
    if getattr(SignalInstance.emit, "_spm_fixed", False):
        return
    if emit_loses_reference():
        _patch_emit()
        log.info("applied the PySide6 Signal.emit reference fix")


apply()
