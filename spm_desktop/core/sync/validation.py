"""Every incoming row goes through the rules of a local write, under the sender's enrolled
role and scope (issue 17, part 3).

What is checked: the rows an import would write (new, changed, re-keyed) — an unchanged row
or a stale one this database keeps its own version of is not a change, so rules added later
never make old records unsyncable. For a changed row only the fields that changed are held to
the value rules; the scope rules look at both the version here and the new one (a TKSK laptop
can neither move a person into its kecamatan nor touch one outside it, deletion included).

- Permissions by role: an ``office`` device may send every table; a ``tksk`` device only
  persons, cases, needs, events, disasters and households of its kecamatan (and duplicate
  suggestions); a ``unit`` device only persons, its own unit's cases, their needs and events.
  Master data, settings, targets and mutu checklists come from the office only.
- Row rules, with the services' own rule code where it is a pure function: persons through
  :func:`~spm_desktop.core.services.persons.normalise_draft` (NIK, sex, dates, codes), event
  details through :func:`~spm_desktop.core.services.events.check_details`, settings through
  :func:`~spm_desktop.core.services.settings.validate_setting` (type and range). "Not in the
  future" means not after the package's time plus one day.

One refused row refuses the whole package: :class:`PackageInvalid` lists every reason as
(table, record, field, reason); nothing is applied. Rules about other records the receiver
changed meanwhile (a NIK taken here, a second open case) stay with the planner: they become
duplicate suggestions or conflicts, never a refusal.

The dispatch is a registry: :func:`table_rules` adds the rules of a table (new synced tables
register theirs next to their model's service); a table without registered rules is accepted
from an office device only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.security.links import disaster_in, events_in_scope, links_in_rows, tksk_links
from spm_desktop.core.security.scope import in_case_scope, in_person_scope, in_region_scope
from spm_desktop.core.storage import catalogue
from spm_desktop.core.storage.models import Case, Disaster, Household, Person, Region, ServiceType
from spm_desktop.core.sync.codec import _freeze
from spm_desktop.core.sync.envelope import PackageRefused
from spm_desktop.core.sync.planning import PERSON_COLUMN

MAX_LISTED = 50
OFFICE_ONLY = ("region", "pmks_category", "service_type", "target", "setting", "mutu_check", "mutu_quantity")


@dataclass(frozen=True)
class Reason:
    table: str
    record: str
    field: str
    reason: str

    def line(self) -> str:
        from spm_desktop.core.sync.conflicts import ENTITY_LABELS

        return f"{ENTITY_LABELS.get(self.table, self.table)} {self.record[:8]}, {self.field or '-'}: {self.reason}"


class PackageInvalid(PackageRefused):
    """A package with rows that break the rules; ``reasons`` lists every one."""

    def __init__(self, sender: str, reasons: list[Reason]) -> None:
        self.reasons = reasons
        lines = [r.line() for r in reasons[:MAX_LISTED]]
        more = f"\n… dan {len(reasons) - MAX_LISTED} alasan lain." if len(reasons) > MAX_LISTED else ""
        super().__init__(f"Paket dari {sender} ditolak: {len(reasons)} data tidak memenuhi aturan pencatatan atau "
                         "wilayah perangkat pengirim. Tidak ada data yang diubah. Perbaiki di komputer pengirim lalu "
                         "buat paket lagi.\n" + "\n".join(lines) + more, "package")


@dataclass
class Change:
    """One row the import would write: its new values and, when it exists here, this
    database's version (both decoded)."""

    id: str
    new: dict[str, Any]
    old: dict[str, Any] | None
    # The version here was changed here since the sender last received it (a conflict): the
    # sender never saw it, so only its own new version is held to the scope rules.
    concurrent: bool = False

    def changed(self, column: str) -> bool:
        return self.old is None or self.old.get(column) != self.new.get(column)

    def versions(self) -> list[tuple[dict[str, Any], str]]:
        """The versions the scope rules look at: (values, "sebelum"/"sesudah" the change)."""
        out = [] if self.old is None or self.concurrent else [(self.old, "sebelum")]
        return out + [(self.new, "sesudah")]


@dataclass
class Context:
    session: Session
    sender_name: str
    role: str  # office | tksk | unit
    kecamatan_code: str | None
    unit: str
    latest_day: date  # "not in the future": the package's day plus one
    changes: dict[str, list[Change]]
    _cache: dict[str, Any] = field(default_factory=dict)
    sender_device: str = ""  # the sender's device id
    # Of the persons given, those the sender holds though they are outside its scope here now
    # (the receiver moved them away since it sent them): a duplicate suggestion naming one of
    # them involves a record the receiver changed, so it never refuses the package. None: none.
    holds: Callable[[set[str]], set[str]] | None = None
    # table -> [(record id, person id)]: rows about a person outside the sender's scope here that
    # it never held (planning._withheld); each one a reason, whatever the row would do here
    unheld: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        """The sender as the services' scope rules see a user of that device."""
        if self.role == "tksk":
            return Actor(username=self.sender_name, role="tksk", kecamatan_code=self.kecamatan_code or "")
        if self.role == "unit":
            return Actor(username=self.sender_name, role="petugas", unit=self.unit)
        return Actor(username=self.sender_name, role="supervisor")

    @property
    def scoped(self) -> bool:
        return self.role != "office"

    def incoming(self, table: str) -> dict[str, dict[str, Any]]:
        key = f"incoming:{table}"
        if key not in self._cache:
            self._cache[key] = {c.id: c.new for c in self.changes.get(table, [])}
        return self._cache[key]

    def rows_of(self, model, ids: Iterable[str]) -> dict[str, Any]:
        """This database's rows of ``model`` by id (ORM-free named tuples), loaded once per id."""
        key = f"local:{model.__tablename__}"
        cache = self._cache.setdefault(key, {})
        wanted = sorted({i for i in ids if i and i not in cache})
        t = model.__table__
        for start in range(0, len(wanted), 500):
            for r in self.session.execute(select(t).where(t.c.id.in_(wanted[start:start + 500]))):
                cache[r.id] = r._asdict()
        return cache

    def record(self, table: str, model, record_id: str | None) -> dict[str, Any] | None:
        """The version of a record after the import: from the package, else from here."""
        if not record_id:
            return None
        found = self.incoming(table).get(record_id)
        return found if found is not None else self.rows_of(model, [record_id]).get(record_id)

    def region_levels(self) -> dict[str, str]:
        if "regions" not in self._cache:
            self._cache["regions"] = dict(self.session.execute(
                select(Region.code, Region.level).where(Region.deleted_at.is_(None))).all())
        return self._cache["regions"]

    def service_types(self) -> dict[str, ServiceType]:
        if "service_types" not in self._cache:
            self._cache["service_types"] = catalogue.by_code(self.session, live=False)
        return self._cache["service_types"]


Rule = Callable[[Context, list[Change]], Iterator[Reason]]


@dataclass(frozen=True)
class TableRules:
    roles: frozenset[str]  # roles of devices that may send changes of this table
    check: Rule | None = None


RULES: dict[str, TableRules] = {}


def table_rules(table: str, roles: Iterable[str] = ("office",)) -> Callable[[Rule | None], Rule | None]:
    """Register the rules of ``table`` (a decorator; ``roles`` may send it)."""

    def register(check: Rule | None) -> Rule | None:
        RULES[table] = TableRules(frozenset(roles), check)
        return check

    return register


for _name in OFFICE_ONLY:
    RULES[_name] = TableRules(frozenset({"office"}))

ROLE_LABELS = {"office": "kantor", "tksk": "TKSK", "unit": "unit layanan"}


def validate(ctx: Context) -> list[Reason]:
    """Every reason to refuse the changes in ``ctx`` (empty: the package may be applied)."""
    reasons: list[Reason] = list(_never_held(ctx))
    for table, changes in ctx.changes.items():
        if not changes:
            continue
        rules = RULES.get(table, TableRules(frozenset({"office"})))
        if ctx.role not in rules.roles:
            who = ROLE_LABELS.get(ctx.role, ctx.role)
            reasons.extend(Reason(table, c.id, "", f"perangkat {who} tidak boleh mengubah data ini; hanya kantor "
                                                   "yang mengirimnya") for c in changes)
            continue
        if rules.check is not None:
            reasons.extend(rules.check(ctx, changes))
    return reasons


def _where(ctx: Context) -> str:
    """The sender's scope as a reason names it."""
    return f"kecamatan {ctx.kecamatan_code}" if ctx.role == "tksk" else f"unit {ctx.unit}"


def _never_held(ctx: Context) -> Iterator[Reason]:
    """A scoped sender's record of a person outside its scope here that, as this database knows,
    it was never sent (nor registered there, nor last changed there): it cannot have edited
    them — the package is crafted. One reason per record that differs from this database's,
    whatever it would do here (even a stale version this database would keep)."""
    for table, rows in ctx.unheld.items():
        column = PERSON_COLUMN[table] if table != "person" else "kelurahan_code" if ctx.role == "tksk" else "id"
        reason = (f"orang ini di luar {_where(ctx)} perangkat pengirim dan tidak tercatat pernah dikirim ke "
                  "perangkat itu")
        for record, _person in rows:
            yield Reason(table, record, column, reason)


def _field_reasons(table: str, change: Change, exc: ValidationError, columns: dict[str, str] | None = None,
                   all_fields: bool = False) -> Iterator[Reason]:
    for err in exc.errors:
        column = (columns or {}).get(err.field, err.field)
        if all_fields or change.changed(column):
            yield Reason(table, change.id, column, err.message)


AFTER_PACKAGE_TIME = "sesudah waktu paket dibuat"


def _future(ctx: Context, table: str, change: Change, column: str) -> Iterator[Reason]:
    value = change.new.get(column)
    if isinstance(value, datetime):
        value = value.date()
    if value is not None and change.changed(column) and value > ctx.latest_day:
        yield Reason(table, change.id, column, f"tanggal {short_date(value)} {AFTER_PACKAGE_TIME}")


# ----- persons ------------------------------------------------------------------------------


def _person_in_scope(ctx: Context, person: dict[str, Any] | None) -> bool:
    if person is None:
        return False
    if ctx.role == "unit":
        return person.get("id") in _unit_persons(ctx) or (
            bool(ctx.sender_device) and person.get("created_device") == ctx.sender_device)
    if in_region_scope(ctx.actor, person.get("kelurahan_code")):
        return True
    return ctx.role == "tksk" and in_person_scope(ctx.actor, person.get("kelurahan_code"),
                                                  person.get("id") in _tksk_persons(ctx))


def _tksk_persons(ctx: Context) -> set[str]:
    """The persons in a TKSK device's scope wherever they live — an open TKSK case in its
    kecamatan, a household of a disaster there (``links.tksk_links``, the rule a TKSK user's
    own writes follow too) — as this database knows them (once per package): the scope its
    packages carry is the scope it may change. Where a person lives is judged on each version
    of the record itself (a move out of the kecamatan is a change out of scope unless one of
    these links holds)."""
    if "tksk_persons" not in ctx._cache:
        kecamatan = ctx.kecamatan_code or ""
        linked, disasters = tksk_links(ctx.session, kecamatan)
        # ... and the links the package itself makes (a new disaster's household, a new case):
        # its other rows are judged with them, as the laptop's own rules judged them there.
        disasters |= {i for i, d in ctx.incoming("disaster").items() if disaster_in(d, kecamatan)}
        linked |= links_in_rows(kecamatan, disasters, ctx.incoming("cases").values(),
                                ctx.incoming("household_member").values(), ctx.incoming("household").values(),
                                lambda hid: ctx.record("household", Household, hid))
        ctx._cache["tksk_persons"] = linked
    return ctx._cache["tksk_persons"]


def _unit_persons(ctx: Context) -> set[str]:
    """A unit device's persons among those the package names (set-wise, once): a case of its
    unit or a service event it delivered, live here or in the package (a shelter that admits
    a person opens a case for them in the same package; one that closes or deletes its case
    may still correct the person's record in that package)."""
    if "unit_persons" in ctx._cache:
        return ctx._cache["unit_persons"]
    from spm_desktop.core.storage.models import ServiceEvent

    wanted = {c.id for c in ctx.changes.get("person", [])}
    for table in ("duplicate_candidate",):
        wanted |= {c.new.get(col) for c in ctx.changes.get(table, []) for col in ("person_a_id", "person_b_id")}
    wanted.discard(None)
    found: set[str] = set()
    for table in ("cases", "service_event"):
        found |= {v.get("person_id") for v in ctx.incoming(table).values() if v.get("unit") == ctx.unit}
    ids = sorted(wanted - found)
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        for model in (Case, ServiceEvent):
            found |= set(ctx.session.scalars(select(model.person_id).where(
                model.person_id.in_(part), model.unit == ctx.unit, model.deleted_at.is_(None))))
    ctx._cache["unit_persons"] = found
    return found


@table_rules("person", roles=("office", "tksk", "unit"))
def _persons(ctx: Context, changes: list[Change]) -> Iterator[Reason]:
    from spm_desktop.core.services.persons import DRAFT_FIELDS, draft_from, normalise_draft

    for c in changes:
        v = c.new
        # A row that changes none of the draft's columns (its stamps or its deletion only) is not
        # checked against them again — every reason would name an unchanged field, and rules
        # apply to new and changed values only (issue 17).
        if v.get("deleted_at") is None and v.get("merged_into") is None and any(map(c.changed, DRAFT_FIELDS)):
            try:
                normalise_draft(ctx.session, draft_from(v), today=ctx.latest_day)
            except ValidationError as exc:
                yield from _field_reasons("person", c, exc, {"birth_year": "birth_year"})
        if ctx.scoped and c.old is not None and c.changed("created_device"):
            yield Reason("person", c.id, "created_device", "perangkat pendaftar tidak bisa diubah")
        registered_there = bool(ctx.sender_device) and c.old is not None and \
            c.old.get("created_device") == ctx.sender_device
        if ctx.role == "tksk" and not registered_there:  # a person the laptop registered stays its own
            for version, when in c.versions():
                if version is not None and not _person_in_scope(ctx, version):
                    yield Reason("person", c.id, "kelurahan_code",
                                 f"di luar kecamatan {ctx.kecamatan_code} perangkat pengirim ({when} perubahan)")
                    break
        if ctx.role == "unit" and not registered_there and not _person_in_scope(ctx, {**c.new, "id": c.id}):
            # A shelter registers persons from anywhere and changes those it serves: a case of
            # its unit or an event it delivered (here or in this package).
            yield Reason("person", c.id, "id", f"orang ini tidak punya kasus atau layanan unit {ctx.unit} dan tidak "
                                               "didaftarkan di perangkat pengirim")


# ----- cases, needs, events -----------------------------------------------------------------


@table_rules("cases", roles=("office", "tksk", "unit"))
def _cases(ctx: Context, changes: list[Change]) -> Iterator[Reason]:
    from spm_desktop.core.services.cases import CASE_GROUPS, UNITS

    kecamatans = {code for code, level in ctx.region_levels().items() if level == "kecamatan"}
    for c in changes:
        v = c.new
        if c.changed("unit") and v.get("unit") not in UNITS:
            yield Reason("cases", c.id, "unit", f"unit layanan harus salah satu dari: {', '.join(UNITS)}")
        if c.changed("spm_group") and v.get("spm_group") not in CASE_GROUPS:
            yield Reason("cases", c.id, "spm_group", "kelompok SPM tidak dikenal")
        if c.changed("kecamatan_code") and v.get("kecamatan_code") and v["kecamatan_code"] not in kecamatans:
            yield Reason("cases", c.id, "kecamatan_code", f"kecamatan {v['kecamatan_code']} tidak dikenal")
        yield from _future(ctx, "cases", c, "intake_date")
        yield from _future(ctx, "cases", c, "exit_date")
        if ctx.scoped:
            for version, when in c.versions():
                if version is not None and not in_case_scope(ctx.actor, version.get("unit"),
                                                             version.get("kecamatan_code")):
                    yield Reason("cases", c.id, "unit", f"kasus di luar wilayah/unit perangkat pengirim ({when} "
                                                        "perubahan)")
                    break


def _case_in_scope(ctx: Context, case_id: str | None) -> bool:
    case = ctx.record("cases", Case, case_id)
    return case is not None and in_case_scope(ctx.actor, case.get("unit"), case.get("kecamatan_code"))


@table_rules("case_need", roles=("office", "tksk", "unit"))
def _needs(ctx: Context, changes: list[Change]) -> Iterator[Reason]:
    types = ctx.service_types()
    if ctx.scoped:
        ctx.rows_of(Case, [v for c in changes for v in (c.new.get("case_id"), (c.old or {}).get("case_id"))])
    for c in changes:
        if c.changed("service_code") and c.new.get("service_code") not in types:
            yield Reason("case_need", c.id, "service_code", f"kode layanan {c.new.get('service_code')} tidak dikenal")
        for col in ("assessed_on",):
            if col in c.new:
                yield from _future(ctx, "case_need", c, col)
        if ctx.scoped:
            for version, _when in c.versions():
                if version is not None and not _case_in_scope(ctx, version.get("case_id")):
                    yield Reason("case_need", c.id, "case_id", "kebutuhan kasus di luar wilayah/unit perangkat "
                                                               "pengirim")
                    break


@table_rules("service_event", roles=("office", "tksk", "unit"))
def _events(ctx: Context, changes: list[Change]) -> Iterator[Reason]:
    from spm_desktop.core.services.events import check_details

    types = ctx.service_types()
    checked: dict[tuple, ValidationError | None] = {}
    in_scope = _events_in_scope(ctx, changes) if ctx.scoped else set()
    for c in changes:
        v = c.new
        st = types.get(v.get("service_code"))
        if st is None:
            if c.changed("service_code"):
                yield Reason("service_event", c.id, "service_code", f"kode layanan {v.get('service_code')} tidak "
                                                                    "dikenal")
        elif v.get("deleted_at") is None and c.old is not None and (c.changed("details") or
                                                                     c.changed("service_code")):
            # Only a change made to a record here is held to the catalogue's detail rules: an
            # event new to this database may predate a rule (clothing items became required
            # later) and the package does not say when it was made under which rules.
            # Many events share their details ({"meals_per_day": 3}): check each distinct one once.
            key = (st.code, _freeze(v.get("details")))
            if key not in checked:
                try:
                    check_details(st, v.get("details"))
                    checked[key] = None
                except ValidationError as exc:
                    checked[key] = exc
            if checked[key] is not None:
                yield from _field_reasons("service_event", c, checked[key], all_fields=True)
        quantity = v.get("quantity")
        if c.changed("quantity") and (not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0):
            yield Reason("service_event", c.id, "quantity", "jumlah harus bilangan bulat lebih dari 0")
        yield from _future(ctx, "service_event", c, "event_date")
        if ctx.scoped:
            for version, when in c.versions():
                if version is not None and id(version) not in in_scope:
                    yield Reason("service_event", c.id, "kelurahan_code",
                                 f"layanan di luar wilayah/unit perangkat pengirim ({when} perubahan)")
                    break


def _events_in_scope(ctx: Context, changes: list[Change]) -> set[int]:
    """The ``id()`` of the versions of the events in ``changes`` that lie in the sender's scope,
    judged all at once by the services' own rule (``links.events_in_scope``: on an in-scope
    case; for a TKSK device, without a case, its kelurahan in the kecamatan, its person linked
    to it or its disaster there), each on its case as it will be after the import."""
    versions = [v for c in changes for v, _when in c.versions() if v is not None]
    ids = {v.get("case_id") for v in versions} - {None, ""}
    ctx.rows_of(Case, ids)
    cases = {case_id: ctx.record("cases", Case, case_id) for case_id in ids}
    return {id(v) for v in events_in_scope(ctx.session, ctx.actor, versions, cases)}


@table_rules("duplicate_candidate", roles=("office", "tksk", "unit"))
def _duplicates(ctx: Context, changes: list[Change]) -> Iterator[Reason]:
    """A scoped device's duplicate suggestions name persons it holds: in its scope, registered
    on it, or — a rule about other records the receiver changed — sent to it and moved out of
    its scope here since (``ctx.holds``): such a pair stays a suggestion for a supervisor here.
    A pair naming anyone else (a crafted package) refuses the package."""
    if not ctx.scoped:
        return
    ctx.rows_of(Person, [c.new.get(col) for c in changes for col in ("person_a_id", "person_b_id")])
    outside: dict[str, list[tuple[str, str]]] = {}  # change id -> [(column, person id)] outside the scope
    for c in changes:
        for col in ("person_a_id", "person_b_id"):
            pid = c.new.get(col)
            person = ctx.record("person", Person, pid)
            if person is not None and ctx.sender_device and person.get("created_device") == ctx.sender_device:
                continue  # registered on the sender: its own whatever the kelurahan (as scope.py sends it)
            if not _person_in_scope(ctx, {**person, "id": pid} if person else None):
                outside.setdefault(c.id, []).append((col, pid))
    if not outside:
        return
    wanted = {pid for found in outside.values() for _col, pid in found if pid}
    held = ctx.holds(wanted) if ctx.holds is not None and wanted else set()
    where = _where(ctx)
    for c in changes:
        for col, pid in outside.get(c.id, []):
            if pid not in held:
                yield Reason("duplicate_candidate", c.id, col, f"data ganda dengan orang di luar {where} perangkat "
                                                              "pengirim")
                break


# ----- disasters and households (TKSK: in its kecamatan) -----------------------------------


def _disaster_in_scope(ctx: Context, disaster: dict[str, Any] | None) -> bool:
    return disaster is not None and in_region_scope(ctx.actor, disaster.get("kelurahan_code"))


@table_rules("disaster", roles=("office", "tksk"))
def _disasters(ctx: Context, changes: list[Change]) -> Iterator[Reason]:
    for c in changes:
        yield from _future(ctx, "disaster", c, "start_date")
        if ctx.scoped:
            for version, _when in c.versions():
                if version is not None and not _disaster_in_scope(ctx, version):
                    yield Reason("disaster", c.id, "kelurahan_code",
                                 f"bencana di luar kecamatan {ctx.kecamatan_code} perangkat pengirim")
                    break


def _households(table: str) -> Rule:
    def check(ctx: Context, changes: list[Change]) -> Iterator[Reason]:
        if not ctx.scoped:
            return
        for c in changes:
            for version, _when in c.versions():
                if version is not None and not _disaster_in_scope(
                        ctx, ctx.record("disaster", Disaster, version.get("disaster_id"))):
                    yield Reason(table, c.id, "disaster_id", f"keluarga terdampak bencana di luar kecamatan "
                                                             f"{ctx.kecamatan_code} perangkat pengirim")
                    break

    return check


table_rules("household", roles=("office", "tksk"))(_households("household"))
table_rules("household_member", roles=("office", "tksk"))(_households("household_member"))


# ----- group activities (TKSK: held in its kecamatan; issue 15) ----------------------------


def _activity_in_scope(ctx: Context, activity: dict[str, Any] | None) -> bool:
    return activity is not None and in_region_scope(ctx.actor, activity.get("kelurahan_code"))


@table_rules("group_activity", roles=("office", "tksk"))
def _activities(ctx: Context, changes: list[Change]) -> Iterator[Reason]:
    from spm_desktop.core.services.activities import ActivityInput, validate_activity

    for c in changes:
        v = c.new
        if v.get("deleted_at") is None:
            data = ActivityInput(service_code=v.get("service_code") or "", activity_date=v.get("activity_date"),
                                 kelurahan_code=v.get("kelurahan_code") or "",
                                 participants_male=v.get("participants_male"),
                                 participants_female=v.get("participants_female"),
                                 facilitator=v.get("facilitator") or "", notes=v.get("notes") or "")
            try:  # the service's own rules; the lists arrive as rows of their own tables
                validate_activity(ctx.session, data, today=ctx.latest_day)
            except ValidationError as exc:
                exc.errors = [e for e in exc.errors if e.field not in ("person_ids", "volunteer_ids")]
                yield from _field_reasons("group_activity", c, exc)
        if ctx.scoped:
            for version, when in c.versions():
                if version is not None and not _activity_in_scope(ctx, version):
                    yield Reason("group_activity", c.id, "kelurahan_code",
                                 f"kegiatan di luar kecamatan {ctx.kecamatan_code} perangkat pengirim ({when} "
                                 "perubahan)")
                    break


def _activity_lists(table: str) -> Rule:
    def check(ctx: Context, changes: list[Change]) -> Iterator[Reason]:
        from spm_desktop.core.storage.models import GroupActivity

        if not ctx.scoped:
            return
        for c in changes:
            for version, _when in c.versions():
                if version is not None and not _activity_in_scope(
                        ctx, ctx.record("group_activity", GroupActivity, version.get("activity_id"))):
                    yield Reason(table, c.id, "activity_id", f"daftar kegiatan di luar kecamatan {ctx.kecamatan_code} "
                                                             "perangkat pengirim")
                    break

    return check


table_rules("group_activity_person", roles=("office", "tksk"))(_activity_lists("group_activity_person"))
table_rules("group_activity_volunteer", roles=("office", "tksk"))(_activity_lists("group_activity_volunteer"))
# The volunteer roster is kept at the office (volunteer.write: not a TKSK's): office only.


# ----- settings (from the office only, by type and range) --------------------------------


@table_rules("setting", roles=("office",))
def _settings(ctx: Context, changes: list[Change]) -> Iterator[Reason]:
    from spm_desktop.core.services.settings import validate_setting

    for c in changes:
        if c.new.get("deleted_at") is not None or not c.changed("value"):
            continue
        try:
            validate_setting(c.new.get("key") or "", c.new.get("value"))
        except ValidationError as exc:
            for err in exc.errors:
                yield Reason("setting", c.id, c.new.get("key") or "value", err.message)


def package_day(created_at: str) -> date:
    """The last day a package's records may carry: its creation day plus one."""
    try:
        made = datetime.fromisoformat(created_at)
    except ValueError:
        made = datetime.min
    return (made + timedelta(days=1)).date()
