"""Import: open a package, preview what it would change, apply it in one transaction.

Rules (architecture §6):

- Only a package signed by an enrolled, not revoked device and encrypted for this one is
  opened (:mod:`~spm_desktop.core.sync.envelope`); the manifest must name that same device.

- Upsert by id. Of two versions of a record the higher ``(updated_at, revision,
  origin_device)`` wins (then a hash of the content, so equal stamps still decide the same
  way everywhere).
- A record changed on both sides since the last exchange with that peer becomes a
  :class:`SyncConflict` for a supervisor; the winner by the rule is applied meanwhile.
  "Changed here" means: its ``change_seq`` is past what was last sent to that peer, it did
  not arrive in a package from that peer, and that peer was not the last to edit it.
- Two persons with the same NIK but different ids: the one registered first keeps the NIK,
  the other keeps it in its notes, and a duplicate suggestion is added for review. Both
  databases decide the same way, so they still converge.
- Two rows of a table with a natural key (region code, setting key, case need, ...) made
  apart with different ids: the smaller id survives with the winning content.
- Importing the same package twice changes nothing.
"""


from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.migrate import head_revision
from spm_desktop.core.storage.models import SyncPackage, SyncPeer
from spm_desktop.core.sync import envelope, payload
from spm_desktop.core.sync.codec import CODECS
from spm_desktop.core.sync.envelope import PackageRefused
from spm_desktop.core.sync.identity import ensure_keys
from spm_desktop.core.sync.planning import OpenedPackage, Plan, decode_rows, make_plan
from spm_desktop.core.sync.writing import apply_plan, new_duplicate_pairs

MSG_SAME_DEVICE = ("Paket ini dibuat oleh komputer ini sendiri ({name}); paket hanya bisa diimpor di komputer "
                   "lain.")
MSG_NEWER_SCHEMA = ("Paket dibuat dengan struktur basis data yang lebih baru (revisi {rev}). Perbarui SPM Desktop "
                    "di komputer ini, lalu impor ulang.")
MSG_OLDER_SCHEMA = ("Paket dibuat dengan struktur basis data versi lama (revisi {rev}). Perbarui SPM Desktop di "
                    "komputer pengirim, lalu buat paket baru.")
MSG_UNIQUE_CLASH = ("Paket tidak bisa diterapkan karena bertentangan dengan data di komputer ini ({detail}). "
                    "Tidak ada data yang diubah; laporkan pesan ini kepada administrator.")
MSG_MISSING_PARENT = ("Paket merujuk data yang belum ada di komputer ini (mis. penerima layanan atau kasus yang "
                      "belum pernah dikirim). Minta pengirim membuat paket lengkap (sync export --full), lalu impor "
                      "paket itu. Tidak ada data yang diubah.")
MSG_UNENROLLED = ("Paket berasal dari komputer yang tidak terdaftar di komputer ini (kunci tanda tangan {fp}…). "
                  "Daftarkan dulu identitas komputer itu (sync enrol, atau halaman Sinkronisasi); tidak ada data yang "
                  "diubah.")
MSG_REVOKED = ("Paket berasal dari komputer {name} yang pendaftarannya sudah dicabut ({when}). Paket ditolak; tidak "
               "ada data yang diubah.")
MSG_CLOCK_AHEAD = ("Tanggal/jam komputer pengirim ({sent} UTC) lebih maju lebih dari satu hari dari komputer ini "
                   "({here} UTC); perbaiki jam komputer itu lalu buat paket lagi. Tidak ada data yang diubah.")
MAX_CLOCK_AHEAD = timedelta(days=1)
MSG_WRONG_SENDER = ("Paket ditandatangani oleh {name}, tetapi isinya mengaku dari komputer lain. Paket ditolak; tidak "
                    "ada data yang diubah.")


@dataclass(frozen=True)
class TableChange:
    table: str
    incoming: int
    new: int
    updated: int
    unchanged: int
    kept_local: int
    conflicts: int


@dataclass(frozen=True)
class ImportSummary:
    """What a package does (preview) or did (apply) to this database."""

    package_id: str
    source_device_id: str
    source_device_name: str
    created_at: str
    full: bool
    tables: tuple[TableChange, ...]
    duplicates: int  # new duplicate suggestions from persons sharing a NIK
    already_imported: bool = False
    backup_file: str = ""

    def _sum(self, attr: str) -> int:
        return sum(getattr(t, attr) for t in self.tables)

    @property
    def incoming(self) -> int:
        return self._sum("incoming")

    @property
    def new(self) -> int:
        return self._sum("new")

    @property
    def updated(self) -> int:
        return self._sum("updated")

    @property
    def unchanged(self) -> int:
        return self._sum("unchanged")

    @property
    def kept_local(self) -> int:
        return self._sum("kept_local")

    @property
    def conflicts(self) -> int:
        return self._sum("conflicts")

    @property
    def changes_anything(self) -> bool:
        return bool(self.new or self.updated or self.duplicates)


# ----- reading ---------------------------------------------------------------------------


def open_package(session: Session, path: str | Path, this_device_id: str,
                 this_device_name: str = "") -> OpenedPackage:
    """Authenticate, decrypt and check a package; refuses (``PackageRefused``) before anything
    is applied. The sender's key is looked up among the enrolled devices before the body is
    even hashed."""
    data = envelope.read_file_guarded(path)
    header = envelope.read_header(data)
    sender = session.scalars(select(SyncPeer).where(SyncPeer.sign_public == base64.b64encode(header.sender).decode())
                             ).first()
    keys = ensure_keys(session)
    if sender is None or not sender.role:
        if header.sender == keys.sign_public:
            raise PackageRefused(MSG_SAME_DEVICE.format(name=this_device_name))
        raise PackageRefused(MSG_UNENROLLED.format(fp=_sender_fp(header)))
    if sender.revoked_at is not None:
        raise PackageRefused(MSG_REVOKED.format(name=sender.name, when=f"{sender.revoked_at:%d/%m/%Y %H:%M} UTC"))
    plain = envelope.unseal(data, header, keys)
    del data
    manifest, offset = payload.read_manifest(plain)
    if manifest.source_device_id != sender.device_id:
        raise PackageRefused(MSG_WRONG_SENDER.format(name=sender.name))
    _check_sender_clock(manifest.created_at)
    if manifest.schema_revision != head_revision():
        from alembic.script import ScriptDirectory

        from spm_desktop.core.storage.migrate import alembic_config

        known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        msg = MSG_OLDER_SCHEMA if manifest.schema_revision in known else MSG_NEWER_SCHEMA
        raise PackageRefused(msg.format(rev=manifest.schema_revision))
    if manifest.source_device_id == this_device_id:
        raise PackageRefused(MSG_SAME_DEVICE.format(name=this_device_name or manifest.source_device_name))
    decoded: dict[int, dict[str, Any]] = {}
    tables = [(CODECS[t.table], decode_rows(CODECS[t.table], t, decoded))
              for t in payload.read_tables(plain, manifest, offset)]
    return OpenedPackage(manifest, tables, Path(path).name, decoded, sender.id, sender.name)


def _check_sender_clock(created_at: str) -> None:
    """A package made "more than a day in the future" comes from a computer whose clock is
    wrong: its records' stamps would win everywhere. Refused before anything is planned."""
    try:
        made = datetime.fromisoformat(created_at)
    except ValueError:
        raise PackageRefused(envelope.MSG_MALFORMED.format(detail="waktu pembuatan paket tidak sah")) from None
    here = utcnow()
    if made > here + MAX_CLOCK_AHEAD:
        raise PackageRefused(MSG_CLOCK_AHEAD.format(sent=f"{made:%d/%m/%Y %H:%M}", here=f"{here:%d/%m/%Y %H:%M}"))


def _sender_fp(header: envelope.Header) -> str:
    """The first characters of the unknown sender's signing key, to tell the user which one."""
    return base64.b32encode(header.sender).decode()[:8]


def _summary(package: OpenedPackage, plan: Plan | None, duplicates: int = 0, **extra) -> ImportSummary:
    m = package.manifest
    tables = tuple(
        TableChange(p.codec.name, p.incoming, len(p.inserts), len(p.updates) + len(p.rekeys), p.unchanged,
                    p.kept_local, len(p.conflicts))
        for p in (plan.tables if plan else [])
    )
    return ImportSummary(m.package_id, m.source_device_id, package.peer_name or m.source_device_name, m.created_at,
                         m.full, tables, duplicates, **extra)


# ----- public entry points ---------------------------------------------------------------


def _open(db: Database, path: str | Path) -> OpenedPackage:
    from spm_desktop.core.storage.models import LocalDevice

    with db.sessions.begin() as s:  # begin: a device from before enrolment gets its keys here
        device = s.scalars(select(LocalDevice)).one()
        return open_package(s, path, device.id, device.name)


def check_rules(session: Session, package: OpenedPackage, plan: Plan) -> None:
    """Refuse the package (:class:`~spm_desktop.core.sync.validation.PackageInvalid`, every
    reason listed) when a row it would write breaks the rules of a local write under the
    sender's enrolled role and scope."""
    from spm_desktop.core.sync import validation

    sender = session.get(SyncPeer, package.peer_id)
    changes: dict[str, list[validation.Change]] = {}
    for tp in plan.tables:
        codec = tp.codec
        id_at = codec.index("id")
        rows = [*tp.inserts, *tp.updates, *(row for _old, row in tp.rekeys)]
        out = []
        for row in rows:
            new = (tp.decoded or {}).get(id(row)) or codec.decode(row)
            before = tp.before.get(row[id_at])
            out.append(validation.Change(row[id_at], new, codec.decode(before) if before is not None else None))
        changes[codec.name] = out
    ctx = validation.Context(session, sender.name, sender.role, sender.kecamatan_code, sender.unit,
                             validation.package_day(package.manifest.created_at), changes)
    reasons = validation.validate(ctx)
    if reasons:
        raise validation.PackageInvalid(sender.name, reasons)


def _already_imported(session: Session, package_id: str) -> bool:
    return session.get(SyncPackage, package_id) is not None


def preview_import(db: Database, actor: Actor, path: str | Path) -> ImportSummary:
    """What importing ``path`` would do, without writing anything."""
    require(actor, "sync.run")
    package = _open(db, path)
    with db.reading() as s:
        if _already_imported(s, package.manifest.package_id):
            return _summary(package, None, already_imported=True)
        plan = make_plan(s, package, db.device_id)
        check_rules(s, package, plan)
        return _summary(package, plan, duplicates=len(new_duplicate_pairs(s, plan.duplicate_pairs)))


def import_package(db: Database, actor: Actor, path: str | Path) -> ImportSummary:
    """Apply a package in one transaction, after a backup copy of the database file."""
    require(actor, "sync.run")
    package = _open(db, path)
    with db.reading() as s:
        if _already_imported(s, package.manifest.package_id):
            return _summary(package, None, already_imported=True)
    from spm_desktop.core.storage.backup import backup_before

    backup = backup_before(db, "before-import")
    try:
        with db.transaction(actor) as s:
            if _already_imported(s, package.manifest.package_id):
                return _summary(package, None, already_imported=True)
            plan = make_plan(s, package, db.device_id)
            check_rules(s, package, plan)
            duplicates = apply_plan(s, package, plan, actor)
            summary = _summary(package, plan, duplicates=duplicates,
                               backup_file=str(backup.path) if backup else "")
            _record(s, package, summary)
            return summary
    except IntegrityError as exc:
        missing_parent = "foreign key" in str(exc.orig).lower()
        raise PackageRefused(MSG_MISSING_PARENT if missing_parent else MSG_UNIQUE_CLASH.format(
            detail=str(exc.orig).splitlines()[0][:200])) from exc


def _record(s: Session, package: OpenedPackage, summary: ImportSummary) -> None:
    m = package.manifest
    peer = s.get(SyncPeer, package.peer_id)
    now = utcnow()
    peer.last_received_at = now
    counts = {"tables": dict(m.counts), "new": summary.new, "updated": summary.updated,
              "conflicts": summary.conflicts, "duplicates": summary.duplicates,
              "seq": s.info.get("sync_seq", 0)}
    s.add(SyncPackage(id=m.package_id, direction="in", peer_device_id=m.source_device_id, peer_name=peer.name,
                      created_at=datetime.fromisoformat(m.created_at), processed_at=now, counts=counts,
                      content_hash=m.content_hash, file_name=package.file_name))
    audit.record(s, "import", "sync_package", m.package_id,
                 after={"from": m.source_device_name, "file": package.file_name, **counts})



__all__ = ["ImportSummary", "TableChange", "OpenedPackage", "preview_import", "import_package", "open_package"]
