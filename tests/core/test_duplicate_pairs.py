"""Precision and recall of duplicate detection on the labelled pairs (issue 20): the
registration form's warning and the file import's review list, one candidate search."""

from __future__ import annotations

import csv
from pathlib import Path

from duplicate_pairs import DIFFERENT, SAME, Rec
from sqlalchemy import select

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.imports import external_id, run_import
from spm_desktop.core.services import duplicates as D
from spm_desktop.core.services import persons as P
from spm_desktop.core.storage.models import DuplicateCandidate

RECALL_AIM, PRECISION_AIM = 0.95, 0.80


def _draft(r: Rec) -> P.PersonDraft:
    return P.PersonDraft(name=r.name, sex=r.sex, nik=r.nik, no_kk=r.no_kk, birth_date=r.birth_date,
                         birth_year=r.birth_year, kelurahan_code=r.kelurahan)


def _rates(found: list[bool]) -> tuple[float, float, int, int]:
    same = len(SAME)
    tp = sum(found[:same])
    fp = sum(found[same:])
    return tp / same, (tp / (tp + fp) if tp + fp else 1.0), tp, fp


def _register_first_records(db) -> list[str]:
    return [P.register_person(db, SYSTEM, _draft(a), confirm_duplicates_ok=True, ).id for a, _ in SAME + DIFFERENT]


def test_registration_form_precision_and_recall(db):
    ids = _register_first_records(db)
    found = []
    for person_id, (_a, b) in zip(ids, SAME + DIFFERENT, strict=True):
        candidates = D.find_duplicate_candidates(db, SYSTEM, _draft(b))
        found.append(person_id in {c.person_id for c in candidates})
    recall, precision, tp, fp = _rates(found)
    print(f"\nform: {len(SAME)} same / {len(DIFFERENT)} different pairs: tp={tp} fp={fp} "
          f"recall={recall:.3f} precision={precision:.3f}")
    assert recall >= RECALL_AIM and precision >= PRECISION_AIM, (recall, precision)


def test_file_import_precision_and_recall(db, tmp_path):
    ids = _register_first_records(db)
    path = Path(tmp_path) / "kedua.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "nama", "jenis_kelamin", "nik", "no_kk", "tanggal_lahir", "perkiraan_tahun_lahir",
                      "kelurahan"])
        for i, (_a, b) in enumerate(SAME + DIFFERENT):
            out.writerow([f"B{i}", b.name, b.sex, b.nik or "", b.no_kk or "",
                          b.birth_date.isoformat() if b.birth_date else "", b.birth_year or "", b.kelurahan or ""])
    result = run_import(db, SYSTEM, "persons", path)
    assert result.created == len(SAME) + len(DIFFERENT)
    with db.reading() as s:
        pairs = {frozenset(p) for p in s.execute(select(DuplicateCandidate.person_a_id,
                                                         DuplicateCandidate.person_b_id))}
    found = [frozenset((person_id, external_id("persons", f"B{i}"))) in pairs for i, person_id in enumerate(ids)]
    recall, precision, tp, fp = _rates(found)
    print(f"\nimport: {len(SAME)} same / {len(DIFFERENT)} different pairs: tp={tp} fp={fp} "
          f"recall={recall:.3f} precision={precision:.3f}")
    assert recall >= RECALL_AIM and precision >= PRECISION_AIM, (recall, precision)
