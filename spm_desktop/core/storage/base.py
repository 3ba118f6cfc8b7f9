"""Declarative base, naming convention and the columns every travelling record carries."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import spm_desktop.core.clock as clock

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Namespace for ids derived from natural keys, so two databases seeded apart agree.
SEED_NAMESPACE = uuid.UUID("6b1f7c2e-0a52-4c1e-9d3f-5e2b8a7d4c10")


def new_id() -> str:
    return str(uuid.uuid4())


def seed_id(kind: str, natural_key: str) -> str:
    """Deterministic UUID for a seeded master record (e.g. ``seed_id('region', '61.71.01')``)."""
    return str(uuid.uuid5(SEED_NAMESPACE, f"{kind}:{natural_key}"))


def utcnow() -> datetime:
    """Current UTC time, naive (stored as UTC everywhere), read from the program's clock (core.clock)."""
    return clock.utcnow()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SyncMixin:
    """Columns of every record that travels between databases (architecture §2).

    ``revision``, ``updated_at``, ``updated_by``, ``origin_device`` and ``change_seq`` are
    maintained by the flush listener in :mod:`spm_desktop.core.storage.tracking`; services
    never set them by hand. ``change_seq`` is this database's own change counter: the sync
    exporter sends what changed since the last package to a peer.

    ``hlc`` orders the versions of a record between databases: a hybrid logical clock
    (:mod:`spm_desktop.core.storage.hlc`), never behind the version it was derived from,
    whatever the computer's wall clock says.
    """

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    origin_device: Mapped[str] = mapped_column(String(36), default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    hlc: Mapped[int] = mapped_column(BigInteger, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    change_seq: Mapped[int] = mapped_column(Integer, default=0, index=True)


SYNCED_TABLES: list[str] = []  # filled by the models package: tables whose rows travel
