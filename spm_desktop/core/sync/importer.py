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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spm_desktop.core.collector import collector_paused
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import date_time
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.storage.backup import BackupInBackground, prepare_for_copy
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.checkpoint import defer_checkpoint
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.migrate import head_revision
from spm_desktop.core.storage.models import SyncPackage, SyncPeer
from spm_desktop.core.sync import envelope, payload
from spm_desktop.core.sync.codec import CODECS
from spm_desktop.core.sync.envelope import PackageRefused
from spm_desktop.core.sync.identity import ensure_keys
from spm_desktop.core.sync.planning import OpenedPackage, Plan, decode_rows, make_plan
from spm_desktop.core.sync.writing import apply_plan, new_duplicate_pairs, out_of_scope, remove_persons

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
    # new duplicate suggestions to review: persons sharing a NIK, and open ones arriving (a
    # laptop's suggestion, one naming a person moved out of its scope included)
    duplicates: int
    already_imported: bool = False
    backup_file: str = ""
    removed: int = 0  # persons removed from this (TKSK) device: they left its scope

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
        return bool(self.new or self.updated or self.duplicates or self.removed)


# ----- reading ---------------------------------------------------------------------------


def open_package(session: Session, path: str | Path, this_device_id: str,
                 this_device_name: str = "", now: datetime | None = None,
                 authenticated: Callable[[Session, payload.Manifest], None] | None = None) -> OpenedPackage:
    """Authenticate, decrypt and check a package; refuses (``PackageRefused``) before anything
    is applied. The sender's key is looked up among the enrolled devices before the body is
    even hashed. ``authenticated`` is called once the package is known to come from an
    enrolled sender for this database, in time and schema, before its rows are decoded."""
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
        raise PackageRefused(MSG_REVOKED.format(name=sender.name, when=f"{date_time(sender.revoked_at)} UTC"))
    plain = envelope.unseal(data, header, keys)
    del data
    manifest, offset = payload.read_manifest(plain)
    if manifest.source_device_id != sender.device_id:
        raise PackageRefused(MSG_WRONG_SENDER.format(name=sender.name))
    try:
        return _checked(session, manifest, plain, offset, sender, path, this_device_id, this_device_name, now,
                        authenticated)
    except PackageRefused as exc:
        # Signed by an enrolled sender: the refusal is answered in the next package to it.
        exc.refused = (manifest, sender.id)
        raise


def _checked(session: Session, manifest: payload.Manifest, plain: bytes, offset: int, sender: SyncPeer,
             path: str | Path, this_device_id: str, this_device_name: str, now: datetime | None,
             authenticated: Callable[[Session, payload.Manifest], None] | None = None) -> OpenedPackage:
    _check_sender_clock(manifest.created_at, now)
    if manifest.schema_revision != head_revision():
        from alembic.script import ScriptDirectory

        from spm_desktop.core.storage.migrate import alembic_config

        known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        msg = MSG_OLDER_SCHEMA if manifest.schema_revision in known else MSG_NEWER_SCHEMA
        raise PackageRefused(msg.format(rev=manifest.schema_revision))
    if manifest.source_device_id == this_device_id:
        raise PackageRefused(MSG_SAME_DEVICE.format(name=this_device_name or manifest.source_device_name))
    if authenticated is not None:
        authenticated(session, manifest)
    decoded: dict[int, dict[str, Any]] = {}
    tables = [(CODECS[t.table], decode_rows(CODECS[t.table], t, decoded))
              for t in payload.read_tables(plain, manifest, offset)]
    return OpenedPackage(manifest, tables, Path(path).name, decoded, sender.id, sender.name)


def _check_sender_clock(created_at: str, now: datetime | None = None) -> None:
    """A package made "more than a day in the future" comes from a computer whose clock is
    wrong: its records' stamps would win everywhere. Refused before anything is planned."""
    try:
        made = datetime.fromisoformat(created_at)
    except ValueError:
        raise PackageRefused(envelope.MSG_MALFORMED.format(detail="waktu pembuatan paket tidak sah")) from None
    here = now or utcnow()
    if made > here + MAX_CLOCK_AHEAD:
        raise PackageRefused(MSG_CLOCK_AHEAD.format(sent=date_time(made), here=date_time(here)))


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
    with db.sessions.begin() as s:  # begin: a device from before enrolment gets its keys here
        return _open_in(s, db, path)


def _open_in(s: Session, db: Database, path: str | Path,
             authenticated: Callable[[Session, payload.Manifest], None] | None = None) -> OpenedPackage:
    from spm_desktop.core.storage.models import LocalDevice

    device = s.scalars(select(LocalDevice)).one()
    return open_package(s, path, device.id, device.name, db.now(), authenticated)


def check_rules(session: Session, package: OpenedPackage, plan: Plan) -> None:
    """Refuse the package (:class:`~spm_desktop.core.sync.validation.PackageInvalid`, every
    reason listed) when a row it would write breaks the rules of a local write under the
    sender's enrolled role and scope."""
    from spm_desktop.core.sync import validation, validation_layanan  # noqa: F401  (registers its tables' rules)

    sender = session.get(SyncPeer, package.peer_id)
    changes: dict[str, list[validation.Change]] = {}
    for tp in plan.tables:
        codec = tp.codec
        id_at = codec.index("id")
        rows = [*tp.inserts, *tp.updates, *(row for _old, row in tp.rekeys)]
        concurrent = {entity_id for entity_id, _mine, _remote, _winner in tp.conflicts}
        out = []
        for row in rows:
            new = (tp.decoded or {}).get(id(row)) or codec.decode(row)
            before = tp.before.get(row[id_at])
            out.append(validation.Change(row[id_at], new, codec.decode(before) if before is not None else None,
                                         row[id_at] in concurrent))
        changes[codec.name] = out
    ctx = validation.Context(session, sender.name, sender.role, sender.kecamatan_code, sender.unit,
                             validation.package_day(package.manifest.created_at), changes,
                             sender_device=sender.device_id or "",
                             holds=lambda persons: sender_holds(session, sender, package, plan, persons),
                             unheld={tp.codec.name: tp.unheld for tp in plan.tables if tp.unheld})
    reasons = validation.validate(ctx)
    if reasons:
        raise validation.PackageInvalid(sender.name, reasons)


def sender_holds(session: Session, sender: SyncPeer, package: OpenedPackage, plan: Plan,
                 persons: set[str]) -> set[str]:
    """Of ``persons`` (outside the scoped ``sender``'s kelurahans here), those it holds, so that
    a duplicate suggestion of it naming one of them is not a scope breach but a rule involving
    a record this database changed (issue 17: never a refusal): in the scope it is sent now (an
    open TKSK case in its kecamatan, a disaster household there), held by the one rule of
    :func:`~spm_desktop.core.sync.scope.peer_holds` (this package's answer counted, as the
    planner counts it), or in a conflict with its version in this very package — its edit of a
    version it held that this database moved out of its scope meanwhile (the planner keeps this
    version; the laptop keeps the person until the edit is acknowledged, and may suggest him as
    a duplicate meanwhile). A person it never held (a crafted package) is none of these."""
    from spm_desktop.core.sync.planning import acknowledged
    from spm_desktop.core.sync.scope import device_scope, peer_holds

    device = sender.device_id or ""
    scope = device_scope(session, sender.role or "", sender.kecamatan_code, sender.unit, device, 2 ** 31 - 1)
    held = persons & scope.persons if scope is not None else set()
    held |= {entity_id for tp in plan.tables if tp.codec.name == "person"
             for entity_id, _mine, _remote, _winner in tp.conflicts if entity_id in persons}
    return held | peer_holds(session, sender, acknowledged(sender, package.manifest), persons - held)


def arriving_suggestions(session: Session, plan: Plan) -> set[frozenset[str]]:
    """The open duplicate suggestions the package adds here (pairs of persons this database has
    no suggestion for, in either order): counted with those the import makes for a shared NIK,
    so a laptop's suggestion — one naming a person the office moved out of its scope included —
    is counted for a supervisor like any other."""
    from spm_desktop.core.storage.models import DuplicateCandidate as Pair
    from spm_desktop.core.sync.scope import _chunks

    pairs: set[frozenset[str]] = set()
    for tp in plan.tables:
        if tp.codec.name == "duplicate_candidate":
            at = {c: tp.codec.index(c) for c in ("person_a_id", "person_b_id", "status", "deleted_at")}
            pairs = {frozenset((r[at["person_a_id"]], r[at["person_b_id"]])) for r in tp.inserts
                     if r[at["status"]] == "open" and r[at["deleted_at"]] is None}
    persons = {p for pair in pairs for p in pair}
    for chunk in _chunks(persons):
        for column in (Pair.person_a_id, Pair.person_b_id):
            pairs -= {frozenset(r) for r in session.execute(select(Pair.person_a_id, Pair.person_b_id).where(
                column.in_(chunk)))}
    return pairs


def _already_imported(session: Session, package_id: str) -> bool:
    found = session.get(SyncPackage, package_id)
    return found is not None and found.status != "refused"  # a refused package may be tried again


def preview_import(db: Database, actor: Actor, path: str | Path) -> ImportSummary:
    """What importing ``path`` would do, without writing anything."""
    require(actor, "sync.run")
    package = _open(db, path)
    with db.reading() as s:
        if _already_imported(s, package.manifest.package_id):
            return _summary(package, None, already_imported=True)
        plan = make_plan(s, package, db.device_id)
        check_rules(s, package, plan)
        arriving = arriving_suggestions(s, plan)
        made = [p for p in new_duplicate_pairs(s, plan.duplicate_pairs) if frozenset(p[:2]) not in arriving]
        return _summary(package, plan, duplicates=len(made) + len(arriving), removed=len(_leaving(s, package)))


def import_package(db: Database, actor: Actor, path: str | Path) -> ImportSummary:
    """Apply a package in one transaction, after a backup copy of the database file. A package
    from an enrolled sender that is refused is recorded with its reasons (and the answers it
    carried are taken), so the next package to that sender tells it: it then sends the same
    changes again."""
    require(actor, "sync.run")
    with collector_paused():
        return _import_package(db, actor, path)


def _import_package(db: Database, actor: Actor, path: str | Path) -> ImportSummary:
    prepare_for_copy(db)
    package: OpenedPackage | None = None
    pending: BackupInBackground | None = None
    try:
        with db.transaction(actor) as s:
            # The write lock first; the backup copy of the file then runs on a thread, started
            # once the package is authenticated (an unknown sender never costs a copy), while
            # the package is decrypted, planned and written, and is waited for before the commit.
            pending = BackupInBackground(db, s, "before-import")

            def authenticated(session: Session, manifest: payload.Manifest) -> None:
                if not _already_imported(session, manifest.package_id):
                    pending.start()

            package = _open_in(s, db, path, authenticated)
            if _already_imported(s, package.manifest.package_id):
                return _summary(package, None, already_imported=True)
            defer_checkpoint(s)  # the commit leaves the WAL's pages to a thread (decision 0007)
            take_answers(s, package.peer_id, package.manifest)
            plan = make_plan(s, package, db.device_id)
            check_rules(s, package, plan)
            arriving = arriving_suggestions(s, plan)
            duplicates = apply_plan(s, package, plan, actor) + len(arriving)  # it makes none of those again
            removed = remove_persons(s, _leaving(s, package))
            backup = pending.wait()
            summary = _summary(package, plan, duplicates=duplicates, removed=removed,
                               backup_file=str(backup.path) if backup else "")
            _record(s, package, summary)
            return summary
    except PackageRefused as exc:
        _discard(pending)
        _refused(db, actor, exc, package, path)
        raise
    except IntegrityError as exc:
        _discard(pending)
        missing_parent = "foreign key" in str(exc.orig).lower()
        refused = PackageRefused(MSG_MISSING_PARENT if missing_parent else MSG_UNIQUE_CLASH.format(
            detail=str(exc.orig).splitlines()[0][:200]))
        _refused(db, actor, refused, package, path)
        raise refused from exc
    except BaseException:
        _discard(pending)
        raise


def _discard(pending: BackupInBackground | None) -> None:
    """Nothing was written: the backup copy made for the import goes too."""
    if pending is not None:
        pending.discard()


def _refused(db: Database, actor: Actor, exc: PackageRefused, package: OpenedPackage | None,
             path: str | Path) -> None:
    """Record the refusal of a package (one opened: signed by an enrolled sender)."""
    if package is not None:
        exc.refused = (package.manifest, package.peer_id)
    _note_refusal(db, actor, exc, package.file_name if package is not None else Path(path).name)


def _leaving(s: Session, package: OpenedPackage) -> list[str]:
    """Persons the office says left this device's scope (honoured from an office device only)."""
    sender = s.get(SyncPeer, package.peer_id)
    if sender is None or sender.role != "office" or not package.manifest.evict:
        return []
    return out_of_scope(s, package, package.peer_id)


def take_answers(s: Session, peer_id: str, manifest: payload.Manifest) -> None:
    """The sender's answer to this database's packages: changes up to ``applied_until`` are
    applied there (never more than was sent), so the next package starts after them; the
    packages it answered are marked acknowledged or refused (with the reasons)."""
    peer = s.get(SyncPeer, peer_id)
    ack = manifest.ack
    applied = min(ack.applied_until, peer.last_sent_seq)
    if applied > peer.acked_seq:
        peer.acked_seq = applied
    now = utcnow()
    answers = {a.package_id: a for a in ack.answers}
    for out in s.scalars(select(SyncPackage).where(SyncPackage.direction == "out",
                                                  SyncPackage.peer_device_id == (peer.device_id or ""),
                                                  SyncPackage.status.in_(("sent", "refused")))):
        answer = answers.get(out.id)
        until = (out.counts or {}).get("until_seq")
        if answer is not None and answer.status == "refused":
            if out.status != "refused":
                out.status, out.reasons, out.answered_at = "refused", [list(r) for r in answer.reasons], now
        elif answer is not None or (isinstance(until, int) and until <= peer.acked_seq):
            out.status, out.answered_at = "acknowledged", now


def _reasons_of(exc: PackageRefused) -> list[list[str]]:
    from spm_desktop.core.sync.validation import PackageInvalid

    if isinstance(exc, PackageInvalid):
        return [[r.table, r.record, r.field, r.reason[:2000]] for r in exc.reasons[:payload.MAX_REASONS]]
    return [["", "", "", str(exc)[:2000]]]


def _note_refusal(db: Database, actor: Actor, exc: PackageRefused, file_name: str) -> None:
    """Record a refused package of an enrolled sender (its reasons travel back in the next
    package to it) and take the answers it carried; nothing of its content is applied."""
    refused = getattr(exc, "refused", None)
    if refused is None or db.read_only:
        return
    manifest, peer_id = refused
    with db.transaction(actor) as s:
        take_answers(s, peer_id, manifest)
        peer = s.get(SyncPeer, peer_id)
        record = s.get(SyncPackage, manifest.package_id)
        if record is not None and record.status != "refused":
            return  # applied before: a second import of it changes nothing
        if record is None:
            record = SyncPackage(id=manifest.package_id, direction="in")
            s.add(record)
        try:
            made = datetime.fromisoformat(manifest.created_at)
        except ValueError:
            made = utcnow()
        record.peer_device_id, record.peer_name = manifest.source_device_id, peer.name
        record.created_at, record.processed_at = made, utcnow()
        record.counts = {"tables": dict(manifest.counts), "until_seq": manifest.until_seq,
                         **_recipient(manifest)}
        record.content_hash, record.file_name = manifest.content_hash, file_name
        record.status, record.reasons = "refused", _reasons_of(exc)
        audit.record(s, "refuse_import", "sync_package", manifest.package_id,
                     after={"from": peer.name, "file": file_name, "reasons": len(record.reasons)})


def _recipient(manifest: payload.Manifest) -> dict:
    """How the sender says it enrolled this computer (signed, so authentic), kept with the
    package for the pre-flight of the next package to it (preflight.enrolled_as)."""
    return {"recipient": manifest.recipient.as_json()} if manifest.recipient is not None else {}


def _record(s: Session, package: OpenedPackage, summary: ImportSummary) -> None:
    m = package.manifest
    peer = s.get(SyncPeer, package.peer_id)
    now = utcnow()
    peer.last_received_at = now
    peer.received_seq = max(peer.received_seq or 0, m.until_seq)
    counts = {"tables": dict(m.counts), "new": summary.new, "updated": summary.updated, "removed": summary.removed,
              "conflicts": summary.conflicts, "duplicates": summary.duplicates,
              "seq": s.info.get("sync_seq", 0), "until_seq": m.until_seq, **_recipient(m)}
    earlier = s.get(SyncPackage, m.package_id)  # refused before, applied now
    if earlier is not None:
        s.delete(earlier)
        s.flush()
    s.add(SyncPackage(id=m.package_id, direction="in", peer_device_id=m.source_device_id, peer_name=peer.name,
                      created_at=datetime.fromisoformat(m.created_at), processed_at=now, counts=counts,
                      content_hash=m.content_hash, file_name=package.file_name, status="applied"))
    audit.record(s, "import", "sync_package", m.package_id,
                 after={"from": m.source_device_name, "file": package.file_name, **counts,
                        "sender_audit_head": m.audit_head})


__all__ = ["ImportSummary", "TableChange", "OpenedPackage", "preview_import", "import_package", "open_package"]
