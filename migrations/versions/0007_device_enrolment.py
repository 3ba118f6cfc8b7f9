"""device identity and enrolment for sync (issue 17)

Revision ID: 0007_device_enrolment
Revises: 0006_group_activities
Create Date: 2026-12-06 08:30:00

This device's key pairs (made by the application at the next start: ``ensure_device``) and,
per peer, the enrolled public keys, role and scope. The office passphrase of sync format 1/2
is no longer used: its local setting is removed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_device_enrolment"
down_revision = "0006_group_activities"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("local_device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sign_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("box_key", sa.String(length=64), nullable=True))
    with op.batch_alter_table("sync_peer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=10), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("kecamatan_code", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("unit", sa.String(length=20), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("sign_public", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("box_public", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("enrolled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("enrolled_by", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("revoked_by", sa.String(length=64), nullable=False, server_default=""))
        batch_op.create_unique_constraint(batch_op.f("uq_sync_peer_sign_public"), ["sign_public"])
    op.execute(sa.text("DELETE FROM setting WHERE key = 'sync.passphrase' AND shared = :f").bindparams(f=False))


def downgrade() -> None:
    with op.batch_alter_table("sync_peer", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_sync_peer_sign_public"), type_="unique")
        for column in ("revoked_by", "revoked_at", "enrolled_by", "enrolled_at", "box_public", "sign_public", "unit",
                       "kecamatan_code", "role"):
            batch_op.drop_column(column)
    with op.batch_alter_table("local_device", schema=None) as batch_op:
        batch_op.drop_column("box_key")
        batch_op.drop_column("sign_key")
