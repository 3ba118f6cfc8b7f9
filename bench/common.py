"""Shared benchmark plumbing: the case type, timing, and the big demo database."""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
DATA = ROOT / ".data"
BIG_PERSONS, BIG_EVENTS, BIG_SEED, BIG_UNTIL = 100_000, 1_000_000, 2026, "2026-11-28"


@dataclass
class BenchCase:
    name: str
    size: str
    budget_s: float
    run: Callable[[Any], Any]
    setup: Callable[[], Any] = lambda: None
    repeat: int = 5
    # Run after each timed run, untimed but measured apart (the office import's WAL
    # checkpoint, which runs on a thread of its own after the import has returned).
    after: Callable[[Any], Any] | None = None


def median_seconds(fn: Callable[[], Any], repeat: int) -> float:
    return measure(fn, repeat).wall


@dataclass(frozen=True)
class Timing:
    """Each run's wall time and this process's CPU time (``time.process_time``: comparable
    when other work shares the cores), and the 1-minute load average before and after."""

    walls: tuple[float, ...]
    cpus: tuple[float, ...]
    load: tuple[float, float]
    after_walls: tuple[float, ...] = ()
    after_cpus: tuple[float, ...] = ()

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)


def measure(fn: Callable[[], Any], repeat: int, after: Callable[[], Any] | None = None) -> Timing:
    walls, cpus, after_walls, after_cpus = [], [], [], []
    load = os.getloadavg()[0]
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        if after is not None:
            t0, c0 = time.perf_counter(), time.process_time()
            after()
            after_walls.append(time.perf_counter() - t0)
            after_cpus.append(time.process_time() - c0)
    return Timing(tuple(walls), tuple(cpus), (load, os.getloadavg()[0]), tuple(after_walls), tuple(after_cpus))


def big_demo_db() -> Path:
    """Path of the 100k/1M demo database (built once with the real CLI, then reused read-only;
    built again when the migrations changed since, so its indexes are always the current ones).

    ``SPM_BENCH_DB`` may point at an existing copy (it must have the current schema).
    """
    override = os.environ.get("SPM_BENCH_DB")
    if override:
        unlock_bench(Path(override))
        return Path(override)
    folder = DATA / "big"
    path = folder / "spm.db"
    stamp = folder / "schema.sha256"
    schema = _schema_fingerprint()
    if path.exists() and (not stamp.exists() or stamp.read_text() != schema):
        shutil.rmtree(folder)
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        run_cli(folder, "demo-data", "--persons", str(BIG_PERSONS), "--events", str(BIG_EVENTS), "--seed",
                str(BIG_SEED), "--until", BIG_UNTIL)
        unlock_bench(path)
        con = connect_file(path)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        stamp.write_text(schema)
    unlock_bench(path)
    return path


def unlock_bench(path: Path) -> bytes | None:
    """An encrypted bench database (``spm.keys`` beside it, made by ``init``): unwrap its key
    with the bench administrator's password in this process, as a login would (engines and
    connections of the file then use SQLCipher). None for a plain file."""
    from spm_desktop.core.security import vault
    from spm_desktop.core.storage.engine import key_for_file

    if not vault.is_encrypted(Path(path)):
        return None
    return key_for_file(path) or vault.unlock(Path(path), BENCH_ADMIN, BENCH_PASSWORD).db_key


BENCH_ADMIN, BENCH_PASSWORD = "admin", "bench-sandi-2026"


def run_cli(folder: Path, *args: str, capture: bool = False) -> None:
    """``spm-desktop --data-dir FOLDER ARGS`` as the bench administrator (created with ``init``
    first when the folder has no database yet): every command but init needs a user."""
    folder.mkdir(parents=True, exist_ok=True)
    password = folder.parent / f".{folder.name}-sandi.txt"
    password.write_text(BENCH_PASSWORD + "\n", encoding="utf-8")
    base = [sys.executable, "-m", "spm_desktop", "--data-dir", str(folder)]
    if not (folder / "spm.db").exists():
        subprocess.run([*base, "init", "--admin", BENCH_ADMIN, "--password-file", str(password), "--wilayah", "61.71"],
                       check=True, capture_output=capture, cwd=ROOT.parent)  # this checkout's code
    subprocess.run([*base, "--user", BENCH_ADMIN, "--password-file", str(password), *args], check=True,
                   capture_output=capture, cwd=ROOT.parent)


def _schema_fingerprint() -> str:
    """The migrations and the cipher profile ``init`` writes (decision 0010): a bench file made
    with other indexes or another page layout is built again."""
    from spm_desktop.core.storage.engine import CURRENT_PROFILE

    digest = hashlib.sha256()
    for f in sorted((ROOT.parent / "migrations" / "versions").glob("*.py")):
        digest.update(f.read_bytes())
    digest.update(repr(CURRENT_PROFILE).encode())
    return digest.hexdigest()


def copy_of(path: Path, name: str) -> Path:
    """A private writable copy of a database file for a benchmark that writes, in a folder
    of its own emptied first (earlier runs left up to 30 pre-import backups of 1 GB there),
    flushed to disk before the benchmark runs, as a real office database would be. Both
    matter: the office sync import took 13.9 s onto an old copy with the kernel still
    writing it back, 9.8–10.1 s onto an old copy flushed, 7.6 s into a new folder."""
    target = DATA / "work" / name / path.name
    shutil.rmtree(target.parent, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    key = unlock_bench(path)
    if key is not None:  # an encrypted source: the copy carries the same key and spm.keys
        from spm_desktop.core.storage.db_keys import keys_path_for
        from spm_desktop.core.storage.engine import register_key

        shutil.copyfile(keys_path_for(path), keys_path_for(target))
        register_key(target, key)
    os.sync()
    return target


def connect_file(path: Path):
    from spm_desktop.core.storage.engine import connect_file as connect

    return connect(path)
