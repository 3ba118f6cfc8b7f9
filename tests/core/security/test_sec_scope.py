"""Data scope: petugas = own unit, tksk = own kecamatan, others unrestricted."""

from __future__ import annotations

import pytest
from sec_helpers import KEC, ROLE_ACTORS
from sqlalchemy import select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import PermissionDenied
from spm_desktop.core.security import scope
from spm_desktop.core.storage.models import Case, Region

OTHER_KEC = "61.71.02"
IN_KEL, OUT_KEL = KEC + ".1002", OTHER_KEC + ".1001"


@pytest.mark.parametrize("role, unit, kec, expected", [
    ("admin", "PLAT", None, True),
    ("supervisor", "TKSK", OTHER_KEC, True),
    ("viewer", "UPRS", None, True),
    ("petugas", "UPRS", None, True),
    ("petugas", "PLAT", None, False),
    ("tksk", "TKSK", KEC, True),
    ("tksk", "TKSK", OTHER_KEC, False),
    ("tksk", "UPRS", KEC, False),
    ("tksk", "TKSK", None, False),
])
def test_case_scope(role, unit, kec, expected):
    actor = ROLE_ACTORS[role]
    assert scope.in_case_scope(actor, unit, kec) is expected
    if expected:
        scope.check_case_scope(actor, unit, kec)
    else:
        with pytest.raises(PermissionDenied, match="hanya berhak"):
            scope.check_case_scope(actor, unit, kec)


def test_region_and_event_scope():
    tk, pet = ROLE_ACTORS["tksk"], ROLE_ACTORS["petugas"]
    assert scope.in_region_scope(tk, IN_KEL) and not scope.in_region_scope(tk, OUT_KEL)
    assert not scope.in_region_scope(tk, None)
    assert scope.in_region_scope(pet, OUT_KEL)  # petugas are not limited by region
    assert not scope.kelurahan_in_kecamatan("61.71.011.1002", "61.71.01")  # prefix must end at a dot
    with pytest.raises(PermissionDenied, match="kecamatan Pontianak Selatan Anda"):  # the name, not 61.71.01
        scope.check_region_scope(tk, OUT_KEL)
    assert scope.in_event_scope(pet, "UPRS", OUT_KEL)
    assert not scope.in_event_scope(pet, "PLAT", OUT_KEL)
    assert not scope.in_event_scope(pet, "UPRS", None, case_unit="PLAT")  # the case decides
    assert scope.in_event_scope(tk, "", IN_KEL) and not scope.in_event_scope(tk, "TKSK", OUT_KEL)
    assert scope.in_event_scope(tk, "", OUT_KEL, case_unit="TKSK", case_kecamatan_code=KEC)
    with pytest.raises(PermissionDenied, match="mencatat layanan"):
        scope.check_event_scope(pet, "PLAT", None)
    # a TKSK never records under another unit, in its kecamatan or on its own case
    assert scope.in_event_scope(tk, "TKSK", IN_KEL)
    assert not scope.in_event_scope(tk, "UPRS", IN_KEL)
    assert not scope.in_event_scope(tk, "UPRS", IN_KEL, case_unit="TKSK", case_kecamatan_code=KEC)


def test_a_link_brings_a_person_and_their_events_into_a_tksk_scope():
    """Issue 17: the fact "linked" (an open TKSK case, a disaster household in the kecamatan;
    found by ``links``) widens a tksk's person and event scope, never the unit rule, another
    kecamatan's case, or another role's scope."""
    tk, pet = ROLE_ACTORS["tksk"], ROLE_ACTORS["petugas"]
    assert not scope.in_person_scope(tk, OUT_KEL) and scope.in_person_scope(tk, OUT_KEL, linked=True)
    assert not scope.in_person_scope(Actor("t", "tksk"), OUT_KEL, linked=True)  # no kecamatan: nothing
    assert scope.in_event_scope(tk, "TKSK", OUT_KEL, linked=True) and scope.in_event_scope(tk, "", None, linked=True)
    assert not scope.in_event_scope(tk, "UPRS", OUT_KEL, linked=True)  # never another unit
    assert not scope.in_event_scope(tk, "", OUT_KEL, case_unit="TKSK", case_kecamatan_code=OTHER_KEC, linked=True)
    assert not scope.in_event_scope(pet, "PLAT", OUT_KEL, linked=True)
    with pytest.raises(PermissionDenied, match="kasus TKSK terbuka atau keluarga korban bencana"):
        scope.check_person_scope(tk, OUT_KEL)
    with pytest.raises(PermissionDenied, match=r"^Anda hanya berhak mencatat layanan untuk unit UPRS Anda sendiri\.$"):
        scope.check_event_scope(pet, "PLAT", None)


def test_unassigned_scoped_users_see_nothing():
    assert not scope.in_case_scope(Actor("p", "petugas"), "", None)
    assert not scope.in_region_scope(Actor("t", "tksk"), IN_KEL)


def test_query_filters(db):
    with db.reading() as s:
        kelurahan = s.scalars(select(Region.code).where(Region.level == "kelurahan")).all()
        in_kec = [k for k in kelurahan if k.startswith(KEC + ".")]
        got = s.scalars(select(Region.code).where(Region.level == "kelurahan",
                                                  scope.region_filter(ROLE_ACTORS["tksk"], Region.code))).all()
        assert sorted(got) == sorted(in_kec) and 0 < len(got) < len(kelurahan)
        assert len(s.scalars(select(Region.code).where(
            Region.level == "kelurahan", scope.region_filter(ROLE_ACTORS["admin"], Region.code))).all()) == len(
            kelurahan)
        assert s.scalars(select(Region.code).where(scope.region_filter(Actor("t", "tksk"), Region.code))).all() == []
        # The clauses compile against the real tables.
        for role in ROLE_ACTORS:
            s.execute(select(Case.id).where(scope.case_filter(ROLE_ACTORS[role], Case))).all()
