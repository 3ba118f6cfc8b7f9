"""Issue 21: complaints (status machine, working-day response time), referral tracking, DTSEN
proposals, and the counting rule ``complaints`` of 1.06.04.2.01.0009 with hand-computed
figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from rollup_builders import KEL_SELATAN, Rows

from spm_desktop.core import clock
from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.errors import ConflictError, PermissionDenied, ValidationError
from spm_desktop.core.domain.layanan import add_working_days, holidays, working_days_between
from spm_desktop.core.rollup import Period, compute_rollup
from spm_desktop.core.services import complaints as cs
from spm_desktop.core.services import dtsen
from spm_desktop.core.services import referrals as rs
from spm_desktop.core.services.persons import PersonDraft
from spm_desktop.core.services.settings import update_setting
from spm_desktop.core.storage.models import AuditEntry

CODE = "1.06.04.2.01.0009"
REF = "1.06.04.2.01.0012"
NIK_A = "6171014107500001"  # Pontianak Selatan, P, 01/07/1950
NIK_B = "6171010101800002"
OTHER_KEC_KEL = "61.71.02.1001"


def _complaint(db, received: date, nik: str = "", actor=SYSTEM, kel=KEL_SELATAN, anonymous=False, **kw):
    return cs.receive_complaint(db, actor, cs.ComplaintInput(
        received_at=datetime(received.year, received.month, received.day, 9, 30), channel=kw.get("channel", "telepon"),
        category=kw.get("category", "ppks_terlantar"), description="Lansia terlantar di depan pasar",
        reporter_name="" if anonymous else "Bu Rina", reporter_nik=nik, anonymous=anonymous, kelurahan_code=kel))


def _close(db, cid, on: date, status="selesai"):
    return cs.change_status(db, SYSTEM, cid, status, on, reason="tidak dapat ditindaklanjuti" if status == "ditolak"
                            else "")


# ----- working days ---------------------------------------------------------------------------


def test_friday_before_a_holiday():
    off = holidays()
    friday = date(2026, 5, 29)  # Monday 1 June 2026 is Hari Lahir Pancasila
    assert friday.weekday() == 4 and date(2026, 6, 1) in off
    assert working_days_between(friday, date(2026, 5, 30), off) == 0  # Saturday
    assert working_days_between(friday, date(2026, 6, 1), off) == 0  # Monday: holiday
    assert working_days_between(friday, date(2026, 6, 2), off) == 1  # Tuesday
    assert add_working_days(friday, 5, off) == date(2026, 6, 8)
    assert add_working_days(friday, 5, holidays(["2026-06-02"])) == date(2026, 6, 9)


def test_the_holiday_file_says_which_dates_are_official_and_which_estimated():
    """resources/hari_libur.csv is data an administrator edits: every row says whether its date
    is official (resmi) or estimated (perkiraan) and where it comes from. 2027: the two Eids
    await the sidang isbat; the others agree with the PyPI package holidays 0.108 (checked
    offline, cited in the file), including the second Isra Mikraj of 2027 (26 December)."""
    import csv

    from spm_desktop.core.paths import resource_path

    with resource_path("hari_libur.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["status"] for r in rows} == {"resmi", "perkiraan"}
    assert all(r["keterangan"].strip() for r in rows)
    estimated = [(r["tanggal"], r["nama"]) for r in rows if r["status"] == "perkiraan"]
    assert estimated == [("2027-03-10", "Idul Fitri"), ("2027-03-11", "Idul Fitri"), ("2027-05-17", "Idul Adha")]
    assert {date.fromisoformat(r["tanggal"]) for r in rows} == set(holidays())
    assert date(2027, 12, 26) in holidays() and len([r for r in rows if r["tanggal"].startswith("2027")]) == 18


def test_response_time_and_overdue_of_a_friday_complaint(db):
    c = _complaint(db, date(2026, 5, 29))
    assert c.due_on == date(2026, 6, 8) and c.overdue  # unanswered: today is past the limit
    c = cs.change_status(db, SYSTEM, c.id, "diverifikasi", date(2026, 6, 2))
    assert c.first_response_on == date(2026, 6, 2) and c.response_days == 1 and not c.overdue
    late = _complaint(db, date(2026, 5, 29))
    late = cs.change_status(db, SYSTEM, late.id, "diverifikasi", date(2026, 6, 9))
    assert late.response_days == 6 and late.overdue
    # An administrator adds a cuti bersama day: the same answer is now in time.
    update_setting(db, SYSTEM, "layanan.hari_libur_tambahan", ["2026-06-03"])
    assert cs.get_complaint(db, SYSTEM, late.id).response_days == 5
    assert not cs.get_complaint(db, SYSTEM, late.id).overdue


def test_response_setting_is_validated(db):
    for bad in (0, 61, "5", True):
        with pytest.raises(ValidationError) as e:
            update_setting(db, SYSTEM, "layanan.batas_respons_hari", bad)
        assert e.value.field == "layanan.batas_respons_hari"
    assert update_setting(db, SYSTEM, "layanan.batas_respons_hari", 3).complaint_response_days == 3
    with pytest.raises(ValidationError):
        update_setting(db, SYSTEM, "surat.nomor_rujukan", "400.9/Dinsos/{tahun}")  # no {n}


# ----- complaints ------------------------------------------------------------------------------


def test_status_machine_and_follow_up_log(db):
    c = _complaint(db, date(2026, 11, 2))
    with pytest.raises(ValidationError) as e:
        cs.change_status(db, SYSTEM, c.id, "ditolak", date(2026, 11, 3))
    assert e.value.field == "reason"
    with pytest.raises(ValidationError):
        cs.change_status(db, SYSTEM, c.id, "diverifikasi", date(2026, 11, 1))  # before receipt
    c = cs.change_status(db, SYSTEM, c.id, "ditindaklanjuti", date(2026, 11, 3))
    with pytest.raises(ValidationError):
        cs.change_status(db, SYSTEM, c.id, "diverifikasi", date(2026, 11, 4))  # backwards
    cs.add_followup(db, SYSTEM, c.id, date(2026, 11, 4), "Dikunjungi petugas")
    c = _close(db, c.id, date(2026, 11, 5))
    assert (c.status, c.first_response_on, c.closed_on) == ("selesai", date(2026, 11, 3), date(2026, 11, 5))
    assert [(f.on, f.status) for f in c.followups] == [
        (date(2026, 11, 3), "ditindaklanjuti"), (date(2026, 11, 4), ""), (date(2026, 11, 5), "selesai")]
    with pytest.raises(ConflictError):
        _close(db, c.id, date(2026, 11, 6), "ditolak")


def test_reporter_rules(db):
    with pytest.raises(ValidationError) as e:
        cs.receive_complaint(db, SYSTEM, cs.ComplaintInput(datetime(2026, 11, 2, 8), "telepon", "lainnya", "x"))
    assert e.value.field == "reporter_name"
    anon = _complaint(db, date(2026, 11, 2), nik=NIK_A, anonymous=True)
    assert anon.reporter_label == "Anonim" and anon.reporter_nik == ""
    with pytest.raises(ValidationError) as e:
        _complaint(db, date(2026, 11, 2), nik="1234")
    assert e.value.field == "reporter_nik"
    with pytest.raises(ValidationError) as e:
        _complaint(db, date(2026, 11, 2), channel="merpati")
    assert e.value.field == "channel"


def test_complaint_registers_the_person_and_opens_a_case_in_one_step(db):
    c = _complaint(db, date(2026, 11, 2))
    c = cs.change_status(db, SYSTEM, c.id, "diverifikasi", date(2026, 11, 3))
    c = cs.register_person_from_complaint(db, SYSTEM, c.id, PersonDraft(name="Pak Darto", sex="L", birth_year=1950),
                                          confirm_duplicates_ok=True)
    assert c.person_name == "Pak Darto"
    c = cs.open_case_from_complaint(db, SYSTEM, c.id, "UPRS", "lansia", date(2026, 11, 4))
    assert c.case_id and c.status == "ditindaklanjuti"
    with pytest.raises(ConflictError):
        cs.open_case_from_complaint(db, SYSTEM, c.id, "UPRS", "lansia", date(2026, 11, 4))


def test_tksk_scope(db):
    tksk = Actor("tk", "tksk", kecamatan_code="61.71.01", unit="TKSK")
    own = _complaint(db, date(2026, 11, 2), actor=tksk)
    with pytest.raises(PermissionDenied):
        _complaint(db, date(2026, 11, 2), actor=tksk, kel=OTHER_KEC_KEL)
    other = _complaint(db, date(2026, 11, 2), kel=OTHER_KEC_KEL)
    with pytest.raises(PermissionDenied):
        cs.change_status(db, tksk, other.id, "diverifikasi", date(2026, 11, 3))
    assert [c.id for c in cs.list_complaints(db, tksk)] == [own.id]
    with pytest.raises(PermissionDenied):
        cs.delete_complaint(db, tksk, own.id)


# ----- the counting rule ------------------------------------------------------------------------


def test_counting_rule_complaints_hand_computed(db):
    with db.transaction() as s:
        r = Rows(s)
        a = r.person()
        r.event(a, CODE, date(2026, 2, 10))
        r.event(a, CODE, date(2026, 3, 1))  # the same person again: once
    c1 = _complaint(db, date(2026, 1, 12), nik=NIK_A)
    _close(db, c1.id, date(2026, 1, 15))  # unit, January
    c2 = _complaint(db, date(2026, 3, 2), nik=NIK_A)
    _close(db, c2.id, date(2026, 3, 10))  # same NIK this year: not again
    c3 = _complaint(db, date(2026, 3, 2), anonymous=True)
    _close(db, c3.id, date(2026, 3, 12))  # unit, March
    c4 = _complaint(db, date(2026, 3, 2))
    _close(db, c4.id, date(2026, 3, 13), "ditolak")  # rejected: no
    _complaint(db, date(2026, 3, 3))  # still open: no
    c6 = _complaint(db, date(2025, 12, 1), nik=NIK_B)
    _close(db, c6.id, date(2025, 12, 20))  # last year
    c7 = _complaint(db, date(2026, 3, 30), nik=NIK_B)
    _close(db, c7.id, date(2026, 4, 2))  # new year for NIK_B: unit, April

    march = compute_rollup(db, Period.for_month(2026, 3))
    i = march.indicator(CODE)
    assert i.counting_rule == "complaints"
    assert (i.cumulative, i.month) == (3, 1)  # a + c1 + c3; March: c3 (a was first served in February)
    assert i.monthly == (1, 1, 1)
    april = compute_rollup(db, Period.for_month(2026, 4)).indicator(CODE)
    assert (april.cumulative, april.month) == (4, 1)
    assert compute_rollup(db, Period.for_month(2025, 12)).indicator(CODE).cumulative == 1  # c6
    kec = march.breakdown("kecamatan")
    assert sum(dict(row.values)[CODE] for row in kec.rows) == 3
    js = march.to_json()
    assert next(x for x in js["indicators"] if x["code"] == CODE)["cumulative"] == 3
    lay = js["layanan_data"]
    assert lay["complaints_received"] == 5 and lay["complaints_closed"] == 3 and lay["complaints_selesai"] == 2
    # c2: 2→10 March = 6 working days; c3: 2→12 March = 8 (19–21 March not in range); c4: 2→13 = 9
    assert lay["response_max_days"] == 9 and lay["response_avg_days"] == pytest.approx(7.7)
    assert lay["complaints_overdue"] == 1  # received 3 March, still unanswered on 31 March


def test_summary_referrals_and_dtsen(db):
    with db.transaction() as s:
        r = Rows(s)
        people = [r.person() for _ in range(3)]
    sent = rs.send_referral(db, SYSTEM, rs.OutgoingInput(people[0], date(2026, 3, 2), "RSUD dr. Soedarso",
                                                         reason="Perlu perawatan"))
    assert sent.status == "dikirim"
    rs.send_referral(db, SYSTEM, rs.OutgoingInput(people[1], date(2026, 3, 25), "Puskesmas Kampung Dalam"))
    rs.record_feedback(db, SYSTEM, sent.id, "diterima", date(2026, 3, 9), "Dirawat inap")
    with pytest.raises(ValidationError):
        rs.record_feedback(db, SYSTEM, sent.id, "dikirim", None)  # backwards
    s = compute_rollup(db, Period.for_month(2026, 3))
    lay = s.layanan
    assert (lay.referrals_sent, lay.referrals_answered, lay.referrals_waiting) == (2, 1, 1)
    assert s.indicator(REF).cumulative == 2
    open_list = rs.list_referrals(db, SYSTEM, open_only=True)
    assert [x.person_id for x in open_list] == [people[1]] and open_list[0].flagged
    with pytest.raises(ValidationError):
        dtsen.propose(db, SYSTEM, dtsen.ProposalInput(people[2], "baru", date(2026, 3, 3)))  # no NIK


def test_dtsen_permissions(db):
    with db.transaction() as s:
        r = Rows(s)
        p = r.person()
    d = dtsen.propose(db, Actor("pet", "petugas", unit="UPRS"), dtsen.ProposalInput(p, "perubahan", date(2026, 3, 3),
                                                                                      batch="B1"))
    with pytest.raises(PermissionDenied):
        dtsen.decide(db, Actor("pet", "petugas", unit="UPRS"), d.id, "ditetapkan", date(2026, 4, 1))
    assert dtsen.decide(db, SYSTEM, d.id, "ditetapkan", date(2026, 4, 1)).status == "ditetapkan"
    with db.reading() as s:
        assert s.query(AuditEntry).filter(AuditEntry.entity == "dtsen_proposal").count() == 2


def test_dtsen_ditetapkan_beside_the_renstra_target(db, tmp_path):
    from sqlalchemy import update

    from spm_desktop.core.storage.models import Person

    with db.transaction() as s:
        r = Rows(s)
        people = [r.person() for _ in range(3)]
        for i, p in enumerate(people):
            s.execute(update(Person).where(Person.id == p).values(nik=f"617101170580000{i + 1}"))
    ids = [dtsen.propose(db, SYSTEM, dtsen.ProposalInput(p, "baru", date(2026, 3, 2), batch="2026-03")).id
           for p in people]
    assert dtsen.decide_batch(db, SYSTEM, "2026-03", "diverifikasi", date(2026, 3, 20)) == 3
    dtsen.decide(db, SYSTEM, ids[0], "ditetapkan", date(2026, 4, 6))
    dtsen.decide(db, SYSTEM, ids[1], "ditolak", date(2026, 4, 6), "Data ganda di DTSEN")
    march = compute_rollup(db, Period.for_month(2026, 3)).layanan
    assert march.dtsen_by_status == {"diusulkan": 0, "diverifikasi": 3, "ditetapkan": 0, "ditolak": 0}
    april = compute_rollup(db, Period.for_month(2026, 4)).layanan
    assert april.dtsen_by_status == {"diusulkan": 0, "diverifikasi": 1, "ditetapkan": 1, "ditolak": 1}
    assert (april.dtsen_ditetapkan_year, april.dtsen_target, april.dtsen_percent_of_target) == (1, 210.0, 0.5)
    out = dtsen.export_batch(db, SYSTEM, "2026-03", tmp_path / "b.csv")
    assert out.rows == 2  # the rejected one is not exported
    lines = (tmp_path / "b.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("NIK,No. KK,Nama,Jenis Kelamin,Tanggal Lahir,Alamat,Kode Desa/Kelurahan")
    with db.reading() as s:
        assert s.query(AuditEntry).filter(AuditEntry.action == "export").count() == 1


def test_beranda_flags_agree_with_the_recap(db):
    from spm_desktop.core.services.dashboard import dashboard

    _complaint(db, date(2026, 11, 2))  # unanswered for weeks
    with db.transaction() as s:
        p = Rows(s).person()
    rs.send_referral(db, SYSTEM, rs.OutgoingInput(p, date(2026, 11, 2), "RSUD dr. Soedarso"))
    board = dashboard(db, SYSTEM, date(2026, 12, 6))
    assert (board.attention.complaints_overdue, board.attention.referrals_waiting) == (1, 1)
    recap = compute_rollup(db, Period.for_month(2026, 12))
    assert board.result.layanan == recap.layanan and board.result.indicator(CODE) == recap.indicator(CODE)


def test_referral_status_on_the_persons_history(db):
    from spm_desktop.core.services.events import person_history

    with db.transaction() as s:
        p = Rows(s).person()
    sent = rs.send_referral(db, SYSTEM, rs.OutgoingInput(p, date(2026, 11, 2), "RSUD dr. Soedarso"))
    line = next(t for t in person_history(db, SYSTEM, p) if t.event_id == sent.event_id)
    assert "rujukan dikirim, menunggu umpan balik" in line.detail
    rs.record_feedback(db, SYSTEM, sent.id, "selesai", date(2026, 11, 20), "Pulang")
    line = next(t for t in person_history(db, SYSTEM, p) if t.event_id == sent.event_id)
    assert line.detail.endswith("rujukan selesai, umpan balik 20/11/2026")


def _pdf_text(path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_letter_numbers_per_kind_and_year_voided_never_reused_drafts_on_a_laptop(db, tmp_path):
    from spm_desktop.core.services import letters
    from spm_desktop.core.storage.models import SyncPeer

    with db.transaction() as s:
        r = Rows(s)
        people = [r.person() for _ in range(3)]
    refs = [rs.send_referral(db, SYSTEM, rs.OutgoingInput(p, date(2026, 11, 2), "RSUD dr. Soedarso")).id
            for p in people]
    first = letters.print_letter(db, SYSTEM, refs[0], tmp_path / "a.pdf", on=date(2026, 11, 3))
    assert first.number == "400.9/1/Dinsos-RJK/2026"
    again = letters.print_letter(db, SYSTEM, refs[0], tmp_path / "a2.pdf")
    assert again.id == first.id and _pdf_text(tmp_path / "a2.pdf") == _pdf_text(tmp_path / "a.pdf")
    letters.void_letter(db, SYSTEM, first.id, "salah tujuan")
    renewed = letters.print_letter(db, SYSTEM, refs[0], tmp_path / "a3.pdf", on=date(2026, 11, 4))
    assert renewed.number == "400.9/2/Dinsos-RJK/2026"  # 1 was voided: never again
    assert letters.print_letter(db, SYSTEM, refs[1], tmp_path / "b.pdf",
                                on=date(2026, 11, 5)).number == "400.9/3/Dinsos-RJK/2026"
    assert letters.print_letter(db, SYSTEM, refs[1], tmp_path / "b.pdf", on=date(2027, 1, 2)).number.endswith("/2026")
    with db.transaction() as s:  # this database enrols an office: it is a laptop now
        s.add(SyncPeer(name="Kantor", role="office"))
    draft = letters.print_letter(db, SYSTEM, refs[2], tmp_path / "c.pdf")
    assert draft.draft and draft.number == ""
    assert "belum bernomor" in _pdf_text(tmp_path / "c.pdf")


def test_letter_numbers_stay_unique_when_seats_print_at_once(db, tmp_path):
    """Several desks printing at the same moment (threads on one database; on PostgreSQL each
    its own connection): every letter gets its own number, 1…n."""
    from concurrent.futures import ThreadPoolExecutor

    from spm_desktop.core.services import letters

    with db.transaction() as s:
        r = Rows(s)
        people = [r.person() for _ in range(6)]
    refs = [rs.send_referral(db, SYSTEM, rs.OutgoingInput(p, date(2026, 11, 2), "Puskesmas")).id for p in people]
    with ThreadPoolExecutor(max_workers=6) as pool:
        issued = list(pool.map(lambda i: letters.print_letter(db, SYSTEM, refs[i], tmp_path / f"{i}.pdf",
                                                              on=date(2026, 11, 5)), range(6)))
    assert sorted(int(x.number.split("/")[1]) for x in issued) == [1, 2, 3, 4, 5, 6]


def test_a_referral_recorded_as_a_service_is_tracked_at_once(db, tmp_path):
    """Walkthrough: a referral entered on Catat Layanan (record_event of 1.06.04.2.01.0012) was an
    event only — not among the open referrals, no Surat Rujukan, feedback only after a first
    status change. It now gets its tracking row (dikirim) in the same transaction; a referral
    sent with its institution (send_referral) still has exactly one."""
    from sqlalchemy import func, select

    from spm_desktop.core.domain.layanan import REFERRAL_CODE
    from spm_desktop.core.services.events import EventDraft, record_event
    from spm_desktop.core.services.letters import print_letter
    from spm_desktop.core.services.persons import register_person
    from spm_desktop.core.storage.models import Referral

    person = register_person(db, SYSTEM, PersonDraft(name="Darto", sex="L", birth_year=1948,
                                                     kelurahan_code=KEL_SELATAN), confirm_duplicates_ok=True).id
    e = record_event(db, SYSTEM, EventDraft(person_id=person, service_code=REFERRAL_CODE, event_date=date(2026, 3, 3),
                                            details={"destination": "RSUD"}, notes="Sakit, perlu rawat inap"))
    tracked = rs.referral_of_event(db, SYSTEM, e.id)
    assert (tracked.status, tracked.direction, tracked.destination, tracked.reason) == (
        "dikirim", "keluar", "RSUD", "Sakit, perlu rawat inap")
    assert [r.event_id for r in rs.list_referrals(db, SYSTEM, open_only=True)] == [e.id]
    assert print_letter(db, SYSTEM, e.id, tmp_path / "r.pdf").number == f"400.9/1/Dinsos-RJK/{clock.today().year}"
    sent = rs.send_referral(db, SYSTEM, rs.OutgoingInput(person, date(2026, 3, 4), "RSUD dr. Soedarso"))
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Referral).where(Referral.event_id == sent.event_id)) == 1


def test_overdue_and_waiting_counts_at_their_boundaries(db):
    """The summary counts overdue complaints with one pass over the days (the same working days as
    ``working_days_between`` for every day of the range, holidays included) and waiting referrals
    in SQL: a referral sent exactly ``limit`` days before the end waits, one day earlier is flagged."""
    from datetime import timedelta

    from spm_desktop.core.rollup.layanan import _working_days_until, waiting_referrals
    from spm_desktop.core.services.events import EventDraft, record_event
    from spm_desktop.core.services.persons import register_person

    off, on = holidays(), date(2026, 6, 5)
    table = _working_days_until(date(2026, 3, 1), on, off)
    assert table == {date(2026, 3, 1) + timedelta(days=i): working_days_between(
        date(2026, 3, 1) + timedelta(days=i), on, off) for i in range((on - date(2026, 3, 1)).days + 1)}
    person = register_person(db, SYSTEM, PersonDraft(name="Darto", sex="L", birth_year=1948,
                                                     kelurahan_code=KEL_SELATAN), confirm_duplicates_ok=True).id
    end = date(2026, 6, 30)
    for days in (14, 15, 40):
        record_event(db, SYSTEM, EventDraft(person_id=person, service_code="1.06.04.2.01.0012",
                                            event_date=end - timedelta(days=days), details={"destination": "RSUD"}))
    answered = rs.list_referrals(db, SYSTEM, open_only=True)[0]  # the oldest: answered before the end
    rs.record_feedback(db, SYSTEM, answered.id, "diterima", end - timedelta(days=30))
    with db.reading() as s:
        assert waiting_referrals(s, end, 14) == (2, 1)
        assert waiting_referrals(s, end - timedelta(days=31), 14) == (1, 0)  # sent 9 days before, answered after
        assert waiting_referrals(s, end - timedelta(days=35), 0) == (1, 1)  # before its feedback


def test_every_complaint_rule_names_its_field(db):
    """One rule a field (services/complaints.validate_complaint): each refusal names its field,
    every problem of a form at once, nothing written."""
    tomorrow = clock.now() + timedelta(days=2)
    tksk = Actor("tk", "tksk", kecamatan_code="61.71.01", unit="TKSK")
    cases = [
        ({"category": "cuaca"}, SYSTEM, {"category"}),
        ({"received_at": None}, SYSTEM, {"received_at"}),
        ({"received_at": tomorrow}, SYSTEM, {"received_at"}),
        ({"reporter_name": "A" * 161}, SYSTEM, {"reporter_name"}),
        ({"reporter_phone": "0" * 41}, SYSTEM, {"reporter_phone"}),
        ({"description": "  "}, SYSTEM, {"description"}),
        ({"kelurahan_code": "61.71.01"}, SYSTEM, {"kelurahan_code"}),  # a kecamatan, not a village
        ({"kelurahan_code": None}, tksk, {"kelurahan_code"}),
        ({"person_id": "tidak-ada"}, SYSTEM, {"person_id"}),
        ({"channel": "merpati", "description": "", "reporter_name": ""}, SYSTEM,
         {"channel", "description", "reporter_name"}),
    ]
    good = dict(received_at=datetime(2026, 11, 2, 9), channel="telepon", category="lainnya", description="Uraian",
                reporter_name="Bu Rina", kelurahan_code=KEL_SELATAN)
    for change, actor, fields in cases:
        with pytest.raises(ValidationError) as e:
            cs.receive_complaint(db, actor, cs.ComplaintInput(**{**good, **change}))
        assert {f.field for f in e.value.errors} == fields, change
    assert cs.list_complaints(db, SYSTEM) == []
    ok = cs.receive_complaint(db, SYSTEM, cs.ComplaintInput(**{**good, "channel": " Telepon ",
                                                                "reporter_name": " Bu   Rina "}))
    assert (ok.channel, ok.reporter_name, ok.officer) == ("telepon", "Bu Rina", SYSTEM.full_name or SYSTEM.username)
