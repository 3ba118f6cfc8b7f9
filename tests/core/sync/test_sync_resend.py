"""Nothing is sent twice (issue 17): a record the laptop acknowledged travels again only when it
changed. Found in the three-folder walkthrough: every office package to a TKSK laptop carried
again, unchanged, all the records of each person touched since the last exchange — the persons
the office edited (their cases, needs and events with them) and the laptop's own edits coming
back — 55–64 "sama" rows per package for four edited persons."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sync_helpers import ADMIN

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.storage.models import Case, Person, ServiceEvent
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.importer import import_package

MAKAN = "1.06.04.2.01.0001"
BARAT = "61.71.03.1001"
OFFICE, LAPTOP = "Kantor Dinas Sosial", "TKSK Pontianak Barat"
TKSK_USER = Actor(username="tksk1", role="tksk", kecamatan_code="61.71.03")


def _person_with_history(db, name: str) -> str:
    with db.transaction(ADMIN) as s:
        p = Person(name=name, sex="L", kelurahan_code=BARAT)
        s.add(p)
        s.flush()
        case = Case(person_id=p.id, spm_group="lansia", unit="TKSK", kecamatan_code="61.71.03",
                    intake_date=date(2026, 2, 1))
        s.add(case)
        s.flush()
        for day in range(1, 6):
            s.add(ServiceEvent(person_id=p.id, case_id=case.id, service_code=MAKAN, kelurahan_code=BARAT,
                               event_date=date(2026, 3, day)))
        return p.id


def _send(src, dst, path, peer, actor=ADMIN):
    result = export_package(src, actor, path, peer_name=peer)
    return result, import_package(dst, ADMIN, path)


def _phone(db, person_id: str, phone: str) -> None:
    with db.transaction(ADMIN) as s:
        s.get(Person, person_id).phone = phone


def test_a_record_the_laptop_acknowledged_is_not_sent_again_unless_it_changed(office, tksk, tmp_path):
    edited_here = _person_with_history(office, "Ahmad Kantor")
    edited_there = _person_with_history(office, "Budi Laptop")
    _send(office, tksk, tmp_path / "1.spmsync", LAPTOP)  # the first package: everything in scope

    _phone(tksk, edited_there, "081234567890")  # the laptop edits one person and registers another
    with tksk.transaction(ADMIN) as s:
        s.add(Person(name="Citra Baru", sex="P", kelurahan_code=BARAT))
    sent, taken = _send(tksk, office, tmp_path / "2.spmsync", OFFICE, TKSK_USER)  # with its acknowledgement
    assert (sent.counts, taken.new, taken.updated) == ({"person": 2}, 1, 1)

    _phone(office, edited_here, "085700001111")  # the office edits a person the laptop holds
    sent, taken = _send(office, tksk, tmp_path / "3.spmsync", LAPTOP)
    # Only the changed person: not their case and five events again, nor the laptop's own two persons.
    assert sent.counts == {"person": 1}
    assert (taken.updated, taken.unchanged, taken.new) == (1, 0, 0)

    # The laptop answers; the office's next package carries nothing it already holds.
    _send(tksk, office, tmp_path / "4.spmsync", OFFICE, TKSK_USER)
    sent, taken = _send(office, tksk, tmp_path / "5.spmsync", LAPTOP)
    assert sent.counts == {} and taken.unchanged == 0


def test_a_person_who_enters_the_scope_still_arrives_whole(office, tksk, tmp_path):
    """The other side of the rule: a person the laptop never held arrives with all their records,
    and one removed from it (moved out of its kecamatan) arrives whole again when they come back."""
    away = _person_with_history(office, "Dewi Pindah")
    with office.transaction(ADMIN) as s:
        p = s.get(Person, away)
        p.kelurahan_code = "61.71.01.1002"
        s.scalars(select(Case).where(Case.person_id == away)).one().status = "closed"
    _send(office, tksk, tmp_path / "1.spmsync", LAPTOP)
    with tksk.reading() as s:
        assert s.get(Person, away) is None
    _send(tksk, office, tmp_path / "2.spmsync", OFFICE, TKSK_USER)

    _phone(office, away, "081111111111")  # moved in: never held there
    with office.transaction(ADMIN) as s:
        s.get(Person, away).kelurahan_code = BARAT
    sent, taken = _send(office, tksk, tmp_path / "3.spmsync", LAPTOP)
    assert sent.counts["person"] == 1 and sent.counts["cases"] == 1 and sent.counts["service_event"] == 5
    assert taken.new == 7 and taken.unchanged == 0
    _send(tksk, office, tmp_path / "4.spmsync", OFFICE, TKSK_USER)

    with office.transaction(ADMIN) as s:  # out again: removed from the laptop
        s.get(Person, away).kelurahan_code = "61.71.01.1002"
    _, taken = _send(office, tksk, tmp_path / "5.spmsync", LAPTOP)
    assert taken.removed == 1
    _send(tksk, office, tmp_path / "6.spmsync", OFFICE, TKSK_USER)
    with office.transaction(ADMIN) as s:  # and back: whole again
        s.get(Person, away).kelurahan_code = BARAT
    sent, taken = _send(office, tksk, tmp_path / "7.spmsync", LAPTOP)
    assert sent.counts["service_event"] == 5 and taken.new == 7
