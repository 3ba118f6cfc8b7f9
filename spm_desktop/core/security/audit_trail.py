"""Reading the audit trail: filtered queries for the Jejak Audit page and CSV/XLSX export.

The trail is append-only: this module only reads (plus the ``export`` entry an export adds).
There is deliberately no service that changes or deletes an entry; on SQLite, triggers in
the initial migration refuse UPDATE and DELETE of ``audit_entry`` even from outside the app.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, or_, select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import date_time
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.security.permissions import require
from spm_desktop.core.security.personal_data import audited_file_export
from spm_desktop.core.security.safe_export import csv_row, export_sheet, xlsx_row
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import AuditEntry

ACTION_LABELS: dict[str, str] = {
    "create": "Tambah",
    "update": "Ubah",
    "delete": "Hapus",
    "restore": "Pulihkan",
    "merge": "Gabung",
    "import": "Impor",
    "adopt_area": "Pilih wilayah kerja",
    "export": "Ekspor",
    "login": "Masuk",
    "login_failed": "Gagal masuk",
    "logout": "Keluar",
    "idle_lock": "Layar terkunci",
    "activate": "Aktifkan akun",
    "deactivate": "Nonaktifkan akun",
    "reset_password": "Atur ulang kata sandi",
    "change_password": "Ganti kata sandi",
    "unlock": "Buka kunci akun",
    "enrol": "Daftarkan perangkat",
    "revoke": "Cabut pendaftaran perangkat",
    "backup": "Cadangan",
    "settings": "Ubah pengaturan",
    "close": "Tutup",
    "reopen": "Buka kembali",
    "reassess": "Asesmen ulang",
    "end_emergency": "Akhiri tanggap darurat",
    "create_bulk": "Tambah sekaligus",
    "record_meals": "Catat makan harian",
    "resolve_conflict": "Selesaikan konflik",
    "refuse_import": "Tolak paket sinkronisasi",
    "demo_data": "Isi data contoh",
    "rebuild_search_names": "Perbarui indeks nama",
}

ENTITY_LABELS: dict[str, str] = {
    "person": "Penerima layanan",
    "case": "Kasus",
    "service_event": "Layanan",
    "disaster": "Bencana",
    "household": "Keluarga (KK)",
    "group_activity": "Kegiatan kelompok",
    "volunteer": "Relawan",
    "activities": "Berkas kegiatan kelompok",
    "relawan": "Berkas relawan",
    "user": "Pengguna",
    "setting": "Pengaturan",
    "audit_entry": "Jejak audit",
    "backup": "Cadangan",
    "sync_package": "Paket sinkronisasi",
    "duplicate_candidate": "Data ganda",
    "mutu_check": "Daftar periksa mutu",
    "household_member": "Anggota keluarga",
    "service_type": "Jenis layanan",
    "local_device": "Perangkat ini",
    "device_identity": "Identitas perangkat",
    "sync_peer": "Perangkat terdaftar",
    "database": "Basis data",
    "target": "Target",
    "shelter": "Rumah singgah",
    "recap_pdf": "Rekap PDF",
    "recap_json": "Rekap JSON",
    "espm_xlsx": "Lembar kerja e-SPM",
    "persons": "Berkas penerima layanan",
    "cases": "Berkas kasus",
    "needs": "Berkas kebutuhan (asesmen ulang)",
    "events": "Berkas layanan",
    "disasters": "Berkas bencana",
    "households": "Berkas keluarga",
    "targets": "Berkas target Renstra",
    "complaint": "Pengaduan",
    "complaint_followup": "Tindak lanjut pengaduan",
    "referral": "Rujukan",
    "dtsen_proposal": "Usulan DTSEN",
    "letter": "Surat",
    "complaints": "Berkas pengaduan",
    "referrals": "Berkas rujukan",
    "dtsen": "Berkas usulan DTSEN",
}

EXPORT_FORMATS = ("csv", "xlsx")
EXPORT_HEADER = ("Waktu", "Pengguna", "Tindakan", "Data", "ID data", "Sebelum", "Sesudah", "Perangkat")
PAGE_SIZE = 200
_EXPORT_BATCH = 2000


@dataclass(frozen=True)
class AuditFilter:
    """All fields optional; dates are inclusive local calendar days."""

    username: str = ""
    action: str = ""
    entity: str = ""
    date_from: date | None = None
    date_to: date | None = None
    person_id: str = ""
    text: str = ""  # matched against the entity id


@dataclass(frozen=True)
class AuditRow:
    id: str
    at: datetime  # local time, naive
    username: str
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
    device_id: str

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def entity_label(self) -> str:
        return ENTITY_LABELS.get(self.entity, self.entity)


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    offset: int


def to_local(at_utc: datetime) -> datetime:
    return at_utc.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def _local_day_start_utc(day: date) -> datetime:
    local = datetime.combine(day, time.min).astimezone()
    return local.astimezone(UTC).replace(tzinfo=None)


def _apply(query: Select, f: AuditFilter) -> Select:
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise ValidationError("Tanggal awal tidak boleh sesudah tanggal akhir.", "date_from")
    if f.username.strip():
        query = query.where(AuditEntry.username == f.username.strip().lower())
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.entity:
        query = query.where(AuditEntry.entity == f.entity)
    if f.date_from:
        query = query.where(AuditEntry.at >= _local_day_start_utc(f.date_from))
    if f.date_to:
        query = query.where(AuditEntry.at < _local_day_start_utc(f.date_to + timedelta(days=1)))
    if f.person_id.strip():
        pid = f.person_id.strip()
        # The person's own entries, and entries about records that point at the person
        # (cases, events, household members carry person_id in their snapshots).
        query = query.where(or_(
            (AuditEntry.entity == "person") & (AuditEntry.entity_id == pid),
            AuditEntry.after["person_id"].as_string() == pid,
            AuditEntry.before["person_id"].as_string() == pid,
        ))
    if f.text.strip():
        query = query.where(AuditEntry.entity_id.like(f"%{f.text.strip()}%"))
    return query


def _row(e: AuditEntry) -> AuditRow:
    return AuditRow(e.id, to_local(e.at), e.username, e.action, e.entity, e.entity_id, e.before, e.after,
                    e.device_id)


def query_audit(db: Database, actor: Actor, filters: AuditFilter = AuditFilter(), offset: int = 0,
                limit: int = PAGE_SIZE) -> AuditPage:
    """One page of entries matching ``filters``, newest first, with the total count."""
    require(actor, "audit.view")
    with db.reading() as s:
        base = _apply(select(AuditEntry), filters)
        total = s.scalar(select(func.count()).select_from(base.subquery()))
        rows = s.scalars(base.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset).limit(limit))
        return AuditPage([_row(e) for e in rows], int(total or 0), offset)


def audit_usernames(db: Database, actor: Actor) -> list[str]:
    """Distinct usernames in the trail (for the filter list)."""
    require(actor, "audit.view")
    with db.reading() as s:
        return [u for u in s.scalars(select(AuditEntry.username).distinct().order_by(AuditEntry.username)) if u]


def _iter_rows(db: Database, filters: AuditFilter):
    offset = 0
    while True:
        with db.reading() as s:
            query = _apply(select(AuditEntry), filters).order_by(AuditEntry.at, AuditEntry.id)
            batch = [_row(e) for e in s.scalars(query.offset(offset).limit(_EXPORT_BATCH))]
        yield from batch
        if len(batch) < _EXPORT_BATCH:
            return
        offset += len(batch)


def _cells(r: AuditRow) -> list[str]:
    def js(value: Any) -> str:
        return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    return [date_time(r.at, seconds=True), r.username, r.action_label, r.entity_label, r.entity_id,
            js(r.before), js(r.after), r.device_id]


def _write_csv(path: Path, rows) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8-sig") as fh:  # BOM: Excel opens UTF-8 correctly
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(EXPORT_HEADER)
        for r in rows:
            writer.writerow(csv_row(_cells(r)))
            count += 1
    return count


def _write_xlsx(path: Path, rows) -> int:
    from openpyxl.cell import WriteOnlyCell

    wb, ws = export_sheet("Jejak Audit", EXPORT_HEADER, (20, 16, 20, 18, 38, 50, 50, 38))
    count = 0
    for r in rows:
        cells = _cells(r)
        time_cell = WriteOnlyCell(ws, value=r.at)
        time_cell.number_format = "DD/MM/YYYY HH:MM:SS"
        ws.append([time_cell, *xlsx_row(ws, cells[1:])])
        count += 1
    wb.save(path)
    return count


def export_audit(db: Database, actor: Actor, target: str | Path, filters: AuditFilter = AuditFilter(),
                 fmt: str | None = None) -> int:
    """Write the filtered trail to ``target`` (.csv or .xlsx); the export is itself audited.
    Returns the number of entries written."""
    require(actor, "audit.export")
    target = Path(target)
    fmt = (fmt or target.suffix.lstrip(".")).lower()
    if fmt not in EXPORT_FORMATS:
        raise ValidationError("Format ekspor harus .csv atau .xlsx.", "target")
    _apply(select(AuditEntry), filters)  # validate the filter before writing anything
    writer = _write_csv if fmt == "csv" else _write_xlsx

    def write(tmp: Path) -> int:
        return writer(tmp, _iter_rows(db, filters))

    details = {"format": fmt, "filters": {k: (v.isoformat() if isinstance(v, date) else v)
                                          for k, v in asdict(filters).items() if v}}
    return audited_file_export(db, actor, "audit_entry", target, write, details, permission="audit.export")
