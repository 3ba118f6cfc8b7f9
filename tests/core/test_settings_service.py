"""Settings, targets and service catalogue services."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import NotFoundError, PermissionDenied, ValidationError
from spm_desktop.core.domain.settings import SETTING_FIELDS
from spm_desktop.core.services import settings as svc
from spm_desktop.core.storage.models import AuditEntry

ADMIN = Actor("admin", "admin")
SUPERVISOR = Actor("kabid", "supervisor")


def test_defaults_are_read_from_seed(db):
    st = svc.get_settings(db)
    assert st.office_name == "Dinas Sosial Kota Pontianak"
    assert st.office_city == "Pontianak"
    assert (st.weight_a, st.weight_b) == (0.8, 0.2)
    assert st.fulfilment_rule == "all_needed"
    assert st.tuntas_label(100) == "Tuntas Paripurna"
    assert st.tuntas_label(89.9) == "Tuntas Madya"
    assert st.tuntas_label(10) == "Belum Tuntas"
    assert st.tuntas_label(None) == "belum dinilai"
    assert st.meals_max_per_day == 3


def test_update_setting_validated_and_audited(db):
    st = svc.update_setting(db, ADMIN, "signatory.name", "  Drs. Budi  ")
    assert st.signatory_name == "Drs. Budi"
    with db.reading() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "setting")).one()
        assert entry.after == {"key": "signatory.name", "value": "Drs. Budi"}
        assert entry.username == "admin"
    with pytest.raises(ValidationError) as err:
        svc.update_setting(db, ADMIN, "spm.fulfilment_rule", "semua")
    assert err.value.field == "spm.fulfilment_rule"
    with pytest.raises(ValidationError):
        svc.update_setting(db, ADMIN, "signatory.nip", "19A")
    with pytest.raises(PermissionDenied):
        svc.update_setting(db, SUPERVISOR, "signatory.name", "X")
    assert svc.get_settings(db).fulfilment_rule == "all_needed"


def test_weights_must_sum_to_one(db):
    with pytest.raises(ValidationError):
        svc.update_setting(db, ADMIN, "spm.weight_a", 0.7)
    assert svc.get_settings(db).weight_a == 0.8
    st = svc.update_settings(db, ADMIN, {"spm.weight_a": 0.7, "spm.weight_b": 0.3})
    assert (st.weight_a, st.weight_b) == (0.7, 0.3)


def test_tuntas_table_validated(db):
    with pytest.raises(ValidationError):
        svc.update_setting(db, ADMIN, "spm.tuntas", [{"min": 50, "label": "A"}])
    st = svc.update_setting(db, ADMIN, "spm.tuntas", [{"min": 0, "label": "Belum"}, {"min": 75, "label": "Tuntas"}])
    assert st.tuntas_label(80) == "Tuntas"
    assert st.tuntas_label(74.9) == "Belum"


def test_targets_read_and_update(db):
    targets = {t.key: t for t in svc.list_targets(db, 2026)}
    assert targets["1.06.04.2.01.0001"].value == 200
    assert targets["1.06.04.2.01.0001"].budget == 550_000_000
    assert targets["ikk1"].value == 100
    t = svc.update_target(db, ADMIN, 2026, "1.06.04.2.01.0001", 250, 600_000_000)
    assert (t.value, t.budget) == (250, 600_000_000)
    assert {t.key: t for t in svc.list_targets(db, 2026)}["1.06.04.2.01.0001"].value == 250
    t = svc.update_target(db, ADMIN, 2031, "1.06.04.2.01.0001", 10)
    assert t.budget is None and 2031 in svc.target_years(db)
    with pytest.raises(ValidationError):
        svc.update_target(db, ADMIN, 2026, "1.06.04.2.01.0001", -1)
    with pytest.raises(ValidationError):
        svc.update_target(db, ADMIN, 2026, "9.99", 1)
    with pytest.raises(PermissionDenied):
        svc.update_target(db, SUPERVISOR, 2026, "ikk1", 90)


def test_service_catalogue_edit(db):
    code = "1.06.04.2.01.0001"
    info = svc.update_service_type(db, ADMIN, code, name="Permakanan", active=False, standard_per_day=2)
    assert (info.name, info.active, info.standard_per_day, info.max_days_outside) == ("Permakanan", False, 2, 7)
    assert code not in {t.code for t in svc.list_service_types(db, active_only=True)}
    assert len(svc.list_service_types(db)) == 22
    with pytest.raises(ValidationError):
        svc.update_service_type(db, ADMIN, code, name=" ")
    with pytest.raises(NotFoundError):
        svc.update_service_type(db, ADMIN, "0.0", active=True)
    with pytest.raises(PermissionDenied):
        svc.update_service_type(db, SUPERVISOR, code, active=True)


def test_logo_copied_into_the_data_folder(db, tmp_path):
    src = tmp_path / "kop.jpg"
    src.write_bytes(b"\xff\xd8\xff\xe0jpeg")
    data = tmp_path / "data"
    data.mkdir()
    st = svc.set_logo(db, ADMIN, src, data)
    assert st.office_logo_path == str(data / "logo.jpg") and (data / "logo.jpg").read_bytes() == src.read_bytes()
    with pytest.raises(ValidationError):
        svc.set_logo(db, ADMIN, tmp_path / "kop.gif", data)
    with pytest.raises(ValidationError):
        svc.set_logo(db, ADMIN, tmp_path / "missing.png", data)
    with pytest.raises(PermissionDenied):
        svc.set_logo(db, SUPERVISOR, src, data)
    assert svc.set_logo(db, ADMIN, None, data).office_logo_path == ""


def test_every_setting_key_has_its_rule():
    """One rule per key (services/settings._RULES): each key's default passes its own rule
    (kept as it is, a list of exit reasons in the catalogue's order), and each kind of value is
    refused with the key as the field."""
    defaults = svc.AppSettings()
    for key, attr in SETTING_FIELDS.items():
        value = getattr(defaults, attr)
        if key == "spm.tuntas":
            value = [{"min": int(t.min), "label": t.label} for t in value]
        elif isinstance(value, tuple):
            value = list(value)
        stored = svc._validate(key, value)
        assert (sorted(stored) == sorted(value)) if key == "spm.exit_cancels_needs" else stored == value, key
    refused = [
        ("office.name", 5), ("office.name", "  "), ("signatory.nip", "19A"), ("spm.weight_a", "berat"),
        ("spm.weight_b", 1.5), ("spm.fulfilment_rule", "semua"), ("meals.max_per_day", 0),
        ("meals.max_days_outside", True), ("disaster.usia_rentan_anak", 19), ("layanan.batas_respons_hari", 61),
        ("rujukan.batas_umpan_balik_hari", 0), ("surat.nomor_keterangan", "SK/{tahun}"),
        ("surat.nomor_rujukan", "{n}/{x}"), ("layanan.hari_libur_tambahan", ["31-12-2026"]),
        ("spm.exit_cancels_needs", ["pindah planet"]), ("spm.tuntas", [{"min": 50, "label": "A"}]),
    ]
    for key, value in refused:
        with pytest.raises(ValidationError) as err:
            svc.validate_setting(key, value)
        assert err.value.field == key, (key, value)
    with pytest.raises(ValidationError) as err:
        svc.validate_setting("office.warna", "biru")
    assert err.value.field == "key"
    assert svc._validate("signatory.nip", " 1980 01 ") == "1980 01"
    assert svc._validate("layanan.hari_libur_tambahan", ["2026-12-31", "2026-12-24", "2026-12-31"]) == [
        "2026-12-24", "2026-12-31"]
