"""Data scope of the restricted roles: ``petugas`` works for its own unit, ``tksk`` for its own
kecamatan. Everyone else (admin, supervisor, viewer, system) is not restricted by scope.

Case-work services call the ``check_*`` functions before writing (they raise
:class:`PermissionDenied`) and the ``*_filter`` functions to narrow their list queries.
This module decides from values only (no session): whether a person or an event is *linked*
to a tksk's kecamatan (an open TKSK case, a disaster household there) is a fact found in the
database by :mod:`.links`, which every caller with a session uses and passes in here.
Reading persons stays open to every role with ``person.view`` (the front desk must find a
person before registering them a second time); what is scoped is case work.

Kelurahan codes nest inside their kecamatan's code (``61.71.01`` → ``61.71.01.1002``), so
"inside the kecamatan" is a prefix test, portable to every SQL database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import ColumnElement, and_, false, or_, true

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import PermissionDenied

SCOPED_ROLES = ("petugas", "tksk")
TKSK_UNIT = "TKSK"


@dataclass(frozen=True)
class Scope:
    """What part of the case work an actor may touch. ``None`` fields mean "any"."""

    unit: str | None = None
    kecamatan_code: str | None = None

    @property
    def unrestricted(self) -> bool:
        return self.unit is None and self.kecamatan_code is None


def scope_of(actor: Actor) -> Scope:
    """The scope of ``actor``. A petugas without a unit or a tksk without a kecamatan has an
    empty scope (every check refuses) rather than an unlimited one."""
    if actor.role == "petugas":
        return Scope(unit=actor.unit or "")
    if actor.role == "tksk":
        return Scope(unit=TKSK_UNIT, kecamatan_code=actor.kecamatan_code or "")
    return Scope()


def kelurahan_in_kecamatan(kelurahan_code: str | None, kecamatan_code: str | None) -> bool:
    if not kelurahan_code or not kecamatan_code:
        return False
    return kelurahan_code == kecamatan_code or kelurahan_code.startswith(kecamatan_code + ".")


@lru_cache(maxsize=1)
def _kecamatan_names() -> dict[str, str]:
    """Kecamatan code -> name, from the seeded master list (no session needed for a message)."""
    from spm_desktop.core.paths import resource_path
    from spm_desktop.core.storage.seed import region_rows

    return {r["code"]: r["name"] for r in region_rows(resource_path("regions.csv")) if r["level"] == "kecamatan"}


# What a tksk's scope holds besides its kelurahans (see :mod:`.links`), said in a refusal.
LINKED_NOTE = " (warganya, atau orang dengan kasus TKSK terbuka atau keluarga korban bencana di kecamatan itu)"


def _refuse(actor: Actor, what: str, linked_note: bool = False) -> PermissionDenied:
    note = ""
    if actor.role == "petugas":
        where = f"unit {actor.unit}" if actor.unit else "unit yang belum ditetapkan"
    else:
        code = actor.kecamatan_code
        where = f"kecamatan {_kecamatan_names().get(code, code)}" if code else "kecamatan yang belum ditetapkan"
        note = LINKED_NOTE if linked_note and code else ""
    return PermissionDenied(f"Anda hanya berhak {what} untuk {where} Anda sendiri{note}.")


def in_case_scope(actor: Actor, unit: str | None, kecamatan_code: str | None) -> bool:
    scope = scope_of(actor)
    if scope.unrestricted:
        return True
    if not scope.unit or (unit or "") != scope.unit:
        return False
    if scope.kecamatan_code is not None:
        return bool(scope.kecamatan_code) and (kecamatan_code or "") == scope.kecamatan_code
    return True


def check_case_scope(actor: Actor, unit: str | None, kecamatan_code: str | None = None) -> None:
    """Refuse a case write (open, change, close, delete) outside the actor's unit/kecamatan.

    ``unit``/``kecamatan_code`` are the case's values (for a change: both the old and the new
    ones must pass, call it twice)."""
    if not in_case_scope(actor, unit, kecamatan_code):
        raise _refuse(actor, "mengelola kasus")


def in_region_scope(actor: Actor, kelurahan_code: str | None) -> bool:
    """tksk: the kelurahan lies in the own kecamatan; other roles: always true."""
    scope = scope_of(actor)
    if scope.kecamatan_code is None:
        return True
    return kelurahan_in_kecamatan(kelurahan_code, scope.kecamatan_code)


def check_region_scope(actor: Actor, kelurahan_code: str | None, what: str = "mencatat data") -> None:
    """Refuse a tksk write about a kelurahan outside the own kecamatan (registering a person,
    disasters, activities, complaints)."""
    if not in_region_scope(actor, kelurahan_code):
        raise _refuse(actor, what)


def in_person_scope(actor: Actor, kelurahan_code: str | None, linked: bool = False) -> bool:
    """A person is in a tksk's scope when they live in its kecamatan or are ``linked`` to it
    (an open TKSK case, a disaster household there: the fact :mod:`.links` finds); other
    roles: always true."""
    return in_region_scope(actor, kelurahan_code) or (actor.role == "tksk" and linked
                                                      and bool(actor.kecamatan_code))


def check_person_scope(actor: Actor, kelurahan_code: str | None, linked: bool = False,
                       what: str = "mengubah data penerima layanan") -> None:
    if not in_person_scope(actor, kelurahan_code, linked):
        raise _refuse(actor, what, linked_note=True)


def in_event_scope(actor: Actor, unit: str | None, kelurahan_code: str | None,
                   case_unit: str | None = None, case_kecamatan_code: str | None = None,
                   linked: bool = False) -> bool:
    """A service event is in scope when recorded on an in-scope case (the case decides), or
    (without a case) when its delivering unit is the petugas' unit / for a tksk, when its
    kelurahan lies in the kecamatan or it is ``linked`` to it (its person is, or its disaster
    lies there: the fact :mod:`.links` finds). A restricted role never records for another
    unit (a TKSK not under UPRS)."""
    scope = scope_of(actor)
    if scope.unrestricted:
        return True
    if unit and unit != scope.unit:
        return False
    if case_unit is not None:
        return in_case_scope(actor, case_unit, case_kecamatan_code)
    if actor.role == "tksk":
        return in_person_scope(actor, kelurahan_code, linked)
    return bool(scope.unit) and (unit or "") == scope.unit


def event_refusal(actor: Actor) -> PermissionDenied:
    """The refusal of a service event outside the actor's scope."""
    return _refuse(actor, "mencatat layanan", linked_note=True)


def check_event_scope(actor: Actor, unit: str | None, kelurahan_code: str | None,
                      case_unit: str | None = None, case_kecamatan_code: str | None = None,
                      linked: bool = False) -> None:
    """Refuse an event outside the actor's scope. Callers with a session use
    :func:`.links.check_event`, which finds ``linked`` for a tksk."""
    if not in_event_scope(actor, unit, kelurahan_code, case_unit, case_kecamatan_code, linked):
        raise event_refusal(actor)


# ----- query filters -------------------------------------------------------------------


def case_filter(actor: Actor, case_model) -> ColumnElement[bool]:
    """WHERE clause limiting ``Case`` rows to the actor's scope (``true()`` when unrestricted)."""
    scope = scope_of(actor)
    if scope.unrestricted:
        return true()
    if not scope.unit:
        return false()
    clause = case_model.unit == scope.unit
    if scope.kecamatan_code is not None:
        if not scope.kecamatan_code:
            return false()
        clause = and_(clause, case_model.kecamatan_code == scope.kecamatan_code)
    return clause


def region_filter(actor: Actor, kelurahan_column) -> ColumnElement[bool]:
    """WHERE clause limiting rows by a kelurahan code column to the tksk's kecamatan."""
    scope = scope_of(actor)
    if scope.kecamatan_code is None:
        return true()
    if not scope.kecamatan_code:
        return false()
    return or_(kelurahan_column == scope.kecamatan_code, kelurahan_column.like(scope.kecamatan_code + ".%"))
