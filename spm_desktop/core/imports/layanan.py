"""``import complaints|referrals|dtsen`` (issue 21), on the common framework: dry-run, all or
nothing, ``baris N, kolom X``, and importing a row again with the same ``id`` updates it.

* complaints: id, **tanggal_terima** (date, optionally with ``HH:MM``), **saluran**, pelapor
  (empty or "anonim": anonymous), nik_pelapor, telepon, hubungan, **kategori**, person (id
  or NIK), **uraian**, kelurahan, **status**, tanggal_respons (first response; default the
  status date), tanggal_status (date of the status for diverifikasi/ditindaklanjuti; default
  tanggal_respons), tanggal_selesai (required when selesai or ditolak), alasan_ditolak;
* referrals: id, **event** (a referral event: an events-file id or record id) — or
  **person** + **tanggal** + **tujuan** for a new outgoing one (an incoming one has **asal**
  instead of tujuan) —, arah (keluar/masuk, default keluar), **status**,
  tanggal_umpan_balik, catatan, alasan, kontak, case (incoming: the case it opened);
* dtsen: id, **person**, **jenis** (baru, perubahan, penghapusan), **tanggal**, **status**,
  tanggal_status (default tanggal), batch, alasan (the proposal's reason; for ditolak also
  the rejection's unless alasan_ditolak is given), alasan_ditolak.
"""

from __future__ import annotations

from datetime import datetime, time

from spm_desktop.core.domain.layanan import (
    CATEGORIES,
    CHANNELS,
    COMPLAINT_CLOSED,
    COMPLAINT_NEXT,
    COMPLAINT_STATUSES,
    DTSEN_NEXT,
    DTSEN_STATUSES,
    REFERRAL_NEXT,
    REFERRAL_STATUSES,
    choice,
)
from spm_desktop.core.imports.framework import Column, ImportContext, ImportKind, Row, derived_id, register_kind
from spm_desktop.core.imports.refs import resolve_case, resolve_event, resolve_person
from spm_desktop.core.services import complaints as cs
from spm_desktop.core.services import dtsen as ds
from spm_desktop.core.services import referrals as rs
from spm_desktop.core.storage.models import Complaint, DtsenProposal, Referral

ANONYMOUS = {"anonim", "anonymous", "-"}


def _status(row: Row, column: str, options: dict[str, str]) -> str:
    text = row.text(column, required=True)
    key = choice(text, options)
    if text and key is None:
        row.error(column, f"'{text}' tidak dikenal; pilih: {', '.join(options)}.")
    return key or ""


def _received(row: Row) -> datetime | None:
    text = row.text("tanggal_terima", required=True)
    if not text:
        return None
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    day = row.date("tanggal_terima")
    return None if day is None else datetime.combine(day, time(0, 0))


# ----- complaints ----------------------------------------------------------------------------

COMPLAINT_COLUMNS = (
    Column("id"), Column("tanggal_terima", required=True), Column("saluran", required=True), Column("pelapor"),
    Column("nik_pelapor"), Column("telepon"), Column("hubungan"), Column("kategori", required=True),
    Column("person"), Column("uraian", required=True), Column("kelurahan"), Column("status", required=True),
    Column("tanggal_respons"), Column("tanggal_status"), Column("tanggal_selesai"), Column("alasan_ditolak"),
)
COMPLAINT_FIELDS = {
    "received_at": "tanggal_terima", "channel": "saluran", "reporter_name": "pelapor", "reporter_nik": "nik_pelapor",
    "reporter_phone": "telepon", "reporter_relation": "hubungan", "category": "kategori", "person_id": "person",
    "description": "uraian", "kelurahan_code": "kelurahan", "status": "status", "on": "tanggal_status",
    "reason": "alasan_ditolak", "responded_on": "tanggal_respons", "complaint_id": "id",
}


def apply_complaint(ctx: ImportContext, row: Row) -> str:
    s = ctx.session
    received = _received(row)
    channel = choice(row.text("saluran", required=True), CHANNELS)
    if row.text("saluran") and channel is None:
        row.error("saluran", f"'{row.text('saluran')}' tidak dikenal; pilih: {', '.join(CHANNELS)}.")
    category = choice(row.text("kategori", required=True), CATEGORIES)
    if row.text("kategori") and category is None:
        row.error("kategori", f"'{row.text('kategori')}' tidak dikenal; pilih: {', '.join(CATEGORIES)}.")
    status = _status(row, "status", COMPLAINT_STATUSES)
    person_id = resolve_person(ctx, row, "person", required=False)
    kelurahan = ctx.place(row, "kelurahan", "kelurahan")
    responded = row.date("tanggal_respons")
    status_on = row.date("tanggal_status")
    closed = row.date("tanggal_selesai", required=status in COMPLAINT_CLOSED)
    reason = row.text("alasan_ditolak", required=status == "ditolak")
    reporter = row.text("pelapor")
    row.check()
    data = cs.ComplaintInput(
        received_at=received, channel=channel or "", category=category or "", description=row.text("uraian"),
        reporter_name="" if reporter.lower() in ANONYMOUS else reporter, reporter_nik=row.text("nik_pelapor"),
        reporter_phone=row.text("telepon"), reporter_relation=row.text("hubungan"),
        anonymous=not reporter or reporter.lower() in ANONYMOUS, person_id=person_id, kelurahan_code=kelurahan,
        officer=ctx.actor.full_name or ctx.actor.username)
    cid = ctx.record_id(row, received, data.reporter_name, data.reporter_nik, data.description)
    existing = ctx.existing(row, Complaint, cid, "pengaduan ini")
    if existing is None:
        c = cs.receive_complaint_in(s, ctx.actor, data, complaint_id=cid, import_ref=row.text("id") or None)
        outcome = "created"
    else:
        c, changed = cs.update_complaint_in(s, ctx.actor, cid, data)
        outcome = "updated" if changed else "unchanged"
    if status != c.status:
        if status not in COMPLAINT_NEXT.get(c.status, ()) or status == "diterima":
            row.error("status", f"status tidak bisa diubah dari {c.status} menjadi {status}.")
            row.check()
        on = closed if status in COMPLAINT_CLOSED else (status_on or responded or received.date())
        cs.set_status_in(s, ctx.actor, c, status, on, reason=reason,
                         responded_on=responded if c.first_response_on is None else None)
        outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


# ----- referrals -----------------------------------------------------------------------------

REFERRAL_COLUMNS = (
    Column("id"), Column("event"), Column("person"), Column("tanggal"), Column("tujuan"), Column("asal"),
    Column("arah"), Column("status", required=True), Column("tanggal_umpan_balik"), Column("catatan"),
    Column("alasan"), Column("kontak"), Column("case"),
)
REFERRAL_FIELDS = {
    "event_id": "event", "person_id": "person", "referral_date": "tanggal", "destination": "tujuan",
    "origin": "asal", "status": "status", "feedback_date": "tanggal_umpan_balik", "case_id": "case",
    "service_code": "event", "event_date": "tanggal", "details": "tujuan", "referral_id": "id",
}


def apply_referral(ctx: ImportContext, row: Row) -> str:
    s = ctx.session
    direction = (row.text("arah") or "keluar").lower()
    if direction not in ("keluar", "masuk"):
        row.error("arah", "harus 'keluar' atau 'masuk'.")
    status = _status(row, "status", REFERRAL_STATUSES)
    event_id = resolve_event(ctx, row, "event")
    new_outgoing = direction == "keluar" and not row.text("event")
    person_id = resolve_person(ctx, row, "person", required=new_outgoing or direction == "masuk")
    on = row.date("tanggal", required=new_outgoing or direction == "masuk")
    if new_outgoing:
        row.text("tujuan", required=True)
    if direction == "masuk":
        row.text("asal", required=True)
        if status == "dikirim":
            row.error("status", "rujukan masuk berstatus diterima, selesai atau ditolak.")
    feedback = row.date("tanggal_umpan_balik")
    case_id = resolve_case(ctx, row, "case")
    row.check()
    ref = row.text("id")
    natural_key = (event_id,) if event_id else (direction, person_id, on, row.text("tujuan"), row.text("asal"))
    rid = ctx.record_id(row, *natural_key)
    existing = ctx.existing(row, Referral, rid, "rujukan ini")
    if existing is None and event_id:
        tracked = s.query(Referral.id).filter(Referral.event_id == event_id).scalar()  # the event's own referral
        existing = ctx.existing(row, Referral, tracked, "rujukan ini") if tracked else None
    outcome = "unchanged"
    if existing is not None:
        r = existing
    elif event_id:
        r = rs.track_event_in(s, ctx.actor, event_id)
        outcome = "created"
    elif direction == "keluar":
        r = rs.send_referral_in(s, ctx.actor, rs.OutgoingInput(
            person_id=person_id or "", referral_date=on, destination=row.text("tujuan"), reason=row.text("alasan"),
            contact=row.text("kontak"), case_id=case_id, notes=row.text("catatan")),
            referral_id=rid, event_id=derived_id("referral-events", rid), import_ref=ref or None)
        outcome = "created"
    else:
        r = rs.record_incoming_in(s, ctx.actor, rs.IncomingInput(
            person_id=person_id or "", referral_date=on, origin=row.text("asal"), case_id=case_id,
            reason=row.text("alasan"), contact=row.text("kontak"), notes=row.text("catatan")),
            referral_id=rid, import_ref=ref or None, status=status, feedback_date=feedback)
        return "created"
    if status != r.status and status not in REFERRAL_NEXT.get(r.status, ()):
        row.error("status", f"status rujukan tidak bisa diubah dari {r.status} menjadi {status}.")
        row.check()
    notes = row.text("catatan") if row.has("catatan") else None
    if rs.set_status_in(s, ctx.actor, r, status, feedback, notes) and outcome == "unchanged":
        outcome = "updated"
    return outcome


# ----- dtsen ---------------------------------------------------------------------------------

DTSEN_COLUMNS = (
    Column("id"), Column("person", required=True), Column("jenis", required=True), Column("tanggal", required=True),
    Column("status", required=True), Column("tanggal_status"), Column("batch"), Column("alasan"),
    Column("alasan_ditolak"),
)
DTSEN_FIELDS = {"person_id": "person", "kind": "jenis", "proposed_on": "tanggal", "status": "status",
                "status_on": "tanggal_status", "batch": "batch", "reason": "alasan", "proposal_id": "id"}


def apply_dtsen(ctx: ImportContext, row: Row) -> str:
    s = ctx.session
    person_id = resolve_person(ctx, row, "person")
    kind = row.text("jenis", required=True)
    on = row.date("tanggal", required=True)
    status = _status(row, "status", DTSEN_STATUSES)
    status_on = row.date("tanggal_status") or on
    row.check()
    pid = ctx.record_id(row, person_id, kind.lower(), on)
    data = ds.ProposalInput(person_id or "", kind, on, row.text("batch"), row.text("alasan"))
    existing = ctx.existing(row, DtsenProposal, pid, "usulan ini")
    if existing is None:
        d = ds.propose_in(s, ctx.actor, data, proposal_id=pid, import_ref=row.text("id") or None)
        outcome = "created"
    else:
        d, outcome = existing, "unchanged"
        clean = ds.validate_proposal(s, data, own_id=pid)
        if (d.person_id, d.kind, d.proposed_on, d.batch, d.reason) != (clean.person_id, clean.kind, clean.proposed_on,
                                                                       clean.batch, clean.reason):
            from spm_desktop.core.security import audit

            before = audit.snapshot(d)
            d.person_id, d.kind, d.proposed_on, d.batch, d.reason = (clean.person_id, clean.kind, clean.proposed_on,
                                                                     clean.batch, clean.reason)
            s.flush()
            audit.record(s, "update", "dtsen_proposal", d.id, before=before, after=d)
            outcome = "updated"
    if status != d.status:
        if status not in DTSEN_NEXT.get(d.status, ()):
            row.error("status", f"status usulan tidak bisa diubah dari {d.status} menjadi {status}.")
            row.check()
        ds.set_status_in(s, ctx.actor, d, status, status_on, row.text("alasan_ditolak") or row.text("alasan"))
        outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


COMPLAINTS = register_kind(ImportKind(name="complaints", title="pengaduan dan permohonan data",
                                      columns=COMPLAINT_COLUMNS, apply=apply_complaint,
                                      field_columns=COMPLAINT_FIELDS))
REFERRALS = register_kind(ImportKind(name="referrals", title="rujukan", columns=REFERRAL_COLUMNS,
                                     apply=apply_referral, field_columns=REFERRAL_FIELDS))
DTSEN = register_kind(ImportKind(name="dtsen", title="usulan DTSEN", columns=DTSEN_COLUMNS, apply=apply_dtsen,
                                 field_columns=DTSEN_FIELDS))
