"""Issue 18, first part: exports that stay data, restores that never damage the live file,
names without control or direction-override characters, a petugas deleting only what its unit
owns, failed logins that neither store the typed text nor reveal which usernames exist."""

from __future__ import annotations

import csv
import sqlite3
import time
from datetime import date

import pytest
from openpyxl import load_workbook
from sec_helpers import PASSWORD, ROLE_ACTORS, make_admin
from sqlalchemy import select

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.domain.errors import DomainError, PermissionDenied, ValidationError
from spm_desktop.core.security import audit_trail, users
from spm_desktop.core.security.safe_export import neutralise
from spm_desktop.core.services import backup as backup_svc
from spm_desktop.core.services import cases, events, persons
from spm_desktop.core.services.person_export import export_person_list
from spm_desktop.core.storage import backup as bk
from spm_desktop.core.storage.models import AuditEntry, Person

KEL = "61.71.01.1002"
MAKAN = "1.06.04.2.01.0001"
FORMULAS = ['=HYPERLINK("http://x","klik")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _person(db, name, **kw):
    return persons.register_person(db, SYSTEM, persons.PersonDraft(name=name, sex="L", birth_year=1970,
                                                                   kelurahan_code=KEL, **kw),
                                   confirm_duplicates_ok=True).id


# ----- safe exports --------------------------------------------------------------------


@pytest.mark.parametrize("value", FORMULAS)
def test_neutralise_prefixes_formula_starts(value):
    assert neutralise(value) == "'" + value
    assert neutralise("Budi") == "Budi" and neutralise(5) == 5 and neutralise(None) is None


def test_person_xlsx_keeps_a_formula_name_as_text(db, tmp_path):
    _person(db, '=HYPERLINK("x")', alias="@alias")
    target = tmp_path / "daftar.xlsx"
    assert export_person_list(db, SYSTEM, target) == 1
    ws = load_workbook(target).active
    name, alias = ws.cell(2, 3), ws.cell(2, 4)
    assert name.value == '=HYPERLINK("x")' and name.data_type == "s" and name.quotePrefix
    assert alias.value == "@alias" and alias.data_type == "s" and alias.quotePrefix
    # The raw sheet holds an inline string, never a <f> formula element.
    import zipfile

    sheet = zipfile.ZipFile(target).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet


def test_audit_exports_neutralise_a_username_typed_at_login(db, tmp_path):
    make_admin(db)
    typed = "=cmd|' /c calc'!a0"
    with pytest.raises(DomainError):
        users.authenticate(db, typed, "salah")
    users.create_user(db, SYSTEM, "budi", '=HYPERLINK("x")', "viewer", PASSWORD)
    csv_file, xlsx_file = tmp_path / "audit.csv", tmp_path / "audit.xlsx"
    audit_trail.export_audit(db, SYSTEM, csv_file)
    audit_trail.export_audit(db, SYSTEM, xlsx_file)
    text = csv_file.read_text(encoding="utf-8-sig")
    assert typed not in text  # the typed text was never stored
    cells = [c for row in csv.reader(text.splitlines(), delimiter=";") for c in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    ws = load_workbook(xlsx_file).active
    for row in ws.iter_rows(min_row=2):
        for cell in row[1:]:
            assert cell.data_type != "f"
            if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                assert cell.quotePrefix


# ----- safe restore --------------------------------------------------------------------


def _set_revision(path, revision):
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num=?", (revision,))
    con.commit()
    con.close()


def test_restore_refuses_a_newer_schema_and_leaves_the_live_file(db, db_file, tmp_path):
    _person(db, "Budi Santoso")
    newer = bk.make_backup(db_file, "manual").path
    _set_revision(newer, "9999_from_the_future")
    db.dispose()
    before = db_file.read_bytes()
    with pytest.raises(ValidationError, match="tidak dikenal"):
        backup_svc.restore_file(db_file, newer)
    assert db_file.read_bytes() == before
    assert bk.check_file(db_file).ok
    assert not list(db_file.parent.glob("*.restore*"))
    assert not list((db_file.parent / "backups").glob("*-before-restore.db"))


def test_restore_refuses_a_foreign_database(db_file, tmp_path):
    other = tmp_path / "lain.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE alembic_version (version_num TEXT)")
    con.execute("INSERT INTO alembic_version VALUES ('0001')")
    con.commit()
    con.close()
    with pytest.raises(ValidationError, match="bukan basis data SPM Desktop"):
        backup_svc.restore_file(db_file, other)


def test_restore_replaces_by_rename_and_drops_the_stale_wal(db, db_file):
    _person(db, "Sebelum Cadangan")
    copy = bk.make_backup(db_file, "manual").path
    _person(db, "Sesudah Cadangan")  # in the live WAL
    inode = db_file.stat().st_ino
    db.dispose()
    result = backup_svc.restore_file(db_file, copy, reason="uji")
    assert db_file.stat().st_ino != inode  # a new file renamed into place, not rewritten
    assert not db_file.with_name(db_file.name + "-wal").exists()
    assert bk.check_file(db_file).ok
    con = sqlite3.connect(db_file)
    names = {r[0] for r in con.execute("SELECT name FROM person")}
    actions = [r[0] for r in con.execute("SELECT action FROM audit_entry ORDER BY at")]
    con.close()
    assert "Sebelum Cadangan" in names and "Sesudah Cadangan" not in names
    assert actions[-1] == "restore"
    kept = sqlite3.connect(result.kept_aside)
    assert {r[0] for r in kept.execute("SELECT name FROM person")} >= {"Sebelum Cadangan", "Sesudah Cadangan"}
    kept.close()


# ----- names ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Budi\x00Santoso", "Budi \u202eosotnaS", "Siti\u2066 Aminah", "Ani\x1b[31m"])
def test_names_refuse_control_and_bidi_characters(db, name):
    with pytest.raises(ValidationError, match="karakter kendali"):
        _person(db, name)
    pid = _person(db, "Budi Santoso")
    with pytest.raises(ValidationError) as err:
        persons.update_person(db, SYSTEM, pid, persons.PersonDraft(name="Budi", alias=name, sex="L",
                                                                   birth_year=1970, kelurahan_code=KEL))
    assert err.value.field == "alias"
    with pytest.raises(ValidationError):
        users.create_user(db, SYSTEM, "budi", name, "viewer", PASSWORD)


def test_address_may_span_lines(db):
    pid = _person(db, "Budi Santoso", address="Jl. Tanjungpura 12\nRT 03 / RW 04")
    assert persons.get_person(db, SYSTEM, pid).address.endswith("RW 04")


# ----- petugas deletes only what its unit owns -----------------------------------------


def test_petugas_deletes_only_persons_of_its_unit(db):
    petugas = ROLE_ACTORS["petugas"]  # unit UPRS
    own = _person(db, "Milik UPRS")
    other = _person(db, "Milik PLAT")
    nobody = _person(db, "Tanpa Kasus")
    for pid, unit in ((own, "UPRS"), (other, "PLAT")):
        case = cases.open_case(db, SYSTEM, cases.CaseDraft(person_id=pid, unit=unit, spm_group="gepeng",
                                                           intake_date=date(2026, 3, 1), needs=(MAKAN,)))
        cases.close_case(db, SYSTEM, case.id, date(2026, 3, 5), "pulang")
    with pytest.raises(PermissionDenied, match="unit UPRS"):
        persons.delete_person(db, petugas, other)
    with pytest.raises(PermissionDenied):
        persons.delete_person(db, petugas, nobody)
    mixed = _person(db, "Campuran")
    case = cases.open_case(db, SYSTEM, cases.CaseDraft(person_id=mixed, unit="UPRS", spm_group="gepeng",
                                                       intake_date=date(2026, 3, 1), needs=(MAKAN,)))
    events.record_event(db, SYSTEM, events.EventDraft(person_id=mixed, service_code=MAKAN,
                                                      event_date=date(2026, 3, 2), unit="PLAT"))
    cases.close_case(db, SYSTEM, case.id, date(2026, 3, 5), "pulang")
    with pytest.raises(PermissionDenied):
        persons.delete_person(db, petugas, mixed)
    persons.delete_person(db, petugas, own)
    persons.delete_person(db, ROLE_ACTORS["supervisor"], other)
    with db.reading() as s:
        deleted = {p.name for p in s.scalars(select(Person).where(Person.deleted_at.is_not(None)))}
    assert deleted == {"Milik UPRS", "Milik PLAT"}


# ----- failed logins -------------------------------------------------------------------


def test_unknown_username_is_recorded_without_the_typed_text(db):
    make_admin(db)
    typed = "rahasia-tertukar-99"
    with pytest.raises(DomainError, match="salah"):
        users.authenticate(db, typed, "apa saja")
    with db.reading() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed")).one()
        everything = [(e.username, e.entity_id, e.before, e.after) for e in s.scalars(select(AuditEntry))]
    assert entry.after == {"reason": "pengguna tidak dikenal"} and entry.username == ""
    assert typed not in repr(everything)


def test_unknown_username_takes_as_long_as_a_wrong_password(db):
    make_admin(db)

    def timed(username):
        start = time.perf_counter()
        with pytest.raises(DomainError):
            users.authenticate(db, username, "salah-sandi-1")
        return time.perf_counter() - start

    timed("admin")  # warm up
    known = sorted(timed("admin") for _ in range(3))[1]
    unknown = sorted(timed("tidak.ada") for _ in range(3))[1]
    # Both verify one argon2id hash; without the dummy verification the unknown name took ~1 ms.
    assert unknown > known * 0.5, (known, unknown)
