"""Issue 22: referral events that travel without a tracking row (an events import at the office)
are listed and counted alike on the TKSK laptop; answered on both sides (each making its own
tracking row, with its own id) they converge on one row per event — no duplicate, the two answers
a conflict for a supervisor — and both databases show the same figures."""

from __future__ import annotations

import csv
from datetime import timedelta

from sqlalchemy import func, select
from sync_helpers import ADMIN, content

from spm_desktop.core import clock
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.layanan import REFERRAL_CODE
from spm_desktop.core.imports.framework import run_import
from spm_desktop.core.rollup.layanan import waiting_referrals
from spm_desktop.core.services import referrals as rs
from spm_desktop.core.services.dashboard import attention
from spm_desktop.core.services.events import EventDraft, record_event
from spm_desktop.core.services.persons import PersonDraft, register_person
from spm_desktop.core.storage.base import new_id
from spm_desktop.core.storage.models import Referral, SyncConflict
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import device_info
from spm_desktop.core.sync.importer import import_package

KEL = "61.71.03.1001"  # in the tksk fixture's kecamatan
TKSK = Actor("tk", "tksk", unit="TKSK", kecamatan_code="61.71.03")


def exchange(src, dst, tmp_path, actor=ADMIN):
    path = tmp_path / f"{new_id()}.spmsync"
    export_package(src, actor, path, peer_name=device_info(dst).name)
    return import_package(dst, ADMIN, path)


def figures(db, actor) -> tuple[int, int, int, int]:
    today = clock.today()
    listed = rs.list_referrals(db, actor, open_only=True, today=today)
    with db.reading() as s:
        waiting, flagged = waiting_referrals(s, today, 14, actor)
    assert (len(listed), sum(r.flagged for r in listed)) == (waiting, flagged)
    assert attention(db, actor, today).referrals_waiting == flagged
    return waiting, flagged, len(rs.list_referrals(db, actor, today=today)), _rows(db)


def _rows(db) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(Referral).where(Referral.deleted_at.is_(None))) or 0


def test_untracked_referral_events_travel_and_converge(office, tksk, tmp_path):
    today = clock.today()
    person = register_person(office, ADMIN, PersonDraft(name="Ahmad Yani", sex="L", birth_year=1950,
                                                        kelurahan_code=KEL), confirm_duplicates_ok=True).id
    path = tmp_path / "events.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["person", "kode_layanan", "tanggal", "destination"])
        for days in (30, 20, 3):
            w.writerow([person, REFERRAL_CODE, (today - timedelta(days=days)).isoformat(), "RSUD"])
    run_import(office, ADMIN, "events", path)
    record_event(office, ADMIN, EventDraft(person_id=person, service_code=REFERRAL_CODE,
                                           event_date=today - timedelta(days=1), details={"destination": "RSUD"}))
    assert figures(office, ADMIN) == (4, 2, 4, 1)  # 3 imported (untracked), 1 tracked
    exchange(office, tksk, tmp_path)
    assert figures(tksk, TKSK) == (4, 2, 4, 1)

    oldest, second = [r.event_id for r in rs.list_referrals(office, ADMIN, open_only=True)][:2]
    rs.record_event_feedback(office, ADMIN, oldest, "diterima", today - timedelta(days=2), "Dirawat")
    rs.record_event_feedback(tksk, TKSK, oldest, "diterima", today - timedelta(days=1), "Sudah diterima RSUD")
    rs.record_event_feedback(tksk, TKSK, second, "ditolak", today - timedelta(days=1))
    for _ in range(2):
        exchange(tksk, office, tmp_path, TKSK)
        exchange(office, tksk, tmp_path)
    for db, actor in ((office, ADMIN), (tksk, TKSK)):
        assert figures(db, actor) == (2, 0, 4, 3)
        with db.reading() as s:
            per_event = s.execute(select(Referral.event_id, func.count()).group_by(Referral.event_id)).all()
        assert all(n == 1 for _e, n in per_event) and len(per_event) == 3
    assert content(office)["referral"] == content(tksk)["referral"]
    with office.reading() as s:  # the two answers to one referral: a conflict, the later one kept
        conflicts = s.scalars(select(SyncConflict).where(SyncConflict.entity == "referral")).all()
    assert len(conflicts) == 1
    assert rs.referral_of_event(office, ADMIN, oldest).notes == "Sudah diterima RSUD"
