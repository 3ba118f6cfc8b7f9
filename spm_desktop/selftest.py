"""``spm-desktop --self-test``: a built bundle proves itself on a machine without a display.

Not part of ``core``: it also checks that Qt loads (offscreen), which core must never do.

In a temporary data folder (never the user's data, never ``SPM_DATABASE_URL``): migrate a
new SQLite database to head, seed it, load a little demo data, compute a recap, write the
recap PDF and the e-SPM workbook, and check both files. Each step gives one line of an
Indonesian report; the run passes when every step passed.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# A fixed period keeps the run deterministic: demo data up to the end of June 2026 (the
# seeded Renstra targets start in 2026), recap of June, workbook of the second quarter.
SELF_TEST_YEAR, SELF_TEST_MONTH, SELF_TEST_QUARTER = 2026, 6, 2
DEMO_PERSONS, DEMO_EVENTS, DEMO_SEED = 80, 600, 20260630


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class SelfTestReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def lines(self) -> list[str]:
        out = []
        for c in self.checks:
            mark = "OK   " if c.ok else "GAGAL"
            seconds = f"{c.seconds:.1f}".replace(".", ",")
            out.append(f"[{mark}] {c.name}: {c.detail} ({seconds} dtk)")
        verdict = "BERHASIL" if self.ok else "GAGAL"
        passed = sum(c.ok for c in self.checks)
        out.append(f"Uji mandiri {verdict}: {passed} dari {len(self.checks)} pemeriksaan lulus.")
        return out


class _Failed(Exception):
    """A check found something wrong (the message is the Indonesian detail)."""


def pdf_page_count(data: bytes) -> int:
    """Page objects in a PDF (``/Type /Page``, not ``/Pages``); ReportLab writes them uncompressed."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def workbook_numbers(path: Path) -> tuple[list[str], list[float]]:
    """Sheet names and every numeric cell value of an .xlsx file (read back with openpyxl)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=False, read_only=True)
    try:
        numbers: list[float] = []
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                numbers.extend(float(v) for v in row if isinstance(v, int | float) and not isinstance(v, bool))
        return list(wb.sheetnames), numbers
    finally:
        wb.close()


def run_self_test(progress: Callable[[str], None] | None = None, keep_dir: Path | None = None) -> SelfTestReport:
    """Run every step in a temporary folder (or in ``keep_dir``, left in place for inspection)."""
    say = progress or (lambda _line: None)
    report = SelfTestReport()
    with _folder(keep_dir) as folder:
        state: dict = {}
        steps = [
            ("Pustaka aplikasi", _check_libraries),
            ("Migrasi basis data", _check_migrate),
            ("Data contoh", _check_demo_data),
            ("Rekap SPM", _check_rollup),
            ("Rekap PDF", _check_pdf),
            ("Lembar kerja e-SPM", _check_workbook),
        ]
        for name, step in steps:
            started = time.perf_counter()
            try:
                detail = step(folder, state)
                check = Check(name, True, detail, time.perf_counter() - started)
            except _Failed as exc:
                check = Check(name, False, str(exc), time.perf_counter() - started)
            except Exception as exc:  # a self-test reports every failure instead of crashing
                check = Check(name, False, f"{type(exc).__name__}: {exc}", time.perf_counter() - started)
            report.checks.append(check)
            say(report.lines()[-2])
            if not check.ok:
                break
        db = state.get("db")
        if db is not None:
            db.dispose()
    return report


@contextmanager
def _folder(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="spm-uji-mandiri-", ignore_cleanup_errors=True) as name:
        yield Path(name)


def _check_libraries(folder: Path, state: dict) -> str:
    """The compiled parts a bundle might miss: SQLite, argon2, AES-GCM, the Qt libraries."""
    import sqlite3

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from spm_desktop.core.security.passwords import hash_password, verify_password

    if not verify_password(hash_password("Uji-Mandiri-2026"), "Uji-Mandiri-2026"):
        raise _Failed("hash kata sandi argon2 tidak dapat diverifikasi")
    key = AESGCM.generate_key(bit_length=256)
    nonce = b"\x00" * 12
    if AESGCM(key).decrypt(nonce, AESGCM(key).encrypt(nonce, b"spm", None), None) != b"spm":
        raise _Failed("enkripsi AES-GCM tidak kembali utuh")
    # Qt without a window: the offscreen platform plugin and the SVG image plugin (the
    # application icon) are the parts a frozen bundle most often misses.
    from PySide6 import QtCore, QtWidgets  # noqa: F401  (loads the widget library too)
    from PySide6.QtGui import QGuiApplication, QIcon

    from spm_desktop.core.paths import resource_path

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0] or "spm-desktop", "-platform", "offscreen"])
    state["qt_app"] = app
    if QIcon(str(resource_path("icons", "spm-desktop.svg"))).pixmap(64, 64).isNull():
        raise _Failed("ikon SVG tidak dapat digambar (plugin gambar Qt tidak ada)")
    return f"SQLite {sqlite3.sqlite_version}, argon2, AES-GCM, Qt {QtCore.qVersion()} ({app.platformName()})"


def _check_migrate(folder: Path, state: dict) -> str:
    from sqlalchemy import func, select

    from spm_desktop.core.security.vault import initialize
    from spm_desktop.core.storage import catalogue
    from spm_desktop.core.storage.migrate import current_revision, head_revision
    from spm_desktop.core.storage.models import Region
    from spm_desktop.core.storage.open import open_database

    # Encrypted like a real data folder: SQLCipher, Argon2id and AES-GCM must be in the bundle.
    initialize(folder / "spm.db", "ujimandiri", "Uji-Mandiri-2026")
    db = open_database(f"sqlite:///{folder / 'spm.db'}")
    state["db"] = db
    with open(folder / "spm.db", "rb") as f:
        if f.read(16) == b"SQLite format 3\x00":
            raise _Failed("berkas basis data tidak terenkripsi")
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.services.area import DEMO_AREA, AreaChoice, adopt_area

    adopt_area(db, SYSTEM, AreaChoice(DEMO_AREA))  # the shipped national region list is readable
    head = head_revision()
    current = current_revision(db.engine)
    if current != head:
        raise _Failed(f"revisi skema {current}, seharusnya {head}")
    with db.reading() as s:
        regions = s.scalar(select(func.count()).select_from(Region))
        types = len(catalogue.service_types(s, live=False))
    if not regions or not types:
        raise _Failed("data induk (wilayah, jenis layanan) tidak terisi")
    cipher = db.engine.dialect.dbapi.connect(":memory:").execute("PRAGMA cipher_version").fetchone()[0]
    return f"skema revisi {head}, {regions} wilayah, {types} jenis layanan, terenkripsi (SQLCipher {cipher})"


def _check_demo_data(folder: Path, state: dict) -> str:
    from spm_desktop.core.demo.generator import generate

    until = date(SELF_TEST_YEAR, SELF_TEST_MONTH, 30)
    result = generate(state["db"], DEMO_PERSONS, DEMO_EVENTS, seed=DEMO_SEED, until=until)
    persons = result.counts.get("person", 0)
    events = result.counts.get("service_event", 0)
    if persons < 1 or events != DEMO_EVENTS:
        raise _Failed(f"tertulis {persons} orang dan {events} layanan, seharusnya {DEMO_EVENTS} layanan")
    return f"{persons} orang, {events} catatan layanan"


def _check_rollup(folder: Path, state: dict) -> str:
    from spm_desktop.core.rollup import Period, compute_rollup

    result = compute_rollup(state["db"], Period.for_month(SELF_TEST_YEAR, SELF_TEST_MONTH))
    state["rollup"] = result
    if not result.indicators or len(result.spm) != 5:
        raise _Failed("rekap tidak memuat semua indikator dan kelima jenis pelayanan dasar")
    served = sum(i.cumulative for i in result.indicators)
    if served <= 0:
        raise _Failed("rekap menghitung nol layanan dari data contoh")
    for g in result.spm:
        if not 0 <= g.terpenuhi <= g.sasaran:
            raise _Failed(f"kelompok {g.group}: terpenuhi {g.terpenuhi} melebihi sasaran {g.sasaran}")
    sasaran = sum(g.sasaran for g in result.spm)
    return f"{result.period.label}: jumlah indikator kumulatif {served}, sasaran SPM {sasaran} orang"


def _check_pdf(folder: Path, state: dict) -> str:
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.paths import resource_path
    from spm_desktop.core.services.recap import export_recap_pdf
    from spm_desktop.core.services.settings import set_logo, update_settings

    # The application icon as letterhead logo: proves the bundle can decode a PNG (Pillow).
    set_logo(state["db"], SYSTEM, resource_path("icons", "spm-desktop.png"), folder)
    # Exports are refused without a signatory: the temporary database gets its own.
    update_settings(state["db"], SYSTEM, {"signatory.name": "Penanda Tangan Uji Mandiri",
                                          "signatory.nip": "000000000000000000"})
    result = state["rollup"]
    path = export_recap_pdf(state["db"], SYSTEM, result.period, folder / "rekap.pdf", result)
    data = path.read_bytes()
    if not data.startswith(b"%PDF"):
        raise _Failed("berkas tidak diawali %PDF")
    pages = pdf_page_count(data)
    if pages < 1:
        raise _Failed("PDF tidak memiliki halaman")
    if b"DejaVuSans" not in data:
        raise _Failed("huruf DejaVu Sans tidak tertanam di PDF")
    if not re.search(rb"/Subtype\s*/Image", data):
        raise _Failed("logo kop surat tidak ada di PDF")
    return f"{pages} halaman, {len(data) // 1024} KB, huruf dan logo tertanam"


def _check_workbook(folder: Path, state: dict) -> str:
    from spm_desktop.core.domain.actor import SYSTEM
    from spm_desktop.core.services.recap import export_espm

    path, quarter = export_espm(state["db"], SYSTEM, SELF_TEST_YEAR, SELF_TEST_QUARTER, folder / "e-spm.xlsx")
    sheets, numbers = workbook_numbers(path)
    groups = quarter.result.spm
    if len(sheets) < 1 + len(groups):
        raise _Failed(f"{len(sheets)} lembar, seharusnya ringkasan dan {len(groups)} lembar kelompok")
    present = set(numbers)
    missing = [g.group for g in groups if g.sasaran and float(g.sasaran) not in present]
    if missing:
        raise _Failed(f"angka sasaran kelompok {', '.join(missing)} tidak ada di lembar kerja")
    sasaran = sum(g.sasaran for g in groups)
    return f"{quarter.result.period.label}: {len(sheets)} lembar, sasaran {sasaran} orang tercantum"
