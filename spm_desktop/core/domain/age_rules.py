"""Age rules of the case groups (architecture §4 v2): an ``anak`` case needs a person under 18
on the intake date, a ``lansia`` case a person 60 or over. A known birth date makes the rule
binding (refused); an estimated birth year (1 July of that year) only warns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from spm_desktop.core.domain.dates import short_date
from spm_desktop.core.domain.groups import AGE_CHILD_BELOW, AGE_ELDERLY_FROM


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class AgeProblem:
    message: str
    binding: bool  # True: refuse (birth date known); False: warn (estimated year)


def group_age_problem(group: str, birth_date: date | None, birth_year: int | None, estimated: bool,
                      on: date) -> AgeProblem | None:
    """What is wrong with a person of this birth for a case of ``group`` opened on ``on``."""
    if group not in ("anak", "lansia"):
        return None
    if birth_date is not None and not estimated:
        age, binding = age_on(birth_date, on), True
    elif birth_year is not None:
        age, binding = age_on(date(birth_year, 7, 1), on), False
    elif birth_date is not None:
        age, binding = age_on(birth_date, on), False
    else:
        return None
    when = short_date(on)
    approx = "" if binding else "perkiraan "
    if group == "anak" and age >= AGE_CHILD_BELOW:
        return AgeProblem(f"Kasus anak terlantar hanya untuk orang berusia di bawah {AGE_CHILD_BELOW} tahun pada "
                          f"tanggal masuk; {approx}usia orang ini pada {when}: {age} tahun.", binding)
    if group == "lansia" and age < AGE_ELDERLY_FROM:
        return AgeProblem(f"Kasus lanjut usia terlantar hanya untuk orang berusia {AGE_ELDERLY_FROM} tahun atau "
                          f"lebih pada tanggal masuk; {approx}usia orang ini pada {when}: {age} tahun.", binding)
    return None
