"""Who signs a printed report and when (recap PDF and e-SPM workbook)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Signing:
    """"Yang membuat" (the exporting user, with NIP) and the signing date, chosen at export.
    "Mengetahui" is the Kepala Dinas of the settings (name, NIP, rank, title)."""

    signed_on: date
    maker_name: str = ""
    maker_nip: str = ""
