"""Row builders for roll-up tests: ORM rows written directly (no case-work services)."""

from __future__ import annotations

from datetime import date, datetime

from spm_desktop.core.storage.models import (
    Case,
    CaseNeed,
    Disaster,
    DuplicateCandidate,
    Household,
    HouseholdMember,
    MutuQuantity,
    Person,
    ServiceEvent,
)

MEALS = "1.06.04.2.01.0001"
CLOTHES = "1.06.04.2.01.0002"
REUNI = "1.06.04.2.01.0004"
TENT = "1.06.06.2.01.0007"
B_FOOD = "1.06.06.2.01.0001"
B_CLOTHES = "1.06.06.2.01.0002"
B_SPECIAL = "1.06.06.2.01.0004"
B_PSYCHO = "1.06.06.2.01.0005"
B_SHELTER = "1.06.06.2.01.0007"
KEL_SELATAN = "61.71.01.1002"  # kecamatan 61.71.01 Pontianak Selatan
KEC_SELATAN = "61.71.01"
DELETED = datetime(2026, 2, 1)


class Rows:
    """Adds rows in one open session; ids are returned for later references."""

    def __init__(self, session) -> None:
        self.s = session
        self._n = 0

    def _add(self, obj):
        self.s.add(obj)
        self.s.flush()
        return obj.id

    def person(self, name="Orang", sex="L", birth_date=None, birth_year=None, kelurahan=KEL_SELATAN,
               category=None, merged_into=None, deleted=False):
        self._n += 1
        return self._add(Person(name=f"{name} {self._n}", sex=sex, birth_date=birth_date,
                                birth_year=birth_year or (birth_date.year if birth_date else None),
                                kelurahan_code=kelurahan, category_code=category, merged_into=merged_into,
                                deleted_at=DELETED if deleted else None))

    def case(self, person, group, intake, exit=None, needs=(), unit="UPRS", deleted=False, deleted_needs=(),
             exit_reason="", no_need=None):
        """``needs``: codes (assessed on the intake) or (code, assessed_on) pairs; ``no_need``:
        the date of a "tidak ada kebutuhan" assessment."""
        cid = self._add(Case(person_id=person, unit=unit, spm_group=group, intake_date=intake, exit_date=exit,
                             exit_reason=exit_reason or ("pulang" if exit else ""), no_need_assessed_on=no_need,
                             status="closed" if exit else "open", deleted_at=DELETED if deleted else None))
        for need in needs:
            self.need(cid, *((need, intake) if isinstance(need, str) else need))
        for code in deleted_needs:
            self._add(CaseNeed(case_id=cid, service_code=code, assessed_on=intake, deleted_at=DELETED,
                               removed_reason="salah input"))
        return cid

    def need(self, case, code, assessed_on, deleted=False):
        return self._add(CaseNeed(case_id=case, service_code=code, assessed_on=assessed_on,
                                  deleted_at=DELETED if deleted else None,
                                  removed_reason="salah input" if deleted else ""))

    def event(self, person, code, day, qty=1, case=None, kelurahan=KEL_SELATAN, unit="", deleted=False,
              disaster=None, details=None):
        return self._add(ServiceEvent(person_id=person, service_code=code, event_date=day, quantity=qty,
                                      case_id=case, kelurahan_code=kelurahan, unit=unit, disaster_id=disaster,
                                      details=details or {}, deleted_at=DELETED if deleted else None))

    def disaster(self, start, kind="kebakaran_permukiman", deleted=False, end=None, closed=None,
                 scale="kabupaten_kota"):
        return self._add(Disaster(kind=kind, start_date=start, kelurahan_code=KEL_SELATAN, end_date=end,
                                  closed_on=closed, status="closed" if closed else "open", scale=scale,
                                  kecamatan_code=KEC_SELATAN, deleted_at=DELETED if deleted else None))

    def household(self, disaster, members, deleted=False, displaced=False):
        """``members``: list of (person_id, dict(pregnant_breastfeeding=..., disability=...,
        needs_psychosocial=..., waived_codes=..., waiver_reason=...))."""
        hid = self._add(Household(disaster_id=disaster, no_kk="6171010101010001", displaced=displaced,
                                  deleted_at=DELETED if deleted else None))
        for person, flags in members:
            self._add(HouseholdMember(household_id=hid, disaster_id=disaster, person_id=person, **flags))
        return hid

    def mutu(self, year, available):
        """``available``: {item key of resources/mutu_standards.csv: quantity (None: not filled in)}."""
        for key, qty in available.items():
            self._add(MutuQuantity(year=year, item_key=key, available=qty, note=""))

    def duplicate(self, a, b, status="open"):
        return self._add(DuplicateCandidate(person_a_id=a, person_b_id=b, status=status))


def d(y, m, day):
    return date(y, m, day)
