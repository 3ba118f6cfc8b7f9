"""Pre-flight on the sender (issue 17, "sticky refusals"): before a package is written, the
changes this computer made itself go through the rules the receiving office will apply
(:mod:`~spm_desktop.core.sync.validation`), so each problem is fixed here before sending —
one refused change refuses the whole package, and it travels again until it is fixed.

The rules run as the receiver will run them for this computer: under the role and scope the
receiver enrolled it with, which every package from the receiver states (signed by it; kept
with the package, :func:`enrolled_as`) — whoever is logged in
here. Before the first package from the receiver has arrived, from the logged-in user: a TKSK
user's changes under the TKSK's kecamatan, a petugas' under its unit, anyone else's by the
value rules only. The receiver's version of a
record is not known here: a record made here (first revision) is held to every rule; a later
revision of a record to the scope and permission rules (the receiver holds the value rules to
the fields that changed, which this computer cannot tell). ``sync export --no-check`` and
*Tetap buat paket* send anyway.

:func:`describe` names the records behind a list of reasons on this computer — for the
pre-flight and for the reasons an office's refusal sends back — with the person to open.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.storage.models import (
    Case,
    CaseNeed,
    GroupActivity,
    GroupActivityPerson,
    HouseholdMember,
    Person,
    ServiceEvent,
    SyncPackage,
)
from spm_desktop.core.sync import payload
from spm_desktop.core.sync.codec import CODECS

MAX_SHOWN = 50


@dataclass(frozen=True)
class Problem:
    """One reason a change would be (or was) refused, with the record it is about here."""

    table: str
    record: str
    field: str
    reason: str
    label: str  # the record as this computer names it ("Penerima layanan Budi Santoso")
    person_id: str | None = None  # the person to open to fix it (None: not a person's record)

    def line(self) -> str:
        if not self.table and not self.record:  # a refusal of the whole package (a clock, a format)
            return self.reason
        return f"{self.label}, {self.field or '-'}: {self.reason}"


# A date "after the package was made" is, for a record made here, most often this computer's
# clock set back since (the package takes its time from that clock).
MSG_CLOCK_BEHIND = ("\nBila tanggal itu benar, tanggal/jam komputer ini mundur: perbaiki tanggal dan jam komputer "
                    "ini, lalu buat paket lagi.")


class OutgoingProblems(ValidationError):
    """The pre-flight found changes the receiver would refuse; nothing was written."""

    def __init__(self, peer: str, problems: list[Problem]) -> None:
        from spm_desktop.core.sync.validation import AFTER_PACKAGE_TIME

        self.problems = problems
        lines = "\n".join(f"- {p.line()}" for p in problems[:MAX_SHOWN])
        more = f"\n… dan {len(problems) - MAX_SHOWN} lainnya." if len(problems) > MAX_SHOWN else ""
        super().__init__(f"Paket untuk {peer} belum dibuat: {len(problems)} perubahan di komputer ini akan ditolak "
                         "penerima (satu saja menolak seluruh paket). Perbaiki dulu:\n" + lines + more
                         + (MSG_CLOCK_BEHIND if any(AFTER_PACKAGE_TIME in p.reason for p in problems) else ""),
                         "package")


def sender_role(actor: Actor) -> tuple[str, str | None, str]:
    """(role, kecamatan, unit) the receiver applies to this computer's changes, as far as the
    logged-in user tells it."""
    if actor.role == "tksk":
        return "tksk", actor.kecamatan_code or "", ""
    if actor.role == "petugas":
        return "unit", None, actor.unit or ""
    return "office", None, ""


def enrolled_as(session: Session, peer_device_id: str | None) -> payload.Enrolment | None:
    """The role and scope under which ``peer_device_id`` enrolled this computer, as its newest
    package (by the sender's time; applied or refused, both signed by it) said; None when no
    package of it said so yet."""
    if not peer_device_id:
        return None
    for counts in session.scalars(select(SyncPackage.counts).where(
            SyncPackage.direction == "in", SyncPackage.peer_device_id == peer_device_id)
            .order_by(SyncPackage.created_at.desc(), SyncPackage.processed_at.desc())):
        said = (counts or {}).get("recipient") if isinstance(counts, dict) else None
        if isinstance(said, dict) and said.get("role") in ("office", "tksk", "unit"):
            return payload.Enrolment(said["role"], said.get("kecamatan") or "", said.get("unit") or "")
    return None


def sender_scope(session: Session, actor: Actor, peer) -> tuple[str, str | None, str]:
    """(role, kecamatan, unit) under which ``peer`` (a :class:`SyncPeer`) will check this
    computer's packages: its enrolment of this computer as its latest package stated it, else
    what the logged-in user tells (:func:`sender_role`)."""
    said = enrolled_as(session, getattr(peer, "device_id", None))
    if said is None:
        return sender_role(actor)
    if said.role == "tksk":
        return "tksk", said.kecamatan, ""
    if said.role == "unit":
        return "unit", None, said.unit
    return "office", None, ""


def check_tables(session: Session, actor: Actor, device_id: str, tables: list[payload.TableRows],
                 created_at: str, as_role: tuple[str, str | None, str] | None = None) -> list[Problem]:
    """The problems of the outgoing rows this device changed itself (``tables``: what the
    package would carry), under ``as_role`` (role, kecamatan, unit: how the receiver enrolled
    this computer; default: from the logged-in user)."""
    from spm_desktop.core.sync import validation, validation_layanan  # noqa: F401  (registers its tables' rules)

    changes: dict[str, list[validation.Change]] = {}
    for t in tables:
        codec = CODECS[t.table]
        origin_at = t.columns.index("origin_device")
        order = [t.columns.index(c) for c in codec.columns]
        mine = [[r[i] for i in order] for r in t.rows if r[origin_at] == device_id]
        rev_at, id_at = codec.index("revision"), codec.index("id")
        # A first revision is new to the receiver: every field is held to the rules. A later
        # one changes a version the receiver holds, whose fields are not known here: it is
        # held to the scope and permission rules only (its value rules ran when it was edited
        # here), so an old value the receiver keeps unchanged is never listed.
        out = [validation.Change(r[id_at], new, None if (r[rev_at] or 0) <= 1 else new)
               for r, new in zip(mine, codec.decode_many(mine), strict=True)]
        if out:
            changes[t.table] = out
    if not changes:
        return []
    role, kecamatan, unit = as_role or sender_role(actor)
    ctx = validation.Context(session, actor.username, role, kecamatan, unit, validation.package_day(created_at),
                             changes, sender_device=device_id,
                             holds=lambda persons: _in_own_scope(session, role, kecamatan, unit, device_id, persons))
    return describe(session, [(r.table, r.record, r.field, r.reason) for r in validation.validate(ctx)])


def _in_own_scope(session: Session, role: str, kecamatan: str | None, unit: str, device_id: str,
                  persons: set[str]) -> set[str]:
    """Of ``persons``, those in this computer's scope as its own records show it (the scope the
    receiver sends it: an open TKSK case in its kecamatan, a disaster household there, ...):
    its duplicate suggestions may name them. The receiver also accepts persons it moved out of
    that scope since (which this computer cannot know)."""
    from spm_desktop.core.sync.scope import device_scope

    scope = device_scope(session, role, kecamatan, unit, device_id, 2 ** 31 - 1)
    return persons & scope.persons if scope is not None else set()


# Tables whose records belong to a person: table -> (model, its person column, what names the record or None).
_PERSON_LINKS = {
    "cases": (Case, Case.person_id, Case.spm_group),
    "service_event": (ServiceEvent, ServiceEvent.person_id, ServiceEvent.event_date),
    "household_member": (HouseholdMember, HouseholdMember.person_id, None),
    "group_activity_person": (GroupActivityPerson, GroupActivityPerson.person_id, None),
}
# Tables whose record, when not found here, is said to be missing on this computer.
_HELD_HERE = ("person", *_PERSON_LINKS, "case_need")


def describe(session: Session, reasons: list[tuple[str, str, str, str]] | list[list[str]]) -> list[Problem]:
    """``reasons`` (table, record id, field, reason) with the records named as this computer
    holds them, and the person to open for each (set-wise: one query per table)."""
    from spm_desktop.core.sync.conflicts import ENTITY_LABELS

    wanted: dict[str, set[str]] = {}
    for table, record, _field, _reason in reasons:
        if record:
            wanted.setdefault(table, set()).add(record)
    persons: dict[str, dict[str, str]] = {}  # table -> record -> person id
    extra: dict[str, dict[str, str]] = {}  # table -> record -> what the record is ("24/03/2026")
    for table, ids in wanted.items():
        _look_up(session, table, sorted(ids)[:5000], persons, extra)
    names = _person_names(session, persons)
    out = []
    for table, record, field, reason in reasons:
        person_id = persons.get(table, {}).get(record)
        name = names.get(person_id or "")
        what = extra.get(table, {}).get(record, "")
        label = _label(ENTITY_LABELS.get(table, table), table, record, what, name, person_id)
        out.append(Problem(table, record, field, reason, label, person_id if name else None))
    return out


def _look_up(session: Session, table: str, ids: list[str], persons: dict[str, dict[str, str]],
             extra: dict[str, dict[str, str]]) -> None:
    """Fill ``persons`` (the person of each record) and ``extra`` (what names it) for ``ids`` of ``table``."""
    if table == "person":
        persons[table] = {i: i for i in ids}
    elif table in _PERSON_LINKS:
        model, column, what = _PERSON_LINKS[table]
        cols = [model.id, column] + ([what] if what is not None else [])
        for row in session.execute(select(*cols).where(model.id.in_(ids))):
            persons.setdefault(table, {})[row[0]] = row[1]
            if what is not None and row[2] is not None:
                extra.setdefault(table, {})[row[0]] = (short_date(row[2]) if hasattr(row[2], "strftime")
                                                       else str(row[2]))
    elif table == "case_need":
        stmt = select(CaseNeed.id, Case.person_id, CaseNeed.service_code).join(Case, Case.id == CaseNeed.case_id)
        for nid, pid, code in session.execute(stmt.where(CaseNeed.id.in_(ids))):
            persons.setdefault(table, {})[nid] = pid
            extra.setdefault(table, {})[nid] = code
    elif table == "group_activity":
        for aid, on in session.execute(select(GroupActivity.id, GroupActivity.activity_date)
                                       .where(GroupActivity.id.in_(ids))):
            extra.setdefault(table, {})[aid] = short_date(on)


def _person_names(session: Session, persons: dict[str, dict[str, str]]) -> dict[str, str]:
    names: dict[str, str] = {}
    all_persons = sorted({p for m in persons.values() for p in m.values() if p})
    for start in range(0, len(all_persons), 500):
        names.update(session.execute(select(Person.id, Person.name).where(
            Person.id.in_(all_persons[start:start + 500]))).all())
    return names


def _label(entity: str, table: str, record: str, what: str, name: str | None, person_id: str | None) -> str:
    """The record as this computer names it ("Kasus lansia — Budi Santoso")."""
    label = " ".join(x for x in (entity, what) if x)
    if name:
        return f"{label} — {name}" if table != "person" else f"{label} {name}"
    if record:
        return f"{label} {record[:8]}" + (" (tidak ada di komputer ini)" if person_id is None and table in _HELD_HERE
                                          else "")
    return label
