"""Does any GUI action block the event loop on a PostgreSQL server across an office LAN?

Issue 22 item 3: every database read and write runs on the Runner's worker thread, so a slow
server makes results arrive later but never freezes the window. This script checks it the way
a clerk would feel it:

* a PostgreSQL database with demo data (``demo-data``; made once per run in a database of its
  own on the server of ``SPM_BENCH_PG_URL``, default ``SPM_TEST_DATABASE_URL``);
* a loopback TCP proxy in front of the server that holds every chunk of bytes for ``--delay-ms``
  (20 ms) in each direction, as ``tc netem delay 20ms`` on the link would (``tc`` needs
  privileges CI may not have): a round trip costs 40 ms more than on the server itself;
* the real main window (offscreen) signed in through that proxy, driven through the pages a
  clerk uses with the keyboard (every page opened, a person searched and opened, a service
  recorded on Catat Layanan, the monthly recap shown, Beranda again);
* a 5 ms heartbeat timer on the GUI thread: the longest gap between two of its ticks while an
  action runs is the longest the window was frozen by it. Every pool checkout made on the GUI
  thread after the main window showed is counted too (the test suite's guard fails on them).

Run: ``PYTHONPATH=. python bench/gui_latency.py`` (``--direct`` for the same without the
proxy, ``--persons/--events`` for the size). Exits 1 when an action blocked for more than
``--budget-ms`` (100 ms) or touched the database on the GUI thread.
"""

from __future__ import annotations

import argparse
import gc
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent
BENCH_DB = "spm_bench_latency"
ADMIN, PASSWORD = "admin", "bench-sandi-2026"


# ----- the delaying proxy -------------------------------------------------------------------


class DelayProxy:
    """A loopback TCP proxy that delivers every chunk ``delay`` seconds after it arrived, in
    order, in both directions."""

    def __init__(self, target: tuple[str, int], delay: float) -> None:
        self.target, self.delay = target, delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._pipe(client, server)
            self._pipe(server, client)

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        chunks: queue.Queue = queue.Queue()

        def read() -> None:
            while True:
                try:
                    data = src.recv(65536)
                except OSError:
                    data = b""
                chunks.put((time.monotonic() + self.delay, data))
                if not data:
                    return

        def write() -> None:
            while True:
                due, data = chunks.get()
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                try:
                    if not data:
                        dst.shutdown(socket.SHUT_WR)
                        return
                    dst.sendall(data)
                except OSError:
                    return

        threading.Thread(target=read, daemon=True).start()
        threading.Thread(target=write, daemon=True).start()

    def close(self) -> None:
        self.listener.close()


# ----- the database --------------------------------------------------------------------------


def _with_database(url: str, name: str, port: int | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if port is not None:
        creds, _, _ = netloc.rpartition("@")
        netloc = f"{creds}@127.0.0.1:{port}" if creds else f"127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, f"/{name}", parts.query, parts.fragment))


def prepare_database(server_url: str, persons: int, events: int, folder: Path) -> str:
    """A new database on the server with the schema, the first administrator and demo data,
    made with the real CLI. Returns its URL."""
    from sqlalchemy import create_engine, text

    admin_engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    admin_engine.dispose()
    url = _with_database(server_url, BENCH_DB)
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / "sandi.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    env = dict(os.environ, SPM_DATABASE_URL=url)
    base = [sys.executable, "-m", "spm_desktop", "--data-dir", str(folder)]
    subprocess.run([*base, "init", "--admin", ADMIN, "--password-file", str(secret), "--wilayah", "61.71"],
                   check=True, env=env, cwd=ROOT.parent, capture_output=True)
    subprocess.run([*base, "--user", ADMIN, "--password-file", str(secret), "demo-data", "--persons",
                    str(persons), "--events", str(events), "--seed", "2026"],
                   check=True, env=env, cwd=ROOT.parent, capture_output=True)
    return url


# ----- the heartbeat and the driver -----------------------------------------------------------


class Heartbeat:
    """A 5 ms timer on the GUI thread; the gaps between its ticks, per action."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.label = "start"
        self.worst: dict[str, float] = {}
        self.cpu: dict[str, float] = {}  # the GUI thread's CPU time during each action
        self.other_cpu: dict[str, float] = {}  # the other threads' (the runner's, the proxy's)
        self.jobs: dict[str, list[str]] = {}  # the runner jobs each action submitted
        self.gc_worst: dict[str, tuple[float, int, str]] = {}  # longest collection: s, generation, thread
        self._gc_start = 0.0
        gc.callbacks.append(self._gc)
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.worst_cpu: dict[str, float] = {}  # the GUI thread's CPU time within the longest gap
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _gc(self, phase: str, info: dict) -> None:
        """A garbage collection holds the GIL whichever thread runs it: the longest per action."""
        if phase == "start":
            self._gc_start = time.perf_counter()
            return
        took = time.perf_counter() - self._gc_start
        if took > self.gc_worst.get(self.label, (0.0,))[0]:
            self.gc_worst[self.label] = (took, info["generation"], threading.current_thread().name)

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        gap, self.last = now - self.last, now
        gap_cpu, self.last_cpu = cpu - self.last_cpu, cpu
        if gap > self.worst.get(self.label, 0.0):
            self.worst[self.label] = gap
            self.worst_cpu[self.label] = gap_cpu


class DialogCloser:
    """A modal dialog a step opened (a question, a warning) is noted and closed with Escape ("Tetap
    simpan?" answered yes), so the run goes on; its time is not a freeze (the dialog runs its own
    event loop)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.seen: list[str] = []
        self.timer = QTimer()
        self.timer.setInterval(200)
        self.timer.timeout.connect(self._close)
        self.timer.start()

    def _close(self) -> None:
        from PySide6.QtWidgets import QApplication, QMessageBox

        modal = QApplication.activeModalWidget()
        if modal is None:
            return
        text = modal.text() if isinstance(modal, QMessageBox) else ""
        self.seen.append(f"{modal.windowTitle()}: {text}".strip())
        if text.endswith("Tetap simpan?"):  # the same meal again on a re-used database: a clerk saves
            modal.button(QMessageBox.StandardButton.Yes).click()
        else:
            modal.reject()


def settle(runner, quiet: float = 0.4, timeout: float = 60.0) -> None:
    """Run the event loop until the runner has nothing pending for ``quiet`` seconds."""
    from PySide6.QtTest import QTest

    started = idle_since = time.monotonic()
    while time.monotonic() - started < timeout:
        QTest.qWait(10)
        if runner.pending:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= quiet:
            return
    raise TimeoutError("the runner did not become idle")


def keep_active(window) -> None:
    """The main window has the keyboard (offscreen, a closed popup can leave no window active)."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    if QApplication.activeWindow() is None:
        window.activateWindow()
        for _ in range(100):
            if QApplication.activeWindow() is not None:
                return
            QTest.qWait(10)


def press(*keys) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    widget = QApplication.focusWidget() or QApplication.activeWindow()
    if len(keys) == 1 and isinstance(keys[0], str):
        QTest.keyClicks(widget, keys[0])
    else:
        QTest.keyClick(widget, keys[0], keys[1] if len(keys) > 1 else Qt.KeyboardModifier.NoModifier)


def actions(window, ctx, name_prefix: str) -> list[tuple[str, Callable[[], None]]]:
    """What a clerk does in a morning, as (label, what the keyboard/mouse does) steps."""
    from PySide6.QtCore import Qt

    from spm_desktop.ui.main_window import available_pages

    steps: list[tuple[str, Callable[[], None]]] = []
    for entry in available_pages(ctx):
        steps.append((f"buka halaman {entry.name}", lambda n=entry.name: window.show_page(n)))
    steps.append(("Penerima Layanan: Ctrl+2", lambda: press(Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)))
    steps.append(("Penerima Layanan: Ctrl+F", lambda: press(Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)))
    for i in range(1, len(name_prefix) + 1):
        steps.append((f"Penerima Layanan: ketik '{name_prefix[:i]}'", lambda c=name_prefix[i - 1]: press(c)))
    steps.append(("Penerima Layanan: ↓ ke hasil", lambda: press(Qt.Key.Key_Down)))
    steps.append(("Penerima Layanan: Enter (buka orang)", lambda: press(Qt.Key.Key_Return)))
    steps.append(("Catat Layanan: Ctrl+4", lambda: press(Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)))
    steps.append(("Catat Layanan: Ctrl+F", lambda: press(Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)))
    steps.append((f"Catat Layanan: ketik '{name_prefix}'", lambda: press(name_prefix)))
    steps.append(("Catat Layanan: ↓", lambda: press(Qt.Key.Key_Down)))
    steps.append(("Catat Layanan: Enter (pilih orang)", lambda: press(Qt.Key.Key_Return)))
    steps.append(("Catat Layanan: Enter (simpan)", lambda: press(Qt.Key.Key_Return)))
    steps.append(("Rekap: buka", lambda: window.show_page("rekap")))
    steps.append(("Rekap: Tampilkan", lambda: window.page("rekap").show_button.click()))
    steps.append(("Beranda: Ctrl+1", lambda: press(Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)))
    return steps


def a_common_name(db, actor) -> str:
    from spm_desktop.core.services.person_search import list_persons

    page = list_persons(db, actor, limit=1, with_total=False)
    return page.rows[0].name.split()[0][:5].lower()


def measure(url: str, folder: Path) -> tuple[list[tuple[str, float, float]], list[str]]:
    """Sign in through ``url`` and drive the window; per step the longest freeze and the GUI
    thread's CPU time (seconds; the settling wait included, a few ms), and the GUI-thread pool
    checkouts seen after the window showed. Under load the freezes include waiting for a core
    (and for the GIL held by the runner's Python work); the CPU column does not."""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    from spm_desktop.app import build_main_window, make_application
    from spm_desktop.core.security.users import authenticate
    from spm_desktop.core.storage.open import open_database
    from spm_desktop.ui.gui_gc import GuiThreadCollector
    from spm_desktop.ui.runner import Runner

    app = make_application()
    collector = GuiThreadCollector(app)  # as app.main: cyclic collection on the GUI thread only
    db = open_database(url)
    user = authenticate(db, ADMIN, PASSWORD)
    name_prefix = a_common_name(db, user.actor())
    runner = Runner()
    window = build_main_window(db, user, runner, folder)
    window.resize(1366, 768)
    collector.settle()  # as app.main does before the window shows
    window.show()
    window.activateWindow()
    gui_thread, seen = threading.current_thread(), []

    def checkout(dbapi_connection, record, proxy) -> None:
        if threading.current_thread() is gui_thread:
            seen.append(heartbeat.label)

    heartbeat = Heartbeat()
    submit = runner.submit

    def noted_submit(fn, *args, **kwargs):
        heartbeat.jobs.setdefault(heartbeat.label, []).append(getattr(fn, "__name__", "job"))
        return submit(fn, *args, **kwargs)

    runner.submit = noted_submit
    dialogs = DialogCloser()
    settle(runner)
    event.listen(Pool, "checkout", checkout)
    try:
        for label, step in actions(window, window.ctx, name_prefix):
            keep_active(window)
            heartbeat.label = label
            heartbeat.last, heartbeat.last_cpu = time.perf_counter(), time.thread_time()
            cpu, process_cpu = time.thread_time(), time.process_time()
            heartbeat.jobs[label] = []
            step()
            settle(runner)
            heartbeat.cpu[label] = time.thread_time() - cpu
            heartbeat.other_cpu[label] = time.process_time() - process_cpu - heartbeat.cpu[label]
        done = {"orang ditemukan": window.page("penerima").model.rowCount() > 0,
                "layanan tersimpan": window.page("catat_layanan").recent.rowCount() > 0,
                "rekap tampil": window.page("rekap").result is not None}
        print("what the run did: " + ", ".join(f"{k}: {'ya' if v else 'TIDAK'}" for k, v in done.items()))
    finally:
        event.remove(Pool, "checkout", checkout)
        heartbeat.timer.stop()
        window.close()
        dialogs.timer.stop()
        for line in dialogs.seen:
            print(f"dialog closed by the bench: {line}")
        runner.shutdown()
        db.dispose()
        collector.stop()
        print(f"objects the collector tracks at the end: {len(gc.get_objects()):,}; "
              f"frozen: {gc.get_freeze_count():,}")
    del app
    return [(label, gap, heartbeat.worst_cpu.get(label, 0.0), heartbeat.cpu.get(label, 0.0),
             heartbeat.other_cpu.get(label, 0.0), heartbeat.jobs.get(label, []),
             heartbeat.gc_worst.get(label, (0.0, 0, "")))
            for label, gap in sorted(heartbeat.worst.items(), key=lambda kv: -kv[1])], seen


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay-ms", type=float, default=20.0)
    parser.add_argument("--direct", action="store_true", help="no proxy: the server itself")
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--budget-ms", type=float, default=100.0)
    parser.add_argument("--reuse", action="store_true", help="keep the database of the previous run")
    args = parser.parse_args(argv)
    server = os.environ.get("SPM_BENCH_PG_URL") or os.environ.get("SPM_TEST_DATABASE_URL")
    if not server:
        print("SPM_BENCH_PG_URL (or SPM_TEST_DATABASE_URL) must name a PostgreSQL server", file=sys.stderr)
        return 2
    folder = ROOT / ".data" / "work" / "gui-latency"
    url = _with_database(server, BENCH_DB)
    if not args.reuse:
        t0 = time.perf_counter()
        url = prepare_database(server, args.persons, args.events, folder)
        print(f"database {BENCH_DB}: {args.persons} persons, {args.events} events "
              f"({time.perf_counter() - t0:.0f} s to make)")
    proxy = None
    if not args.direct:
        parts = urlsplit(url)
        proxy = DelayProxy((parts.hostname or "localhost", parts.port or 5432), args.delay_ms / 1000)
        url = _with_database(url, BENCH_DB, proxy.port)
    load = os.getloadavg()[0]
    worst, seen = measure(url, folder)
    print(f"{'proxy ' + str(args.delay_ms) + ' ms each way' if proxy else 'direct'}; "
          f"load {load:.1f}–{os.getloadavg()[0]:.1f}")
    print("| action | longest freeze | GUI-thread CPU in it | GUI-thread CPU | other threads' CPU | runner jobs "
          "| longest collection |\n|---|---|---|---|---|---|---|")
    for label, gap, gap_cpu, cpu, other, jobs, gc_pause in worst:
        ms = [f"{x * 1000:.0f} ms" for x in (gap, gap_cpu, cpu, other, gc_pause[0])]
        print(f"| {label} | {' | '.join(ms[:4])} | {', '.join(jobs)} | {ms[4]} gen {gc_pause[1]} {gc_pause[2]} |")
    print(f"GUI-thread database checkouts after the window showed: {len(seen)}"
          + (f" (first during: {seen[0]})" if seen else ""))
    over = [label for label, gap, *_ in worst if gap * 1000 > args.budget_ms]
    if over:
        print(f"over {args.budget_ms:.0f} ms: " + "; ".join(over))
    if proxy:
        proxy.close()
    return 1 if over or seen else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
