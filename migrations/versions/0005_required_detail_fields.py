"""Detail fields that define the service are required: the items of a clothing package
(Penyediaan Sandang, rehabilitasi sosial and bencana) and the kind of an assistive device
(Penyediaan Alat Bantu). New databases get the flag from resources/service_types.json; this
revision sets it on the catalogue rows of existing databases (data only, no schema change).

Revision ID: 0005_required_detail_fields
Revises: 0004_mutu_quantities
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_required_detail_fields"
down_revision = "0004_mutu_quantities"
branch_labels = None
depends_on = None

REQUIRED = {"1.06.04.2.01.0002": "items", "1.06.06.2.01.0002": "items", "1.06.04.2.01.0003": "device"}

service_type = sa.table("service_type", sa.column("code", sa.String), sa.column("detail_fields", sa.JSON))


def _set_required(required: bool) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(service_type.c.code, service_type.c.detail_fields)
                        .where(service_type.c.code.in_(list(REQUIRED)))).all()
    for code, fields in rows:
        changed = []
        for spec in fields or []:
            spec = dict(spec)
            if spec.get("key") == REQUIRED[code]:
                if required:
                    spec["required"] = True
                else:
                    spec.pop("required", None)
            changed.append(spec)
        bind.execute(service_type.update().where(service_type.c.code == code).values(detail_fields=changed))


def upgrade() -> None:
    _set_required(True)


def downgrade() -> None:
    _set_required(False)
