"""Use cases of the Rekap page and the CLI: compute a recap, export the PDF, the JSON and the
quarterly e-SPM workbook. Exports check ``report.export`` and are audited."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

import spm_desktop.core.clock as clock
from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import ValidationError
from spm_desktop.core.reports.signing import Signing
from spm_desktop.core.rollup import DEFAULT_BREAKDOWNS, Period, RollupResult, compute_rollup
from spm_desktop.core.rollup.quarterly import QuarterResult, compute_quarter
from spm_desktop.core.security import audit
from spm_desktop.core.security.audit_chain import chain_head
from spm_desktop.core.security.permissions import require
from spm_desktop.core.services.settings import AppSettings, get_settings
from spm_desktop.core.storage.database import Database
from spm_desktop.core.storage.models import User


def require_signatory(settings: AppSettings) -> None:
    """Refuse a signed export while the Kepala Dinas's name or NIP is empty."""
    missing = [label for label, value in (("Nama", settings.signatory_name), ("NIP", settings.signatory_nip))
               if not value.strip()]
    if missing:
        raise ValidationError(
            f"{' dan '.join(missing)} Kepala Dinas (penanda tangan \"Mengetahui\") belum diisi, "
            "sehingga laporan belum bisa diekspor. Isi di Pengaturan → Kantor dan penanda tangan, atau jalankan "
            "spm-desktop init … --signatory-name \"Nama\" --signatory-nip NIP.",
            "signatory.name" if "Nama" in missing else "signatory.nip")


def signing_for(db: Database, actor: Actor, signed_on: date | None = None, maker_name: str | None = None,
                maker_nip: str | None = None) -> Signing:
    """The signing of an export by ``actor``: their full name and NIP from the user list (given
    values win, e.g. on the command line), signed today unless ``signed_on`` is given."""
    name, nip = "", ""
    with db.reading() as s:
        user = None
        if actor.user_id:
            user = s.get(User, actor.user_id)
        if user is None and actor.role != "system":
            user = s.scalars(select(User).where(User.username == actor.username)).first()
        if user is not None:
            name, nip = user.full_name, user.nip
    if maker_nip and not maker_nip.replace(" ", "").isdigit():
        raise ValidationError("NIP pembuat hanya boleh berisi angka (spasi boleh).", "maker_nip")
    return Signing(signed_on or clock.today(), (maker_name if maker_name is not None else name).strip(),
                   (maker_nip if maker_nip is not None else nip).strip())


def recap(db: Database, actor: Actor, period: Period,
          breakdowns: tuple[str, ...] = DEFAULT_BREAKDOWNS) -> RollupResult:
    """The roll-up of a period (read only)."""
    require(actor, "report.view")
    return compute_rollup(db, period, breakdowns)


def _target(path: str | Path, suffix: str) -> Path:
    p = Path(path)
    if p.is_dir():
        raise ValidationError(f"{p} adalah folder; sebutkan nama berkas {suffix}.", "path")
    if not p.parent.exists():
        raise ValidationError(f"Folder {p.parent} tidak ada.", "path")
    return p


def _audit_export(db: Database, actor: Actor, what: str, period: Period, path: Path | None) -> None:
    if db.read_only:
        # A database in a read-only folder cannot take the entry; these are aggregate figures
        # (no personal data), so the read-only recap still works.
        return
    with db.transaction(actor) as s:
        audit.record(s, "export", what, period.label,
                     after={"year": period.year, "month": period.month, "quarter": period.quarter,
                            "file": str(path) if path else "-"})


def export_recap_pdf(db: Database, actor: Actor, period: Period, path: str | Path,
                     result: RollupResult | None = None, signing: Signing | None = None) -> Path:
    """Write the recap PDF (computing the roll-up unless ``result`` is given), signed by the
    exporting user and the Kepala Dinas on ``signing.signed_on`` (default: today). Refused
    while the Kepala Dinas's name or NIP is empty."""
    from spm_desktop.core.reports.recap_pdf import write_recap_pdf  # ReportLab only when exporting

    require(actor, "report.export")
    target = _target(path, ".pdf")
    settings = get_settings(db)
    require_signatory(settings)
    signing = signing or signing_for(db, actor)
    result = result or compute_rollup(db, period)
    with db.reading() as s:
        head = chain_head(s)
    written = write_recap_pdf(result, settings, target, signing, audit_head=head)
    _audit_export(db, actor, "recap_pdf", period, written)
    return written


def recap_json(result: RollupResult) -> str:
    return json.dumps(result.to_json(), ensure_ascii=False, indent=2)


def export_recap_json(db: Database, actor: Actor, period: Period, path: str | Path | None,
                      breakdowns: tuple[str, ...] = DEFAULT_BREAKDOWNS) -> dict[str, Any]:
    """The recap JSON (architecture §9), also written to ``path`` unless it is None."""
    require(actor, "report.export")
    result = compute_rollup(db, period, breakdowns)
    target = _target(path, ".json") if path is not None else None
    if target is not None:
        target.write_text(recap_json(result) + "\n", encoding="utf-8")
    _audit_export(db, actor, "recap_json", period, target)
    return result.to_json()


def export_espm(db: Database, actor: Actor, year: int, quarter: int, path: str | Path,
                signing: Signing | None = None) -> tuple[Path, QuarterResult]:
    """Write the quarterly e-SPM workbook (signed like the recap PDF; refused while the
    Kepala Dinas's name or NIP is empty)."""
    from spm_desktop.core.reports.espm_xlsx import write_espm_xlsx  # openpyxl only when exporting

    require(actor, "report.export")
    target = _target(path, ".xlsx")
    require_signatory(get_settings(db))
    signing = signing or signing_for(db, actor)
    quarter_result, settings = compute_quarter(db, year, quarter)
    written = write_espm_xlsx(quarter_result, settings, target, signing)
    _audit_export(db, actor, "espm_xlsx", quarter_result.result.period, written)
    return written, quarter_result
