"""The office's area (issue 20): any kabupaten/kota adopts the application; only its regions are
seeded, an upgrade never adds another area's rows, the area can change while no person exists,
databases made before are marked as Kota Pontianak."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from spm_desktop.core.domain.actor import SYSTEM
from spm_desktop.core.domain.errors import ConflictError, ValidationError
from spm_desktop.core.services import persons as P
from spm_desktop.core.services.area import AreaChoice, adopt_area, current_area, needs_area, search_areas
from spm_desktop.core.services.settings import get_settings
from spm_desktop.core.storage.migrate import alembic_config, downgrade, head_revision, upgrade_to_head
from spm_desktop.core.storage.models import Region, Setting, Target
from spm_desktop.core.storage.open import open_database

WILAYAH_MIGRATION = "0008_wilayah_kerja"  # the area, person.import_ref, the name keys


def _before_wilayah() -> str:
    """The revision an installation of the program before issue 20 is at."""
    return ScriptDirectory.from_config(alembic_config()).get_revision(WILAYAH_MIGRATION).down_revision


def _regions(db) -> dict[str, int]:
    with db.reading() as s:
        return dict(s.execute(select(Region.level, func.count()).group_by(Region.level)).all())


def _codes(db) -> set[str]:
    with db.reading() as s:
        return set(s.scalars(select(Region.code)))


@pytest.fixture
def fresh(empty_database_url):
    db = open_database(empty_database_url)
    yield db
    db.dispose()


def test_new_database_has_no_area_and_no_regions(fresh):
    assert needs_area(fresh) and current_area(fresh) is None
    assert _regions(fresh) == {}
    with fresh.reading() as s:
        assert s.scalar(select(func.count()).select_from(Target)) == 0
    assert get_settings(fresh).office_name == "Dinas Sosial"  # neutral until an area is chosen


def test_adopt_kubu_raya_then_upgrade_adds_nothing_of_pontianak(fresh, empty_database_url):
    area = adopt_area(fresh, SYSTEM, AreaChoice("6112", office_name="Dinas Sosial Kabupaten Kubu Raya",
                                                office_address="Jl. Arteri Supadio, Sungai Raya",
                                                signatory_name="Drs. H. Marijan", signatory_nip="196801011990031001"))
    assert (area.code, area.name, area.province_name) == ("61.12", "Kabupaten Kubu Raya", "Kalimantan Barat")
    assert _regions(fresh) == {"kecamatan": 9, "desa": 123}
    assert all(code.startswith("61.12.") for code in _codes(fresh))
    with fresh.reading() as s:
        assert s.scalar(select(func.count()).select_from(Target)) == 0  # imports its own Renstra
        rasau = s.scalar(select(Region).where(Region.name == "Rasau Jaya Umum"))
        assert rasau is not None and rasau.level == "desa" and rasau.parent_code == "61.12.07"
    settings = get_settings(fresh)
    assert settings.office_name == "Dinas Sosial Kabupaten Kubu Raya"
    assert settings.office_government == "Pemerintah Kabupaten Kubu Raya"
    assert settings.office_city == "Kubu Raya" and settings.signatory_title == "Kepala Dinas Sosial Kabupaten Kubu Raya"
    assert (settings.signatory_name, settings.signatory_nip) == ("Drs. H. Marijan", "196801011990031001")
    fresh.dispose()
    # A newer build installed over it: migrations run again from an older revision, master data
    # is seeded again — and nothing of Pontianak appears.
    downgrade(empty_database_url, _before_wilayah())
    assert upgrade_to_head(empty_database_url) == head_revision()
    again = open_database(empty_database_url)
    try:
        assert current_area(again).code == "61.12"
        codes = _codes(again)
        assert len(codes) == 132 and not any(c.startswith("61.71") for c in codes)
    finally:
        again.dispose()


def test_area_changes_only_while_no_person_exists(fresh):
    adopt_area(fresh, SYSTEM, AreaChoice("61.71"))
    with fresh.reading() as s:
        assert s.scalar(select(func.count()).select_from(Target)) > 0  # Pontianak's Renstra
    assert get_settings(fresh).office_name == "Dinas Sosial Kota Pontianak"
    adopt_area(fresh, SYSTEM, AreaChoice("61.04", office_name="Dinas Sosial P3A Ketapang"))
    assert current_area(fresh).code == "61.04"
    codes = _codes(fresh)
    assert codes and all(c.startswith("61.04.") for c in codes)
    with fresh.reading() as s:
        assert s.scalar(select(func.count()).select_from(Target)) == 0
        assert s.scalar(select(func.count()).select_from(Region).where(Region.name == "Mekar Jaya")) == 3
    P.register_person(fresh, SYSTEM, P.PersonDraft(name="Budi", sex="L"))
    with pytest.raises(ConflictError, match="hanya bisa diganti selama basis data belum berisi penerima layanan"):
        adopt_area(fresh, SYSTEM, AreaChoice("61.12"))
    adopt_area(fresh, SYSTEM, AreaChoice("61.04", office_name="Dinas Sosial Ketapang"))  # same area: texts only
    assert get_settings(fresh).office_name == "Dinas Sosial Ketapang"


def test_unknown_code_is_refused_saying_how_to_find_it(fresh):
    with pytest.raises(ValidationError) as exc:
        adopt_area(fresh, SYSTEM, AreaChoice("61.99"))
    assert "61.99" in exc.value.message and "spm-desktop wilayah --cari" in exc.value.message
    assert [a.code for a in search_areas("kubu raya")] == ["61.12"]
    assert "61.71" in [a.code for a in search_areas("pontianak")]


def test_existing_database_is_marked_as_pontianak(db):
    url = db.engine.url.render_as_string(hide_password=False)
    with db.transaction() as s:
        s.execute(text("DELETE FROM setting WHERE key = 'wilayah.kode'"))
    db.dispose()
    downgrade(url, _before_wilayah())
    upgrade_to_head(url)
    again = open_database(url)
    try:
        assert current_area(again).code == "61.71"
        with again.reading() as s:
            assert s.scalar(select(Setting.shared).where(Setting.key == "wilayah.kode")) is False
        assert len(_codes(again)) == 35
    finally:
        again.dispose()


def test_old_dinsos_pontianak_folder_is_moved_and_the_user_told(tmp_path, monkeypatch):
    from spm_desktop.core import paths

    legacy = tmp_path / "Local" / "DinsosPontianak" / "spm-desktop"
    legacy.mkdir(parents=True)
    (legacy / "spm.db").write_bytes(b"data")
    new = tmp_path / "Local" / "spm-desktop"
    monkeypatch.delenv("SPM_DATA_DIR", raising=False)
    monkeypatch.setattr(paths, "default_data_dir", lambda: new)
    monkeypatch.setattr(paths, "legacy_data_dir", lambda: legacy)
    monkeypatch.setattr(paths, "moved_notice", None)
    assert paths.data_dir() == new
    assert (new / "spm.db").read_bytes() == b"data" and not legacy.exists()
    assert not (tmp_path / "Local" / "DinsosPontianak").exists()
    assert paths.moved_notice == (f"Folder data dipindahkan dari {legacy} ke {new}; data Anda sekarang "
                                  f"tersimpan di {new}.")
    monkeypatch.setattr(paths, "moved_notice", None)
    assert paths.data_dir() == new and paths.moved_notice is None  # once only


def test_default_data_folder_has_no_city():
    from spm_desktop.core import paths

    assert "Pontianak" not in str(paths.default_data_dir()) and paths.default_data_dir().name == "spm-desktop"
