"""The office's working area: the kabupaten/kota it serves (issue 20).

Any of Indonesia's kabupaten/kota can adopt the application. The area is chosen once, at the
first start (GUI step after the administrator account; ``spm-desktop init --wilayah 61.12
--office-name …``), and can be changed by an administrator while the database holds no
person. Adopting an area:

- seeds that kabupaten/kota's kecamatan and desa/kelurahan from the national region list
  (``resources/wilayah_indonesia.csv.gz``), and removes the regions of an area adopted before;
- writes the office identity (name, government, address, city, signatory) — what the user
  typed, else neutral texts derived from the area's name;
- keeps the Renstra targets only for Kota Pontianak (61.71, the Renstra shipped in
  ``resources/``); any other area starts with no targets and imports its own
  (``spm-desktop targets import``).

The adopted code is the local setting ``wilayah.kode``; master-data seeding reads it
(:func:`spm_desktop.core.storage.seed.seed_master_data`), so an upgrade of the program never
adds another area's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from spm_desktop.core import wilayah
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ConflictError, ValidationError
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.base import seed_id
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import Disaster, Person, Region, Setting, Target
from spm_desktop.core.storage.seed import (
    AREA_KEY,
    PONTIANAK,
    _insert_missing,
    adopted_area_code,
    area_region_rows,
    target_rows,
)

DEMO_AREA = PONTIANAK  # demo-data on a new data folder
HOW_TO_FIND = ("Kode kabupaten/kota adalah kode Kepmendagri, mis. 61.71 untuk Kota Pontianak atau 61.12 untuk "
               "Kabupaten Kubu Raya; cari kodenya dengan: spm-desktop wilayah --cari NAMA")


@dataclass(frozen=True)
class Area:
    code: str  # kabupaten/kota, dotted: 61.12
    name: str  # Kabupaten Kubu Raya
    province_code: str
    province_name: str

    @property
    def short_name(self) -> str:
        """The name without "Kabupaten"/"Kota": Kubu Raya, Pontianak."""
        for prefix in ("Kabupaten ", "Kota ", "Kab. "):
            if self.name.startswith(prefix):
                return self.name.removeprefix(prefix)
        return self.name


@dataclass(frozen=True)
class AreaChoice:
    """What the first-start step (or ``init``) gives."""

    code: str
    office_name: str = ""
    office_address: str = ""
    signatory_name: str = ""
    signatory_nip: str = ""


def _title(text: str) -> str:
    """Province names are upper case in some list versions: "KALIMANTAN BARAT" -> "Kalimantan Barat"."""
    return text if not text.isupper() else " ".join(w.capitalize() for w in text.split())


def find_area(code: str) -> Area:
    """The current kabupaten/kota ``code`` (``61.12`` or ``6112``); refuses an unknown code."""
    regency = wilayah.find_regency(code or "")
    if regency is None:
        raise ValidationError(f"Kode kabupaten/kota '{(code or '').strip()}' tidak ada di daftar wilayah "
                              f"Kepmendagri 2025. {HOW_TO_FIND}.", "wilayah")
    province = next((p for p in wilayah.provinces() if p.code == regency.parent), None)
    return Area(regency.code, regency.name, regency.parent, _title(province.name) if province else "")


def search_areas(text: str) -> list[Area]:
    """Kabupaten/kota whose name or code contains ``text`` (ignoring case), by code."""
    needle = " ".join((text or "").lower().split())
    provinces = {p.code: _title(p.name) for p in wilayah.provinces()}
    out = []
    for province in wilayah.provinces():
        for r in wilayah.regencies(province.code):
            if not needle or needle in r.name.lower() or needle in r.code or needle == r.code.replace(".", ""):
                out.append(Area(r.code, r.name, r.parent, provinces.get(r.parent, "")))
    return out


def current_area(db: Database) -> Area | None:
    """The adopted area, or None before one is chosen."""
    with db.reading() as s:
        code = adopted_area_code(s)
    return find_area(code) if code else None


def needs_area(db: Database) -> bool:
    with db.reading() as s:
        return adopted_area_code(s) is None


def office_texts(area: Area, choice: AreaChoice) -> dict[str, str]:
    """The office identity settings: what was typed, else neutral texts from the area."""
    office = " ".join(choice.office_name.split()) or f"Dinas Sosial {area.name}"
    texts = {
        "office.name": office,
        "office.government": f"Pemerintah {area.name}",
        "office.address": choice.office_address.strip() or f"{area.name}, {area.province_name}",
        "office.city": area.short_name,
        "signatory.title": f"Kepala {office}",
        "signatory.name": " ".join(choice.signatory_name.split()),
        "signatory.nip": choice.signatory_nip.strip(),
    }
    if texts["signatory.nip"] and not texts["signatory.nip"].replace(" ", "").isdigit():
        raise ValidationError("NIP hanya boleh berisi angka (spasi boleh).", "signatory.nip")
    return texts


def _set(s: Session, key: str, value, shared: bool = True) -> None:
    row = s.scalars(select(Setting).where(Setting.key == key)).first()
    before = None if row is None else {"key": key, "value": row.value}
    if row is None:
        row = Setting(id=seed_id("setting", key), key=key, value=value, shared=shared)
        s.add(row)
    elif row.value == value and row.deleted_at is None:
        return
    row.value, row.deleted_at = value, None
    s.flush()
    audit.record(s, "update", "setting", row.id, before=before, after={"key": key, "value": value})


def adopt_area_in(s: Session, choice: AreaChoice) -> Area:
    """Adopt ``choice.code`` inside the caller's transaction (see module docstring)."""
    area = find_area(choice.code)
    texts = office_texts(area, choice)
    previous = adopted_area_code(s)
    if previous is not None and previous != area.code:
        people = s.scalar(select(func.count()).select_from(Person)) or 0
        disasters = s.scalar(select(func.count()).select_from(Disaster)) or 0
        if people or disasters:
            raise ConflictError(
                f"Wilayah kerja hanya bisa diganti selama basis data belum berisi penerima layanan atau kejadian "
                f"bencana; di sini sudah ada {people} penerima layanan dan {disasters} kejadian bencana.", "wilayah")
    if previous != area.code:
        # Another area's places go (no person or disaster refers to them); so do its targets.
        s.execute(delete(Region).where(Region.parent_code.is_not(None)))
        s.execute(delete(Region))
        if previous is not None:
            s.execute(delete(Target))
    _set(s, AREA_KEY, area.code, shared=False)
    applying = s.info.get("sync_apply", False)
    s.info["sync_apply"] = True  # seeded rows keep the fixed seed stamps
    try:
        _insert_missing(s, Region, area_region_rows(area.code))
        if area.code == PONTIANAK:
            from spm_desktop.core.paths import resource_path

            _insert_missing(s, Target, target_rows(resource_path("renstra_targets.csv")))
    finally:
        s.info["sync_apply"] = applying
    for key, value in texts.items():
        _set(s, key, value)
    audit.record(s, "adopt_area", "setting", seed_id("setting", AREA_KEY),
                 before={"wilayah": previous}, after={"wilayah": area.code, "nama": area.name})
    s.info.pop("persons.master", None)
    return area


def adopt_area(db: Database, actor: Actor, choice: AreaChoice) -> Area:
    """Choose (or change, while no person exists) the office's kabupaten/kota. Administrator only."""
    require(actor, "settings.edit")
    with db.transaction(actor) as s:
        return adopt_area_in(s, choice)
