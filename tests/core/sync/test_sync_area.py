"""Only the adopted area's master data travels (issue 20): a package never adds another
kabupaten/kota's places to a database."""

from __future__ import annotations

from sqlalchemy import select, update
from sync_helpers import ADMIN

from spm_desktop.core.services.area import AreaChoice, adopt_area
from spm_desktop.core.storage.base import seed_id
from spm_desktop.core.storage.models import Region
from spm_desktop.core.sync.exporter import export_package
from spm_desktop.core.sync.identity import device_info
from spm_desktop.core.sync.importer import import_package


def _exchange(src, dst, path):
    export_package(src, ADMIN, path, peer_name=device_info(dst).name)
    return import_package(dst, ADMIN, path)


def _codes(db) -> dict[str, str]:
    with db.reading() as s:
        return dict(s.execute(select(Region.code, Region.name)).all())


def test_regions_of_another_area_never_travel(office, tksk, third, tmp_path):
    with office.transaction(ADMIN) as s:  # an edited Pontianak place travels between Pontianak databases
        s.execute(update(Region).where(Region.code == "61.71.01.1002").values(name="Benua Melayu Laut (BML)"))
        s.add(Region(id=seed_id("region", "61.12.01"), code="61.12.01", name="Sungai Raya", level="kecamatan"))
    adopt_area(tksk, ADMIN, AreaChoice("61.12"))
    _exchange(office, tksk, tmp_path / "a.spmsync")
    kubu = _codes(tksk)
    assert kubu and all(code.startswith("61.12.") for code in kubu)
    assert kubu["61.12.01"] == "Sungai Raya"
    _exchange(office, third, tmp_path / "b.spmsync")
    pontianak = _codes(third)
    assert pontianak["61.71.01.1002"] == "Benua Melayu Laut (BML)"
    assert "61.12.01" not in pontianak  # the office's stray Kubu Raya row did not travel
