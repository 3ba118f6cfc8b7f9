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


def test_the_laptop_forgets_the_layanan_records_of_a_person_who_left_its_scope(office, tksk, tmp_path):
    """Issue 17 extended to issue 21: when the office moves a person out of the laptop's
    kecamatan, the laptop's next import removes his referral and DTSEN proposal and the draft
    letter printed there, unlinks the complaint about him (it stays: its desa/kelurahan is in
    scope) and blanks the snapshots of every audit entry about those records — complaint,
    follow-up, referral, proposal, letter — keeping the entries in an intact chain; another
    person's entries keep theirs."""
    from sqlalchemy import select

    from spm_desktop.core.security.audit_chain import verify_chain
    from spm_desktop.core.services.letters import print_letter
    from spm_desktop.core.storage.models import (
        AuditEntry,
        Complaint,
        ComplaintFollowUp,
        DtsenProposal,
        Letter,
        Person,
        Referral,
    )

    moved = register_person(office, ADMIN, PersonDraft(name="Ahmad Pindah", sex="L", birth_year=1950,
                                                       kelurahan_code=KEL), confirm_duplicates_ok=True).id
    stays = register_person(office, ADMIN, PersonDraft(name="Budi Tetap", sex="L", birth_year=1952,
                                                       kelurahan_code=KEL), confirm_duplicates_ok=True).id
    refs = {who: rs.send_referral(office, ADMIN, rs.OutgoingInput(who, date(2026, 11, 3), "RSUD dr. Soedarso")).id
            for who in (moved, stays)}
    first = dtsen.propose(office, ADMIN, dtsen.ProposalInput(moved, "perubahan", date(2026, 11, 4), batch="B1")).id
    about = cs.receive_complaint(office, ADMIN, cs.ComplaintInput(
        datetime(2026, 11, 2, 9), "telepon", "ppks_terlantar", "Ahmad Pindah tidur di emperan pasar",
        reporter_name="Pak RT", kelurahan_code=KEL, person_id=moved)).id
    exchange(office, tksk, tmp_path)
    # The TKSK works on the laptop: every record about both persons gets entries with snapshots.
    cs.change_status(tksk, TKSK, about, "diverifikasi", date(2026, 11, 3), "Ahmad ditemui di pasar")
    for who in (moved, stays):
        rs.record_feedback(tksk, TKSK, refs[who], "diterima", date(2026, 11, 4), f"Diterima poli {who[:4]}")
    proposal = dtsen.propose(tksk, TKSK, dtsen.ProposalInput(moved, "penghapusan", date(2026, 11, 4), batch="B2")).id
    letter = print_letter(tksk, TKSK, refs[moved], tmp_path / "draf.pdf", on=date(2026, 11, 4))
    kept_letter = print_letter(tksk, TKSK, refs[stays], tmp_path / "draf2.pdf", on=date(2026, 11, 4))
    assert letter.draft and kept_letter.draft  # a laptop prints drafts
    exchange(tksk, office, tmp_path, TKSK)
    with office.transaction(ADMIN) as s:  # he moves to another kecamatan
        s.get(Person, moved).kelurahan_code = OTHER

    with tksk.reading() as s:
        followups = set(s.scalars(select(ComplaintFollowUp.id).where(ComplaintFollowUp.complaint_id == about)))
        about_him = {refs[moved], first, proposal, about, letter.id} | followups
        entries = {e.id: (e.entity, e.before, e.after) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.entity_id.in_(about_him)))}
        kept = {e.id: (e.before, e.after) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.entity_id.in_({refs[stays], kept_letter.id})))}
        assert verify_chain(s).blanked == 0
    assert {entity for entity, *_ in entries.values()} == {"complaint", "complaint_followup", "referral",
                                                            "dtsen_proposal", "letter"}
    assert all(after is not None for *_, after in entries.values())
    assert exchange(office, tksk, tmp_path).removed == 1
    with tksk.reading() as s:
        assert s.get(Person, moved) is None and s.get(Person, stays) is not None
        assert s.get(Referral, refs[moved]) is None and s.get(Referral, refs[stays]) is not None
        assert s.get(DtsenProposal, proposal) is None and s.get(DtsenProposal, first) is None
        assert set(s.scalars(select(Letter.id))) == {kept_letter.id}
        complaint = s.get(Complaint, about)  # stays, unlinked, with its log
        assert (complaint.person_id, complaint.status) == (None, "diverifikasi")
        after = {e.id: e for e in s.scalars(select(AuditEntry).where(AuditEntry.id.in_(entries)))}
        assert len(after) == len(entries)  # the entries stay, in the chain ...
        assert all(e.before is None and e.after is None for e in after.values())  # ... without snapshots
        assert {e.id: (e.before, e.after) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.id.in_(kept)))} == kept
        report = verify_chain(s)
        dumped = repr([(e.before, e.after) for e in s.scalars(select(AuditEntry))])
    assert report.ok and report.blanked == len(entries)
    assert "Ahmad ditemui di pasar" not in dumped and f"Diterima poli {moved[:4]}" not in dumped
    assert f"Diterima poli {stays[:4]}" in dumped
