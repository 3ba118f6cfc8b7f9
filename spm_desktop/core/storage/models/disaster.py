"""Disasters (kejadian bencana), affected households and their members."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from spm_desktop.core.storage.base import Base, SyncMixin


class Disaster(SyncMixin, Base):
    __tablename__ = "disaster"

    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date] = mapped_column(Date, index=True)
    # The end of the emergency period (masa tanggap darurat); empty while it lasts.
    end_date: Mapped[date | None] = mapped_column(Date)
    # Handling closed (penanganan ditutup): needs still open then no longer carry into a new year.
    closed_on: Mapped[date | None] = mapped_column(Date)
    # kabupaten_kota (counts in SPM group bencana) | provinsi | nasional
    scale: Mapped[str] = mapped_column(String(20), default="kabupaten_kota", server_default=text("'kabupaten_kota'"))
    phase: Mapped[str] = mapped_column(String(20), default="tanggap_darurat")
    kecamatan_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    kelurahan_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    location: Mapped[str] = mapped_column(Text, default="")
    houses_light: Mapped[int] = mapped_column(Integer, default=0)
    houses_medium: Mapped[int] = mapped_column(Integer, default=0)
    houses_heavy: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed (handling closed)


class Household(SyncMixin, Base):
    __tablename__ = "household"

    disaster_id: Mapped[str] = mapped_column(ForeignKey("disaster.id"), index=True)
    no_kk: Mapped[str] = mapped_column(String(16), default="")
    head_person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"))
    address: Mapped[str] = mapped_column(Text, default="")
    damage_level: Mapped[str] = mapped_column(String(10), default="")  # ringan/sedang/berat
    # Displaced (mengungsi): every member needs permakanan, sandang and tempat penampungan.
    displaced: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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
    needs_psychosocial: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Default needs waived for this member (service codes joined by ";") and why (audited).
    waived_codes: Mapped[str] = mapped_column(String(200), default="", server_default=text("''"))
    waiver_reason: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
