"""The stored settings read into their plain value (for the roll-up, the reports' callers and
every service)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.settings import AppSettings, settings_from_rows
from spm_desktop.core.storage.models import Setting


def load_settings(session: Session) -> AppSettings:
    """Settings read inside an existing session."""
    rows = session.execute(select(Setting.key, Setting.value).where(Setting.deleted_at.is_(None)))
    return settings_from_rows({k: v for k, v in rows})
