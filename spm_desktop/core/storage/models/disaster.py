"""Disasters (kejadian bencana), affected households and their members."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from spm_desktop.core.storage.base import Base, SyncMixin


class Disaster(SyncMixin, Base):
    __tablename__ = "disaster"

    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date | None] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(20), default="tanggap_darurat")
    kecamatan_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    kelurahan_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    location: Mapped[str] = mapped_column(Text, default="")
    houses_light: Mapped[int] = mapped_column(Integer, default=0)
    houses_medium: Mapped[int] = mapped_column(Integer, default=0)
    houses_heavy: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed


class Household(SyncMixin, Base):
    __tablename__ = "household"

    disaster_id: Mapped[str] = mapped_column(ForeignKey("disaster.id"), index=True)
    no_kk: Mapped[str] = mapped_column(String(16), default="")
    head_person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"))
    address: Mapped[str] = mapped_column(Text, default="")
    damage_level: Mapped[str] = mapped_column(String(10), default="")  # ringan/sedang/berat
    notes: Mapped[str] = mapped_column(Text, default="")


class HouseholdMember(SyncMixin, Base):
    __tablename__ = "household_member"
    # A person belongs to at most one household per disaster.
    __table_args__ = (UniqueConstraint("disaster_id", "person_id"),)

    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    disaster_id: Mapped[str] = mapped_column(ForeignKey("disaster.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    relation: Mapped[str] = mapped_column(String(20), default="lainnya")
    pregnant_breastfeeding: Mapped[bool] = mapped_column(Boolean, default=False)
    disability: Mapped[bool] = mapped_column(Boolean, default=False)
