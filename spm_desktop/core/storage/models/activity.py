"""Group activities (kegiatan kelompok) and the office's volunteer roster (relawan/Tagana).

Service types with the counting rule ``participants`` (bimbingan sosial kepada keluarga dan
masyarakat) or ``named_participants`` (Tagana) are recorded as group activities, never as a
person's service event (architecture §4). An activity counts its attendances (participants
male + female), lists the PPKS whose families took part (for them the need of that code is
met) and the roster volunteers who took part (counted once each per year).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from spm_desktop.core.storage.base import Base, SyncMixin


class Volunteer(SyncMixin, Base):
    """One volunteer of the office's roster (relawan, Tagana), not a PPKS."""

    __tablename__ = "volunteer"

    name: Mapped[str] = mapped_column(String(160))
    sex: Mapped[str] = mapped_column(String(1))  # L | P
    nik: Mapped[str | None] = mapped_column(String(16), index=True)  # unique among live volunteers (service)
    organisation: Mapped[str] = mapped_column(String(120), default="Tagana")
    phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")


class GroupActivity(SyncMixin, Base):
    """One group activity of a ``participants`` / ``named_participants`` service type."""

    __tablename__ = "group_activity"
    __table_args__ = (
        # The roll-up's window over the activities: date range, code, the counted columns.
        Index("ix_group_activity_date_code", "activity_date", "service_code", "deleted_at"),
    )

    service_code: Mapped[str] = mapped_column(ForeignKey("service_type.code"))
    activity_date: Mapped[date] = mapped_column(Date)
    kelurahan_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    participants_male: Mapped[int] = mapped_column(Integer, default=0)
    participants_female: Mapped[int] = mapped_column(Integer, default=0)
    facilitator: Mapped[str] = mapped_column(String(160), default="")
    notes: Mapped[str] = mapped_column(Text, default="")


class GroupActivityPerson(SyncMixin, Base):
    """A PPKS whose family took part in an activity (removed = soft-deleted)."""

    __tablename__ = "group_activity_person"
    __table_args__ = (
        UniqueConstraint("activity_id", "person_id"),
        Index("ix_group_activity_person_person", "person_id", "deleted_at", "activity_id"),
    )

    activity_id: Mapped[str] = mapped_column(ForeignKey("group_activity.id"))
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"))


class GroupActivityVolunteer(SyncMixin, Base):
    """A roster volunteer who took part in an activity (removed = soft-deleted)."""

    __tablename__ = "group_activity_volunteer"
    __table_args__ = (
        UniqueConstraint("activity_id", "volunteer_id"),
        Index("ix_group_activity_volunteer_volunteer", "volunteer_id"),
    )

    activity_id: Mapped[str] = mapped_column(ForeignKey("group_activity.id"))
    volunteer_id: Mapped[str] = mapped_column(ForeignKey("volunteer.id"))
