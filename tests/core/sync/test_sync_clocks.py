"""Ordering that does not trust wall clocks (issue 17): a hybrid logical clock per record. A
laptop whose clock is five years behind or ahead (an injected clock) never loses an edit
silently: an edit made after receiving a version wins over it everywhere, and a record changed
on both sides since the last exchange is listed as a conflict holding both versions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sync_helpers import ADMIN, content

from spm_desktop.core.storage.base import utcnow
from spm_desktop.core.storage.hlc import SHIFT, from_datetime
from spm_desktop.core.storage.models import Person, SyncConflict
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.importer import import_package

BARAT = "61.71.03.1001"
OFFICE, LAPTOP = "Kantor Dinas Sosial", "TKSK Pontianak Barat"
YEARS = timedelta(days=5 * 365)


def exchange(src, dst, tmp_path, peer):
    path = tmp_path / f"p{len(list(tmp_path.glob('*.spmsync')))}.spmsync"
    export_package(src, ADMIN, path, peer_name=peer)
    return import_package(dst, ADMIN, path)


def address_of(db, pid):
    with db.reading() as s:
        return s.get(Person, pid).address


def set_address(db, pid, address):
    with db.transaction(ADMIN) as s:
        s.get(Person, pid).address = address


@pytest.fixture
def shared(office, tksk, tmp_path):
    """A person the office registered, received by the laptop, acknowledged both ways."""
    with office.transaction(ADMIN) as s:
        p = Person(name="Siti Aminah", sex="P", kelurahan_code=BARAT, address="Jl. Kantor")
        s.add(p)
        s.flush()
        pid = p.id
    exchange(office, tksk, tmp_path, LAPTOP)
    exchange(tksk, office, tmp_path, OFFICE)
    return pid


def test_an_edit_on_a_laptop_five_years_behind_reaches_the_office(office, tksk, shared, tmp_path):
    tksk.clock = lambda: utcnow() - YEARS  # the laptop's clock battery failed
    set_address(tksk, shared, "Jl. Laptop")
    result = exchange(tksk, office, tmp_path, OFFICE)  # a sender behind is not refused
    tksk.clock = None
    assert (result.updated, result.conflicts) == (1, 0)
    assert address_of(office, shared) == "Jl. Laptop"  # by wall clock it was "older" and dropped
    with tksk.reading() as s:
        stamped = s.get(Person, shared)
        assert stamped.updated_at.year == (utcnow() - YEARS).year  # the wall clock as it was
        assert stamped.hlc > from_datetime(utcnow() - timedelta(days=1))  # the order it has


def test_a_correction_after_an_edit_from_a_clock_five_years_ahead_reaches_the_laptop(office, tksk, shared,
                                                                                     tmp_path):
    tksk.clock = lambda: utcnow() + YEARS
    set_address(tksk, shared, "Jl. Masa Depan")
    tksk.clock = None  # corrected before the package is made (else the office refuses it)
    exchange(tksk, office, tmp_path, OFFICE)
    assert address_of(office, shared) == "Jl. Masa Depan"
    set_address(office, shared, "Jl. Koreksi Kantor")  # the office corrects it afterwards
    result = exchange(office, tksk, tmp_path, LAPTOP)
    assert (result.updated, result.conflicts) == (1, 0)
    assert address_of(tksk, shared) == "Jl. Koreksi Kantor"  # by wall clock the 2031 version kept winning
    assert content(office)["person"] == content(tksk)["person"]
    with office.reading() as s:  # the office's clock moved up to what it received
        assert s.get(Person, shared).hlc >> SHIFT > from_datetime(utcnow() + YEARS - timedelta(days=1)) >> SHIFT


@pytest.mark.parametrize("skew", [-YEARS, YEARS], ids=["5-years-behind", "5-years-ahead"])
def test_both_sides_changed_is_a_conflict_whatever_the_clocks(office, tksk, shared, tmp_path, skew):
    set_address(office, shared, "Jl. Versi Kantor")
    tksk.clock = lambda: utcnow() + skew
    set_address(tksk, shared, "Jl. Versi Laptop")
    tksk.clock = None
    result = exchange(tksk, office, tmp_path, OFFICE)
    assert result.conflicts == 1
    with office.reading() as s:
        [conflict] = s.scalars(select(SyncConflict).where(SyncConflict.entity_id == shared)).all()
        kept = s.get(Person, shared).address
    # Both versions are held for the supervisor; the one applied meanwhile is the rule's.
    assert {conflict.local_data["address"], conflict.remote_data["address"]} == {"Jl. Versi Kantor",
                                                                                "Jl. Versi Laptop"}
    assert kept == (conflict.remote_data if conflict.winner == "remote" else conflict.local_data)["address"]
    back = exchange(office, tksk, tmp_path, LAPTOP)
    # The office had seen the laptop's version (its answer says so): decided there, not again here.
    assert back.conflicts == 0
    assert address_of(tksk, shared) == kept
    assert content(office)["person"] == content(tksk)["person"]


def test_a_package_with_an_impossible_clock_is_refused(office, tksk, tmp_path):
    from spm_desktop.core.sync import exporter
    from spm_desktop.core.sync.envelope import PackageRefused

    real = exporter.hlc.current
    exporter.hlc.current = lambda _s: 1 << 62
    try:
        export_package(tksk, ADMIN, tmp_path / "bad.spmsync", peer_name=OFFICE)
    finally:
        exporter.hlc.current = real
    with pytest.raises(PackageRefused, match="manifes tidak sah"):
        import_package(office, ADMIN, tmp_path / "bad.spmsync")


def test_existing_rows_start_from_their_stamp_or_the_migration_time(office):
    with office.reading() as s:
        rows = s.execute(select(Person.updated_at, Person.hlc)).all()
        from spm_desktop.core.storage.models import Region

        region = s.execute(select(Region.updated_at, Region.hlc)).first()
    assert region.hlc == from_datetime(region.updated_at)  # seeded: the seed time, the same everywhere
    assert all(r.hlc == from_datetime(r.updated_at) for r in rows)
    assert datetime(2026, 1, 1) <= region.updated_at
