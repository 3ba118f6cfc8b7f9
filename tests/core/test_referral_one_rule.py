"""Issue 22, "one rule, one place": an outgoing referral is a live 1.06.04.2.01.0012 event with
its tracking row when it has one (``rollup.layanan.outgoing_referrals``). Beranda's flag, the
recap's "menunggu" and the Rujukan list read that one select, so however a referral event was
written — Catat Layanan (record_event), an events import, the demo data, a database from before
the tracking existed (migration 0014), a sync package — it is counted and listed alike, and
answering it on either side of an exchange leaves one tracking row."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from rollup_builders import KEL_SELATAN, Rows
from sqlalchemy import func, select

from spm_desktop.core import clock
from spm_desktop.core.domain.actor import SYSTEM, Actor
from spm_desktop.core.domain.layanan import REFERRAL_CODE
from spm_desktop.core.imports.framework import run_import
from spm_desktop.core.rollup import Period, compute_rollup
from spm_desktop.core.rollup.layanan import waiting_referrals
from spm_desktop.core.services import referrals as rs
from spm_desktop.core.services.dashboard import attention
from spm_desktop.core.services.events import EventDraft, person_history, record_event
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.core.services.settings import load_settings
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.engine import make_engine
from spm_desktop.core.storage.migrate import downgrade, head_revision, upgrade_to_head
from spm_desktop.core.storage.models import Referral, ServiceEvent

LIMIT = 14  # the default rujukan.batas_umpan_balik_hari


def figures(db: Database, actor: Actor = SYSTEM, today: date | None = None) -> dict[str, int]:
    """Every figure of the open referrals on ``today``: the Rujukan list's rows and flags,
    Beranda's flag (attention) and the count behind the recap's summary."""
    today = today or clock.today()
    listed = rs.list_referrals(db, actor, open_only=True, today=today)
    with db.reading() as s:
        assert load_settings(s).referral_feedback_days == LIMIT
        waiting, flagged = waiting_referrals(s, today, LIMIT, actor)
    return {"listed": len(listed), "listed_flagged": sum(r.flagged for r in listed), "waiting": waiting,
            "flagged": flagged, "beranda_flagged": attention(db, actor, today).referrals_waiting}


def assert_agree(db: Database, waiting: int, flagged: int, actor: Actor = SYSTEM) -> None:
    assert figures(db, actor) == {"listed": waiting, "listed_flagged": flagged, "waiting": waiting,
                                  "flagged": flagged, "beranda_flagged": flagged}


def _person(db, name="Darto", kel=KEL_SELATAN) -> str:
    return register_person(db, SYSTEM, PersonDraft(name=name, sex="L", birth_year=1948, kelurahan_code=kel),
                           confirm_duplicates_ok=True).id


def _tracking_rows(db) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(Referral).where(Referral.deleted_at.is_(None))) or 0


def _events_csv(path: Path, rows: list[tuple[str, date, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["person", "kode_layanan", "tanggal", "destination", "keterangan"])
        for person, on, destination in rows:
            w.writerow([person, REFERRAL_CODE, on.isoformat(), destination, "Perlu perawatan"])
    return path


def test_record_event_and_events_import_are_counted_and_listed_alike(db, tmp_path):
    today = clock.today()
    a, b = _person(db, "Darto"), _person(db, "Sumi")
    record_event(db, SYSTEM, EventDraft(person_id=a, service_code=REFERRAL_CODE, event_date=today - timedelta(days=3),
                                        details={"destination": "RSUD"}))
    assert_agree(db, 1, 0)
    run_import(db, SYSTEM, "events", _events_csv(tmp_path / "e.csv", [
        (a, today - timedelta(days=30), "RSUD"), (b, today - timedelta(days=20), "Lainnya"),
        (b, today - timedelta(days=2), "RSUD")]))
    assert _tracking_rows(db) == 1  # the imported events have none, and need none
    assert_agree(db, 4, 2)
    listed = rs.list_referrals(db, SYSTEM, open_only=True)
    assert [r.referral_date for r in listed] == sorted(r.referral_date for r in listed)
    oldest = listed[0]
    assert (oldest.id, oldest.status, oldest.days_waiting, oldest.flagged, oldest.destination) == (
        None, "dikirim", 30, True, "RSUD")
    assert "rujukan dikirim, menunggu umpan balik 30 hari" in next(
        e.detail for e in person_history(db, SYSTEM, a) if e.event_id == oldest.event_id)
    # Answered through its event (as the Rujukan tab and the person's history do): tracked now.
    rs.record_event_feedback(db, SYSTEM, oldest.event_id, "diterima", today - timedelta(days=1), "Dirawat")
    assert _tracking_rows(db) == 2
    assert_agree(db, 3, 1)
    every = rs.list_referrals(db, SYSTEM)
    assert len(every) == 4 and sum(r.status == "diterima" for r in every) == 1


def test_the_lists_and_counts_leave_out_the_same_referrals(db):
    """A deleted event, an event edited to another service (its tracking row stays) and an
    answered one: in neither the list nor the counts; a tracking row whose event is gone too."""
    from spm_desktop.core.services.events import delete_event, edit_event, get_event

    today = clock.today()
    p = _person(db)
    ids = [record_event(db, SYSTEM, EventDraft(person_id=p, service_code=REFERRAL_CODE, details={"destination": "RSUD"},
                                               event_date=today - timedelta(days=d))).id for d in (40, 30, 20, 5)]
    assert_agree(db, 4, 3)
    delete_event(db, SYSTEM, ids[0])
    old = get_event(db, SYSTEM, ids[1])
    edit_event(db, SYSTEM, ids[1], EventDraft(person_id=p, service_code="1.06.04.2.01.0005",
                                              event_date=old.event_date, details={}))
    rs.record_event_feedback(db, SYSTEM, ids[2], "ditolak", today - timedelta(days=1))
    assert _tracking_rows(db) == 4
    assert_agree(db, 1, 0)
    assert [r.event_id for r in rs.list_referrals(db, SYSTEM)] == [ids[3], ids[2]]


def test_a_restricted_role_sees_and_counts_its_own(db):
    """A TKSK's Beranda flag counts the referrals its Rujukan list shows (its kecamatan); the
    office's counts every one."""
    today = clock.today()
    here, there = _person(db, "Darto", "61.71.03.1001"), _person(db, "Sumi", KEL_SELATAN)
    for p in (here, there, there):
        record_event(db, SYSTEM, EventDraft(person_id=p, service_code=REFERRAL_CODE,
                                            event_date=today - timedelta(days=20), details={"destination": "RSUD"}))
    assert_agree(db, 3, 3)
    assert_agree(db, 1, 1, Actor("tk", "tksk", unit="TKSK", kecamatan_code="61.71.03"))


def test_demo_data_referrals_are_listed_as_beranda_counts_them(db):
    """The GUI tour's defect: Beranda said "menunggu 137 / melewati batas 126" over the demo
    data while the Rujukan tab listed none (the generator writes events, not tracking rows)."""
    from spm_desktop.core.demo.generator import generate

    today = clock.today()
    generate(db, 300, 4000, seed=5, until=today)
    with db.reading() as s:
        sent = s.scalar(select(func.count()).select_from(ServiceEvent).where(
            ServiceEvent.service_code == REFERRAL_CODE, ServiceEvent.deleted_at.is_(None)))
    assert sent > 0 and _tracking_rows(db) == 0
    f = figures(db)
    assert f["listed"] == f["waiting"] == sent and f["listed_flagged"] == f["flagged"] == f["beranda_flagged"] > 0
    summary = compute_rollup(db, Period.for_month(today.year, today.month)).layanan
    assert summary.referrals_waiting == f["listed"]


def test_a_database_from_before_the_tracking_lists_its_referral_events(db):
    """Referral events recorded before migration 0014 (no tracking table yet) are listed and
    counted after the upgrade, without a row written for them."""
    today = clock.today()
    with db.transaction() as s:
        r = Rows(s)
        p = r.person()
        for days in (2, 25, 60):
            r.event(p, REFERRAL_CODE, today - timedelta(days=days), details={"destination": "RSUD"})
        r.event(p, REFERRAL_CODE, today - timedelta(days=9), deleted=True)
    url = db.engine.url.render_as_string(hide_password=False)
    db.dispose()
    downgrade(url, "0013_case_need_dates")
    assert upgrade_to_head(url) == head_revision()
    again = Database(make_engine(url))
    try:
        assert _tracking_rows(again) == 0
        assert_agree(again, 3, 2)
    finally:
        again.dispose()
