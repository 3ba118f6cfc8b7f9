"""One ``load_live()`` (issue 22 item 5): every service reads a record by id the same way; a
soft-deleted row is missing."""

from __future__ import annotations

from datetime import datetime

import pytest

from spm_desktop.core.domain.errors import NotFoundError
from spm_desktop.core.storage.models import Person
from spm_desktop.core.storage.records import live, load_live


def test_live_and_load_live(db):
    with db.transaction() as s:
        here = Person(name="Ada", sex="P")
        gone = Person(name="Hapus", sex="L", deleted_at=datetime(2026, 1, 2))
        s.add_all([here, gone])
        s.flush()
        assert live(s, Person, here.id) is here
        assert load_live(s, Person, here.id, "Data penerima layanan", "person_id") is here
        for missing in (gone.id, "tidak-ada", "", None):
            assert live(s, Person, missing) is None
            with pytest.raises(NotFoundError) as e:
                load_live(s, Person, missing, "Data penerima layanan", "person_id")
            assert (e.value.message, e.value.field) == (
                "Data penerima layanan tidak ditemukan (mungkin sudah dihapus).", "person_id")


def test_every_service_loader_is_load_live():
    """No service repeats the get / deleted_at / NotFoundError lines by hand."""
    import inspect

    from spm_desktop.core.services import (
        activities,
        cases,
        complaints,
        disasters,
        dtsen,
        events,
        household_changes,
        persons,
        referrals,
        volunteers,
    )
    loaders = [activities.load_activity, cases.load_case, complaints.load_complaint, disasters.load_disaster,
               dtsen.load_proposal, events.load_event, household_changes.load_household, persons.load_person,
               referrals.load_referral, volunteers.load_volunteer]
    for loader in loaders:
        source = inspect.getsource(loader)
        assert "load_live(" in source and "deleted_at" not in source, loader.__name__
