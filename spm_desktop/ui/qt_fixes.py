"""Work-arounds for defects of the installed Qt for Python, applied once when ``spm_desktop.ui``
is imported. Each is probed first and only applied where the defect shows.

PySide6 6.12.0 on CPython 3.11: ``SignalInstance.emit()`` returns ``True`` without taking a
reference to it. Every emit from Python then drops one reference to the ``True`` singleton,
and after a few thousand emits the interpreter aborts ("bool_dealloc: deallocating True or
False"). (CPython 3.12+ makes ``True`` immortal, which hides the defect.) The fix wraps
``emit`` so the returned object gets the reference it should have had.

Same versions: every Qt method returning ``void`` called from Python (``QLabel.setText``,
``QWidget.setEnabled``, ...) drops one reference to ``None`` — a GUI session aborts
("none_dealloc: deallocating None") after some 50,000 such calls. No wrapper can cover every
method, so the fix gives ``None``, ``True`` and ``False`` a reserve of references large enough
never to run out, which is what CPython 3.12+ does by making them immortal.
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


SINGLETON_RESERVE = 1 << 40


def void_call_loses_none() -> bool:
    """True when calling a void Qt method from Python drops a reference to ``None``."""
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(PROBE_EMITS):
        probe.setObjectName("probe")
    lost = before - sys.getrefcount(None)
    for _ in range(max(lost, 0)):
        _incref(None)
    return lost >= PROBE_EMITS


def _pin_singletons() -> None:
    # CPython 3.11 keeps the reference count in the first field of every object.
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += SINGLETON_RESERVE


_pinned = False


def apply() -> None:
    global _pinned
    if not _pinned and void_call_loses_none():
        _pin_singletons()
        _pinned = True
        log.info("applied the PySide6 void-call None reference fix")
    if getattr(SignalInstance.emit, "_spm_fixed", False):
        return
    if emit_loses_reference():
        _patch_emit()
        log.info("applied the PySide6 Signal.emit reference fix")


apply()
