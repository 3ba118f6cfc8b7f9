"""the office's adopted area (wilayah kerja) and the import-file id of a person

Revision ID: 0008_wilayah_kerja
Revises: 0007_device_enrolment
Create Date: 2026-12-06 09:00:00

Issue 20: any kabupaten/kota can adopt the application. The adopted kabupaten/kota is the
local setting ``wilayah.kode``; master-data seeding only adds that area's regions. Databases
made before this revision were all seeded with Kota Pontianak's regions: they keep their data
and are marked as adopted area 61.71 (only when they hold Pontianak regions: an empty new
database stays without an area until one is chosen).

``person.import_ref`` keeps the ``id`` a person had in the import file that created or last
updated them (the record id derived from it is a one-way uuid5), for ``spm-desktop duplicates``
and the office's data-quality checks.

``person_name_key`` (derived, local, never travels) holds the blocking keys of every person's
name (with their sex and birth year), the index of the duplicate candidate search (a scan of every person of one sex with LIKE
patterns before). The application fills it (``storage.name_keys.ensure_name_keys``: the keys
come from the name rules of the program, which a migration must not copy) when
``local_device.name_keys`` is not its rules version: 0 here, so at the first open after this
upgrade.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0008_wilayah_kerja"
down_revision = "0007_device_enrolment"
branch_labels = None
depends_on = None

AREA_KEY = "wilayah.kode"
PONTIANAK = "61.71"
# spm_desktop.core.storage.base.SEED_NAMESPACE / seed_id, copied: a migration must not change
# when the application code does.
SEED_NAMESPACE = uuid.UUID("6b1f7c2e-0a52-4c1e-9d3f-5e2b8a7d4c10")
SEED_TIME = datetime(2026, 1, 1)


def upgrade() -> None:
    op.add_column("person", sa.Column("import_ref", sa.String(length=200), nullable=True))
    op.create_table(
        "person_name_key",
        sa.Column("key", sa.String(length=8), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("key", "person_id", name=op.f("pk_person_name_key")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_person_name_key_person", "person_name_key", ["person_id"])
    op.add_column("local_device", sa.Column("name_keys", sa.Integer(), nullable=False, server_default=sa.text("0")))
    bind = op.get_bind()
    has_pontianak = bind.execute(sa.text("SELECT COUNT(*) FROM region WHERE code LIKE :p"),
                                 {"p": PONTIANAK + ".%"}).scalar()
    has_setting = bind.execute(sa.text("SELECT COUNT(*) FROM setting WHERE key = :k"), {"k": AREA_KEY}).scalar()
    if has_pontianak and not has_setting:
        setting = sa.table("setting", sa.column("id", sa.String), sa.column("key", sa.String),
                           sa.column("value", sa.JSON), sa.column("shared", sa.Boolean),
                           sa.column("created_at", sa.DateTime), sa.column("updated_at", sa.DateTime),
                           sa.column("updated_by", sa.String), sa.column("origin_device", sa.String),
                           sa.column("revision", sa.Integer), sa.column("deleted_at", sa.DateTime),
                           sa.column("change_seq", sa.Integer))
        op.bulk_insert(setting, [dict(
            id=str(uuid.uuid5(SEED_NAMESPACE, f"setting:{AREA_KEY}")), key=AREA_KEY, value=PONTIANAK, shared=False,
            created_at=SEED_TIME, updated_at=SEED_TIME, updated_by="seed", origin_device="seed", revision=1,
            deleted_at=None, change_seq=0)])


def downgrade() -> None:
    # The area setting stays: older versions ignore a key they do not know, and upgrading again
    # must keep the area the office chose.
    with op.batch_alter_table("local_device") as batch:
        batch.drop_column("name_keys")
    op.drop_index("ix_person_name_key_person", table_name="person_name_key")
    op.drop_table("person_name_key")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("import_ref")
