"""disaster victims: emergency end, handling closed, scale; displaced households, psychosocial need, waived needs

Revision ID: 0003_disaster_victims
Revises: 0002
Create Date: 2026-12-06 08:30:00

Architecture §4 v2, "Disaster victims": a disaster's ``end_date`` is the end of its emergency
period (masa tanggap darurat); ``closed_on`` is the date its handling was closed (penanganan
ditutup) and ``scale`` kabupaten/kota, provinsi or nasional. Households gain ``displaced``
(mengungsi); members ``needs_psychosocial`` and the default needs waived for them
(``waived_codes``, with ``waiver_reason``).

Existing disasters are kabupaten/kota scale, and their handling closed on their end date
(before this revision an end date closed a disaster).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_disaster_victims"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("disaster", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("scale", sa.String(length=20), server_default=sa.text("'kabupaten_kota'"),
                                      nullable=False))
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.add_column(sa.Column("displaced", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("household_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("needs_psychosocial", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("waived_codes", sa.String(length=200), server_default=sa.text("''"),
                                      nullable=False))
        batch_op.add_column(sa.Column("waiver_reason", sa.Text(), server_default=sa.text("''"), nullable=False))
    op.execute("UPDATE disaster SET closed_on = end_date, status = 'closed' WHERE end_date IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("household_member", schema=None) as batch_op:
        batch_op.drop_column("waiver_reason")
        batch_op.drop_column("waived_codes")
        batch_op.drop_column("needs_psychosocial")
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_column("displaced")
    with op.batch_alter_table("disaster", schema=None) as batch_op:
        batch_op.drop_column("scale")
        batch_op.drop_column("closed_on")
