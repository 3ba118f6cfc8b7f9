"""Persons written by a sync import get the name keys of the duplicate search (issue 20): the
form on the receiving side finds them as candidates."""

from __future__ import annotations

from sqlalchemy import select
from sync_helpers import ADMIN

from spm_desktop.core.services import duplicates as D
from spm_desktop.core.services import persons as P
from spm_desktop.core.storage.models import PersonNameKey
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import device_info
from spm_desktop.core.sync.importer import import_package

KEL = "61.71.03.1001"  # in the TKSK laptop's kecamatan


def _exchange(src, dst, path):
    export_package(src, ADMIN, path, peer_name=device_info(dst).name)
    return import_package(dst, ADMIN, path)


def _keys(db, person_id):
    with db.reading() as s:
        return set(s.scalars(select(PersonNameKey.key).where(PersonNameKey.person_id == person_id)))


def test_persons_from_a_package_are_found_by_the_form(office, tksk, tmp_path):
    draft = P.PersonDraft(name="Andi Baso Amir", sex="L", birth_year=1975, kelurahan_code=KEL)
    person = P.register_person(tksk, ADMIN, draft)
    _exchange(tksk, office, tmp_path / "a.spmsync")
    assert _keys(office, person.id) == {"and", "bas", "ami"}
    found = D.find_duplicate_candidates(office, ADMIN, P.PersonDraft(name="Baso Amir", sex="L", birth_year=1976,
                                                                     kelurahan_code=KEL))
    assert [c.person_id for c in found] == [person.id]
    # A renaming that travels replaces the keys.
    P.update_person(tksk, ADMIN, person.id, P.PersonDraft(name="Baso Amiruddin", alias="Ucok", sex="L",
                                                          birth_year=1975, kelurahan_code=KEL))
    _exchange(tksk, office, tmp_path / "b.spmsync")
    assert _keys(office, person.id) == {"bas", "ami", "uco"}
