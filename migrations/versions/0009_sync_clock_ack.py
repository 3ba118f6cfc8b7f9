"""sync: hybrid logical clock per record, acknowledgements, the device that registered a person (issue 17)

Revision ID: 0009_sync_clock_ack
Revises: 0008_wilayah_kerja
Create Date: 2026-12-06 11:30:00

- ``hlc`` on every travelling table: the order of a record's versions between databases
  (``spm_desktop.core.storage.hlc``). Existing rows start from min(updated_at, the migration
  time) in milliseconds, shifted by 16 bits; ``local_device.hlc`` starts at the largest.
- ``sync_peer.acked_seq`` / ``received_seq`` and ``sync_package.status`` / ``reasons`` /
  ``answered_at``: a package's changes are sent again until the peer acknowledges them.
  Packages already exchanged count as acknowledged (the bookmark moves to ``acked_seq``).
- ``person.created_device``: the device that registered a person (existing persons never
  edited since: their origin device).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The program's one clock (a leaf module with no imports of its own): a test suite that moves
# the day moves the migration time too, so two databases migrated apart still agree.
import spm_desktop.core.clock as clock

revision = "0009_sync_clock_ack"
down_revision = "0008_wilayah_kerja"
branch_labels = None
depends_on = None

SYNCED = ("region", "pmks_category", "service_type", "target", "setting", "mutu_check", "mutu_quantity", "person",
          "cases", "case_need", "disaster", "household", "household_member", "service_event", "duplicate_candidate",
          "volunteer", "group_activity", "group_activity_person", "group_activity_volunteer")


def _hlc_sql(dialect: str) -> str:
    """The clock value of min(updated_at, :now), in milliseconds << 16."""
    if dialect == "sqlite":
        at = "MIN(updated_at, :now)"
        ms = (f"(CAST(strftime('%s', {at}) AS INTEGER) * 1000 + "
              f"CAST(substr(strftime('%f', {at}), 4, 3) AS INTEGER))")
    else:
        ms = "CAST(floor(extract(epoch from LEAST(updated_at, CAST(:now AS timestamp))) * 1000) AS BIGINT)"
    return f"{ms} * 65536"


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    now = clock.utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
    # Plain ADD COLUMN (no batch copy): the tables keep their triggers (migration 0002).
    for table in SYNCED:
        op.add_column(table, sa.Column("hlc", sa.BigInteger(), nullable=False, server_default="0"))
        op.execute(sa.text(f"UPDATE {table} SET hlc = {_hlc_sql(dialect)}").bindparams(now=now))
    op.add_column("local_device", sa.Column("hlc", sa.BigInteger(), nullable=False, server_default="0"))
    highest = max(int(bind.execute(sa.text(f"SELECT COALESCE(MAX(hlc), 0) FROM {t}")).scalar() or 0) for t in SYNCED)
    op.execute(sa.text("UPDATE local_device SET hlc = :v").bindparams(v=highest))

    op.add_column("person", sa.Column("created_device", sa.String(length=36), nullable=False, server_default=""))
    op.execute(sa.text("UPDATE person SET created_device = origin_device WHERE revision = 1"))

    op.add_column("sync_peer", sa.Column("acked_seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("sync_peer", sa.Column("received_seq", sa.Integer(), nullable=False, server_default="0"))
    op.execute(sa.text("UPDATE sync_peer SET acked_seq = last_sent_seq"))
    op.add_column("sync_package", sa.Column("status", sa.String(length=12), nullable=False, server_default=""))
    op.add_column("sync_package", sa.Column("reasons", sa.JSON(), nullable=True))
    op.add_column("sync_package", sa.Column("answered_at", sa.DateTime(), nullable=True))
    op.execute(sa.text("UPDATE sync_package SET status = CASE WHEN direction = 'in' THEN 'applied' "
                       "ELSE 'acknowledged' END"))


def downgrade() -> None:
    with op.batch_alter_table("sync_package", schema=None) as batch_op:
        for column in ("answered_at", "reasons", "status"):
            batch_op.drop_column(column)
    with op.batch_alter_table("sync_peer", schema=None) as batch_op:
        batch_op.drop_column("received_seq")
        batch_op.drop_column("acked_seq")
    with op.batch_alter_table("local_device", schema=None) as batch_op:
        batch_op.drop_column("hlc")
    # Plain DROP COLUMN (SQLite ≥ 3.35 drops in place): the tables keep their triggers.
    for table in SYNCED:
        op.drop_column(table, "hlc")
    op.drop_column("person", "created_device")
