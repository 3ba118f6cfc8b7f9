"""Daily meals for the residents a shelter clerk ticked (the Makan Harian page).

:func:`events.record_shelter_meals` feeds everyone staying; this variant records the day's
meals only for the chosen residents, with the same rules: one event per resident on their
in-shelter case, residents whose meals of that day are already recorded are skipped (so
doing it twice adds nothing), persons not staying that day are refused. One transaction,
one audit entry for the action plus one per event.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.security import audit
from spm_desktop.core.security.permissions import require
from spm_desktop.core.security.scope import check_case_scope
from spm_desktop.core.services.events import (
    DAYS_KEY,
    MEALS_PER_DAY_KEY,
    EventDraft,
    MealsResult,
    _check_unit,
    _residents,
    meals_service_type,
    record_event_in,
)
from spm_desktop.core.services.settings import load_settings
from spm_desktop.core.storage.database import Database


def record_meals_for(db: Database, actor: Actor, unit: str, on: date, person_ids: Collection[str],
                     meals_per_day: int | None = None, notes: str = "") -> MealsResult:
    """Record the meals of ``on`` for the residents ``person_ids`` of the shelter of ``unit``."""
    require(actor, "event.write")
    unit = _check_unit(unit)
    check_case_scope(actor, unit, None)
    wanted = set(person_ids)
    if not wanted:
        raise ValidationError("Centang dulu penghuni yang makannya akan dicatat.", "person_ids")
    with db.transaction(actor) as s:
        st = meals_service_type(s)
        per_day = meals_per_day if meals_per_day is not None else load_settings(s).meals_max_per_day
        residents = [r for r in _residents(s, unit, on, st.code) if r[0].person_id in wanted]
        missing = wanted - {c.person_id for c, _name, _fed in residents}
        if missing:
            raise ValidationError(f"{len(missing)} orang yang dicentang tidak tinggal di rumah singgah {unit} "
                                  f"pada {on.strftime('%d/%m/%Y')}; muat ulang daftar penghuni.", "person_ids")
        created: list[str] = []
        already = 0
        for c, _name, fed in residents:
            if fed:
                already += 1
                continue
            e = record_event_in(s, actor, EventDraft(
                person_id=c.person_id, service_code=st.code, event_date=on, case_id=c.id, unit=unit,
                details={MEALS_PER_DAY_KEY: per_day, DAYS_KEY: 1}, notes=notes))
            created.append(e.id)
        if created:
            audit.record(s, "record_meals", "shelter", unit,
                         after={"date": on.isoformat(), "created": len(created), "already": already})
        return MealsResult(on=on, unit=unit, residents=len(residents), created=len(created), already=already,
                           event_ids=tuple(created))
