"""The name keys of the duplicate candidate search (table ``person_name_key``): kept on every
write of a name or alias, rebuilt at open when missing or made with older rules, and the form's
search finds through them what it found before (the candidate tests in test_duplicates.py)."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.services import duplicates as D
from spm_desktop.core.services import persons as P
from spm_desktop.core.storage.models import LocalDevice, PersonNameKey
from spm_desktop.core.storage.name_keys import NAME_KEYS_VERSION, name_keys
from spm_desktop.core.storage.open import open_database

KEL = "61.71.01.1002"


def _keys(db, person_id: str) -> set[str]:
    with db.reading() as s:
        return set(s.scalars(select(PersonNameKey.key).where(PersonNameKey.person_id == person_id)))


def _register(db, name, alias=""):
    return P.register_person(db, SYSTEM, P.PersonDraft(name=name, alias=alias, sex="P", birth_year=1980,
                                                       kelurahan_code=KEL), confirm_duplicates_ok=True)


def test_keys_follow_every_name_write(db):
    siti = _register(db, "Hj. Siti Nurhaliza binti Umar", alias="Ida")
    # Titles and the father's name are set aside; a dropped given name leaves its own key.
    assert _keys(db, siti.id) == {"sit", "nur", "ida"} == name_keys("Hj. Siti Nurhaliza binti Umar", "Ida")
    P.update_person(db, SYSTEM, siti.id, P.PersonDraft(name="Dewi Lestari", alias="", sex="P", birth_year=1980,
                                                       kelurahan_code=KEL))
    assert _keys(db, siti.id) == {"dew", "les"}
    found = D.find_duplicate_candidates(db, SYSTEM, P.PersonDraft(name="Dewi Lestari", sex="P", birth_year=1981,
                                                                  kelurahan_code=KEL))
    assert [c.person_id for c in found] == [siti.id]
    assert D.find_duplicate_candidates(db, SYSTEM, P.PersonDraft(name="Siti Nurhaliza", sex="P", birth_year=1980,
                                                                 kelurahan_code=KEL)) == []


def test_keys_are_rebuilt_at_open_when_missing_or_older(db):
    ids = [_register(db, n).id for n in ("Sri Wahyuni", "Lim Mei Ling", "Nur Hayati")]
    url = db.engine.url.render_as_string(hide_password=False)
    with db.transaction() as s:  # a database of the build before the table, or keyed with other rules
        s.execute(delete(PersonNameKey))
        s.execute(update(LocalDevice).values(name_keys=0))
    db.dispose()
    again = open_database(url)
    try:
        assert [_keys(again, i) for i in ids] == [{"sri", "wah"}, {"lim", "mei", "lin"}, {"nur", "haj"}]
        with again.reading() as s:
            assert s.scalar(select(LocalDevice.name_keys)) == NAME_KEYS_VERSION
        found = D.find_duplicate_candidates(again, SYSTEM, P.PersonDraft(name="Mei Ling Lim", sex="P",
                                                                         birth_year=1980, kelurahan_code=KEL))
        assert [c.person_id for c in found] == [ids[1]]
    finally:
        again.dispose()
