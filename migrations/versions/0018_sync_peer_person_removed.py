"""A person listed for removal from a scoped peer is remembered until the peer acknowledges the
removal (issue 17): ``sync_peer_person.removed_seq``.

Before, the row went when the removal was exported, so an edit the laptop made meanwhile of a
person it held looked like a write about a person it never held. Existing rows are persons the
peer holds now (``removed_seq`` NULL).

Revision ID: 0018_sync_peer_person_removed
Revises: 0016_event_date_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_sync_peer_person_removed"
down_revision = "0016_event_date_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_peer_person") as batch:
        batch.add_column(sa.Column("removed_seq", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_peer_person") as batch:
        batch.drop_column("removed_seq")
