"""Sync packages are untrusted input: every row they would write goes through the rules of a
local write, under the sender's enrolled role and scope (issue 17, the attacks as written).
A refused package lists every reason and changes neither database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sync_helpers import ADMIN, data_digest, file_digest, refusals

from spm_desktop.core import clock
from spm_desktop.core.storage.models import Person, ServiceEvent, Setting, Target
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.importer import import_package, preview_import
from spm_desktop.core.sync.validation import PackageInvalid

MAKAN = "1.06.04.2.01.0001"
BARAT = "61.71.03.1001"  # a kelurahan of the TKSK laptop's kecamatan (61.71.03)
SELATAN = "61.71.01.1002"  # a kelurahan of another kecamatan
OFFICE, LAPTOP = "Kantor Dinas Sosial", "TKSK Pontianak Barat"


def person(db, name, kelurahan, nik=None, **values):
    with db.transaction(ADMIN) as s:
        p = Person(name=name, sex="L", nik=nik, kelurahan_code=kelurahan, **values)
        s.add(p)
        s.flush()
        return p.id


def send(src, dst, tmp_path, peer, name):
    path = tmp_path / f"{name}.spmsync"
    export_package(src, ADMIN, path, peer_name=peer, check=False)  # crafted packages: not pre-flighted
    return path


def refused(src, dst, path) -> list:
    """Preview and import both refuse; no record changes in either database (the receiver
    keeps the refusal and its reasons, to answer the sender); every reason comes back."""
    before = data_digest(dst), file_digest(src)
    with pytest.raises(PackageInvalid) as previewed:
        preview_import(dst, ADMIN, path)
    with pytest.raises(PackageInvalid) as imported:
        import_package(dst, ADMIN, path)
    assert (data_digest(dst), file_digest(src)) == before
    assert refusals(dst)[-1] == ("refused", [[r.table, r.record, r.field, r.reason] for r in imported.value.reasons])
    assert [r.line() for r in previewed.value.reasons] == [r.line() for r in imported.value.reasons]
    assert "Tidak ada data yang diubah" in imported.value.message
    return imported.value.reasons


@pytest.fixture
def city(office, tksk, tmp_path):
    """The office holds persons in two kecamatan, and the laptop received them all (as an
    office sent them before packages to a TKSK laptop were narrowed to its kecamatan: the
    laptop enrolled as an office device for that one package)."""
    from sync_helpers import enrol

    ids = [person(office, f"Selatan {i}", SELATAN) for i in range(3)]
    ids.append(person(office, "Barat", BARAT))
    enrol(office, tksk, tmp_path / "old", "office", name=LAPTOP)
    import_package(tksk, ADMIN, send(office, tksk, tmp_path, LAPTOP, "city"))
    enrol(office, tksk, tmp_path / "new", "tksk", "61.71.03", name=LAPTOP)
    return ids


def test_tksk_deleting_another_kecamatans_persons_is_refused(office, tksk, city, tmp_path):
    # The attack: on the laptop, tombstones with a future stamp on persons outside its kecamatan.
    with tksk.transaction(ADMIN) as s:
        for pid in city[:3]:
            p = s.get(Person, pid)
            p.deleted_at = datetime(2026, 4, 1)
            p.updated_at = datetime(2030, 1, 1)
    reasons = refused(tksk, office, send(tksk, office, tmp_path, OFFICE, "attack"))
    assert sorted((r.table, r.record, r.field) for r in reasons) == sorted(
        ("person", pid, "kelurahan_code") for pid in city[:3])
    assert all("di luar kecamatan 61.71.03" in r.reason for r in reasons)
    with office.reading() as s:
        assert s.scalars(select(Person.deleted_at).where(Person.id.in_(city))).all() == [None] * 4


def test_tksk_duplicate_pairs_with_persons_it_never_had_in_scope_are_refused(office, tksk, city, tmp_path):
    # The laptop holds the whole city (one old-format package): it crafts suggestions pairing its
    # own person with persons of another kecamatan the office never sent to it as a TKSK device,
    # one of them changed at the office since (a rule about another record changed here does
    # not excuse a person the laptop never held).
    from spm_desktop.core.storage.models import DuplicateCandidate

    with office.transaction(ADMIN) as s:
        s.get(Person, city[2]).address = "Jl. Diubah di kantor"
    with tksk.transaction(ADMIN) as s:
        pairs = [DuplicateCandidate(person_a_id=city[3], person_b_id=other, status="open") for other in city[:3]]
        s.add_all(pairs)
        s.flush()
        pair_ids = [p.id for p in pairs]
    reasons = refused(tksk, office, send(tksk, office, tmp_path, OFFICE, "pairs"))
    # The stale version of the person changed at the office is a write about a person it never
    # held too: refused, not a conflict.
    assert sorted((r.table, r.record, r.field) for r in reasons) == sorted(
        [("duplicate_candidate", pid, "person_b_id") for pid in pair_ids] + [("person", city[2], "kelurahan_code")])
    assert all("data ganda dengan orang di luar kecamatan 61.71.03" in r.reason for r in reasons
               if r.table == "duplicate_candidate")


def test_tksk_may_not_move_a_person_into_its_kecamatan(office, tksk, city, tmp_path):
    with tksk.transaction(ADMIN) as s:
        s.get(Person, city[0]).kelurahan_code = BARAT
    [reason] = refused(tksk, office, send(tksk, office, tmp_path, OFFICE, "move"))
    assert (reason.record, reason.field) == (city[0], "kelurahan_code")
    assert "tidak tercatat pernah dikirim ke perangkat itu" in reason.reason  # never sent to it as a TKSK device


def test_tksk_may_not_move_a_person_it_holds_out_of_its_kecamatan(office, tksk, city, tmp_path):
    with tksk.transaction(ADMIN) as s:
        s.get(Person, city[3]).kelurahan_code = SELATAN
    [reason] = refused(tksk, office, send(tksk, office, tmp_path, OFFICE, "away"))
    assert (reason.record, reason.field) == (city[3], "kelurahan_code") and "sesudah" in reason.reason


def test_settings_and_targets_from_a_tksk_are_refused(office, tksk, tmp_path):
    with tksk.transaction(ADMIN) as s:
        s.scalars(select(Setting).where(Setting.key == "signatory.name")).one().value = "Orang Lain"
        s.scalars(select(Setting).where(Setting.key == "spm.weight_a")).one().value = "abc"
        s.scalars(select(Target)).first().value = Decimal(1)
    reasons = refused(tksk, office, send(tksk, office, tmp_path, OFFICE, "settings"))
    assert sorted(r.table for r in reasons) == ["setting", "setting", "target"]
    assert all("hanya kantor" in r.reason for r in reasons)


def test_settings_from_the_office_are_checked_by_type_and_range(office, tksk, tmp_path):
    with office.transaction(ADMIN) as s:
        s.scalars(select(Setting).where(Setting.key == "spm.weight_a")).one().value = "abc"
        s.scalars(select(Setting).where(Setting.key == "meals.max_per_day")).one().value = 0
    reasons = refused(office, tksk, send(office, tksk, tmp_path, LAPTOP, "weights"))
    assert sorted((r.table, r.field) for r in reasons) == [("setting", "meals.max_per_day"),
                                                           ("setting", "spm.weight_a")]


def test_invalid_values_are_listed_field_by_field(office, tksk, tmp_path):
    # NIK "12", sex "X", a birth date in 2099, an event two days after the package, quantity 0.
    with tksk.transaction(ADMIN) as s:
        p = Person(name="Budi", sex="X", nik="12", kelurahan_code=BARAT, birth_date=date(2099, 1, 1))
        s.add(p)
        s.flush()
        pid = p.id
        s.add(ServiceEvent(person_id=pid, service_code=MAKAN, kelurahan_code=BARAT, quantity=0,
                           event_date=clock.today() + timedelta(days=2)))
    reasons = refused(tksk, office, send(tksk, office, tmp_path, OFFICE, "values"))
    fields = {(r.table, r.field) for r in reasons}
    assert {("person", "nik"), ("person", "sex"), ("person", "birth_date"), ("service_event", "quantity"),
            ("service_event", "event_date")} <= fields


def test_a_valid_package_from_the_tksk_is_applied(office, tksk, tmp_path):
    pid = person(tksk, "Siti", BARAT)
    with tksk.transaction(ADMIN) as s:
        s.add(ServiceEvent(person_id=pid, service_code=MAKAN, kelurahan_code=BARAT, event_date=date(2026, 3, 1)))
    result = import_package(office, ADMIN, send(tksk, office, tmp_path, OFFICE, "ok"))
    assert result.new == 2


def test_old_records_stay_syncable(office, tksk, tmp_path):
    # A record that breaks a rule but does not change is not held to it (rules apply to new and
    # changed values): here an event outside the laptop's kecamatan that the office sent.
    pid = person(office, "Lama", SELATAN)
    import_package(tksk, ADMIN, send(office, tksk, tmp_path, LAPTOP, "old"))
    back = send(tksk, office, tmp_path, OFFICE, "back")  # carries nothing of the office's, or unchanged
    assert import_package(office, ADMIN, back).new == 0
    with office.reading() as s:
        assert s.get(Person, pid).deleted_at is None


def test_a_person_row_changing_none_of_its_fields_is_not_checked_again(office, tksk, tmp_path, monkeypatch):
    # Only new and changed values meet the person rules: a row whose fields are all as held
    # here (a new revision stamp only) is not run through them again; a changed field is.
    from spm_desktop.core.services import persons

    pid = person(office, "Lama", BARAT)
    import_package(tksk, ADMIN, send(office, tksk, tmp_path, LAPTOP, "lama"))
    with tksk.transaction(ADMIN) as s:
        s.get(Person, pid).updated_at = datetime(2026, 5, 1)  # a new revision, the same fields
    person(tksk, "Baru", BARAT)
    checked = []
    real = persons.normalise_draft

    def recording(session, draft, **kwargs):
        checked.append(draft.name)
        return real(session, draft, **kwargs)

    monkeypatch.setattr(persons, "normalise_draft", recording)
    result = import_package(office, ADMIN, send(tksk, office, tmp_path, OFFICE, "stamp"))
    assert (result.new, result.updated, checked) == (1, 1, ["Baru"])
    with tksk.transaction(ADMIN) as s:
        s.get(Person, pid).sex = "X"
    checked.clear()
    [reason] = refused(tksk, office, send(tksk, office, tmp_path, OFFICE, "changed"))
    assert (reason.table, reason.record, reason.field) == ("person", pid, "sex")
    assert checked == ["Lama", "Lama"]  # preview and import


# ----- clocks ---------------------------------------------------------------------------------


def test_a_sender_clock_a_year_ahead_is_refused(office, tksk, tmp_path):
    from spm_desktop.core.sync.envelope import PackageRefused

    person(tksk, "Jam Salah", BARAT)
    ahead = datetime.utcnow() + timedelta(days=365)
    tksk.clock = lambda: ahead  # the laptop's clock says next year
    path = send(tksk, office, tmp_path, OFFICE, "ahead")
    tksk.clock = None
    before = data_digest(office)
    for call in (preview_import, import_package):
        with pytest.raises(PackageRefused, match="Tanggal/jam komputer pengirim .* lebih maju") as refused_:
            call(office, ADMIN, path)
        assert "perbaiki jam komputer itu lalu buat paket lagi" in refused_.value.message
    assert data_digest(office) == before
    [(status, reasons)] = refusals(office)  # answered in the office's next package to the laptop
    assert status == "refused" and "lebih maju" in reasons[0][3]


def test_a_sender_clock_years_behind_is_not_refused(office, tksk, tmp_path):
    person(tksk, "Jam Lama", BARAT)
    tksk.clock = lambda: datetime(2021, 6, 1)
    path = send(tksk, office, tmp_path, OFFICE, "behind")
    tksk.clock = None
    assert import_package(office, ADMIN, path).new == 1


def test_a_receiver_clock_behind_its_last_package_warns(office, tksk, tmp_path, monkeypatch):
    from spm_desktop.core.storage import base
    from spm_desktop.core.sync.identity import clock_warning

    assert clock_warning(office) == ""
    person(tksk, "Siti", BARAT)
    import_package(office, ADMIN, send(tksk, office, tmp_path, OFFICE, "now"))
    assert clock_warning(office) == ""
    monkeypatch.setattr(base, "utcnow", lambda: datetime(2020, 1, 1))  # the office clock was set back
    assert "lebih awal dari paket sinkronisasi terakhir" in clock_warning(office)
