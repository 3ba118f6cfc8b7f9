"""Issue 22 item 5: one reader of the service catalogue. Service types are read as such only
through core/storage/catalogue.py (and the catalogue file only by the seed); a query elsewhere
may join the table for names in a larger result, never select its rows on its own."""

from __future__ import annotations

import re
from pathlib import Path

import spm_desktop
from spm_desktop.core.domain.groups import ACTIVITY_RULES
from spm_desktop.core.storage import catalogue

PACKAGE = Path(spm_desktop.__file__).parent
READER = PACKAGE / "core" / "storage" / "catalogue.py"
ROWS_ALONE = re.compile(r"select\(\s*ServiceType\b[^\n]*|select_from\(\s*ServiceType\s*\)|query\(\s*ServiceType\b")


def _statement(text: str, start: int) -> str:
    """The source from ``start`` to the end of its bracketed statement."""
    depth, i = 0, start
    while i < len(text):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0 and text[i] == ")" and text[i + 1:i + 2] not in (".", ")"):
            return text[start:i + 1]
        i += 1
    return text[start:]


def test_service_types_are_read_only_through_the_catalogue_module():
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path == READER:
            continue
        text = path.read_text(encoding="utf-8")
        for match in ROWS_ALONE.finditer(text):
            if ".join(" not in _statement(text, match.start()):
                found.append(f"{path.relative_to(PACKAGE)}: {match.group(0)[:70]}")
        if 'resource_path("service_types.json")' in text and path.name != "seed.py":
            found.append(f"{path.relative_to(PACKAGE)}: reads resources/service_types.json")
    assert not found, "read the service catalogue through core/storage/catalogue.py:\n" + "\n".join(found)


def test_catalogue_reader_in_catalogue_order(db):
    with db.transaction() as s:
        every = catalogue.service_types(s)
        assert every and [(t.sort_order, t.code) for t in every] == sorted((t.sort_order, t.code) for t in every)
        first = every[0]
        first.active = False
        s.flush()
        active = catalogue.service_types(s, active_only=True)
        assert first not in active and len(active) == len(every) - 1
        activities = catalogue.service_types(s, rules=ACTIVITY_RULES)
        assert activities and all(t.counting_rule in ACTIVITY_RULES for t in activities)
        per_person = catalogue.service_types(s, except_rules=ACTIVITY_RULES)
        assert len(activities) + len(per_person) == len(every)
        assert catalogue.service_type(s, first.code) is first and catalogue.by_code(s)[first.code] is first
        assert catalogue.service_names(s)[first.code] == first.name
        from spm_desktop.core.storage.base import utcnow

        first.deleted_at = utcnow()
        s.flush()
        assert catalogue.service_type(s, first.code) is None
        assert catalogue.service_type(s, first.code, live=False) is first
        assert first.code not in catalogue.by_code(s) and first.code in catalogue.by_code(s, live=False)
        s.rollback()
