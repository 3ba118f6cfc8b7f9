"""Persons (PPKS), cases with their needs assessment, service events, duplicate suggestions."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from spm_desktop.core.storage.base import Base, SyncMixin


class Person(SyncMixin, Base):
    __tablename__ = "person"
    __table_args__ = (
        # Covering index of the live persons: name search (LIKE over search_name), the paged
        # list sorted by name and its counts run on the index alone (issue 3, < 30 ms at 100k).
        Index("ix_person_live_name", "deleted_at", "merged_into", "search_name", "id", "kelurahan_code",
              "category_code", "sex", "birth_year"),
        Index("ix_person_no_kk", "no_kk"),
        Index("ix_person_match", "sex", "birth_year"),
    )

    nik: Mapped[str | None] = mapped_column(String(16), unique=True)
    no_kk: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(160))
    alias: Mapped[str] = mapped_column(String(160), default="")
    sex: Mapped[str] = mapped_column(String(1))  # L | P
    birth_date: Mapped[date | None] = mapped_column(Date)
    birth_year: Mapped[int | None] = mapped_column(Integer)  # from birth_date, or estimated
    birth_year_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    birth_place: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    kelurahan_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    category_code: Mapped[str | None] = mapped_column(ForeignKey("pmks_category.code"), index=True)
    disability_type: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Normalised "name alias" (lower case, no accents, spelling variants folded) for search
    # and duplicate matching; maintained by the person services.
    search_name: Mapped[str] = mapped_column(String(400), default="")
    # The ``id`` the person had in the import file that created or last updated them.
    import_ref: Mapped[str | None] = mapped_column(String(200))
    merged_into: Mapped[str | None] = mapped_column(ForeignKey("person.id"), index=True)
    # The device that registered the person (set by the flush listener, travels unchanged):
    # a TKSK laptop keeps the persons it registered in its scope.
    created_device: Mapped[str] = mapped_column(String(36), default="")


class Case(SyncMixin, Base):
    """An intake (kasus) of a person into one SPM group at one service unit."""

    __tablename__ = "cases"
    __table_args__ = (
        # The roll-up's sasaran: the live cases whose span overlaps the window, as two ranges
        # (open cases; cases closed on or after 1 January), covering every column it reads.
        # deleted_at is listed for the same SQLite reason as ix_service_event_live_date.
        # (exit_reason and no_need_assessed_on since migration 0011, the need dates since 0013:
        # §4 v2 judges them.)
        Index("ix_cases_live_exit", "exit_date", "intake_date", "spm_group", "person_id", "id", "exit_reason",
              "no_need_assessed_on", "need_assessed_on", "need_reassessed_on", "need_unmet", "need_first_met",
              "need_last_met", "deleted_at", sqlite_where=text("deleted_at IS NULL"),
              postgresql_where=text("deleted_at IS NULL")),
        # "has an open case (at unit X)" filters of the person list, shelter residents.
        Index("ix_cases_open_person", "status", "deleted_at", "person_id", "unit"),
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    unit: Mapped[str] = mapped_column(String(20))  # UPRS | PLAT | TKSK | BIDANG
    kecamatan_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))  # TKSK's kecamatan
    spm_group: Mapped[str] = mapped_column(String(20))
    intake_date: Mapped[date] = mapped_column(Date)
    referred_by: Mapped[str] = mapped_column(String(40), default="")
    found_location: Mapped[str] = mapped_column(Text, default="")
    in_shelter: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    exit_date: Mapped[date | None] = mapped_column(Date)
    exit_reason: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # An assessment that found no basic-service need ("tidak ada kebutuhan layanan dasar"),
    # with its date: the case is assessed and needs nothing (architecture §4 v2).
    no_need_assessed_on: Mapped[date | None] = mapped_column(Date)
    # Derived, local (never synced, never set by the application): the bits
    # (``service_type.need_bit``) of the case's live needs; NULL when a need's type has no
    # bit. Kept by the database's triggers on case_need and cases (migration 0002).
    need_mask: Mapped[int | None] = mapped_column(BigInteger, server_default=text("0"), nullable=True)
    # Derived, local (never synced, never set by the application), from ``need_met`` and the
    # exit date, kept by the database's triggers (migration 0013): the earliest assessment
    # date of the live needs (NULL: none), the latest when later (a re-assessment), how many
    # have no counting delivery on or before the exit, and the earliest and latest first
    # delivery of the others. The roll-up judges the usual case from them alone.
    need_assessed_on: Mapped[date | None] = mapped_column(Date)
    need_reassessed_on: Mapped[date | None] = mapped_column(Date)
    need_unmet: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    need_first_met: Mapped[date | None] = mapped_column(Date)
    need_last_met: Mapped[date | None] = mapped_column(Date)


class CaseNeed(SyncMixin, Base):
    """One service item an assessment of the case found the person needs, with the date of
    that assessment (the intake, or a later re-assessment). A re-assessment adds a new row
    even for a code the case already has: a need is identified by its id, and an earlier
    need keeps its date, so earlier years never change. Removing a need soft-deletes it
    with a reason."""

    __tablename__ = "case_need"
    __table_args__ = (
        # Covering for the roll-up's needs (case → live needs) without reading the table.
        Index("ix_case_need_case_id", "case_id", "deleted_at", "service_code", "assessed_on"),
        # The recap's "needs removed in the period" warning: the removed needs only.
        Index("ix_case_need_removed", "deleted_at", "removed_reason", sqlite_where=text("deleted_at IS NOT NULL"),
              postgresql_where=text("deleted_at IS NOT NULL")),
    )

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    service_code: Mapped[str] = mapped_column(ForeignKey("service_type.code"))
    assessed_on: Mapped[date] = mapped_column(Date)
    removed_reason: Mapped[str] = mapped_column(Text, default="")


class ServiceEvent(SyncMixin, Base):
    __tablename__ = "service_event"
    __table_args__ = (
        # The roll-up's pass over the window: live events only (partial index), covering every
        # column it reads. deleted_at is listed too: SQLite 3.40 does not count a column of the
        # partial index's WHERE as covered and would read the table for every row otherwise.
        Index("ix_service_event_live_date", "event_date", "service_code", "person_id", "kelurahan_code",
              "deleted_at", sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL")),
        # A person's history, meals already recorded, merged persons regrouped by the roll-up,
        # and the roll-up's met dates (architecture §4 v2: per need, the first live event of its
        # code for the person on or after the assessment — one seek answered by the index alone:
        # deleted_at for "live", the id for the uncounted-event probe).
        Index("ix_service_event_person_code_date", "person_id", "service_code", "event_date", "deleted_at", "id"),
        # Events linked to a disaster (the recap's victims-without-household warning).
        Index("ix_service_event_disaster_date", "disaster_id", "event_date", "person_id", "deleted_at",
              sqlite_where=text("disaster_id IS NOT NULL"), postgresql_where=text("disaster_id IS NOT NULL")),
    )

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    disaster_id: Mapped[str | None] = mapped_column(ForeignKey("disaster.id"), index=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("service_type.code"))
    event_date: Mapped[date] = mapped_column(Date)  # no index of its own (0016): live_date, person_code_date
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    unit: Mapped[str] = mapped_column(String(20), default="")  # service unit that delivered it
    officer: Mapped[str] = mapped_column(String(120), default="")
    kelurahan_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    notes: Mapped[str] = mapped_column(Text, default="")


class DuplicateCandidate(SyncMixin, Base):
    """A pair of persons that may be the same human, for a person to review."""

    __tablename__ = "duplicate_candidate"
    __table_args__ = (UniqueConstraint("person_a_id", "person_b_id"),)

    person_a_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    person_b_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    reason: Mapped[str] = mapped_column(String(255), default="")
    score: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | not_duplicate | merged
    reviewed_by: Mapped[str] = mapped_column(String(64), default="")


class PersonNameKey(Base):
    """Derived, local: one row per blocking key of a person's name and alias (the first three
    letters of each name word, :meth:`NameForm.keys`), with the person's sex and birth year —
    the index the duplicate candidate search looks its keys up in instead of reading every
    person of one sex. Kept by
    :mod:`spm_desktop.core.storage.name_keys`; never travels in sync packages.
    """

    __tablename__ = "person_name_key"
    __table_args__ = (
        # The candidate search reads the entries of a few keys: one range of this B-tree each
        # (SQLite: WITHOUT ROWID, so the table is the index), sex and birth year in the entries.
        PrimaryKeyConstraint("key", "person_id"),
        # A person's keys are replaced when their name changes.
        Index("ix_person_name_key_person", "person_id"),
        {"sqlite_with_rowid": False},
    )

    key: Mapped[str] = mapped_column(String(8))
    person_id: Mapped[str] = mapped_column(String(36))
    # The person's, copied: the search keeps only the same sex and nearby birth years here.
    sex: Mapped[str] = mapped_column(String(1))
    birth_year: Mapped[int | None] = mapped_column(Integer)


class UncountedEvent(Base):
    """Derived, local: the live events of a type with a daily standard (``standard_per_day``,
    the permakanan codes) that do not count (architecture §4 v2, "qualifying meals"): the
    day's ``meals_per_day`` of the person's events of that code (for disaster meals: of the
    same disaster) add up to less than the standard, or a disaster meal lies outside its
    disaster's emergency period. Such events are stored and listed but count nowhere; the
    recap warns with their number. Kept by the database's triggers (migration 0003) on
    service_event, disaster and service_type; never written by the application, never
    synced."""

    __tablename__ = "uncounted_event"
    __table_args__ = (
        Index("ix_uncounted_event_group", "person_id", "service_code", "event_date"),
        Index("ix_uncounted_event_date", "event_date", "service_code"),
    )

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36))
    service_code: Mapped[str] = mapped_column(String(30))
    event_date: Mapped[date] = mapped_column(Date)


class ServiceFirst(Base):
    """Derived, local: the first live *counting* service (not in ``uncounted_event``) of
    each (year, person, service code) — the
    roll-up's output indicators read one row per person and code instead of grouping the
    year's events. Kept by the database's triggers on service_event (migration 0002); the
    application never writes it and it never travels in sync packages.

    ``first_key`` is ``event_date|kelurahan`` of that first service (the smallest such string:
    on a tie of dates, the smallest kelurahan code), as the roll-up attributes a person to the
    place where they were first served that year.
    """

    __tablename__ = "service_first"
    __table_args__ = (
        # The roll-up reads the year's rows up to the window's end: one range of the table
        # itself (SQLite: WITHOUT ROWID, so the table is this B-tree), in date order — new
        # rows, mostly recent dates, land together at the end of their year.
        PrimaryKeyConstraint("year", "first_date", "service_code", "person_id"),
        # One row per (year, person, code): the triggers find it by this narrow index.
        Index("ux_service_first_person_code", "year", "person_id", "service_code", unique=True),
        {"sqlite_with_rowid": False},
    )

    year: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[str] = mapped_column(String(36))
    service_code: Mapped[str] = mapped_column(String(30))
    first_date: Mapped[date] = mapped_column(Date)
    first_key: Mapped[str] = mapped_column(String(60))


class NeedMet(Base):
    """Derived, local: every live need with its *first counting delivery* (architecture §4
    v2): the first live service event of its code to the case's person on or after
    ``assessed_on`` that is not in ``uncounted_event``, or the first live group activity of
    its code listing that person, whichever is earlier (NULL: nothing yet). Not capped at the
    case's exit and not resolved through merges (the roll-up does both). The roll-up reads
    one range of this table per case instead of seeking every need's delivery. Kept by the
    database's triggers (migration 0011) on case_need, cases, service_event, uncounted_event,
    group_activity and group_activity_person; never written by the application, never
    synced."""

    __tablename__ = "need_met"
    __table_args__ = (
        # The roll-up reads a case's needs as one range of the table itself (WITHOUT ROWID).
        PrimaryKeyConstraint("case_id", "need_id"),
        # The triggers find a person's needs of one code by this index.
        Index("ix_need_met_person_code", "person_id", "service_code", "assessed_on"),
        {"sqlite_with_rowid": False},
    )

    case_id: Mapped[str] = mapped_column(String(36))
    need_id: Mapped[str] = mapped_column(String(36))
    person_id: Mapped[str] = mapped_column(String(36))
    service_code: Mapped[str] = mapped_column(String(30))
    assessed_on: Mapped[date] = mapped_column(Date)
    first_date: Mapped[date | None] = mapped_column(Date)
