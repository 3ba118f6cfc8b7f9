"""Helpers shared by the case-work tests."""

from __future__ import annotations

from sqlalchemy import func, select

from spm_desktop.core.storage.models import Base


def table_counts(db) -> dict[str, int]:
    """Row count of every table (the "refused input changes nothing" check)."""
    with db.reading() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def table_contents(db, skip: tuple[str, ...] = ("audit_entry", "local_device")) -> dict[str, list[tuple]]:
    """Every row of every table (sorted), for "the same database" comparisons."""
    out = {}
    with db.reading() as s:
        for t in Base.metadata.sorted_tables:
            if t.name in skip:
                continue
            out[t.name] = sorted(tuple(str(v) for v in row) for row in s.execute(select(t)))
    return out
