"""Convergence: databases doing random case work while exchanging packages in random
directions, their clocks set wrong now and then (five years behind or ahead, an hour behind,
half a day ahead: an injected clock), end up, after their clocks are put right and a final
exchange in every direction, with the same records and the same recap JSON. A package whose
sender clock is more than a day ahead of the receiver's is refused on the way (and its changes
travel again in a later package)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from sqlalchemy import make_url, select
from sync_helpers import content, enrol_all, make_db

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import DomainError
from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.rollup.engine import compute_rollup
from spm_desktop.core.rollup.period import Period
from spm_desktop.core.services import duplicates, events, persons
from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.models import Person, ServiceEvent
from spm_desktop.core.sync.codec import CODECS
from spm_desktop.core.sync.envelope import PackageRefused
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import device_info
from spm_desktop.core.sync.importer import import_package
from spm_desktop.core.sync.preflight import OutgoingProblems
from spm_desktop.core.sync.validation import AFTER_PACKAGE_TIME

NAMES = ["Budi Santoso", "Budi Santosa", "Siti Aminah", "Ahmad Fauzi", "Maria Ulfa", "Yohanes Lim"]
NIKS = [make_nik("617101", date(1980 + i, 3, 4), "L", i + 1) for i in range(3)]
CODES = ["1.06.04.2.01.0002", "1.06.04.2.01.0005", "1.06.04.2.02.0006", "1.06.06.2.01.0002"]
ADDRESSES = ["Jl. Gajah Mada", "Jl. Tanjungpura", "Gg. Bersama", "Jl. Ahmad Yani"]
SKEWS = [timedelta(0), timedelta(days=-5 * 365), timedelta(days=5 * 365), timedelta(hours=-1),
         timedelta(hours=12)]
SUPERVISOR = Actor(username="sup", role="supervisor", full_name="Supervisor")
BACKEND: list = []  # [new_url(folder, label), drop(url)], set by the module fixture


@pytest.fixture(autouse=True, scope="module")
def _backend(request, pg_server, pg_template):
    """How the machine gets fresh databases: template copies (SQLite) or CREATE DATABASE
    ... TEMPLATE (PostgreSQL runs)."""
    if pg_server is None:
        template = request.getfixturevalue("template_db_file")

        def new_url(folder: Path, label: str) -> str:
            (folder / label).mkdir(parents=True)
            shutil.copyfile(template, folder / label / "spm.db")
            return f"sqlite:///{folder / label / 'spm.db'}"

        def drop(_url: str) -> None:
            return None
    else:
        def new_url(folder: Path, label: str) -> str:
            return pg_server.create(pg_server.new_name(label), template=pg_template)

        def drop(url: str) -> None:
            pg_server.drop(make_url(url).database)

    BACKEND[:] = [new_url, drop]
    yield


def _live_ids(db, model) -> list[str]:
    with db.reading() as s:
        stmt = select(model.id).where(model.deleted_at.is_(None)).order_by(model.id)
        if model is Person:
            stmt = stmt.where(Person.merged_into.is_(None))
        return list(s.scalars(stmt))


def _pick(ids: list[str], n: int) -> str | None:
    return ids[n % len(ids)] if ids else None


class Exchange(RuleBasedStateMachine):
    N = 2

    @initialize()
    def setup(self):
        self.folder = Path(tempfile.mkdtemp(prefix="spm-sync-"))
        new_url, _drop = BACKEND
        self.urls = [new_url(self.folder, f"d{i}") for i in range(self.N)]
        self.dbs = [make_db(url, f"Perangkat {i}") for i, url in enumerate(self.urls)]
        enrol_all(self.dbs, self.folder)
        self.names = [device_info(db).name for db in self.dbs]
        self.packages = 0

    def teardown(self):
        if not hasattr(self, "dbs"):
            return
        try:
            self._final_exchange_and_check()
        finally:
            for db, url in zip(self.dbs, self.urls, strict=True):
                db.dispose()
                BACKEND[1](url)
            shutil.rmtree(self.folder, ignore_errors=True)

    which = st.integers(min_value=0, max_value=9)

    @rule(i=which, name=st.sampled_from(NAMES), nik=st.none() | st.sampled_from(NIKS), sex=st.sampled_from("LP"))
    def register(self, i, name, nik, sex):
        db = self.dbs[i % self.N]
        draft = persons.PersonDraft(name=name, sex=sex, nik=nik, birth_year=None if nik else 1975)
        try:
            persons.register_person(db, SUPERVISOR, draft, confirm_duplicates_ok=True)
        except DomainError:
            pass  # e.g. that NIK is already registered on this computer

    @rule(i=which, n=st.integers(0, 50), address=st.sampled_from(ADDRESSES))
    def edit(self, i, n, address):
        db = self.dbs[i % self.N]
        pid = _pick(_live_ids(db, Person), n)
        if pid is None:
            return
        info = persons.get_person(db, SUPERVISOR, pid)
        try:
            persons.update_person(db, SUPERVISOR, pid, replace(info.to_draft(), address=address))
        except DomainError:
            pass

    @rule(i=which, n=st.integers(0, 50), code=st.sampled_from(CODES), month=st.integers(1, 6),
          day=st.integers(1, 28))
    def record(self, i, n, code, month, day):
        db = self.dbs[i % self.N]
        pid = _pick(_live_ids(db, Person), n)
        if pid is None:
            return
        try:
            events.record_event(db, SUPERVISOR, events.EventDraft(
                person_id=pid, service_code=code, event_date=date(2026, month, day),
                details={"items": ["Pakaian"]} if code.endswith(".0002") else {}))  # clothing: items required
        except DomainError:
            pass

    @rule(i=which, n=st.integers(0, 50), person=st.booleans())
    def delete(self, i, n, person):
        db = self.dbs[i % self.N]
        try:
            if person:
                pid = _pick(_live_ids(db, Person), n)
                if pid:
                    persons.delete_person(db, SUPERVISOR, pid)
            else:
                eid = _pick(_live_ids(db, ServiceEvent), n)
                if eid:
                    events.delete_event(db, SUPERVISOR, eid)
        except DomainError:
            pass

    @rule(i=which, a=st.integers(0, 50), b=st.integers(0, 50))
    def merge(self, i, a, b):
        db = self.dbs[i % self.N]
        ids = _live_ids(db, Person)
        first, second = _pick(ids, a), _pick(ids, b)
        if first and second and first != second:
            try:
                duplicates.merge_persons(db, SUPERVISOR, first, second)
            except DomainError:
                pass

    @rule(i=which, skew=st.sampled_from(SKEWS))
    def set_clock(self, i, skew):
        db = self.dbs[i % self.N]
        db.clock = (lambda: utcnow() + skew) if skew else None

    @rule(i=which, j=which)
    def exchange(self, i, j):
        src, dst = i % self.N, j % self.N
        if src != dst:
            self._send(src, dst)

    def _send(self, src: int, dst: int):
        self.packages += 1
        path = self.folder / f"p{self.packages}.spmsync"
        try:
            export_package(self.dbs[src], SUPERVISOR, path, peer_name=self.names[dst])
        except OutgoingProblems as exc:
            # A computer whose clock was set back cannot send what it recorded before with a
            # date after its clock's today: the receiver would refuse it. It is told so, and
            # the records travel once the clock is put right (the final exchange).
            db = self.dbs[src]
            assert db.clock is not None and db.now() < utcnow(), exc.message
            assert all(AFTER_PACKAGE_TIME in p.reason for p in exc.problems), exc.message
            assert "jam komputer ini mundur" in exc.message
            self.refused_exports = getattr(self, "refused_exports", 0) + 1
            return
        try:
            import_package(self.dbs[dst], SUPERVISOR, path)
        except PackageRefused as exc:
            assert "lebih maju" in exc.message, exc.message  # only a sender clock ahead is refused
        finally:
            path.unlink()

    def _final_exchange_and_check(self):
        for db in self.dbs:
            db.clock = None  # the clocks put right, as the refusal asks
        for _round in range(2):
            for src in range(self.N):
                for dst in range(self.N):
                    if src != dst:
                        self._send(src, dst)
        contents = [content(db) for db in self.dbs]
        for other in contents[1:]:
            for table in contents[0]:
                assert other[table] == contents[0][table], f"table {table} differs"
        recaps = [compute_rollup(db, Period.for_month(2026, 6)).to_json() for db in self.dbs]
        assert all(r == recaps[0] for r in recaps[1:])
        # One more round changes nothing anywhere.
        before = [content(db) for db in self.dbs]
        for src in range(self.N):
            for dst in range(self.N):
                if src != dst:
                    self._send(src, dst)
        assert [content(db) for db in self.dbs] == before


class ThreeWay(Exchange):
    N = 3


_settings = settings(max_examples=10, stateful_step_count=12, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

TestTwoDatabasesConverge = Exchange.TestCase
TestTwoDatabasesConverge.settings = _settings
TestThreeDatabasesConverge = ThreeWay.TestCase
TestThreeDatabasesConverge.settings = settings(_settings, max_examples=6)


KEC, BARAT, SELATAN = "61.71.03", "61.71.03.1001", "61.71.01.1002"


class ScopedExchange(RuleBasedStateMachine):
    """An office and a TKSK laptop for kecamatan 61.71.03, clocks set wrong now and then: the
    office registers and moves persons between kecamatan, both edit and record services. After
    the clocks are put right and a few exchanges, the laptop holds exactly the office's persons
    in its scope (its kecamatan, or registered on it), with the same records, and nobody else."""

    @initialize()
    def setup(self):
        from sync_helpers import enrol_each_other

        self.folder = Path(tempfile.mkdtemp(prefix="spm-sync-scope-"))
        new_url, _drop = BACKEND
        self.urls = [new_url(self.folder, "office"), new_url(self.folder, "laptop")]
        self.dbs = [make_db(self.urls[0], "Kantor"), make_db(self.urls[1], "Laptop Barat")]
        enrol_each_other(self.dbs[0], self.dbs[1], self.folder, role="tksk", kecamatan=KEC)
        self.names = [device_info(db).name for db in self.dbs]
        self.packages = 0

    def teardown(self):
        if not hasattr(self, "dbs"):
            return
        try:
            for db in self.dbs:
                db.clock = None
            for _round in range(3):
                self._send(0, 1)
                self._send(1, 0)
            office, laptop = content(self.dbs[0]), content(self.dbs[1])
            codec = CODECS["person"]
            kel, made = codec.index("kelurahan_code"), codec.index("created_device")
            in_scope = {pid for pid, row in office["person"].items()
                        if (row[kel] or "").startswith(KEC + ".") or row[made] == self.dbs[1].device_id}
            assert set(laptop["person"]) == in_scope
            assert {k: v for k, v in office["person"].items() if k in in_scope} == laptop["person"]
            ev = CODECS["service_event"].index("person_id")
            assert {k: v for k, v in office["service_event"].items() if v[ev] in in_scope} == laptop["service_event"]
        finally:
            for db, url in zip(self.dbs, self.urls, strict=True):
                db.dispose()
                BACKEND[1](url)
            shutil.rmtree(self.folder, ignore_errors=True)

    which = st.integers(min_value=0, max_value=1)

    @rule(i=which, name=st.sampled_from(NAMES), barat=st.booleans())
    def register(self, i, name, barat):
        draft = persons.PersonDraft(name=name, sex="L", birth_year=1975,
                                    kelurahan_code=BARAT if barat or i == 1 else SELATAN)
        persons.register_person(self.dbs[i], SUPERVISOR, draft, confirm_duplicates_ok=True)

    @rule(i=which, n=st.integers(0, 50), address=st.sampled_from(ADDRESSES))
    def edit(self, i, n, address):
        db = self.dbs[i]
        pid = _pick(_live_ids(db, Person), n)
        if pid is not None:
            info = persons.get_person(db, SUPERVISOR, pid)
            persons.update_person(db, SUPERVISOR, pid, replace(info.to_draft(), address=address))

    @rule(n=st.integers(0, 50), barat=st.booleans())
    def move(self, n, barat):
        db = self.dbs[0]
        pid = _pick(_live_ids(db, Person), n)
        if pid is not None:
            info = persons.get_person(db, SUPERVISOR, pid)
            persons.update_person(db, SUPERVISOR, pid, replace(info.to_draft(),
                                                               kelurahan_code=BARAT if barat else SELATAN))

    @rule(i=which, n=st.integers(0, 50), month=st.integers(1, 6), day=st.integers(1, 28))
    def record(self, i, n, month, day):
        db = self.dbs[i]
        with db.reading() as s:  # the laptop records for persons living in its kecamatan
            ids = [p for p in _live_ids(db, Person) if i == 0 or s.get(Person, p).kelurahan_code == BARAT]
        pid = _pick(ids, n)
        if pid is None:
            return
        try:
            events.record_event(db, SUPERVISOR, events.EventDraft(
                person_id=pid, service_code=CODES[1], event_date=date(2026, month, day), details={}))
        except DomainError:
            pass

    @rule(i=which, skew=st.sampled_from(SKEWS))
    def set_clock(self, i, skew):
        self.dbs[i].clock = (lambda: utcnow() + skew) if skew else None

    @rule(to_laptop=st.booleans())
    def exchange(self, to_laptop):
        self._send(0, 1) if to_laptop else self._send(1, 0)

    _send = Exchange._send


TestScopedLaptopConverges = ScopedExchange.TestCase
TestScopedLaptopConverges.settings = settings(_settings, max_examples=8)


def test_an_office_whose_clock_was_set_back_is_told_and_its_records_travel_once_it_is_right():
    # Found by Hypothesis: the office recorded a service dated 1 January 2026, then its clock
    # went back five years; its next package would carry a date after the package's own time
    # (which the laptop refuses), so it is not made, and the message points at the clock.
    machine = ScopedExchange()
    machine.setup()
    machine.register(barat=True, i=0, name="Budi Santoso")
    machine.record(day=1, i=0, month=1, n=0)
    machine.set_clock(i=0, skew=timedelta(days=-5 * 365))
    machine.exchange(to_laptop=True)
    assert machine.refused_exports == 1
    machine.teardown()  # the clocks put right: the laptop gets Budi and the service
