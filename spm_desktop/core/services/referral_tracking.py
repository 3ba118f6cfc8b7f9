"""The tracking row of an outgoing referral event (issue 21) and the scope rule of a referral.

Kept apart from :mod:`referrals` so the event service can track a referral event it records
(``events.record_event``) without an import cycle (``referrals`` builds on ``events``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from spm_desktop.core.domain.actor import Actor
from spm_desktop.core.domain.errors import NotFoundError, ValidationError
from spm_desktop.core.domain.layanan import REFERRAL_CODE
from spm_desktop.core.security import audit
from spm_desktop.core.security.links import check_event, check_person
from spm_desktop.core.security.scope import check_event_scope
from spm_desktop.core.services import cases as cases_svc
from spm_desktop.core.storage.models import Case, Person, Referral, ServiceEvent


def check_scope(s: Session, actor: Actor, r: Referral) -> None:
    """A restricted role touches the referrals it could record: an outgoing one as its event,
    an incoming one by the linked case's unit, or (tksk) the person in its scope (their
    kelurahan, or linked to its kecamatan: :mod:`~spm_desktop.core.security.links`)."""
    if r.event_id:
        e = s.get(ServiceEvent, r.event_id)
        if e is None:
            check_event_scope(actor, None, None)
        else:
            check_event(s, actor, e)
    elif r.case_id:
        c = s.get(Case, r.case_id)
        cases_svc.check_case_scope(actor, c.unit if c else None, c.kecamatan_code if c else None)
    else:
        p = s.get(Person, r.person_id)
        check_person(s, actor, p.id if p else None, p.kelurahan_code if p else None, "mencatat rujukan")


def track_event_in(s: Session, actor: Actor, event_id: str) -> Referral:
    """The tracking row of a referral event (made, status dikirim, when the event has none)."""
    found = s.scalar(select(Referral).where(Referral.event_id == event_id))
    if found is not None and found.deleted_at is None:
        return found
    e = s.get(ServiceEvent, event_id) if event_id else None
    if e is None or e.deleted_at is not None:
        raise NotFoundError("Catatan layanan tidak ditemukan (mungkin sudah dihapus).", "event_id")
    if e.service_code != REFERRAL_CODE:
        raise ValidationError("Layanan ini bukan rujukan (1.06.04.2.01.0012).", "event_id")
    if found is not None:  # tracking removed with its event earlier, event restored since
        found.deleted_at = None
        return found
    r = Referral(direction="keluar", person_id=e.person_id, event_id=e.id, case_id=e.case_id,
                 referral_date=e.event_date, destination=str((e.details or {}).get("destination", "")),
                 reason=e.notes or "", status="dikirim")
    s.add(r)
    s.flush()
    check_scope(s, actor, r)
    audit.record(s, "create", "referral", r.id, after=r)
    return r


__all__ = ["check_scope", "track_event_in"]
