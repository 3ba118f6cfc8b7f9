"""Master data: regions, PMKS categories, service catalogue, targets, settings, mutu quantities.

Seeded from ``resources/`` with deterministic ids and editable afterwards.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from spm_desktop.core.storage.base import Base, SyncMixin


class Region(SyncMixin, Base):
    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(20))  # kecamatan | kelurahan
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)


class PmksCategory(SyncMixin, Base):
    __tablename__ = "pmks_category"

    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    spm_group: Mapped[str | None] = mapped_column(String(20))  # disabilitas/anak/lansia/gepeng/bencana
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ServiceType(SyncMixin, Base):
    __tablename__ = "service_type"
    __table_args__ = (Index("ix_service_type_need_bit", "need_bit", unique=True),)

    code: Mapped[str] = mapped_column(String(30), unique=True)  # Kepmendagri subkegiatan code
    name: Mapped[str] = mapped_column(String(255))
    indicator: Mapped[str] = mapped_column(Text, default="")
    program: Mapped[str] = mapped_column(String(20))  # rehab_dasar/pmks_lainnya/bencana/tagana/migran
    unit: Mapped[str] = mapped_column(String(20), default="Orang")  # Orang | Unit | Paket
    counting_rule: Mapped[str] = mapped_column(String(20), default="distinct_persons")  # or sum_quantity
    detail_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    standard_per_day: Mapped[int | None] = mapped_column(Integer)  # e.g. 3 meals a day
    max_days_outside: Mapped[int | None] = mapped_column(Integer)  # e.g. meals at most 7 days
    assessable: Mapped[bool] = mapped_column(Boolean, default=False)  # may appear in a needs list
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # Derived, local: this type's bit in ``cases.need_mask`` (0–62), given by a database
    # trigger when the row is inserted; NULL once 63 types have one (migration 0002).
    need_bit: Mapped[int | None] = mapped_column(Integer)


class Target(SyncMixin, Base):
    """Yearly target of an indicator: a service code, or an indicator key such as ``ikk1``."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("year", "key"),)

    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Numeric(14, 2))
    budget: Mapped[float | None] = mapped_column(Numeric(16, 2))
    baseline: Mapped[float | None] = mapped_column(Numeric(14, 2))


class Setting(SyncMixin, Base):
    """One setting. ``shared`` settings travel with sync packages; local ones never do."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=True)


class MutuCheck(SyncMixin, Base):
    """One answer of the earlier yes/no quality checklist. Superseded by :class:`MutuQuantity`
    (mutu by quantity, issue 16): nothing reads it any more; the rows stay so answers entered
    before the upgrade are not lost."""

    __tablename__ = "mutu_check"
    __table_args__ = (UniqueConstraint("year", "spm_group", "kind", "item"),)

    year: Mapped[int] = mapped_column(Integer)
    spm_group: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # barang_jasa | sdm
    item: Mapped[str] = mapped_column(String(255))
    met: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class MutuQuantity(SyncMixin, Base):
    """The quantity of one standard mutu item the office has in a year (architecture §4, B).

    The items and their Renstra standard quantities are ``resources/mutu_standards.csv``;
    ``available`` is what the office entered (NULL: not filled in yet); ``standard`` is an
    office override of the Renstra standard for that year (NULL: the Renstra's). The id is
    derived from (year, item), so two databases that fill in the same item agree.
    """

    __tablename__ = "mutu_quantity"
    __table_args__ = (UniqueConstraint("year", "item_key"),)

    year: Mapped[int] = mapped_column(Integer)
    item_key: Mapped[str] = mapped_column(String(40))
    available: Mapped[float | None] = mapped_column(Numeric(12, 2))
    standard: Mapped[float | None] = mapped_column(Numeric(12, 2))
    note: Mapped[str] = mapped_column(Text, default="")
