"""The one background runner: every database and file job of the GUI runs on ONE worker thread.

``runner.submit(fn, *args, on_done=..., on_error=..., progress=False)`` queues ``fn(*args)``
on the single worker (so SQLite never sees two GUI writers at once) and delivers the result
back on the GUI thread through a queued signal connected to a slot. Errors go to ``on_error``
(or, by default, to :func:`spm_desktop.ui.errors.show_error`: the Indonesian message for a
``DomainError``, a general sentence for anything else; the traceback goes to the log file).

With ``progress=True`` the job gets a keyword argument ``progress``: a plain callable
``progress(done, total, message="") -> bool`` the core calls as it goes; it returns False once
the user pressed "Batal", and the core stops where the operation allows. A progress dialog is
shown while such a job runs.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from spm_desktop.core.domain.errors import DomainError

log = logging.getLogger(__name__)


@dataclass
class Job:
    """A submitted piece of work; ``cancel()`` asks a progress-reporting job to stop."""

    id: int
    name: str
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    parent: QWidget | None
    cancelled: threading.Event = field(default_factory=threading.Event)
    dialog: QProgressDialog | None = None
    # (fn, args, kwargs), held here on the GUI thread until the result is delivered, so the
    # last reference to anything they hold (a page's bound method, a widget) is dropped on
    # the GUI thread, never on the worker (a Qt object freed on another thread crashes).
    call: tuple[Callable[..., Any], tuple, dict] | None = None

    def cancel(self) -> None:
        self.cancelled.set()


class Runner(QObject):
    """Single-worker executor whose results come back on the GUI thread."""

    _finished = Signal(int, object)  # job id, [result, error] (emptied on the GUI thread)
    _progressed = Signal(int, int, int, str)  # job id, done, total, message
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spm-db")
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._progressed.connect(self._show_progress, Qt.ConnectionType.QueuedConnection)

    @property
    def pending(self) -> int:
        """Jobs submitted whose result has not been delivered yet."""
        return len(self._jobs)

    def submit(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None, progress: bool = False,
               parent: QWidget | None = None, label: str = "Sedang memproses…", **kwargs: Any) -> Job:
        """Queue ``fn(*args, **kwargs)`` on the worker thread (GUI thread only)."""
        job = Job(next(self._ids), getattr(fn, "__name__", "job"), on_done, on_error, parent)
        self._jobs[job.id] = job
        if progress:
            kwargs["progress"] = self._progress_callback(job)
            job.dialog = self._progress_dialog(job, parent, label)
        if len(self._jobs) == 1:
            self.busy_changed.emit(True)
        job.call = (fn, args, kwargs)
        # The worker gets the call in a list it empties, and never the Job (which holds the
        # callbacks and the parent widget): see Job.call.
        self._executor.submit(self._work, job.id, job.name, [job.call])
        return job

    def _work(self, job_id: int, name: str, parcel: list) -> None:
        # Worker thread: only plain data leaves this function, and no reference the GUI may
        # hold last is released here: the locals go before the result is signalled.
        fn, args, kwargs = parcel.pop()
        outcome: list = []  # [result, error]; the GUI thread takes them out
        try:
            outcome.extend((fn(*args, **kwargs), None))
        except DomainError as exc:
            # The message may quote a NIK or a name: the log keeps ids and kinds only.
            log.info("job %s refused: %s (field %s)", name, type(exc).__name__, exc.field or "-")
            outcome.extend((None, exc))  # an error's traceback holds the job's frames
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the GUI
            log.exception("job %s failed", name)
            outcome.extend((None, exc))
        del fn, args, kwargs
        self._finished.emit(job_id, outcome)

    def _progress_callback(self, job: Job) -> Callable[..., bool]:
        def report(done: int, total: int, message: str = "") -> bool:
            self._progressed.emit(job.id, int(done), int(total), str(message))
            return not job.cancelled.is_set()

        return report

    def _progress_dialog(self, job: Job, parent: QWidget | None, label: str) -> QProgressDialog:
        dialog = QProgressDialog(label, "Batal", 0, 0, parent)
        dialog.setWindowTitle("Mohon tunggu")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(job.cancel)
        return dialog

    @Slot(int, int, int, str)
    def _show_progress(self, job_id: int, done: int, total: int, message: str) -> None:
        job = self._jobs.get(job_id)
        if job is None or job.dialog is None:
            return
        job.dialog.setMaximum(max(total, 0))
        job.dialog.setValue(min(done, total) if total > 0 else 0)
        if message:
            job.dialog.setLabelText(message)

    @Slot(int, object)
    def _deliver(self, job_id: int, outcome: list) -> None:
        result, error = outcome
        outcome.clear()  # the worker may still hold the list: it must not hold what was in it
        job = self._jobs.pop(job_id, None)
        if not self._jobs:
            self.busy_changed.emit(False)
        if job is None:
            return
        job.call = None  # released here, on the GUI thread
        if job.dialog is not None:
            job.dialog.close()
            job.dialog.deleteLater()
        try:
            if error is None:
                if job.on_done is not None:
                    job.on_done(result)
            elif job.on_error is not None:
                job.on_error(error)
            else:
                from spm_desktop.ui.errors import show_error

                show_error(job.parent, error)
        except RuntimeError as exc:
            # The widget that asked was closed meanwhile: nothing left to show the result in.
            if "already deleted" not in str(exc):
                raise
            log.info("result of job %s dropped: its window is gone", job.name)

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until the worker has run everything queued so far (tests, shutdown)."""
        self._executor.submit(lambda: None).result(timeout=timeout)

    def shutdown(self) -> None:
        for job in self._jobs.values():
            job.cancel()
        self._executor.shutdown(wait=True, cancel_futures=True)


def run_and_wait(runner: Runner, fn: Callable[..., Any], *args: Any, parent: QWidget | None = None,
                 label: str | None = None) -> Any:
    """Run ``fn(*args)`` on ``runner`` and wait for it in a local event loop (the windows keep
    painting; nothing polls): return its result or raise its error. With ``label`` a busy dialog
    shows while it runs. For the few jobs that must finish before the GUI may go on (the lists
    a window is built from, a restore)."""
    outcome: dict[str, Any] = {}
    loop = QEventLoop()

    def done(value: Any) -> None:
        outcome["value"] = value
        loop.quit()

    def failed(error: BaseException) -> None:
        outcome["error"] = error
        loop.quit()

    dialog = None
    if label is not None:
        dialog = QProgressDialog(label, "", 0, 0, parent)
        dialog.setCancelButton(None)
        dialog.setWindowTitle("Mohon tunggu")
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.setMinimumDuration(500)
        dialog.setValue(0)
    runner.submit(fn, *args, on_done=done, on_error=failed, parent=parent)
    if not outcome:  # delivered through the event loop only, so never before exec()
        loop.exec()
    if dialog is not None:
        dialog.close()
        dialog.deleteLater()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
