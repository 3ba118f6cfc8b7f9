"""What a scoped peer holds (issue 17): a person listed for removal is remembered until the peer
acknowledges the removal (``sync_peer_person.removed_seq``), and the disasters and group
activities sent whole to it are recorded (``sync_peer_record``).

Before, the row of a person went when the removal was exported, so an edit the laptop made
meanwhile of a person it held looked like a write about a person it never held; and a disaster
or an activity the office changed was sent again with all its households, members and list
entries. Existing ``sync_peer_person`` rows are persons the peer holds now (``removed_seq``
NULL); ``sync_peer_record`` starts empty: a disaster or activity touched for the first time
after the upgrade is sent whole once more (as before), then recorded.

Revision ID: 0017_sync_peer_held
Revises: 0016_event_date_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_sync_peer_held"
down_revision = "0016_event_date_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_peer_person") as batch:
        batch.add_column(sa.Column("removed_seq", sa.Integer(), nullable=True))
    op.create_table(
        "sync_peer_record",
        sa.Column("peer_id", sa.String(length=36), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("sent_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("peer_id", "entity", "record_id", name=op.f("pk_sync_peer_record")),
    )


def downgrade() -> None:
    op.drop_table("sync_peer_record")
    with op.batch_alter_table("sync_peer_person") as batch:
        batch.drop_column("removed_seq")
