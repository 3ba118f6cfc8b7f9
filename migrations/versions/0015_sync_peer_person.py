"""Persons sent whole to each scoped peer (issue 17): a person a TKSK laptop already holds is
not sent again with all their records when one of them changes.

Starts empty: after the upgrade, a person touched for the first time is sent whole once more
(as before), then recorded.

Revision ID: 0015_sync_peer_person
Revises: 0014_layanan_data
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_sync_peer_person"
down_revision = "0014_layanan_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_peer_person",
        sa.Column("peer_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("sent_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("peer_id", "person_id", name=op.f("pk_sync_peer_person")),
    )


def downgrade() -> None:
    op.drop_table("sync_peer_person")
