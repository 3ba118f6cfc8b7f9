"""mutu by quantity (mutu_quantity) and the Renstra's 2026 target of 1.06.04.2.01.0010

Revision ID: 0004_mutu_quantities
Revises: 0003_disaster_victims
Create Date: 2026-12-06 08:30:00

* ``mutu_quantity``: the quantity of each standard mutu item (``resources/mutu_standards.csv``)
  the office has in a year; B of the SPM index is computed from it (architecture §4). The
  earlier yes/no checklist ``mutu_check`` stays as it is (read by nobody).
* The Renstra prints the 2026 target of 1.06.04.2.01.0010 (layanan kedaruratan) as 20 (seed
  line 9473), the seed had 12: the stored row is corrected only where it is still the seeded
  12 (an office's own edit is kept). The corrected row carries the seed stamps, exactly as a
  database seeded afresh from the corrected resources.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004_mutu_quantities"
down_revision = "0003_disaster_victims"
branch_labels = None
depends_on = None

# storage.base.SEED_NAMESPACE / seed_id, copied: a migration must not change with the code.
_SEED_NAMESPACE = uuid.UUID("6b1f7c2e-0a52-4c1e-9d3f-5e2b8a7d4c10")
KEDARURATAN_2026 = str(uuid.uuid5(_SEED_NAMESPACE, "target:2026:1.06.04.2.01.0010"))


def upgrade() -> None:
    op.create_table(
        "mutu_quantity",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=40), nullable=False),
        sa.Column("available", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("standard", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("origin_device", sa.String(length=36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mutu_quantity")),
        sa.UniqueConstraint("year", "item_key", name=op.f("uq_mutu_quantity_year_item_key")),
    )
    with op.batch_alter_table("mutu_quantity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mutu_quantity_change_seq"), ["change_seq"], unique=False)

    target = sa.table("target", sa.column("id", sa.String), sa.column("value", sa.Numeric),
                      sa.column("updated_by", sa.String), sa.column("origin_device", sa.String),
                      sa.column("revision", sa.Integer))
    op.execute(target.update()
               .where(target.c.id == KEDARURATAN_2026, target.c.value == 12, target.c.updated_by == "seed",
                      target.c.origin_device == "seed", target.c.revision == 1)
               .values(value=20))


def downgrade() -> None:
    target = sa.table("target", sa.column("id", sa.String), sa.column("value", sa.Numeric),
                      sa.column("updated_by", sa.String), sa.column("origin_device", sa.String),
                      sa.column("revision", sa.Integer))
    op.execute(target.update()
               .where(target.c.id == KEDARURATAN_2026, target.c.value == 20, target.c.updated_by == "seed",
                      target.c.origin_device == "seed", target.c.revision == 1)
               .values(value=12))
    with op.batch_alter_table("mutu_quantity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mutu_quantity_change_seq"))
    op.drop_table("mutu_quantity")
