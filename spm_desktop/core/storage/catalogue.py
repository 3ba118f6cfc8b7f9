"""The one reader of the service catalogue: the ``service_type`` table, seeded from
``resources/service_types.json`` by :mod:`core.storage.seed` and edited in Pengaturan.

Every part of the program that needs service types as such (the forms' pick lists, the event
and activity rules, the roll-up's indicators, imports, sync checks, the demo data) reads them
here inside its own session, in catalogue order (``sort_order``, then code), with deleted
entries left out unless asked for. Queries that only join the table for a name (a report's
rows) stay where they are. ``tests/core/test_catalogue_reader.py`` keeps it so.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from spm_desktop.core.storage.models import ServiceType

CATALOGUE_ORDER = (ServiceType.sort_order, ServiceType.code)


def service_types(s: Session, *, active_only: bool = False, live: bool = True, rules: Iterable[str] | None = None,
                  except_rules: Iterable[str] | None = None, program: str | None = None) -> list[ServiceType]:
    """The catalogue's entries in catalogue order. ``live``: deleted entries left out;
    ``active_only``: only those switched on; ``rules`` / ``except_rules``: by counting rule;
    ``program``: one program."""
    q = select(ServiceType)
    if live:
        q = q.where(ServiceType.deleted_at.is_(None))
    if active_only:
        q = q.where(ServiceType.active.is_(True))
    if rules is not None:
        q = q.where(ServiceType.counting_rule.in_(tuple(rules)))
    if except_rules is not None:
        q = q.where(ServiceType.counting_rule.not_in(tuple(except_rules)))
    if program is not None:
        q = q.where(ServiceType.program == program)
    return list(s.scalars(q.order_by(*CATALOGUE_ORDER)))


def by_code(s: Session, *, live: bool = True) -> dict[str, ServiceType]:
    """Every entry by its code (see :func:`service_types`)."""
    return {t.code: t for t in service_types(s, live=live)}


def service_type(s: Session, code: str, *, live: bool = True) -> ServiceType | None:
    """The entry of ``code``, or None (also when it was deleted, unless ``live`` is False)."""
    q = select(ServiceType).where(ServiceType.code == code)
    if live:
        q = q.where(ServiceType.deleted_at.is_(None))
    return s.scalars(q).first()


def service_names(s: Session) -> dict[str, str]:
    """Code -> name of every entry, deleted ones included (old records still name them)."""
    return dict(s.execute(select(ServiceType.code, ServiceType.name)).all())


__all__ = ["CATALOGUE_ORDER", "service_types", "by_code", "service_type", "service_names"]
