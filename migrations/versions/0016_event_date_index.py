"""The events' single-column date index goes (issue 17, the office import's budget).

``ix_service_event_event_date`` (``event_date`` alone, from 0001) answers nothing the other
indexes do not: every query of events by date also asks for live events (the partial
``ix_service_event_live_date``, which starts with ``event_date``) or for one person
(``ix_service_event_person_code_date``). Each new event still cost one insert into it at a
random place: a 50,000-event package into the 100k/1M office database changed 4,212 of its
pages, written twice (WAL, then checkpoint). A plain ``count(*)`` now reads
``ix_service_event_change_seq`` instead.

Revision ID: 0016_event_date_index
Revises: 0015_sync_peer_person
"""

from __future__ import annotations

from alembic import op

revision = "0016_event_date_index"
down_revision = "0015_sync_peer_person"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_service_event_event_date", table_name="service_event")


def downgrade() -> None:
    op.create_index("ix_service_event_event_date", "service_event", ["event_date"], unique=False)
