"""Usulan DTSEN (issue 21): proposals to enter, change or remove a person in the national
social data, from "diusulkan" to "ditetapkan", and the batch export an operator types into
the national system.

Status machine: diusulkan → diverifikasi → ditetapkan, or ditolak (with a reason). Any
writer (``dtsen.propose``) proposes; verifying, deciding and rejecting need ``dtsen.decide``
(supervisors). One live proposal of a kind per person at a time while it is open. A tksk
proposes persons of its own kecamatan only.

The export of a batch (:func:`export_batch`) is a personal-data export: permission
``personal_data.export``, audited with the number of rows, spreadsheet formulas neutralised
(``core/security/safe_export``). Its columns: :data:`EXPORT_COLUMNS`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.errors import ConflictError, FieldError, NotFoundError, ValidationError
from spm_desktop.core.domain.layanan import DTSEN_KINDS, DTSEN_NEXT, DTSEN_STATUSES, DTSEN_TARGET_KEY
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.security.personal_data import audited_file_export
from spm_desktop.core.security.safe_export import csv_row, export_sheet, xlsx_row
from spm_desktop.core.security.scope import check_region_scope, in_region_scope
from spm_desktop.core.services import persons as persons_svc
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import DtsenProposal, Person, PmksCategory, Region, Target
from spm_desktop.core.storage.records import load_live

DECISIONS = ("diverifikasi", "ditetapkan", "ditolak")
EXPORT_COLUMNS: tuple[str, ...] = ("NIK", "No. KK", "Nama", "Jenis Kelamin", "Tanggal Lahir", "Alamat",
                                   "Kode Desa/Kelurahan", "Desa/Kelurahan", "Kategori PMKS", "Jenis Usulan",
                                   "Alasan")


@dataclass(frozen=True)
class ProposalInput:
    person_id: str
    kind: str
    proposed_on: date
    batch: str = ""
    reason: str = ""


@dataclass(frozen=True)
class ProposalInfo:
    id: str
    person_id: str
    person_name: str
    nik: str
    kind: str
    proposed_on: date
    status: str
    status_on: date | None
    batch: str
    reason: str
    rejected_reason: str

    @property
    def status_label(self) -> str:
        return DTSEN_STATUSES.get(self.status, self.status)

    @property
    def kind_label(self) -> str:
        return DTSEN_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class ExportResult:
    path: str
    rows: int


def _today(s: Session) -> date:
    clock = s.info.get("clock")
    return (clock() if clock else utcnow()).date()


def _info(s: Session, d: DtsenProposal) -> ProposalInfo:
    p = s.get(Person, d.person_id)
    return ProposalInfo(d.id, d.person_id, p.name if p else "", (p.nik or "") if p else "", d.kind, d.proposed_on,
                        d.status, d.status_on, d.batch, d.reason, d.rejected_reason)


def load_proposal(s: Session, proposal_id: str) -> DtsenProposal:
    return load_live(s, DtsenProposal, proposal_id, "Usulan DTSEN", "proposal_id")


def _check_scope(s: Session, actor: Actor, person_id: str) -> None:
    p = s.get(Person, person_id)
    check_region_scope(actor, p.kelurahan_code if p else None, "mengusulkan data DTSEN")


def validate_proposal(s: Session, data: ProposalInput, own_id: str | None = None) -> ProposalInput:
    errors: list[FieldError] = []
    kind = (data.kind or "").strip().lower()
    if kind == "perubahan data":
        kind = "perubahan"
    if kind not in DTSEN_KINDS:
        errors.append(FieldError("kind", f"Jenis usulan '{data.kind}' tidak dikenal; pilih: {', '.join(DTSEN_KINDS)}."))
    if not isinstance(data.proposed_on, date):
        errors.append(FieldError("proposed_on", "Tanggal usulan wajib diisi."))
    elif data.proposed_on > _today(s):
        errors.append(FieldError("proposed_on", "Tanggal usulan tidak boleh di masa depan."))
    person = None
    try:
        person = persons_svc.load_person(s, data.person_id, for_write=True)
    except (NotFoundError, ConflictError) as exc:
        errors.append(FieldError("person_id", exc.message))
    if person is not None and kind == "baru" and not person.nik:
        errors.append(FieldError("person_id", f"{person.name} belum memiliki NIK; DTSEN memerlukan NIK. Lengkapi NIK "
                                              "(fasilitasi dokumen kependudukan) lalu usulkan."))
    batch = " ".join((data.batch or "").split())
    if len(batch) > 60:
        errors.append(FieldError("batch", "Nomor batch paling panjang 60 karakter."))
    if errors:
        raise ValidationError(errors)
    open_one = s.scalar(select(DtsenProposal.id).where(
        DtsenProposal.person_id == data.person_id, DtsenProposal.kind == kind, DtsenProposal.deleted_at.is_(None),
        DtsenProposal.status.in_(("diusulkan", "diverifikasi")), DtsenProposal.id != (own_id or "")))
    if open_one:
        raise ConflictError(f"{person.name} sudah memiliki usulan DTSEN ({DTSEN_KINDS[kind].lower()}) yang belum "
                            "diputuskan.", "person_id")
    return ProposalInput(data.person_id, kind, data.proposed_on, batch, (data.reason or "").strip())


def propose_in(s: Session, actor: Actor, data: ProposalInput, *, proposal_id: str | None = None,
               import_ref: str | None = None) -> DtsenProposal:
    clean = validate_proposal(s, data, proposal_id)
    _check_scope(s, actor, clean.person_id)
    d = DtsenProposal(id=proposal_id) if proposal_id else DtsenProposal()
    d.person_id, d.kind, d.proposed_on, d.batch, d.reason = (clean.person_id, clean.kind, clean.proposed_on,
                                                             clean.batch, clean.reason)
    d.status, d.status_on, d.import_ref = "diusulkan", clean.proposed_on, import_ref
    return audit.record_create(s, d, "dtsen_proposal")


def propose(db: Database, actor: Actor, data: ProposalInput) -> ProposalInfo:
    """Propose a person to DTSEN (status diusulkan)."""
    require(actor, "dtsen.propose")
    with db.transaction(actor) as s:
        return _info(s, propose_in(s, actor, data))


def set_status_in(s: Session, actor: Actor, d: DtsenProposal, status: str, on: date, reason: str = "") -> bool:
    status = (status or "").strip().lower()
    if status not in DTSEN_STATUSES:
        raise ValidationError(f"Status '{status}' tidak dikenal; pilih: {', '.join(DTSEN_STATUSES)}.", "status")
    if status == d.status:
        return False
    if status not in DTSEN_NEXT.get(d.status, ()):
        raise ValidationError(f"Status usulan tidak bisa diubah dari {DTSEN_STATUSES[d.status]} menjadi "
                              f"{DTSEN_STATUSES[status]}.", "status")
    if not isinstance(on, date) or on > _today(s) or on < d.proposed_on:
        raise ValidationError("Tanggal status harus di antara tanggal usulan dan hari ini.", "status_on")
    reason = " ".join((reason or "").split())
    if status == "ditolak" and not reason:
        raise ValidationError("Alasan penolakan usulan wajib diisi.", "reason")
    _check_scope(s, actor, d.person_id)
    before = audit.snapshot(d)
    d.status, d.status_on = status, on
    if status == "diverifikasi":
        d.verified_on = on
    d.rejected_reason = reason if status == "ditolak" else ""
    s.flush()
    audit.record(s, "update", "dtsen_proposal", d.id, before=before, after=d)
    return True


def decide(db: Database, actor: Actor, proposal_id: str, status: str, on: date, reason: str = "") -> ProposalInfo:
    """Verify, decide (ditetapkan) or reject a proposal (supervisors)."""
    require(actor, "dtsen.decide")
    with db.transaction(actor) as s:
        d = load_proposal(s, proposal_id)
        set_status_in(s, actor, d, status, on, reason)
        return _info(s, d)


def decide_batch(db: Database, actor: Actor, batch: str, status: str, on: date, reason: str = "") -> int:
    """Set every open proposal of ``batch`` to ``status`` (one transaction); the number changed."""
    require(actor, "dtsen.decide")
    with db.transaction(actor) as s:
        rows = list(s.scalars(select(DtsenProposal).where(
            DtsenProposal.batch == batch.strip(), DtsenProposal.deleted_at.is_(None),
            DtsenProposal.status.in_(("diusulkan", "diverifikasi")))))
        if not rows:
            raise NotFoundError(f"Tidak ada usulan terbuka pada batch {batch}.", "batch")
        return sum(1 for d in rows if set_status_in(s, actor, d, status, on, reason))


def set_batch(db: Database, actor: Actor, proposal_ids: list[str], batch: str) -> int:
    """Put open proposals into ``batch``."""
    require(actor, "dtsen.propose")
    batch = " ".join((batch or "").split())
    if not batch or len(batch) > 60:
        raise ValidationError("Nomor batch wajib diisi (paling panjang 60 karakter).", "batch")
    with db.transaction(actor) as s:
        n = 0
        for pid in proposal_ids:
            d = load_proposal(s, pid)
            _check_scope(s, actor, d.person_id)
            if d.batch == batch:
                continue
            before = audit.snapshot(d)
            d.batch = batch
            s.flush()
            audit.record(s, "update", "dtsen_proposal", d.id, before=before, after=d)
            n += 1
        return n


def delete_proposal(db: Database, actor: Actor, proposal_id: str) -> None:
    require(actor, "dtsen.propose")
    with db.transaction(actor) as s:
        d = load_proposal(s, proposal_id)
        _check_scope(s, actor, d.person_id)
        if d.status == "ditetapkan":
            raise ConflictError("Usulan yang sudah ditetapkan tidak bisa dihapus.", "proposal_id")
        audit.soft_delete(s, d, "dtsen_proposal")


def list_proposals(db: Database, actor: Actor, *, batch: str = "", status: str = "",
                   person_id: str | None = None) -> list[ProposalInfo]:
    require(actor, "person.view")
    with db.reading() as s:
        q = select(DtsenProposal).where(DtsenProposal.deleted_at.is_(None))
        if batch:
            q = q.where(DtsenProposal.batch == batch)
        if status:
            q = q.where(DtsenProposal.status == status)
        if person_id:
            q = q.where(DtsenProposal.person_id == person_id)
        out = []
        for d in s.scalars(q.order_by(DtsenProposal.proposed_on.desc(), DtsenProposal.id)):
            p = s.get(Person, d.person_id)
            if in_region_scope(actor, p.kelurahan_code if p else None):
                out.append(_info(s, d))
        return out


def batches(db: Database, actor: Actor) -> list[str]:
    require(actor, "person.view")
    with db.reading() as s:
        return sorted(b for b in s.scalars(select(DtsenProposal.batch).distinct().where(
            DtsenProposal.deleted_at.is_(None), DtsenProposal.batch != "")))


def yearly_decided(s: Session, year: int) -> tuple[int, float | None]:
    """(distinct persons ditetapkan in ``year`` by a "baru" proposal, the year's target)."""
    n = s.scalar(select(func.count(func.distinct(DtsenProposal.person_id))).where(
        DtsenProposal.deleted_at.is_(None), DtsenProposal.status == "ditetapkan", DtsenProposal.kind == "baru",
        DtsenProposal.status_on >= date(year, 1, 1), DtsenProposal.status_on <= date(year, 12, 31))) or 0
    target = s.scalar(select(Target.value).where(Target.year == year, Target.key == DTSEN_TARGET_KEY,
                                                 Target.deleted_at.is_(None)))
    return int(n), None if target is None else float(target)


# ----- export --------------------------------------------------------------------------------


def batch_rows(s: Session, batch: str) -> list[list[str]]:
    regions = dict(s.execute(select(Region.code, Region.name)).all())
    cats = dict(s.execute(select(PmksCategory.code, PmksCategory.name)).all())
    rows = []
    q = (select(DtsenProposal, Person).join(Person, Person.id == DtsenProposal.person_id)
         .where(DtsenProposal.batch == batch, DtsenProposal.deleted_at.is_(None), DtsenProposal.status != "ditolak")
         .order_by(Person.name, Person.id))
    for d, p in s.execute(q):
        rows.append([p.nik or "", p.no_kk or "", p.name, p.sex, short_date(p.birth_date) if p.birth_date else
                     (str(p.birth_year) if p.birth_year else ""), p.address or "", p.kelurahan_code or "",
                     regions.get(p.kelurahan_code or "", ""), cats.get(p.category_code or "", p.category_code or ""),
                     DTSEN_KINDS.get(d.kind, d.kind), d.reason or ""])
    return rows


def export_batch(db: Database, actor: Actor, batch: str, out: str | Path) -> ExportResult:
    """Write the proposals of ``batch`` (not ditolak) to ``out`` (.xlsx or .csv) with
    :data:`EXPORT_COLUMNS`; audited as a personal-data export (nothing appears unless audited)."""
    require(actor, "personal_data.export")
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValidationError("Berkas ekspor harus .xlsx atau .csv.", "out")
    batch = (batch or "").strip()
    with db.reading() as s:
        rows = batch_rows(s, batch)
    if not rows:
        raise NotFoundError(f"Batch {batch or '(kosong)'} tidak berisi usulan DTSEN.", "batch")

    def write(tmp: Path) -> int:
        if suffix == ".csv":
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(EXPORT_COLUMNS)
                writer.writerows(csv_row(r) for r in rows)
        else:
            _write_xlsx(tmp, batch, rows)
        return len(rows)

    n = audited_file_export(db, actor, "dtsen_proposal", path, write, details={"batch": batch})
    return ExportResult(str(path), n)


def _write_xlsx(path: Path, batch: str, rows: list[list[str]]) -> None:
    wb, ws = export_sheet("Usulan DTSEN", EXPORT_COLUMNS, (18, 18, 28, 6, 12, 36, 16, 22, 26, 14, 36))
    for r in rows:
        cells = xlsx_row(ws, r)  # text as text, never a formula
        for cell in cells[:2]:
            cell.number_format = "@"  # NIK and KK: the 16 digits stay text
        ws.append(cells)
    wb.save(path)


__all__ = [
    "ProposalInput", "ProposalInfo", "ExportResult", "EXPORT_COLUMNS", "propose", "propose_in", "decide",
    "decide_batch", "set_batch", "delete_proposal", "list_proposals", "batches", "yearly_decided", "export_batch",
    "set_status_in", "load_proposal", "validate_proposal",
]
