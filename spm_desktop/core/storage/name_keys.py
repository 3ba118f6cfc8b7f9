"""The name keys of every person (table ``person_name_key``), the index of the duplicate
candidate search.

The candidate search (:mod:`spm_desktop.core.services.duplicates`) compares persons who
share a blocking key of their names (:meth:`NameForm.keys`: the first three letters of every
name word and of the name written without spaces, after titles, bin/binti and given-name
prefixes are set aside). Looking those keys up in this table replaces a scan of every person
of one sex with ``LIKE`` patterns (issue 20: 293 ms → see BENCHMARKS.md, budget 30 ms).

The table is derived and local, like ``service_first``: it never travels and has no foreign
key. Each row also holds the person's sex and birth year, which the search filters on before
reading any person row. It is kept here, on every write of a person's name, alias, sex or
birth year:

- ORM writes (services, file import, merge): the ``after_flush`` listener below;
- Core writes (sync import, demo data): :func:`refresh_name_keys` with the written ids;
- databases made before the table, or keyed with older rules: :func:`ensure_name_keys` at
  every open compares ``local_device.name_keys`` with :data:`NAME_KEYS_VERSION` and rebuilds
  the whole table when they differ (bump the version when the rules of ``NameForm.keys``
  change).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, event, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from spm_desktop.core.domain.names import name_form
from spm_desktop.core.storage.models import LocalDevice, Person, PersonNameKey

NAME_KEYS_VERSION = 1  # the rules of NameForm.keys the stored keys were made with
CHUNK = 500


def name_keys(name: str | None, alias: str | None) -> frozenset[str]:
    """The blocking keys of a person's name and alias (the same as ``Facts.keys``)."""
    return frozenset(k for n in (name, alias) if n for k in name_form(n).keys())


Stored = tuple[str, str | None, str | None, str | None, int | None]  # id, name, alias, sex, birth_year


def _write(conn: Connection, people: Iterable[Stored]) -> int:
    rows = [{"key": k, "person_id": pid, "sex": sex or "", "birth_year": year}
            for pid, name, alias, sex, year in people for k in sorted(name_keys(name, alias))]
    if rows:
        conn.execute(insert(PersonNameKey.__table__), rows)
    return len(rows)


def _delete(conn: Connection, person_ids: list[str]) -> None:
    t = PersonNameKey.__table__
    for start in range(0, len(person_ids), CHUNK):
        conn.execute(delete(t).where(t.c.person_id.in_(person_ids[start:start + CHUNK])))


def _stored(p):
    return p.c.id, p.c.name, p.c.alias, p.c.sex, p.c.birth_year


def refresh_name_keys(conn: Connection, person_ids: Iterable[str]) -> None:
    """Make the keys of ``person_ids`` match their stored name, alias, sex and birth year (ids
    no longer in the person table lose their keys)."""
    ids = sorted(set(person_ids))
    if not ids:
        return
    _delete(conn, ids)
    p = Person.__table__
    for start in range(0, len(ids), CHUNK):
        _write(conn, conn.execute(select(*_stored(p)).where(p.c.id.in_(ids[start:start + CHUNK]))))


def rebuild_name_keys(conn: Connection) -> int:
    """Every person's keys again (returns how many key rows there are)."""
    conn.execute(delete(PersonNameKey.__table__))
    p = Person.__table__
    written = 0
    batch: list[Stored] = []
    for row in conn.execute(select(*_stored(p))).all():
        batch.append(tuple(row))
        if len(batch) >= 5000:
            written += _write(conn, batch)
            batch = []
    written += _write(conn, batch)
    conn.execute(update(LocalDevice.__table__).values(name_keys=NAME_KEYS_VERSION))
    return written


def ensure_name_keys(session: Session) -> bool:
    """Rebuild the keys when they were made with other rules (or before the table existed);
    returns whether it did."""
    version = session.scalar(select(LocalDevice.name_keys))
    if version == NAME_KEYS_VERSION:
        return False
    rebuild_name_keys(session.connection())
    return True


_KEYED_ATTRIBUTES = ("name", "alias", "sex", "birth_year")


@event.listens_for(Session, "after_flush")
def _keep_name_keys(session: Session, _flush_context) -> None:
    changed = [o.id for o in session.new if isinstance(o, Person)]
    for obj in session.dirty:
        if isinstance(obj, Person) and any(_changed(obj, a) for a in _KEYED_ATTRIBUTES):
            changed.append(obj.id)
    gone = [o.id for o in session.deleted if isinstance(o, Person)]
    if not changed and not gone:
        return
    conn = session.connection()
    if gone:
        _delete(conn, gone)
    refresh_name_keys(conn, changed)


def _changed(obj: Person, attribute: str) -> bool:
    return inspect(obj).attrs[attribute].history.has_changes()
