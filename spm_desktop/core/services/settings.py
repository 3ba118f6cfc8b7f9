"""Settings, yearly targets and the service catalogue (administrator's master data).

Every public function takes a :class:`Database` and an :class:`Actor`; writes run in one
transaction with their audit entry; results are frozen dataclasses, never ORM objects.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import FieldError, NotFoundError, ValidationError
from spm_desktop.core.domain.groups import AGE_VULNERABLE_CHILD_MAX
from spm_desktop.core.domain.settings import FULFILMENT_RULES, SETTING_FIELDS, AppSettings, TuntasLevel
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage import catalogue
from spm_desktop.core.storage.base import seed_id
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import ServiceType, Setting, Target
from spm_desktop.core.storage.settings import load_settings

# Integer settings with their allowed range and the message when out of it.
_RANGES: dict[str, tuple[int, int, str]] = {
    "layanan.batas_respons_hari": (1, 60, "Batas waktu respons pengaduan harus bilangan bulat 1–60 hari kerja."),
    "rujukan.batas_umpan_balik_hari": (1, 365, "Batas menunggu umpan balik rujukan harus bilangan bulat 1–365 hari."),
}
_LETTER_KEYS = {"surat.nomor_rujukan", "surat.nomor_serah_terima", "surat.nomor_keterangan"}
_TEXT_KEYS = {k for k in SETTING_FIELDS if k.startswith(("office.", "signatory."))}
_LOCAL_KEYS = {"office.logo_path"}


def get_settings(db: Database) -> AppSettings:
    """All settings as one frozen value. Anyone may read them."""
    with db.reading() as s:
        return load_settings(s)


def _validate(key: str, value: Any) -> Any:
    """Return the normalised value to store, or raise :class:`ValidationError` (the key's rule, :data:`_RULES`)."""
    rule = _RULES.get(key)
    if rule is None:
        raise ValidationError(f"Pengaturan '{key}' tidak dikenal.", "key")
    return rule(key, value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_text(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError("Isian harus berupa teks.", key)
    text = value.strip()
    if key == "office.name" and not text:
        raise ValidationError("Nama kantor wajib diisi.", key)
    if key == "signatory.nip" and text and not text.replace(" ", "").isdigit():
        raise ValidationError("NIP hanya boleh berisi angka (spasi boleh).", key)
    return text


def _validate_weight(key: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError("Bobot harus berupa angka antara 0 dan 1.", key) from None
    if not 0 <= number <= 1:
        raise ValidationError("Bobot harus berupa angka antara 0 dan 1.", key)
    return number


def _validate_fulfilment_rule(key: str, value: Any) -> str:
    if value not in FULFILMENT_RULES:
        raise ValidationError("Aturan pemenuhan harus 'all_needed' atau 'any_item'.", key)
    return value


def _validate_meals(key: str, value: Any) -> int:
    if not _is_int(value) or value < 1:
        raise ValidationError("Isian harus bilangan bulat minimal 1.", key)
    return value


def _validate_child_age(key: str, value: Any) -> int:
    if not _is_int(value) or not 1 <= value <= AGE_VULNERABLE_CHILD_MAX:
        raise ValidationError("Batas usia anak kelompok rentan harus bilangan bulat 1–18 tahun (5: bayi dan "
                              "balita, seperti Renstra; 18: anak-anak menurut UU 24/2007 pasal 55).", key)
    return value


def _validate_range(key: str, value: Any) -> int:
    low, high, message = _RANGES[key]
    if not _is_int(value) or not low <= value <= high:
        raise ValidationError(message, key)
    return value


def _validate_letter_format(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError("Format nomor surat harus berupa teks.", key)
    text = value.strip()
    if "{n}" not in text:
        raise ValidationError("Format nomor surat harus memuat {n} (nomor urut), mis. 400.9/{n}/Dinsos/{tahun}.", key)
    try:
        text.format(n=1, tahun=2026, bulan="I")
    except (KeyError, IndexError, ValueError):
        raise ValidationError("Format nomor surat hanya boleh memakai {n}, {tahun} dan {bulan}.", key) from None
    if len(text) > 80:
        raise ValidationError("Format nomor surat paling panjang 80 karakter.", key)
    return text


def _validate_dates(key: str, value: Any) -> list[str]:
    from datetime import date as _date

    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValidationError("Hari libur tambahan harus berupa daftar tanggal (YYYY-MM-DD).", key)
    out: set[str] = set()
    for item in value:
        try:
            out.add(_date.fromisoformat(str(item).strip()).isoformat())
        except ValueError:
            raise ValidationError(f"'{item}' bukan tanggal (tulis YYYY-MM-DD).", key) from None
    return sorted(out)


def validate_setting(key: str, value: Any) -> Any:
    """The rule of a local change, for a value arriving in a sync package: refused unless it
    is valid and already in its stored (normalised) form."""
    clean = _validate(key, value)
    if clean != value:
        raise ValidationError("Nilai tidak dalam bentuk baku (mis. angka yang dikirim sebagai teks).", key)
    return clean


def _validate_exit_reasons(value: Any) -> list[str]:
    from spm_desktop.core.domain.groups import EXIT_REASONS

    key = "spm.exit_cancels_needs"
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValidationError("Alasan keluar yang mengakhiri tanggung jawab harus berupa daftar.", key)
    out: list[str] = []
    for item in value:
        reason = str(item or "").strip().lower()
        if reason not in EXIT_REASONS:
            raise ValidationError(f"Alasan keluar '{item}' tidak dikenal; pilih dari: {', '.join(EXIT_REASONS)}.", key)
        if reason not in out:
            out.append(reason)
    return [r for r in EXIT_REASONS if r in out]


def _validate_tuntas(value: Any) -> list[dict[str, Any]]:
    key = "spm.tuntas"
    if not isinstance(value, (list, tuple)) or not value:
        raise ValidationError("Tabel status tuntas harus berisi minimal satu baris.", key)
    rows: list[dict[str, Any]] = []
    for item in value:
        if isinstance(item, TuntasLevel):
            item = {"min": item.min, "label": item.label}
        try:
            minimum = float(item["min"])
            label = str(item["label"]).strip()
        except (TypeError, KeyError, ValueError):
            raise ValidationError("Setiap baris tabel tuntas perlu nilai minimum dan label.", key) from None
        if not label or not 0 <= minimum <= 100:
            raise ValidationError("Nilai minimum tuntas harus 0–100 dan label wajib diisi.", key)
        rows.append({"min": int(minimum) if minimum.is_integer() else minimum, "label": label})
    rows.sort(key=lambda r: r["min"], reverse=True)
    if rows[-1]["min"] != 0:
        raise ValidationError("Tabel tuntas harus memiliki baris dengan nilai minimum 0.", key)
    if len({r["min"] for r in rows}) != len(rows):
        raise ValidationError("Nilai minimum pada tabel tuntas tidak boleh sama.", key)
    return rows


# One rule per setting key: (key, value) -> the normalised value to store, or ValidationError.
_RULES: dict[str, Callable[[str, Any], Any]] = {
    **{k: _validate_text for k in _TEXT_KEYS},
    "spm.weight_a": _validate_weight,
    "spm.weight_b": _validate_weight,
    "spm.fulfilment_rule": _validate_fulfilment_rule,
    "spm.tuntas": lambda _key, value: _validate_tuntas(value),
    "spm.exit_cancels_needs": lambda _key, value: _validate_exit_reasons(value),
    "meals.max_per_day": _validate_meals,
    "meals.max_days_outside": _validate_meals,
    "disaster.usia_rentan_anak": _validate_child_age,
    **{k: _validate_range for k in _RANGES},
    "layanan.hari_libur_tambahan": _validate_dates,
    **{k: _validate_letter_format for k in _LETTER_KEYS},
}


def update_setting(db: Database, actor: Actor, key: str, value: Any) -> AppSettings:
    """Change one setting (administrator only). Returns the settings after the change."""
    require(actor, "settings.edit")
    stored = _validate(key, value)
    with db.transaction(actor) as s:
        row = s.scalars(select(Setting).where(Setting.key == key)).first()
        if row is None:
            row = Setting(id=seed_id("setting", key), key=key, value=stored, shared=key not in _LOCAL_KEYS)
            s.add(row)
            before = None
        else:
            before = {"key": key, "value": row.value}
            row.value = stored
            row.deleted_at = None
        s.flush()
        audit.record(s, "update", "setting", row.id, before=before, after={"key": key, "value": stored})
        if key in ("spm.weight_a", "spm.weight_b"):
            _check_weights(s)
        return load_settings(s)


def update_settings(db: Database, actor: Actor, values: dict[str, Any]) -> AppSettings:
    """Change several settings at once (one transaction; all or nothing)."""
    require(actor, "settings.edit")
    errors: list[FieldError] = []
    stored: dict[str, Any] = {}
    for key, value in values.items():
        try:
            stored[key] = _validate(key, value)
        except ValidationError as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationError(errors)
    with db.transaction(actor) as s:
        existing = {r.key: r for r in s.scalars(select(Setting).where(Setting.key.in_(stored)))}
        for key, value in stored.items():
            row = existing.get(key)
            before = None if row is None else {"key": key, "value": row.value}
            if row is None:
                row = Setting(id=seed_id("setting", key), key=key, value=value, shared=key not in _LOCAL_KEYS)
                s.add(row)
            elif row.value == value and row.deleted_at is None:
                continue
            row.value = value
            row.deleted_at = None
            s.flush()
            audit.record(s, "update", "setting", row.id, before=before, after={"key": key, "value": value})
        _check_weights(s)
        return load_settings(s)


def _check_weights(s: Session) -> None:
    current = load_settings(s)
    if abs(current.weight_a + current.weight_b - 1.0) > 1e-9:
        raise ValidationError("Jumlah bobot A dan B harus 1 (misalnya 0,8 dan 0,2).", "spm.weight_a")


# ---- targets -----------------------------------------------------------------------------

@dataclass(frozen=True)
class TargetValue:
    year: int
    key: str
    value: float
    budget: float | None
    baseline: float | None


def _target_value(t: Target) -> TargetValue:
    return TargetValue(
        year=t.year,
        key=t.key,
        value=float(t.value),
        budget=None if t.budget is None else float(t.budget),
        baseline=None if t.baseline is None else float(t.baseline),
    )


def list_targets(db: Database, year: int) -> list[TargetValue]:
    """The targets of one year, by key."""
    with db.reading() as s:
        rows = s.scalars(select(Target).where(Target.year == year, Target.deleted_at.is_(None))
                         .order_by(Target.key))
        return [_target_value(t) for t in rows]


def target_years(db: Database) -> list[int]:
    with db.reading() as s:
        return sorted(set(s.scalars(select(Target.year).where(Target.deleted_at.is_(None)))))


def _decimal(value: Any, field: str, allow_none: bool) -> Decimal | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise ValidationError("Nilai wajib diisi.", field)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError("Nilai harus berupa angka.", field) from None
    if number < 0 or not number.is_finite():
        raise ValidationError("Nilai tidak boleh negatif.", field)
    return number


def update_target(
    db: Database, actor: Actor, year: int, key: str, value: Any, budget: Any = None
) -> TargetValue:
    """Set the target (and budget) of an indicator for a year; creates the row if missing."""
    require(actor, "master.edit")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError("Tahun tidak valid.", "year")
    number = _decimal(value, "value", allow_none=False)
    money = _decimal(budget, "budget", allow_none=True)
    with db.transaction(actor) as s:
        known = key in ("ikk1", "ikk2", "dtsen") or catalogue.service_type(s, key, live=False) is not None
        if not known:
            raise ValidationError(f"Kode layanan {key} tidak ada dalam katalog.", "key")
        row = s.scalars(select(Target).where(Target.year == year, Target.key == key)).first()
        before = audit.snapshot(row)
        if row is None:
            row = Target(id=seed_id("target", f"{year}:{key}"), year=year, key=key, value=number, budget=money)
            s.add(row)
        else:
            row.value = number
            row.budget = money
            row.deleted_at = None
        s.flush()
        audit.record(s, "update" if before else "create", "target", row.id, before=before, after=row)
        return TargetValue(year, key, float(number), None if money is None else float(money),
                           None if row.baseline is None else float(row.baseline))


# ---- service catalogue -------------------------------------------------------------------

@dataclass(frozen=True)
class ServiceTypeInfo:
    code: str
    name: str
    indicator: str
    program: str
    unit: str
    counting_rule: str
    standard_per_day: int | None
    max_days_outside: int | None
    assessable: bool
    active: bool
    sort_order: int


def _service_info(t: ServiceType) -> ServiceTypeInfo:
    return ServiceTypeInfo(t.code, t.name, t.indicator, t.program, t.unit, t.counting_rule,
                           t.standard_per_day, t.max_days_outside, t.assessable, t.active, t.sort_order)


_UNCHANGED: Any = object()


def list_service_types(db: Database, active_only: bool = False) -> list[ServiceTypeInfo]:
    with db.reading() as s:
        return [_service_info(t) for t in catalogue.service_types(s, active_only=active_only)]


def update_service_type(
    db: Database,
    actor: Actor,
    code: str,
    *,
    name: str | None = None,
    active: bool | None = None,
    standard_per_day: Any = _UNCHANGED,
    max_days_outside: Any = _UNCHANGED,
) -> ServiceTypeInfo:
    """Edit a catalogue entry: name, active flag and the per-day standard / day limit.

    ``standard_per_day`` and ``max_days_outside`` are left alone when not passed; ``None``
    clears them.
    """
    require(actor, "master.edit")
    errors: list[FieldError] = []
    if name is not None and not name.strip():
        errors.append(FieldError("name", "Nama layanan wajib diisi."))
    for field, number in (("standard_per_day", standard_per_day), ("max_days_outside", max_days_outside)):
        if number is _UNCHANGED or number is None:
            continue
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            errors.append(FieldError(field, "Isian harus bilangan bulat minimal 1 atau dikosongkan."))
    if errors:
        raise ValidationError(errors)
    with db.transaction(actor) as s:
        row = catalogue.service_type(s, code)
        if row is None:
            raise NotFoundError(f"Jenis layanan {code} tidak ditemukan.")
        before = audit.snapshot(row)
        if name is not None:
            row.name = name.strip()
        if active is not None:
            row.active = bool(active)
        if standard_per_day is not _UNCHANGED:
            row.standard_per_day = standard_per_day
        if max_days_outside is not _UNCHANGED:
            row.max_days_outside = max_days_outside
        s.flush()
        audit.record(s, "update", "service_type", row.id, before=before, after=row)
        return _service_info(row)


# ---- letterhead logo ---------------------------------------------------------------------

LOGO_SUFFIXES = (".png", ".jpg", ".jpeg")
LOGO_MAX_BYTES = 2_000_000


def set_logo(db: Database, actor: Actor, source: str | Path | None, data_dir: str | Path) -> AppSettings:
    """Copy the letterhead logo into the data folder (so it survives a removed USB stick) and
    point ``office.logo_path`` at the copy; ``None`` removes the logo."""
    require(actor, "settings.edit")
    if source is None:
        return update_setting(db, actor, "office.logo_path", "")
    src = Path(source)
    if src.suffix.lower() not in LOGO_SUFFIXES:
        raise ValidationError("Logo harus berkas gambar PNG atau JPG.", "office.logo_path")
    if not src.is_file():
        raise ValidationError(f"Berkas logo {src} tidak ditemukan.", "office.logo_path")
    if src.stat().st_size > LOGO_MAX_BYTES:
        raise ValidationError("Berkas logo terlalu besar (paling besar 2 MB).", "office.logo_path")
    target = Path(data_dir) / f"logo{src.suffix.lower()}"
    if src.resolve() != target.resolve():
        shutil.copyfile(src, target)
    return update_setting(db, actor, "office.logo_path", str(target))
