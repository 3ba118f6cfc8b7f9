"""Yearly mutu checklist: created from the template, edited, audited, read by the roll-up."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import NotFoundError, PermissionDenied
from spm_desktop.core.rollup import Period, compute_rollup
from spm_desktop.core.services import mutu
from spm_desktop.core.storage.models import AuditEntry

SUPERVISOR = Actor("kabid", "supervisor")


def test_checklist_created_from_template_once(db):
    items = mutu.ensure_checklist(db, SUPERVISOR, 2026)
    per_group = {g: [m for m in items if m.group == g] for g in ("disabilitas", "bencana")}
    assert len(per_group["disabilitas"]) == 15  # 11 goods/services + 4 human resources
    assert len(per_group["bencana"]) == 8
    assert per_group["disabilitas"][0].kind == "barang_jasa"
    assert per_group["disabilitas"][0].item.startswith("Permakanan")
    assert all(m.met is None for m in items)
    again = mutu.ensure_checklist(db, SUPERVISOR, 2026)
    assert [m.id for m in again] == [m.id for m in items]
    assert mutu.list_checklist(db, 2027) == []
    with db.reading() as s:
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.entity == "mutu_check")).all()) == 1


def test_answers_drive_the_rollup_mutu(db):
    items = [m for m in mutu.ensure_checklist(db, SUPERVISOR, 2026) if m.group == "lansia"]
    for i, m in enumerate(items[:-1]):
        mutu.set_item(db, SUPERVISOR, m.id, i % 5 != 0, "cek lapangan")
    lansia = compute_rollup(db, Period.for_month(2026, 3)).group("lansia")
    assert lansia.mutu is None  # one item still unanswered
    changed = mutu.set_item(db, SUPERVISOR, items[-1].id, True, "  ada  ")
    assert (changed.met, changed.note) == (True, "ada")
    summary = {s.group: s for s in mutu.summary(db, 2026)}
    assert summary["lansia"].filled and summary["lansia"].met == 12 and summary["lansia"].items == 15
    assert not summary["anak"].filled
    assert compute_rollup(db, Period.for_month(2026, 3)).group("lansia").mutu == 80.0


def test_permissions_and_unknown_item(db):
    with pytest.raises(PermissionDenied):
        mutu.ensure_checklist(db, Actor("v", "viewer"), 2026)
    with pytest.raises(NotFoundError):
        mutu.set_item(db, SUPERVISOR, "nope", True)
