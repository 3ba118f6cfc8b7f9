"""The person list to Excel: personal data leaving the application, so only supervisor/admin
(``personal_data.export``) and always audited (who, which filters, how many, where to)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.domain.groups import SEXES
from spm_desktop.core.security.permissions import require
from spm_desktop.core.security.personal_data import audited_file_export
from spm_desktop.core.security.safe_export import export_sheet, xlsx_row
from spm_desktop.core.services.person_search import PersonQuery, PersonRow, list_persons
from spm_desktop.core.storage.database import Database

HEADER = ("NIK", "No. KK", "Nama", "Alias", "Jenis kelamin", "Tanggal lahir", "Tahun lahir", "Desa/kelurahan",
          "Kecamatan", "Kategori PMKS", "Kasus terbuka")
WIDTHS = (19, 19, 30, 18, 14, 14, 11, 24, 22, 34, 13)
_BATCH = 2000


def _cells(p: PersonRow) -> list:
    return [p.nik or "", p.no_kk or "", p.name, p.alias, SEXES.get(p.sex, p.sex), p.birth_date, p.birth_year,
            p.kelurahan_name, p.kecamatan_name, p.category_name, p.open_cases]


def export_person_list(db: Database, actor: Actor, target: str | Path, query: PersonQuery = PersonQuery()) -> int:
    """Write the persons matching ``query`` (in list order) to an .xlsx file; returns the count."""
    require(actor, "personal_data.export")
    target = Path(target)
    if target.suffix.lower() != ".xlsx":
        raise ValidationError("Daftar penerima layanan diekspor ke berkas Excel (.xlsx).", "target")

    def write(tmp: Path) -> int:
        from openpyxl.cell import WriteOnlyCell

        wb, ws = export_sheet("Penerima Layanan", HEADER, WIDTHS)
        count, offset = 0, 0
        while True:
            page = list_persons(db, actor, query, offset, _BATCH, with_total=False)
            for person in page.rows:
                cells = _cells(person)
                born = WriteOnlyCell(ws, value=person.birth_date)
                born.number_format = "DD/MM/YYYY"
                row = xlsx_row(ws, [*cells[:5], born, *cells[6:]])  # text as text, never a formula
                for cell in row[:2]:
                    cell.number_format = "@"  # NIK and KK: the 16 digits stay text
                ws.append(row)
            count += len(page.rows)
            if len(page.rows) < _BATCH:
                break
            offset += len(page.rows)
        wb.save(tmp)
        return count

    default = PersonQuery()
    filters = {k: v for k, v in asdict(query).items() if v != getattr(default, k)}
    return audited_file_export(db, actor, "person", target, write, details={"filters": filters})
