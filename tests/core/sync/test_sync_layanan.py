"""Issue 21: complaints with their follow-up log, referrals and DTSEN proposals travel between
two databases (office ↔ TKSK laptop): a TKSK records a complaint in its kecamatan and the office
closes it; a complaint of another kecamatan never reaches the laptop; both sides agree."""

from __future__ import annotations

from datetime import date, datetime

from sync_helpers import ADMIN, content

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.services import complaints as cs
from spm_desktop.core.services import dtsen
from spm_desktop.core.services import referrals as rs
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.core.storage.base import new_id
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import device_info
from spm_desktop.core.sync.importer import import_package

KEL = "61.71.03.1001"  # in the tksk fixture's kecamatan 61.71.03
OTHER = "61.71.01.1002"
TABLES = ("complaint", "complaint_followup", "referral", "dtsen_proposal")
TKSK = Actor("tk", "tksk", unit="TKSK", kecamatan_code="61.71.03")


def exchange(src, dst, tmp_path, actor=ADMIN):
    path = tmp_path / f"{new_id()}.spmsync"
    export_package(src, actor, path, peer_name=device_info(dst).name)
    return import_package(dst, ADMIN, path)


def _complaint(db, actor, kel):
    return cs.receive_complaint(db, actor, cs.ComplaintInput(datetime(2026, 11, 2, 9), "telepon", "ppks_terlantar",
                                                             "Lansia terlantar", reporter_name="Pak RT",
                                                             kelurahan_code=kel))


def test_layanan_records_travel_within_scope_and_converge(office, tksk, tmp_path):
    person = register_person(office, ADMIN, PersonDraft(name="Ahmad Yani", sex="L", birth_year=1950,
                                                        kelurahan_code=KEL), confirm_duplicates_ok=True).id
    elsewhere = register_person(office, ADMIN, PersonDraft(name="Siti Rohana", sex="P", birth_year=1955,
                                                           kelurahan_code=OTHER), confirm_duplicates_ok=True).id
    rs.send_referral(office, ADMIN, rs.OutgoingInput(person, date(2026, 11, 3), "RSUD dr. Soedarso"))
    rs.send_referral(office, ADMIN, rs.OutgoingInput(elsewhere, date(2026, 11, 3), "RSUD dr. Soedarso"))
    dtsen.propose(office, ADMIN, dtsen.ProposalInput(person, "perubahan", date(2026, 11, 4), batch="B1"))
    _complaint(office, ADMIN, OTHER)
    exchange(office, tksk, tmp_path)
    laptop = content(tksk)
    assert len(laptop["referral"]) == 1 and len(laptop["dtsen_proposal"]) == 1
    assert laptop["complaint"] == {}  # the other kecamatan's complaint stays at the office

    mine = _complaint(tksk, TKSK, KEL)
    cs.change_status(tksk, TKSK, mine.id, "diverifikasi", date(2026, 11, 3), "Dicek ke lokasi")
    exchange(tksk, office, tmp_path, TKSK)
    at_office = cs.get_complaint(office, ADMIN, mine.id)
    assert at_office.status == "diverifikasi" and at_office.first_response_on == date(2026, 11, 3)
    assert [f.status for f in at_office.followups] == ["diverifikasi"]

    cs.change_status(office, ADMIN, mine.id, "selesai", date(2026, 11, 5))
    exchange(office, tksk, tmp_path)
    assert cs.get_complaint(tksk, TKSK, mine.id).status == "selesai"
    exchange(tksk, office, tmp_path, TKSK)
    office_rows, laptop_rows = content(office), content(tksk)
    assert laptop_rows["complaint"] == {k: v for k, v in office_rows["complaint"].items()
                                        if k in laptop_rows["complaint"]}
    assert laptop_rows["complaint_followup"] == office_rows["complaint_followup"]
    for table in TABLES:
        assert set(laptop_rows[table]) <= set(office_rows[table])
