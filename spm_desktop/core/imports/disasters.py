"""``import disasters``: id, **jenis**, **tanggal_mulai**, tanggal_selesai (end of the emergency
period), tanggal_ditutup (handling closed), skala (kabupaten/kota — default —, provinsi,
nasional), **kelurahan** (code or name), lokasi, rumah_rusak_ringan, rumah_rusak_sedang,
rumah_rusak_berat (architecture §9).

``jenis`` is a key (``kebakaran_permukiman``) or its label ("Kebakaran permukiman"). A row with
``tanggal_selesai`` is in the pasca bencana phase; one with ``tanggal_ditutup`` is closed (its
emergency period then ends that day at the latest). Re-importing a row with
the same ``id`` updates that disaster (its name, description and phase entered in the
application are kept); without ``id`` a disaster is identified by kind, start, kelurahan and
location, so re-importing the same file adds nothing.
"""

from __future__ import annotations

from dataclasses import replace

from spm_desktop.core.domain.groups import DISASTER_KINDS, DISASTER_SCALES, LOCAL_SCALE
from spm_desktop.core.imports.framework import Column, ImportContext, ImportKind, Row, register_kind
from spm_desktop.core.services.disasters import DisasterInput, register_disaster_in, update_disaster_in
from spm_desktop.core.storage.models import Disaster

COLUMNS = (
    Column("id"), Column("jenis", required=True), Column("tanggal_mulai", required=True),
    Column("tanggal_selesai"), Column("tanggal_ditutup"), Column("skala"), Column("kelurahan", required=True),
    Column("lokasi"),
    Column("rumah_rusak_ringan"), Column("rumah_rusak_sedang"), Column("rumah_rusak_berat"),
)
FIELD_COLUMNS = {
    "kind": "jenis", "start_date": "tanggal_mulai", "end_date": "tanggal_selesai", "closed_on": "tanggal_ditutup",
    "scale": "skala", "kelurahan_code": "kelurahan",
    "kecamatan_code": "kelurahan", "location": "lokasi", "houses_light": "rumah_rusak_ringan",
    "houses_medium": "rumah_rusak_sedang", "houses_heavy": "rumah_rusak_berat", "disaster_id": "id", "phase": "id",
}
_KIND_BY_LABEL = {" ".join(label.lower().split()): key for key, label in DISASTER_KINDS.items()}


def _kind(row: Row) -> str:
    text = row.text("jenis", required=True)
    key = "_".join(text.lower().replace("_", " ").split())
    kind = key if key in DISASTER_KINDS else _KIND_BY_LABEL.get(" ".join(text.lower().split()))
    if text and kind is None:
        row.error("jenis", f"jenis bencana '{text}' tidak dikenal; pilih: {', '.join(DISASTER_KINDS)}.")
    return kind or ""


def _scale(row: Row) -> str:
    text = row.text("skala")
    if not text:
        return LOCAL_SCALE
    key = "_".join(text.lower().replace("/", " ").replace("_", " ").split())
    if key in ("kabupaten", "kota", "kabupaten_kota", "kab_kota"):
        key = LOCAL_SCALE
    if key not in DISASTER_SCALES:
        row.error("skala", f"skala '{text}' tidak dikenal; pilih: kabupaten/kota, provinsi, nasional.")
        return LOCAL_SCALE
    return key


def _houses(row: Row, column: str) -> int:
    value = row.int(column, default=0)
    if value is not None and value < 0:
        row.error(column, "jumlah rumah tidak boleh negatif.")
    return value or 0


def apply(ctx: ImportContext, row: Row) -> str:
    kind = _kind(row)
    start = row.date("tanggal_mulai", required=True)
    end = row.date("tanggal_selesai")
    closed = row.date("tanggal_ditutup")
    scale = _scale(row)
    kelurahan = ctx.place(row, "kelurahan", "kelurahan", required=True)
    houses = [_houses(row, c) for c in ("rumah_rusak_ringan", "rumah_rusak_sedang", "rumah_rusak_berat")]
    row.check()
    data = DisasterInput(kind=kind, start_date=start, kelurahan_code=kelurahan or "", end_date=end,
                         closed_on=closed, scale=scale,
                         phase="pasca_bencana" if end or closed else "tanggap_darurat", location=row.text("lokasi"),
                         houses_light=houses[0], houses_medium=houses[1], houses_heavy=houses[2])
    disaster_id = ctx.record_id(row, kind, start, kelurahan, " ".join(data.location.lower().split()))
    existing = ctx.existing(row, Disaster, disaster_id, "kejadian bencana ini")
    if existing is not None:  # the name, description and phase entered in the application are kept
        data = replace(data, name=existing.name, description=existing.description,
                       phase="pasca_bencana" if end or closed else existing.phase)
    return ctx.create_or_update(existing, data, register_disaster_in, update_disaster_in, disaster_id=disaster_id)


KIND = register_kind(ImportKind(name="disasters", title="kejadian bencana", columns=COLUMNS, apply=apply,
                                field_columns=FIELD_COLUMNS))
