"""Layanan data, pengaduan dan rujukan (issue 21): complaints and data requests with their
follow-up log, referral tracking, DTSEN proposals, and the letters the office signs.

A complaint (``complaint``) is not a service event: most people who complain or ask for data
are not PPKS. It may name the person concerned (``person_id``) and the case it opened. Its
response time is counted in working days (``core/domain/workdays.py``) from ``received_at``
to ``first_response_on`` (the first change of status). An outgoing referral (``referral``,
``direction = keluar``) tracks the 1.06.04.2.01.0012 event that records it; an incoming one
(``masuk``) is recorded at intake and links the case it opened. A DTSEN proposal
(``dtsen_proposal``) follows one person from "diusulkan" to "ditetapkan".

Letters (``letter``) are the office's own register: never synced (a TKSK laptop prints
drafts without a number), one row per printed letter with its number, date and the text it
was printed with, so a reprint gives the same letter. ``(kind, year, seq)`` is unique: two
seats of one PostgreSQL database can never issue the same number, and a voided letter keeps
its row, so its number is never issued again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from spm_desktop.core.domain.layanan import REFERRAL_CODE
from spm_desktop.core.storage.base import Base, SyncMixin, new_id, utcnow
from spm_desktop.core.storage.models.casework import ServiceEvent

# The live referral events (1.06.04.2.01.0012) by date: the layanan summary's "sent" and
# "waiting" read a few index entries instead of every event of the period (a partial index:
# only referral events are in it, so recording other services does not pay for it).
REFERRAL_EVENTS_WHERE = f"service_code = '{REFERRAL_CODE}' AND deleted_at IS NULL"
Index("ix_service_event_referral", ServiceEvent.event_date, ServiceEvent.id,
      sqlite_where=text(REFERRAL_EVENTS_WHERE), postgresql_where=text(REFERRAL_EVENTS_WHERE))


class Complaint(SyncMixin, Base):
    """A complaint, a report of a neglected person, or a request for data (pengaduan dan
    permohonan data)."""

    __tablename__ = "complaint"
    __table_args__ = (
        # The roll-up's window: complaints closed selesai, by closing date.
        Index("ix_complaint_closed", "closed_on", "status", "deleted_at"),
        Index("ix_complaint_received", "received_at", "deleted_at"),
    )

    received_at: Mapped[datetime] = mapped_column(DateTime)  # office time of receipt
    channel: Mapped[str] = mapped_column(String(30))
    reporter_name: Mapped[str] = mapped_column(String(160), default="")
    reporter_nik: Mapped[str | None] = mapped_column(String(16), index=True)
    reporter_phone: Mapped[str] = mapped_column(String(40), default="")
    reporter_relation: Mapped[str] = mapped_column(String(80), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str] = mapped_column(String(30))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    kelurahan_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    officer: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20), default="diterima")
    first_response_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)  # selesai or ditolak
    rejected_reason: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
    import_ref: Mapped[str | None] = mapped_column(String(200))


class ComplaintFollowUp(SyncMixin, Base):
    """One dated entry of a complaint's follow-up log (a change of status writes one too)."""

    __tablename__ = "complaint_followup"
    __table_args__ = (Index("ix_complaint_followup_complaint", "complaint_id", "followup_date"),)

    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaint.id"))
    followup_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="")  # the status it set ("" = a note only)
    officer: Mapped[str] = mapped_column(String(120), default="")


class Referral(SyncMixin, Base):
    """A referral: outgoing (keluar, the 1.06.04.2.01.0012 event it tracks) or incoming (masuk,
    from Puskesos/SLRT, Satpol PP, the police, a hospital or the public)."""

    __tablename__ = "referral"
    __table_args__ = (Index("ix_referral_status", "status", "deleted_at", "referral_date"),)

    direction: Mapped[str] = mapped_column(String(10), default="keluar")  # keluar | masuk
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(ForeignKey("service_event.id"), unique=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
    referral_date: Mapped[date] = mapped_column(Date)
    destination: Mapped[str] = mapped_column(String(160), default="")  # keluar: the institution
    origin: Mapped[str] = mapped_column(String(160), default="")  # masuk: who referred
    reason: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(160), default="")
    status: Mapped[str] = mapped_column(String(20), default="dikirim")
    feedback_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    import_ref: Mapped[str | None] = mapped_column(String(200))


class DtsenProposal(SyncMixin, Base):
    """A proposal to enter, change or remove one person in DTSEN (Data Tunggal Sosial dan
    Ekonomi Nasional)."""

    __tablename__ = "dtsen_proposal"
    __table_args__ = (Index("ix_dtsen_proposal_batch", "batch", "deleted_at"),)

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # baru | perubahan | penghapusan
    proposed_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="diusulkan")
    status_on: Mapped[date | None] = mapped_column(Date)  # date of the current status
    verified_on: Mapped[date | None] = mapped_column(Date)  # when it became diverifikasi (if it did)
    batch: Mapped[str] = mapped_column(String(60), default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # why proposed
    rejected_reason: Mapped[str] = mapped_column(Text, default="")
    import_ref: Mapped[str | None] = mapped_column(String(200))


class Letter(Base):
    """A letter the office printed (local register, never synced)."""

    __tablename__ = "letter"
    __table_args__ = (
        UniqueConstraint("kind", "year", "seq"),
        Index("ix_letter_record", "record_id", "kind"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))  # rujukan | serah_terima | keterangan
    record_id: Mapped[str] = mapped_column(String(36))  # referral, event or complaint id
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)  # None: a draft (no number)
    number: Mapped[str] = mapped_column(String(120), default="")
    letter_date: Mapped[date] = mapped_column(Date)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the text printed
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    void_reason: Mapped[str] = mapped_column(Text, default="")
