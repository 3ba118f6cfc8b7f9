"""The audit trail: filters, export (itself audited), append-only."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sec_helpers import ROLE_ACTORS
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from spm_desktop.core.domain.errors import PermissionDenied, ValidationError
from spm_desktop.core.security import audit_trail as at
from spm_desktop.core.storage.models import AuditEntry

SUP = ROLE_ACTORS["supervisor"]


def local_noon_utc(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=12).astimezone().astimezone(
        __import__("datetime").UTC).replace(tzinfo=None)


@pytest.fixture
def trail(db):
    rows = [
        ("budi", "create", "person", "P1", None, {"name": "Ani"}, date(2026, 3, 1)),
        ("budi", "update", "person", "P1", {"name": "Ani"}, {"name": "Ani S."}, date(2026, 3, 2)),
        ("sari", "create", "case", "C1", None, {"person_id": "P1", "unit": "UPRS"}, date(2026, 3, 2)),
        ("sari", "create", "service_event", "E1", None, {"person_id": "P1"}, date(2026, 3, 5)),
        ("sari", "create", "person", "P2", None, {"name": "Rudi"}, date(2026, 3, 5)),
        ("budi", "login_failed", "user", "U1", None, {"reason": "password"}, date(2026, 3, 6)),
        ("admin", "delete", "service_event", "E1", {"person_id": "P1"}, None, date(2026, 4, 1)),
    ]
    with db.transaction() as s:
        for i, (user, action, entity, eid, before, after, day) in enumerate(rows):
            # distinct times (a minute apart) so the export order is the list order
            s.add(AuditEntry(username=user, action=action, entity=entity, entity_id=eid, before=before,
                             after=after, at=local_noon_utc(day) + timedelta(minutes=i)))
    return db


def ids(page):
    return [(r.action, r.entity_id) for r in page.rows]


def test_filters(trail):
    q = lambda **kw: at.query_audit(trail, SUP, at.AuditFilter(**kw))  # noqa: E731
    assert q().total == 7
    assert ids(q())[0] == ("delete", "E1")  # newest first
    assert q(username="BUDI").total == 3
    assert q(action="create").total == 4
    assert q(entity="service_event").total == 2
    assert q(date_from=date(2026, 3, 2), date_to=date(2026, 3, 5)).total == 4
    assert q(date_to=date(2026, 3, 1)).total == 1
    assert sorted(ids(q(person_id="P1"))) == sorted([("create", "P1"), ("update", "P1"), ("create", "C1"),
                                                     ("create", "E1"), ("delete", "E1")])
    assert q(person_id="P1", username="sari").total == 2
    assert q(text="E").total == 2
    page = at.query_audit(trail, SUP, at.AuditFilter(), offset=5, limit=5)
    assert (page.total, len(page.rows)) == (7, 2)
    assert page.rows[0].action_label == "Ubah" and page.rows[0].entity_label == "Penerima layanan"
    assert page.rows[0].at.hour == 12  # shown in local time
    with pytest.raises(ValidationError):
        q(date_from=date(2026, 4, 1), date_to=date(2026, 3, 1))
    assert at.audit_usernames(trail, SUP) == ["admin", "budi", "sari"]


@pytest.mark.parametrize("role", ["petugas", "tksk", "viewer"])
def test_only_supervisors_see_and_export(trail, role, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PermissionDenied):
        at.query_audit(trail, ROLE_ACTORS[role])
    with pytest.raises(PermissionDenied):
        at.export_audit(trail, ROLE_ACTORS[role], out / "a.csv")
    assert list(out.iterdir()) == []


def test_export_csv_and_xlsx_is_audited(trail, tmp_path):
    n = at.export_audit(trail, SUP, tmp_path / "jejak.csv", at.AuditFilter(person_id="P1"))
    assert n == 5
    with (tmp_path / "jejak.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0] == list(at.EXPORT_HEADER)
    assert rows[1][:5] == ["01/03/2026 12:00:00", "budi", "Tambah", "Penerima layanan", "P1"]
    assert rows[2][5] == '{"name": "Ani"}' and rows[2][6] == '{"name": "Ani S."}'
    latest = at.query_audit(trail, SUP).rows[0]
    assert (latest.username, latest.action, latest.entity) == ("sup", "export", "audit_entry")
    assert latest.after["count"] == 5 and latest.after["filters"] == {"person_id": "P1"}

    n = at.export_audit(trail, ROLE_ACTORS["admin"], tmp_path / "jejak.xlsx")
    assert n == 8  # seven plus the first export's entry
    ws = load_workbook(tmp_path / "jejak.xlsx").active
    assert [c.value for c in ws[1]] == list(at.EXPORT_HEADER)
    assert ws.max_row == 9
    assert ws["A2"].value == datetime(2026, 3, 1, 12, 0) and ws["C2"].value == "Tambah"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    with pytest.raises(ValidationError):
        at.export_audit(trail, SUP, tmp_path / "jejak.pdf")


def test_entries_cannot_be_changed_or_deleted(trail):
    for sql in ("UPDATE audit_entry SET username='x'", "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError, match="append-only"), trail.transaction() as s:
            s.execute(text(sql))
    assert at.query_audit(trail, SUP).total == 7


def test_no_service_changes_the_trail():
    public = [n for n in dir(at) if not n.startswith("_")]
    assert not [n for n in public if any(w in n for w in ("delete", "update", "edit", "purge", "remove"))]


def test_every_audited_action_and_entity_has_an_indonesian_label():
    """Jejak Audit shows labels, never raw keys (``close``, ``create_bulk``, ``recap_pdf``): every
    action and entity key written by ``audit.record`` (and the export helpers) in the code, and
    every import kind, has a label."""
    import ast
    from pathlib import Path

    import spm_desktop
    from spm_desktop.core.imports import registered_kinds
    from spm_desktop.core.security.audit_trail import ACTION_LABELS, ENTITY_LABELS

    actions, entities = {"idle_lock", "logout"}, set(registered_kinds())
    for path in Path(spm_desktop.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            texts = {i: a.value for i, a in enumerate(node.args) if isinstance(a, ast.Constant) and a.value}
            if name == "record" and 1 in texts:
                actions.add(texts[1])
                entities.update(v for i, v in texts.items() if i == 2)
            elif name in ("_audit_export", "audited_file_export") and 2 in texts:
                entities.add(texts[2])
    assert {"close", "create_bulk"} <= actions and "recap_pdf" in entities  # the scan sees them
    assert sorted(actions - set(ACTION_LABELS)) == []
    assert sorted(entities - set(ENTITY_LABELS)) == []
