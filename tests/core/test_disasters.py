"""Disasters, households and the services given to victims (issue 6), with a hand-computed
fire whose sasaran, terpenuhi, capaian and IKK 2 are known exactly."""

from __future__ import annotations

from datetime import date

import pytest
from bencana_scenario import CAPAIAN, KELURAHAN, KK, TERPENUHI, build_fire, fire_input, serve_fire
from sqlalchemy import func, select

from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import ConflictError, PermissionDenied, ValidationError
from spm_desktop.core.domain.vulnerable import (
    CLOTHING_CODE,
    MEALS_CODE,
    PSYCHOSOCIAL_CODE,
    SHELTER_CODE,
    SPECIAL_CARE_CODE,
)
from spm_desktop.core.services import disaster_aid as aid
from spm_desktop.core.services import household_changes, households
from spm_desktop.core.services.disaster_summary import disaster_summary
from spm_desktop.core.services.disasters import (
    close_disaster,
    end_emergency,
    list_disasters,
    register_disaster,
    reopen_disaster,
    update_disaster,
)
from spm_desktop.core.services.households import HouseholdInput, MemberInput, register_household
from spm_desktop.core.storage.models import AuditEntry, DuplicateCandidate, HouseholdMember, Person, ServiceEvent


def count(db, model) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_vulnerable_members_flagged_on_the_start_date(db):
    fire = build_fire(db)
    kinds = {m.name.split()[0]: m.vulnerable_kinds for h in fire.households for m in h.members}
    assert kinds == {"Budi": (), "Siti": ("hamil_menyusui",), "Ahmad": ("balita",), "Hasan": ("lansia",),
                     "Joko": ("disabilitas",), "Dewi": (), "Rina": (), "Andi": ("balita",), "Sarni": ("lansia",)}
    ages = {m.name.split()[0]: m.age for h in fire.households for m in h.members}
    assert (ages["Andi"], ages["Sarni"], ages["Hasan"], ages["Ahmad"]) == (4, 60, 66, 0)


def test_member_known_by_nik_is_linked_not_duplicated(db):
    fire = build_fire(db)
    joko = next(m for m in fire.households[1].members if m.relation == "anak")
    assert joko.person_id == fire.joko_known_id and joko.linked_existing
    assert joko.name == "Joko Santoso"  # the existing record is kept as it is
    assert count(db, Person) == 9
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Person).where(Person.nik == joko.nik)) == 1


def test_one_household_per_person_per_disaster(db):
    fire = build_fire(db)
    before = (count(db, Person), count(db, HouseholdMember))
    joko = next(m for m in fire.households[1].members if m.relation == "anak")
    with pytest.raises(ConflictError, match="sudah terdaftar di KK 6171010203260002"):
        register_household(db, SYSTEM, HouseholdInput(fire.id, "6171010203260009", (
            MemberInput("Yanto", "kepala", "L", age=30), MemberInput("Joko", "anak", "L", nik=joko.nik))))
    assert (count(db, Person), count(db, HouseholdMember)) == before


def test_household_form_errors_are_all_listed(db):
    fire = register_disaster(db, SYSTEM, fire_input())
    with pytest.raises(ValidationError) as err:
        register_household(db, SYSTEM, HouseholdInput(fire.id, "12345", (
            MemberInput("", "anak", "L", age=3),
            MemberInput("Ani", "istri", "L", age=200, pregnant_breastfeeding=True),
            MemberInput("Tono", "anak", "L", nik="6171015005990001", birth_date=date(1999, 5, 10)))))
    fields = [e.field for e in err.value.errors]
    assert fields == ["no_kk", "members", "members[0].name", "members[1].age",
                      "members[1].pregnant_breastfeeding", "members[2].nik"]
    assert "tepat satu kepala keluarga" in err.value.errors[1].message
    assert count(db, Person) == 0


def test_summary_of_the_hand_computed_fire(db):
    fire = build_fire(db)
    serve_fire(db, fire)
    summary = disaster_summary(db, SYSTEM, fire.id)
    assert (summary.households, summary.persons, summary.vulnerable_persons) == (3, 9, 6)
    assert {k: n for k, _, n in summary.vulnerable_by_kind} == {
        "balita": 2, "lansia": 2, "hamil_menyusui": 1, "disabilitas": 1}
    missing = {m.name.split()[0]: m.missing_text for m in summary.members}
    assert missing == {"Budi": "–", "Siti": "–", "Ahmad": "–", "Hasan": "penanganan khusus",
                       "Joko": "penanganan khusus", "Dewi": "–", "Rina": "sandang", "Andi": "–", "Sarni": "–"}
    assert {c: n for c, _, n in summary.lacking_by_need} == {MEALS_CODE: 0, CLOTHING_CODE: 1, SHELTER_CODE: 0,
                                                             SPECIAL_CARE_CODE: 2, PSYCHOSOCIAL_CODE: 0}
    needed = {m.name.split()[0]: len(m.needed) for m in summary.members}
    assert needed == {"Budi": 3, "Siti": 4, "Ahmad": 4, "Hasan": 1, "Joko": 1, "Dewi": 3, "Rina": 4, "Andi": 4,
                      "Sarni": 4}
    assert summary.with_needs == 9
    assert (summary.met, summary.share_met) == (TERPENUHI, CAPAIAN)
    totals = {t.code: (t.persons, t.quantity) for t in summary.services}
    assert totals == {MEALS_CODE: (9, 27), CLOTHING_CODE: (7, 7), SPECIAL_CARE_CODE: (4, 4),
                      PSYCHOSOCIAL_CODE: (4, 4), SHELTER_CODE: (2, 3)}


def test_bulk_meals_are_idempotent(db):
    fire = build_fire(db)
    all_h = [h.id for h in fire.households]
    first = aid.record_meals(db, SYSTEM, fire.id, date(2026, 3, 2), date(2026, 3, 4), household_ids=all_h)
    assert (first.created, first.skipped, first.persons) == (27, 0, 9)
    again = aid.record_meals(db, SYSTEM, fire.id, date(2026, 3, 2), date(2026, 3, 4), household_ids=all_h)
    assert (again.created, again.skipped) == (0, 27)
    overlap = aid.record_meals(db, SYSTEM, fire.id, date(2026, 3, 3), date(2026, 3, 5), household_ids=all_h)
    assert (overlap.created, overlap.skipped) == (9, 18)
    assert "9 catatan layanan disimpan untuk 9 orang; 18 sudah tercatat" in overlap.message
    with db.reading() as s:
        rows = s.execute(select(ServiceEvent.person_id, ServiceEvent.event_date, func.count())
                         .group_by(ServiceEvent.person_id, ServiceEvent.event_date)).all()
        assert len(rows) == 36 and all(n == 1 for *_, n in rows)
        e = s.scalars(select(ServiceEvent)).first()
        assert (e.disaster_id, e.kelurahan_code, e.details, e.unit) == (
            fire.id, KELURAHAN, {"meals_per_day": 3, "days": 1}, "BIDANG")
        audits = s.scalars(select(AuditEntry).where(AuditEntry.action == "create_bulk")).all()
        assert [len(a.after["event_ids"]) for a in audits] == [27, 0, 9]


def test_service_before_the_disaster_start_is_refused(db):
    fire = build_fire(db)
    with pytest.raises(ValidationError, match="bencana ini baru mulai tanggal 02/03/2026"):
        aid.record_meals(db, SYSTEM, fire.id, date(2026, 3, 1), date(2026, 3, 3),
                         household_ids=[fire.households[0].id])
    with pytest.raises(ValidationError, match="baru mulai"):
        aid.record_clothing(db, SYSTEM, fire.id, date(2026, 2, 28), household_ids=[fire.households[0].id])
    assert count(db, ServiceEvent) == 0
    # After the emergency (pasca bencana) services are normal.
    close_disaster(db, SYSTEM, fire.id, date(2026, 3, 9))
    late = aid.record_psychosocial(db, SYSTEM, fire.id, date(2026, 4, 20), household_ids=[fire.households[0].id])
    assert late.created == 3


def test_special_care_only_for_vulnerable_members(db):
    fire = build_fire(db)
    with pytest.raises(ValidationError, match="bukan kelompok rentan: Budi"):
        aid.record_special_care(db, SYSTEM, fire.id, date(2026, 3, 3), person_ids=[fire.person["Budi"]])
    result = aid.record_special_care(db, SYSTEM, fire.id, date(2026, 3, 3),
                                     household_ids=[h.id for h in fire.households])
    assert result.created == 6
    with db.reading() as s:
        groups = sorted(e.details["group"] for e in s.scalars(select(ServiceEvent)))
    assert groups == ["Bayi/balita/anak", "Bayi/balita/anak", "Ibu hamil atau menyusui", "Lanjut usia",
                      "Lanjut usia", "Penyandang disabilitas"]


def test_shelter_is_counted_by_units(db):
    fire = build_fire(db)
    result = aid.record_shelter(db, SYSTEM, fire.id, date(2026, 3, 2), [h.id for h in fire.households], 2, "Terpal")
    assert (result.created, result.quantity, result.persons) == (3, 6, 3)
    assert result.message == "6 unit tempat penampungan dicatat untuk 3 keluarga."
    with pytest.raises(ValidationError, match="Jenis tempat"):
        aid.record_shelter(db, SYSTEM, fire.id, date(2026, 3, 2), [fire.households[0].id], 1, "Gedung")


def test_disaster_register_update_close_and_validation(db):
    with pytest.raises(ValidationError) as err:
        register_disaster(db, SYSTEM, fire_input(kind="gempa", kelurahan_code="61.71.99.9999",
                                                 houses_light=-1, end_date=date(2026, 3, 1)))
    assert [e.field for e in err.value.errors] == ["kind", "end_date", "kelurahan_code", "houses_light"]
    fire = register_disaster(db, SYSTEM, fire_input())
    assert (fire.kecamatan_code, fire.kelurahan_name, fire.status) == ("61.71.01", "Benua Melayu Laut", "open")
    assert fire.title == "Kebakaran Gg. Amal — Benua Melayu Laut, 02/03/2026"
    moved = update_disaster(db, SYSTEM, fire.id, fire_input(start_date=date(2026, 3, 1), houses_light=2))
    assert (moved.start_date, moved.houses_light) == (date(2026, 3, 1), 2)
    closed = close_disaster(db, SYSTEM, fire.id, date(2026, 3, 9))
    assert (closed.status, closed.phase, closed.end_date) == ("closed", "pasca_bencana", date(2026, 3, 9))
    assert [d.id for d in list_disasters(db, SYSTEM, year=2026)] == [fire.id]
    assert list_disasters(db, SYSTEM, year=2025) == []
    assert list_disasters(db, SYSTEM, year=2027) == []  # ended in 2026


def test_a_disaster_still_under_way_at_new_year_is_listed_in_both_years(db):
    """The Bencana page shows the disasters of a year: one started on 28 December and still
    open (or ended in January) is one of the new year's too, not hidden on 1 January."""
    late = register_disaster(db, SYSTEM, fire_input(start_date=date(2025, 12, 28)))
    assert [d.id for d in list_disasters(db, SYSTEM, year=2025)] == [late.id]
    assert [d.id for d in list_disasters(db, SYSTEM, year=2026)] == [late.id]
    close_disaster(db, SYSTEM, late.id, date(2026, 1, 4))
    assert [d.id for d in list_disasters(db, SYSTEM, year=2026)] == [late.id]
    assert list_disasters(db, SYSTEM, year=2027) == []
    assert list_disasters(db, SYSTEM, year=2024) == []


def test_tksk_records_disasters_of_their_own_kecamatan_only(db):
    tksk = Actor("tksk_barat", "tksk", kecamatan_code="61.71.02")
    with pytest.raises(PermissionDenied):
        register_disaster(db, tksk, fire_input())
    viewer = Actor("lihat", "viewer")
    with pytest.raises(PermissionDenied):
        register_disaster(db, viewer, fire_input())
    own = Actor("tksk_selatan", "tksk", kecamatan_code="61.71.01")
    assert register_disaster(db, own, fire_input()).kecamatan_code == "61.71.01"


def test_many_families_in_one_call_all_or_nothing(db):
    fire = register_disaster(db, SYSTEM, fire_input())
    families = [
        HouseholdInput(fire.id, "6171010203260011", (MemberInput("Rahmat Hidayat", "kepala", "L", age=40),
                                                     MemberInput("Nur Aini", "istri", "P", age=35))),
        HouseholdInput(fire.id, "6171010203260012", (MemberInput("Rahmad Hidayat", "kepala", "L", age=41),
                                                     MemberInput("Ani", "anak", "P", age=3))),
    ]
    bad = [*families, HouseholdInput(fire.id, "6171010203260011", (MemberInput("Tono", "kepala", "L", age=30),))]
    before = (count(db, Person), count(db, HouseholdMember))
    with pytest.raises(ValidationError, match="Keluarga ke-3: KK 6171010203260011 sudah terdaftar"):
        households.register_households(db, SYSTEM, fire.id, bad)
    assert (count(db, Person), count(db, HouseholdMember)) == before
    infos = households.register_households(db, SYSTEM, fire.id, families)
    assert [len(h.members) for h in infos] == [2, 2]
    assert [m.vulnerable_kinds for m in infos[1].members] == [(), ("balita",)]
    # Rahmat / Rahmad Hidayat, both 40-ish men of the same kecamatan: one pair to review.
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(DuplicateCandidate)) == 1


def test_edit_a_family_keeps_changes_adds_and_takes_out_members(db):
    fire = build_fire(db)
    h1 = fire.households[0]
    budi, siti, ahmad = (next(m for m in h1.members if m.name == n) for n in ("Budi", "Siti", "Ahmad"))
    persons_before = count(db, Person)
    edited = household_changes.update_household(db, SYSTEM, h1.id, HouseholdInput(fire.id, h1.no_kk, (
        MemberInput(budi.name, "kepala", "L", person_id=budi.person_id),
        MemberInput(siti.name, "istri", "P", person_id=siti.person_id, pregnant_breastfeeding=False),
        MemberInput("Putri", "anak", "P", birth_date=date(2026, 1, 5)),
    ), address="Posko Masjid Al-Amin", damage_level="berat"))
    assert [(m.name, m.vulnerable_kinds) for m in edited.members] == [
        ("Budi", ()), ("Siti", ()), ("Putri", ("balita",))]
    assert (edited.head_name, edited.address, count(db, Person)) == ("Budi", "Posko Masjid Al-Amin", persons_before + 1)
    summary = disaster_summary(db, SYSTEM, fire.id)
    assert (summary.households, summary.persons) == (3, 9)  # Ahmad out, Putri in
    assert ahmad.person_id not in {m.person_id for m in summary.members}
    with pytest.raises(ValidationError, match="KK 6171010203260002 sudah terdaftar"):
        household_changes.update_household(db, SYSTEM, h1.id, HouseholdInput(fire.id, KK[1], (
            MemberInput(budi.name, "kepala", "L", person_id=budi.person_id),)))
    # Ahmad can be entered again in another family of the same disaster (his membership is revived).
    again = register_household(db, SYSTEM, HouseholdInput(fire.id, "6171010203260009", (
        MemberInput("Ahmad", "kepala", "L", person_id=ahmad.person_id),)))
    assert again.members[0].person_id == ahmad.person_id
    household_changes.remove_household(db, SYSTEM, again.id)
    assert disaster_summary(db, SYSTEM, fire.id).persons == 9


def test_emergency_end_handling_closed_and_scale(db):
    with pytest.raises(ValidationError) as err:
        register_disaster(db, SYSTEM, fire_input(scale="kecamatan", end_date=date(2026, 3, 6),
                                                 closed_on=date(2026, 3, 5)))
    assert [(e.field, e.message) for e in err.value.errors] == [
        ("scale", "Skala bencana harus kabupaten/kota, provinsi atau nasional."),
        ("closed_on", "Tanggal penanganan ditutup tidak boleh sebelum akhir masa tanggap darurat.")]
    fire = register_disaster(db, SYSTEM, fire_input(scale="provinsi"))
    assert (fire.scale, fire.scale_label, fire.counts_in_spm, fire.end_date, fire.closed_on, fire.status) == (
        "provinsi", "Provinsi", False, None, None, "open")
    ended = end_emergency(db, SYSTEM, fire.id, date(2026, 3, 8))
    assert (ended.end_date, ended.phase, ended.closed_on, ended.status) == (
        date(2026, 3, 8), "pasca_bencana", None, "open")
    with pytest.raises(ValidationError, match="tidak boleh sebelum akhir masa tanggap darurat"):
        close_disaster(db, SYSTEM, fire.id, date(2026, 3, 7))
    closed = close_disaster(db, SYSTEM, fire.id, date(2026, 4, 30))
    assert (closed.end_date, closed.closed_on, closed.status) == (date(2026, 3, 8), date(2026, 4, 30), "closed")
    with pytest.raises(ValidationError, match="setelah tanggal penanganan ditutup"):
        end_emergency(db, SYSTEM, fire.id, date(2026, 5, 1))
    reopened = reopen_disaster(db, SYSTEM, fire.id)
    assert (reopened.end_date, reopened.closed_on, reopened.status) == (date(2026, 3, 8), None, "open")
    # Closing the handling ends an emergency still running on the same day.
    storm = register_disaster(db, SYSTEM, fire_input(kind="puting_beliung", closed_on=date(2026, 3, 20)))
    assert (storm.end_date, storm.closed_on, storm.status, storm.scale) == (
        date(2026, 3, 20), date(2026, 3, 20), "closed", "kabupaten_kota")
    with db.reading() as s:
        actions = sorted(a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.entity == "disaster")))
    assert actions == ["close", "create", "create", "end_emergency", "reopen"]


def test_family_form_displaced_psychosocial_and_waived_needs(db):
    fire = register_disaster(db, SYSTEM, fire_input())
    members = (MemberInput("Rudi", "kepala", "L", age=40, waived=(CLOTHING_CODE,), waiver_reason="Pakaian selamat"),
               MemberInput("Nia", "istri", "P", age=38, needs_psychosocial=True),
               MemberInput("Oki", "anak", "L", age=3))
    with pytest.raises(ValidationError) as err:
        register_household(db, SYSTEM, HouseholdInput(fire.id, KK[0], (
            MemberInput("Rudi", "kepala", "L", age=40, waived=(CLOTHING_CODE, "1.06.04.2.01.0001")),
            MemberInput("Nia", "istri", "P", age=38, waiver_reason="lupa"))))
    assert [e.field for e in err.value.errors] == ["members[0].waived", "members[0].waived", "members[1].waived"]
    assert "alasan pengecualian kebutuhan wajib diisi" in err.value.errors[1].message
    # Not displaced: sandang is not Rudi's need, so it cannot be waived.
    with pytest.raises(ValidationError, match="sandang bukan kebutuhan bawaan anggota ini"):
        register_household(db, SYSTEM, HouseholdInput(fire.id, KK[0], members))
    family = register_household(db, SYSTEM, HouseholdInput(fire.id, KK[0], members, displaced=True))
    assert family.displaced
    needs = {m.name: m.needs for m in family.members}
    assert needs == {"Rudi": (MEALS_CODE, SHELTER_CODE),
                     "Nia": (MEALS_CODE, CLOTHING_CODE, SHELTER_CODE, PSYCHOSOCIAL_CODE),
                     "Oki": (MEALS_CODE, CLOTHING_CODE, SHELTER_CODE, SPECIAL_CARE_CODE)}
    with db.reading() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "household")).one()
    rudi = next(m for m in entry.after["members"] if m["waived"])
    assert (entry.after["displaced"], rudi["waived"], rudi["waiver_reason"]) == (
        True, [CLOTHING_CODE], "Pakaian selamat")
    # The summary lists the same needs (the roll-up's rule) and what is still missing.
    summary = disaster_summary(db, SYSTEM, fire.id)
    assert {m.name: m.needed for m in summary.members} == needs
    assert {m.name: m.missing_text for m in summary.members}["Rudi"] == "permakanan, tempat penampungan"
    # Edit: the family goes home (not displaced): only Nia's and Oki's own needs remain.
    edited = household_changes.update_household(db, SYSTEM, family.id, HouseholdInput(fire.id, KK[0], tuple(
        MemberInput(m.name, m.relation, person_id=m.person_id, needs_psychosocial=m.needs_psychosocial)
        for m in family.members)))
    assert {m.name: m.needs for m in edited.members} == {"Rudi": (), "Nia": (PSYCHOSOCIAL_CODE,),
                                                         "Oki": (SPECIAL_CARE_CODE,)}
    assert not edited.displaced
    summary = disaster_summary(db, SYSTEM, fire.id)
    assert (summary.with_needs, summary.met, summary.share_met) == (2, 0, 0.0)
    assert {m.name: m.missing_text for m in summary.members}["Rudi"] == "tidak ada kebutuhan"
