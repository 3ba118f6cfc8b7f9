"""Group activities (kegiatan kelompok) and the volunteer roster (issue 15, architecture §4 v2):
the services' rules, audit, scope, merges, and the output indicators of the ``participants``
and ``named_participants`` rules, hand-computed."""

from __future__ import annotations

from datetime import date

import pytest
from casework_helpers import table_counts
from rollup_builders import KEL_SELATAN, MEALS, Rows
from sqlalchemy import select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ConflictError, PermissionDenied, ValidationError
from spm_desktop.core.domain.nik import make_nik
from spm_desktop.core.rollup.engine import compute_rollup
from spm_desktop.core.rollup.period import Period
from spm_desktop.core.services.activities import (
    ActivityInput,
    delete_activity,
    get_activity,
    list_activities,
    list_activity_types,
    record_activity,
    update_activity,
)
from spm_desktop.core.services.duplicates import merge_persons
from spm_desktop.core.services.events import EventDraft, person_history, record_event
from spm_desktop.core.services.volunteers import (
    VolunteerInput,
    delete_volunteer,
    list_volunteers,
    register_volunteer,
    update_volunteer,
)
from spm_desktop.core.storage.models import AuditEntry, GroupActivity, GroupActivityPerson, ServiceType

ADMIN = Actor(username="admin", role="admin", full_name="Admin")
VIEWER = Actor(username="lihat", role="viewer")
TKSK_SELATAN = Actor(username="tksk1", role="tksk", kecamatan_code="61.71.01")
FAMILY = "1.06.04.2.01.0006"  # bimbingan sosial kepada keluarga (participants)
FAMILY_OTHER = "1.06.04.2.02.0008"  # bimbingan sosial keluarga PMKS lainnya (participants)
TAGANA = "1.06.06.2.02.0002"  # named_participants
KEL_BARAT = "61.71.04.1001"  # kecamatan 61.71.04


def persons(db, n=2):
    with db.transaction() as s:
        r = Rows(s)
        return [r.person(name="Warga", sex="L" if i % 2 == 0 else "P") for i in range(n)]


def volunteer(db, name, sex="L", **kw):
    return register_volunteer(db, ADMIN, VolunteerInput(name=name, sex=sex, **kw)).id


def activity(db, code, on, male, female, kel=KEL_SELATAN, persons=(), volunteers=(), actor=ADMIN):
    return record_activity(db, actor, ActivityInput(code, on, kel, male, female, "Fasilitator", "",
                                                    tuple(persons), tuple(volunteers))).id


def test_catalogue_marks_the_activity_types():
    with_rules = {code: rule for code, rule in (
        (FAMILY, "participants"), (FAMILY_OTHER, "participants"), (TAGANA, "named_participants"))}
    import json
    from pathlib import Path

    import spm_desktop

    catalogue = json.loads((Path(spm_desktop.__file__).parent.parent / "resources" / "service_types.json")
                           .read_text(encoding="utf-8"))
    rules = {t["code"]: t["counting_rule"] for t in catalogue}
    assert {c: rules[c] for c in with_rules} == with_rules
    # 1.06.04.2.01.0009 has its own rule since issue 21 (docs/architecture-rollup-complaints.md).
    assert rules["1.06.04.2.01.0009"] == "complaints"
    assert {r for c, r in rules.items() if c not in with_rules and r != "complaints"} <= {"distinct_persons",
                                                                                          "sum_quantity"}


def test_activity_types_are_listed_in_catalogue_order(db):
    assert [(t.code, t.counting_rule) for t in list_activity_types(db, VIEWER)] == [
        (FAMILY, "participants"), (FAMILY_OTHER, "participants"), (TAGANA, "named_participants")]


def test_an_individual_event_of_an_activity_type_is_refused_with_the_page_named(db):
    (p, _) = persons(db)
    before = table_counts(db)
    for code in (FAMILY, FAMILY_OTHER, TAGANA):
        with pytest.raises(ValidationError) as err:
            record_event(db, ADMIN, EventDraft(person_id=p, service_code=code, event_date=date(2026, 3, 2)))
        assert err.value.field == "service_code"
        assert "kegiatan kelompok" in err.value.message.lower() and "Kegiatan Kelompok" in err.value.message
    assert table_counts(db) == before


def test_activity_rules_refuse_with_indonesian_messages_and_write_nothing(db):
    a, b = persons(db)
    v = volunteer(db, "Rudi Tagana")
    before = table_counts(db)

    def refused(data: ActivityInput, actor=ADMIN) -> dict[str, str]:
        with pytest.raises(ValidationError) as err:
            record_activity(db, actor, data)
        return {e.field: e.message for e in err.value.errors}

    errors = refused(ActivityInput(MEALS, date(2026, 3, 2), KEL_SELATAN, 1, 0))
    assert "dicatat per orang" in errors["service_code"]
    errors = refused(ActivityInput(FAMILY, date(2099, 1, 1), "", 0, 0))
    assert errors == {"activity_date": "Tanggal kegiatan tidak boleh di masa depan.",
                      "kelurahan_code": "Desa/kelurahan tempat kegiatan wajib dipilih.",
                      "participants_male": "Jumlah peserta (laki-laki + perempuan) paling sedikit 1."}
    errors = refused(ActivityInput(FAMILY, date(2026, 3, 2), KEL_SELATAN, 1, 0, person_ids=(a, b)))
    assert errors["person_ids"] == ("PPKS yang keluarganya ikut (2 orang) tidak boleh lebih banyak dari jumlah "
                                    "peserta (1).")
    errors = refused(ActivityInput(TAGANA, date(2026, 3, 2), KEL_SELATAN, 3, 0, person_ids=(a,)))
    assert set(errors) == {"person_ids", "volunteer_ids"}
    errors = refused(ActivityInput(FAMILY, date(2026, 3, 2), KEL_SELATAN, "-1", 2))
    assert errors == {"participants_male": "Jumlah peserta laki-laki harus bilangan bulat 0 atau lebih."}
    errors = refused(ActivityInput(TAGANA, date(2026, 3, 2), KEL_SELATAN, 2, 0, volunteer_ids=("tidak-ada",)))
    assert errors == {"volunteer_ids": "Relawan tidak-ada tidak ada di daftar relawan."}
    with pytest.raises(PermissionDenied):
        record_activity(db, VIEWER, ActivityInput(FAMILY, date(2026, 3, 2), KEL_SELATAN, 1, 0))
    with pytest.raises(PermissionDenied, match="kecamatan Pontianak Selatan"):
        record_activity(db, TKSK_SELATAN, ActivityInput(TAGANA, date(2026, 3, 2), KEL_BARAT, 1, 0,
                                                        volunteer_ids=(v,)))
    assert table_counts(db) == before
    # Inside the TKSK's own kecamatan it is recorded.
    assert activity(db, TAGANA, date(2026, 3, 2), 1, 0, volunteers=(v,), actor=TKSK_SELATAN)


def test_activity_lists_are_kept_audited_and_removed(db):
    a, b = persons(db)
    v1, v2 = volunteer(db, "Rudi"), volunteer(db, "Sari", "P")
    aid = activity(db, FAMILY, date(2026, 2, 3), 4, 6, persons=(a,), volunteers=(v1,))
    info = get_activity(db, VIEWER, aid)
    assert (info.participants, [p.id for p in info.persons], [x.id for x in info.volunteers]) == (10, [a], [v1])
    with db.reading() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "group_activity")).one()
        assert (entry.action, entry.after["person_ids"], entry.after["volunteer_ids"]) == ("create", [a], [v1])
    # Change the lists: a out, b in; v2 added.
    update_activity(db, ADMIN, aid, ActivityInput(FAMILY, date(2026, 2, 3), KEL_SELATAN, 4, 6, "Fasilitator", "",
                                                  (b,), (v1, v2)))
    info = get_activity(db, VIEWER, aid)
    assert ([p.id for p in info.persons], sorted(x.id for x in info.volunteers)) == ([b], sorted([v1, v2]))
    # Back again: the old link row comes back (one row per activity and person, whatever the history).
    update_activity(db, ADMIN, aid, ActivityInput(FAMILY, date(2026, 2, 3), KEL_SELATAN, 4, 6, "Fasilitator", "",
                                                  (a, b), (v1, v2)))
    with db.reading() as s:
        links = s.scalars(select(GroupActivityPerson).where(GroupActivityPerson.activity_id == aid)).all()
        assert sorted((link.person_id, link.deleted_at is None) for link in links) == sorted([(a, True), (b, True)])
        audits = s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "group_activity")).all()
    # Saving the same values writes nothing.
    update_activity(db, ADMIN, aid, ActivityInput(FAMILY, date(2026, 2, 3), KEL_SELATAN, 4, 6, "Fasilitator", "",
                                                  (b, a), (v2, v1)))
    with db.reading() as s:
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "group_activity")).all() == audits
    assert [x.id for x in list_activities(db, VIEWER, person_id=a)] == [aid]
    history = person_history(db, VIEWER, a)
    assert [(t.on, t.kind, t.title[:38]) for t in history] == [
        (date(2026, 2, 3), "activity", "Pemberian Bimbingan Sosial kepada Kelu")]
    assert [x.id for x in list_activities(db, VIEWER, volunteer_id=v2)] == [aid]
    # A volunteer listed on a live activity cannot be removed, only made inactive.
    with pytest.raises(ConflictError, match="tidak aktif"):
        delete_volunteer(db, ADMIN, v1)
    update_volunteer(db, ADMIN, v1, VolunteerInput(name="Rudi", sex="L", active=False))
    delete_activity(db, ADMIN, aid)
    assert list_activities(db, VIEWER) == []
    with db.reading() as s:
        assert all(link.deleted_at is not None for link in s.scalars(select(GroupActivityPerson)))
    delete_volunteer(db, ADMIN, v1)
    assert [x.name for x in list_volunteers(db, VIEWER)] == ["Sari"]


def test_volunteer_rules(db):
    nik = make_nik("617101", date(1990, 5, 17), "P", 21)
    with pytest.raises(ValidationError) as err:
        register_volunteer(db, ADMIN, VolunteerInput(name="  ", sex="X"))
    assert {e.field: e.message for e in err.value.errors} == {
        "name": "Nama relawan wajib diisi.", "sex": "Jenis kelamin wajib L (laki-laki) atau P (perempuan)."}
    with pytest.raises(ValidationError, match="jenis kelamin") as err:
        register_volunteer(db, ADMIN, VolunteerInput(name="Budi", sex="L", nik=nik))
    assert err.value.field == "nik"
    with pytest.raises(ValidationError, match="16 digit"):
        register_volunteer(db, ADMIN, VolunteerInput(name="Budi", sex="L", nik="123"))
    sari = register_volunteer(db, ADMIN, VolunteerInput(name="sari  wulandari", sex="p", nik=nik, organisation=""))
    assert (sari.name, sari.sex, sari.organisation, sari.active) == ("sari wulandari", "P", "Tagana", True)
    with pytest.raises(ConflictError, match="sari wulandari"):
        register_volunteer(db, ADMIN, VolunteerInput(name="Sari W", sex="P", nik=nik))
    with pytest.raises(PermissionDenied):
        register_volunteer(db, TKSK_SELATAN, VolunteerInput(name="Budi", sex="L"))
    volunteer(db, "Budi PSM", organisation="PSM")
    assert [v.name for v in list_volunteers(db, VIEWER, search="psm")] == ["Budi PSM"]
    assert [v.name for v in list_volunteers(db, VIEWER, search=nik[:8])] == ["sari wulandari"]


def test_a_merge_moves_the_activity_listing_to_the_survivor(db):
    a, b = persons(db)
    aid = activity(db, FAMILY, date(2026, 2, 3), 2, 0, persons=(b,))
    both = activity(db, FAMILY, date(2026, 2, 4), 2, 0, persons=(a, b))
    merge_persons(db, ADMIN, a, b)
    assert [p.id for p in get_activity(db, VIEWER, aid).persons] == [a]
    assert [p.id for p in get_activity(db, VIEWER, both).persons] == [a]


def test_output_indicators_of_attendances_and_of_distinct_volunteers(db):
    """Hand-computed (period February 2026):

    bimbingan sosial keluarga (participants): 10/01 Selatan 3 L + 4 P, 05/02 Barat 2 L; not
    counted: 20/12/2025 (last year), 15/01 deleted, 01/03 (after the period), and a legacy
    individual event of the code → January 7, February 2, cumulative 9.
    Tagana (named_participants): 05/01 V1 + V2 (V2 inactive), 10/02 V1 + V3, 20/01 deleted
    listing V4, 01/11/2025 V3 → V1, V2 first in January, V3 first in February: 2 + 1 = 3.
    """
    (p, _) = persons(db)
    v1, v2, v3, v4 = (volunteer(db, n, s) for n, s in (("V1", "L"), ("V2", "P"), ("V3", "L"), ("V4", "P")))
    update_volunteer(db, ADMIN, v2, VolunteerInput(name="V2", sex="P", active=False))
    activity(db, FAMILY, date(2026, 1, 10), 3, 4, persons=(p,))
    activity(db, FAMILY, date(2026, 2, 5), 2, 0, kel=KEL_BARAT)
    activity(db, FAMILY, date(2025, 12, 20), 5, 5)
    delete_activity(db, ADMIN, activity(db, FAMILY, date(2026, 1, 15), 1, 1))
    activity(db, FAMILY, date(2026, 3, 1), 1, 0)
    activity(db, TAGANA, date(2026, 1, 5), 1, 1, volunteers=(v1, v2))
    activity(db, TAGANA, date(2026, 2, 10), 2, 0, kel=KEL_BARAT, volunteers=(v1, v3))
    delete_activity(db, ADMIN, activity(db, TAGANA, date(2026, 1, 20), 0, 1, volunteers=(v4,)))
    activity(db, TAGANA, date(2025, 11, 1), 1, 0, volunteers=(v3,))
    with db.transaction() as s:  # an individual event of the code written before version 2
        Rows(s).event(p, FAMILY, date(2026, 1, 12))
    result = compute_rollup(db, Period.for_month(2026, 2), ("kecamatan", "kelurahan", "sex", "age_group"))
    family, other, tagana = (result.indicator(c) for c in (FAMILY, FAMILY_OTHER, TAGANA))
    assert (family.counting_rule, family.unit_label, family.monthly, family.month, family.cumulative) == (
        "participants", "orang (kehadiran)", (7, 2), 2, 9)
    assert (other.cumulative, other.month) == (0, 0)
    assert (tagana.counting_rule, tagana.unit_label, tagana.monthly, tagana.month, tagana.cumulative) == (
        "named_participants", "Orang", (2, 1), 1, 3)
    assert result.to_json()["indicators"][[i.code for i in result.indicators].index(FAMILY)]["cumulative"] == 9
    # Breakdowns add up to the cumulative figure.
    kel = {r.key: r.value(FAMILY) for r in result.breakdown("kelurahan").rows}
    assert (kel[KEL_SELATAN], kel[KEL_BARAT]) == (7, 2)
    kec = {r.key: (r.value(FAMILY), r.value(TAGANA)) for r in result.breakdown("kecamatan").rows}
    assert (kec["61.71.01"], kec["61.71.04"]) == ((7, 2), (2, 1))
    sex = {r.key: (r.value(FAMILY), r.value(TAGANA)) for r in result.breakdown("sex").rows}
    assert (sex["L"], sex["P"]) == ((5, 2), (4, 1))
    age = {r.key: r.value(FAMILY) for r in result.breakdown("age_group").rows}
    assert age[""] == 9 and sum(age.values()) == 9
    january = compute_rollup(db, Period.for_month(2026, 1))
    assert (january.indicator(FAMILY).cumulative, january.indicator(TAGANA).cumulative) == (7, 2)
    with db.reading() as s:
        assert s.scalar(select(ServiceType.counting_rule).where(ServiceType.code == TAGANA)) == "named_participants"
        assert len(s.scalars(select(GroupActivity)).all()) == 9


def test_an_activity_in_a_desa_of_a_kabupaten_is_recorded(empty_database_url):
    """A kabupaten's villages are mostly desa (issue 20): a family-guidance session held in
    desa Arang Limbung (Kubu Raya, 61.12.01.2003) is recorded like one in a kelurahan."""
    from spm_desktop.core.services.area import AreaChoice, adopt_area
    from spm_desktop.core.storage.open import open_database

    kubu_raya = open_database(empty_database_url)
    try:
        adopt_area(kubu_raya, ADMIN, AreaChoice("61.12"))
        made = record_activity(kubu_raya, ADMIN, ActivityInput(FAMILY, date(2026, 3, 2), "61.12.01.2003", 4, 6,
                                                               "Fasilitator", "", (), ()))
        assert get_activity(kubu_raya, ADMIN, made.id).kelurahan_code == "61.12.01.2003"
        with pytest.raises(ValidationError) as refused:
            record_activity(kubu_raya, ADMIN, ActivityInput(FAMILY, date(2026, 3, 2), "61.12.01", 4, 6, "", "", (), ()))
        assert refused.value.errors[0].message == "Desa/kelurahan 61.12.01 tidak ada di daftar wilayah."
    finally:
        kubu_raya.dispose()
