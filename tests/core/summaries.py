"""The roll-up's derived summaries (``service_first``, ``cases.need_mask``,
``service_type.need_bit``; migration 0002) recomputed in plain Python from the rows they
summarise, for "the triggers kept them right" checks after any kind of write."""

from __future__ import annotations

from sqlalchemy import select

from spm_desktop.core.storage.models import Case, CaseNeed, ServiceEvent, ServiceFirst, ServiceType


def stored_firsts(s) -> dict[tuple, tuple]:
    rows = s.execute(select(ServiceFirst.year, ServiceFirst.person_id, ServiceFirst.service_code,
                            ServiceFirst.first_date, ServiceFirst.first_key))
    return {(y, p, c): (d, k) for y, p, c, d, k in rows}


def expected_firsts(s) -> dict[tuple, tuple]:
    """(year, person, code) → (first date, smallest ``date|kelurahan``) over the live events."""
    out: dict[tuple, tuple] = {}
    rows = s.execute(select(ServiceEvent.person_id, ServiceEvent.service_code, ServiceEvent.event_date,
                            ServiceEvent.kelurahan_code).where(ServiceEvent.deleted_at.is_(None)))
    for person, code, day, kel in rows:
        key = (day.year, person, code)
        pair = (day, f"{day.isoformat()}|{kel or ''}")
        old = out.get(key)
        out[key] = pair if old is None else (min(old[0], pair[0]), min(old[1], pair[1]))
    return out


def stored_masks(s) -> dict[str, int | None]:
    return dict(s.execute(select(Case.id, Case.need_mask)).all())


def expected_masks(s) -> dict[str, int | None]:
    bits = dict(s.execute(select(ServiceType.code, ServiceType.need_bit)).all())
    needs: dict[str, set[str]] = {cid: set() for cid in s.scalars(select(Case.id))}
    for cid, code in s.execute(select(CaseNeed.case_id, CaseNeed.service_code).where(CaseNeed.deleted_at.is_(None))):
        needs[cid].add(code)
    out: dict[str, int | None] = {}
    for cid, codes in needs.items():
        out[cid] = None if any(bits.get(c) is None for c in codes) else sum(1 << bits[c] for c in codes)
    return out


def assert_summaries_consistent(db) -> None:
    with db.reading() as s:
        bits = [b for b in s.scalars(select(ServiceType.need_bit)) if b is not None]
        assert len(bits) == len(set(bits)) and all(0 <= b <= 62 for b in bits)
        assert stored_firsts(s) == expected_firsts(s)
        assert stored_masks(s) == expected_masks(s)
