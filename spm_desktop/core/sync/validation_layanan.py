"""Sync rules of the issue-21 tables (complaints, follow-ups, referrals, DTSEN proposals): every
row a sender's package changes is held to the vocabulary of ``core/domain/layanan`` and, from a
scoped device (TKSK, unit), to its scope — a complaint about a person or a desa/kelurahan of the
sender's kecamatan; a referral or proposal of a person in scope. Registered in
:data:`spm_desktop.core.sync.validation.RULES` when imported (the importer imports it)."""

from __future__ import annotations

from collections.abc import Iterator

from spm_desktop.core.domain.layanan import (
    CATEGORIES,
    CHANNELS,
    COMPLAINT_STATUSES,
    DTSEN_KINDS,
    DTSEN_STATUSES,
    REFERRAL_DIRECTIONS,
    REFERRAL_STATUSES,
)
from spm_desktop.core.security.scope import in_region_scope
from spm_desktop.core.storage.models import Complaint, Person
from spm_desktop.core.sync.validation import Change, Context, Reason, _future, _person_in_scope, table_rules

ROLES = ("office", "tksk", "unit")
VOCABULARY = {
    "complaint": {"channel": CHANNELS, "category": CATEGORIES, "status": COMPLAINT_STATUSES},
    "referral": {"direction": REFERRAL_DIRECTIONS, "status": REFERRAL_STATUSES},
    "dtsen_proposal": {"kind": DTSEN_KINDS, "status": DTSEN_STATUSES},
}
DATES = {"complaint": ("received_at", "first_response_on", "closed_on"), "complaint_followup": ("followup_date",),
         "referral": ("referral_date", "feedback_date"), "dtsen_proposal": ("proposed_on", "status_on")}


def _values(ctx: Context, table: str, c: Change) -> Iterator[Reason]:
    for column, options in VOCABULARY.get(table, {}).items():
        if c.changed(column) and c.new.get(column) not in options:
            yield Reason(table, c.id, column, f"nilai '{c.new.get(column)}' tidak dikenal")
    for column in DATES[table]:
        if column in c.new:
            yield from _future(ctx, table, c, column)


def _complaint_ok(ctx: Context, version: dict | None) -> bool:
    if version is None:
        return True
    if in_region_scope(ctx.actor, version.get("kelurahan_code")) and version.get("kelurahan_code"):
        return True
    return _person_in_scope(ctx, ctx.record("person", Person, version.get("person_id")))


def _rule(table: str):
    def check(ctx: Context, changes: list[Change]) -> Iterator[Reason]:
        for c in changes:
            yield from _values(ctx, table, c)
            if not ctx.scoped:
                continue
            for version, when in c.versions():
                if version is None:
                    continue
                if table == "complaint":
                    ok = _complaint_ok(ctx, version)
                elif table == "complaint_followup":
                    ok = _complaint_ok(ctx, ctx.record("complaint", Complaint, version.get("complaint_id")))
                else:
                    ok = _person_in_scope(ctx, ctx.record("person", Person, version.get("person_id")))
                if not ok:
                    yield Reason(table, c.id, "person_id",
                                 f"data di luar wilayah perangkat pengirim ({when} perubahan)")
                    break
    return check


for _table in ("complaint", "complaint_followup", "referral", "dtsen_proposal"):
    table_rules(_table, roles=ROLES)(_rule(_table))
