"""A hand-made roll-up result (no database) for layout tests of the PDF and the workbook."""

from __future__ import annotations

from decimal import Decimal

from spm_desktop.core.domain.groups import SPM_GROUP_SHORT
from spm_desktop.core.rollup import (
    Breakdown,
    BreakdownRow,
    GroupFigure,
    IkkFigure,
    IndicatorFigure,
    Period,
    RollupResult,
)
from spm_desktop.core.rollup.quarterly import QuarterResult
from spm_desktop.core.services.mutu import MutuRow, standard_items
from spm_desktop.core.services.settings import AppSettings

# 2026 standards 250, 2, 3, 2, 3, 11, 1, 24, 1: scores 0.5, 1, 1, 1, 1 (capped), 1, 0, 0.5, 1 → B = 77.8;
# the bencana items tempat_penampungan, paket_rentan, tagana are not filled in.
REHAB_AVAILABLE = {"layanan_pengaduan": 125, "tim_reaksi_cepat": 2, "kendaraan_kedaruratan": 3, "rumah_singgah": 2,
                   "alat_bantu": 6, "perbekalan_kesehatan": 11, "tenaga_kesehatan": 0, "pekerja_sosial": 12,
                   "bimbingan_sosial": 1}
MEALS, CLOTHES, TENT = "1.06.04.2.01.0001", "1.06.04.2.01.0002", "1.06.06.2.01.0007"
SETTINGS = AppSettings(office_address="Jl. Letjen Sutoyo, Pontianak", signatory_name="Drs. Budi Santoso, M.Si",
                       signatory_nip="197001011990031001", signatory_title="Kepala Dinas Sosial Kota Pontianak")


def indicator(code, name, unit, series, target, budget, program="rehab_dasar", rule="distinct_persons"):
    from spm_desktop.core.rollup import percent

    return IndicatorFigure(code, name, program, unit, rule, series[-1] - (series[-2] if len(series) > 1 else 0),
                           series[-1], target, percent(series[-1], target), budget, tuple(series))


def group(key, y, x, mutu=None, index=None, status="belum dinilai"):
    from spm_desktop.core.rollup import percent

    return GroupFigure(key, SPM_GROUP_SHORT[key], y, x, percent(x, y), mutu, index, status)


def sample_result(month: int = 3, quarter: int | None = None) -> RollupResult:
    period = Period(2026, month, quarter)
    indicators = (
        indicator(MEALS, "Penyediaan Permakanan", "Orang", [400, 900, 1234][:month] + [1234] * (month - 3), 2000,
                  550_000_000),
        indicator(CLOTHES, "Penyediaan Sandang", "Orang", [0, 0, 0][:month] + [0] * (month - 3), 0, 150_000_000),
        indicator(TENT, "Penyediaan Tempat Penampungan Pengungsi", "Unit", [5, 5, 12][:month] + [12] * (month - 3),
                  100, 20_000_000, program="bencana", rule="sum_quantity"),
    )
    # anak: B = 7 / 9 × 100 = 77.8 (REHAB_AVAILABLE); index 0.8 × 870 / 1234 × 100 + 0.2 × 77.78 = 72.0
    spm = (group("disabilitas", 0, 0), group("anak", 1234, 870, 77.8, 72.0, "Tuntas Muda"),
           group("lansia", 10, 10), group("gepeng", 6, 3), group("bencana", 0, 0))
    kec = Breakdown("kecamatan", "Kecamatan", (
        BreakdownRow("61.71.01", "Pontianak Selatan", ((MEALS, 1000), (CLOTHES, 0), (TENT, 12))),
        BreakdownRow("61.71.02", "Pontianak Timur", ((MEALS, 234), (CLOTHES, 0), (TENT, 0))),
    ))
    ikk = IkkFigure(70.6, None, 883, 1250, 0, 0)
    warnings = ("Ada 3 pasangan kemungkinan data ganda yang belum ditinjau; angka dapat berubah setelah data "
                "ganda diperiksa.",
                "Sasaran Korban Bencana kosong (0 orang) pada periode ini: capaian ditampilkan \"–\".")
    return RollupResult(period, "all_needed", indicators, spm, ikk, (kec,), warnings, 3)


def sample_quarter() -> QuarterResult:
    from dataclasses import replace

    result = sample_result(3, 1)
    # anak: 300 met in January, 400 in February, 170 in March (870 terpenuhi)
    # (the other groups: everyone terpenuhi was met in January)
    spm = tuple(replace(g, served_by_month=(300, 400, 170) + (0,) * 9) if g.group == "anak"
                else replace(g, served_by_month=(g.terpenuhi,) + (0,) * 11) for g in result.spm)
    items = tuple(MutuRow(2026, it.key, it.kind, it.groups, it.item, it.unit, it.standard(2026), it.standard(2026),
                          None if REHAB_AVAILABLE.get(it.key) is None else Decimal(REHAB_AVAILABLE[it.key]), "",
                          it.seed_line)
                  for it in standard_items())
    return QuarterResult(replace(result, spm=spm), items)
