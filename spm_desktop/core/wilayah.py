"""The national region list (Kepmendagri kode wilayah) shipped in ``resources/``.

``resources/wilayah_indonesia.csv.gz`` holds every provinsi, kabupaten/kota, kecamatan and
desa/kelurahan of Kepmendagri No. 300.2.2-2138 Tahun 2025 plus the provinsi/kabupaten/
kecamatan codes retired since 2018 (``status`` = ``lama (YEAR)``), columns ``kode`` (dotted),
``nama``, ``tingkat`` (provinsi | kabupaten_kota | kecamatan | desa_kelurahan), ``induk``,
``status``. The file lists every provinsi/kabupaten/kecamatan row first and the 83,762
desa/kelurahan rows after them, so the codes NIK and No. KK checks need are read without
decompressing the villages (:func:`region_codes`); the villages of one kabupaten/kota are
read only when an office adopts it (:func:`area_regions`).

A desa/kelurahan code whose last part starts with 1 is a kelurahan, with 2 a desa.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from spm_desktop.core.paths import resource_path

RESOURCE = "wilayah_indonesia.csv.gz"
CURRENT = "berlaku"
PROVINSI, KABUPATEN, KECAMATAN, DESA_KELURAHAN = "provinsi", "kabupaten_kota", "kecamatan", "desa_kelurahan"


@dataclass(frozen=True)
class WilayahRow:
    code: str
    name: str
    level: str  # provinsi | kabupaten_kota | kecamatan | desa_kelurahan
    parent: str
    status: str

    @property
    def current(self) -> bool:
        return self.status == CURRENT

    @property
    def village_level(self) -> str:
        """``kelurahan`` or ``desa`` for a desa/kelurahan code (the last part starts with 1 or 2)."""
        return "kelurahan" if self.code.rsplit(".", 1)[-1].startswith("1") else "desa"


def _rows(stop_at_villages: bool) -> Iterator[WilayahRow]:
    with gzip.open(resource_path(RESOURCE), "rt", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)  # header
        for code, name, level, parent, status in reader:
            if stop_at_villages and level == DESA_KELURAHAN:
                return
            yield WilayahRow(code, name, level, parent, status)


@dataclass(frozen=True)
class RegionCodes:
    """Every provinsi, kabupaten/kota and kecamatan code ever in the lists (current or retired),
    as undotted digits (``61``, ``6171``, ``617101``), with the current names."""

    provinces: dict[str, str]
    regencies: dict[str, str]
    kecamatan: dict[str, str]
    retired: frozenset[str]


@lru_cache(maxsize=1)
def region_codes() -> RegionCodes:
    provinces: dict[str, str] = {}
    regencies: dict[str, str] = {}
    kecamatan: dict[str, str] = {}
    retired: set[str] = set()
    table = {PROVINSI: provinces, KABUPATEN: regencies, KECAMATAN: kecamatan}
    for row in _rows(stop_at_villages=True):
        digits = row.code.replace(".", "")
        target = table[row.level]
        if row.current or digits not in target:
            target[digits] = row.name
        if not row.current:
            retired.add(digits)
    return RegionCodes(provinces, regencies, kecamatan, frozenset(retired))


@lru_cache(maxsize=1)
def higher_levels() -> tuple[WilayahRow, ...]:
    """Every provinsi, kabupaten/kota and kecamatan row (current and retired), file order."""
    return tuple(_rows(stop_at_villages=True))


def provinces() -> list[WilayahRow]:
    """Current provinsi, by code."""
    return [r for r in higher_levels() if r.level == PROVINSI and r.current]


def regencies(province_code: str) -> list[WilayahRow]:
    """Current kabupaten/kota of a provinsi (dotted code ``61``), by code."""
    return [r for r in higher_levels() if r.level == KABUPATEN and r.current and r.parent == province_code]


def find_regency(code: str) -> WilayahRow | None:
    """The current kabupaten/kota with ``code`` (``61.12`` or ``6112``), or None."""
    code = normalise_code(code)
    for r in higher_levels():
        if r.level == KABUPATEN and r.current and r.code == code:
            return r
    return None


def normalise_code(text: str) -> str:
    """A region code written with or without dots (``6112`` / ``61.12``, ``6171051004``) in the
    dotted form of the list; text that is not a code comes back stripped."""
    text = (text or "").strip()
    digits = text.replace(".", "").replace(" ", "")
    if not digits.isdigit():
        return text
    parts = [digits[0:2], digits[2:4], digits[4:6], digits[6:10]]
    if len(digits) not in (2, 4, 6, 10):
        return text
    return ".".join(p for p in parts if p)


def area_regions(regency_code: str) -> list[WilayahRow]:
    """The current kecamatan and desa/kelurahan of one kabupaten/kota (dotted code), by code."""
    prefix = normalise_code(regency_code) + "."
    out: list[WilayahRow] = []
    with gzip.open(resource_path(RESOURCE), "rt", encoding="utf-8", newline="") as fh:
        for line in fh:
            if not line.startswith(prefix):
                continue
            code, name, level, parent, status = next(csv.reader(io.StringIO(line)))
            if status == CURRENT and level in (KECAMATAN, DESA_KELURAHAN):
                out.append(WilayahRow(code, name, level, parent, status))
    return out
