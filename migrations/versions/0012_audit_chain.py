"""Audit trail as a hash chain (issue 18): seq, prev_hash, entry_hash, snapshot_hash.

Existing entries are linked in the order they were written (time, then id). The append-only
triggers are re-created so that the one change they allow is blanking an entry's before/after
snapshots (the chain covers their hash, not their content); everything else — any other
column, DELETE — is refused as before.

Revision ID: 0012_audit_chain
Revises: 0011_need_met
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_audit_chain"
down_revision = "0011_need_met"
branch_labels = None
depends_on = None

_MESSAGE = "audit_entry is append-only"
_BATCH = 5000
_KEEP = ("id", "at", "username", "action", "entity", "entity_id", "device_id", "seq", "prev_hash", "entry_hash",
         "snapshot_hash")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    op.add_column("audit_entry", sa.Column("seq", sa.Integer(), nullable=True))
    for name in ("prev_hash", "entry_hash", "snapshot_hash"):
        op.add_column("audit_entry", sa.Column(name, sa.String(length=64), server_default="", nullable=False))
    _link_existing()
    op.create_index("ux_audit_entry_seq", "audit_entry", ["seq"], unique=True)
    _create_triggers(dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    op.drop_index("ux_audit_entry_seq", table_name="audit_entry")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        for name in ("snapshot_hash", "entry_hash", "prev_hash", "seq"):
            batch_op.drop_column(name)
    _create_append_only(dialect)


def _link_existing() -> None:
    """Give every existing entry its place: hashes computed exactly as the application does."""
    import json

    from spm_desktop.core.security.audit_chain import GENESIS, entry_hash, snapshot_hash

    bind = op.get_bind()
    table = sa.table("audit_entry", sa.column("id", sa.String), sa.column("at", sa.DateTime),
                     sa.column("username", sa.String), sa.column("action", sa.String), sa.column("entity", sa.String),
                     sa.column("entity_id", sa.String), sa.column("device_id", sa.String),
                     sa.column("before", sa.JSON), sa.column("after", sa.JSON), sa.column("seq", sa.Integer),
                     sa.column("prev_hash", sa.String), sa.column("entry_hash", sa.String),
                     sa.column("snapshot_hash", sa.String))
    statement = table.update().where(table.c.id == sa.bindparam("b_id")).values(
        seq=sa.bindparam("seq"), prev_hash=sa.bindparam("prev_hash"), entry_hash=sa.bindparam("entry_hash"),
        snapshot_hash=sa.bindparam("snapshot_hash"))
    prev, seq, last = GENESIS, 0, None
    while True:  # keyset pages of (at, id): a long trail is never held in memory at once
        query = sa.select(table).order_by(table.c.at, table.c.id).limit(_BATCH)
        if last is not None:
            query = query.where(sa.tuple_(table.c.at, table.c.id) > sa.tuple_(sa.literal(last[0], sa.DateTime),
                                                                               sa.literal(last[1])))
        rows = bind.execute(query).fetchall()
        if not rows:
            break
        updates = []
        for r in rows:
            seq += 1
            before = json.loads(r.before) if isinstance(r.before, str) else r.before
            after = json.loads(r.after) if isinstance(r.after, str) else r.after
            snap = snapshot_hash(before, after)
            entry = entry_hash(seq, prev, r.id, r.at, r.username, r.action, r.entity, r.entity_id, r.device_id, snap)
            updates.append({"b_id": r.id, "seq": seq, "prev_hash": prev, "entry_hash": entry, "snapshot_hash": snap})
            prev = entry
        bind.execute(statement, updates)
        last = (rows[-1].at, rows[-1].id)


def _drop_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")


def _create_triggers(dialect: str) -> None:
    """Append-only, except blanking before/after (both to NULL, nothing else changed)."""
    if dialect == "sqlite":
        same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _KEEP)
        blank = ("(NEW.before IS NULL OR NEW.before = 'null') AND (NEW.after IS NULL OR NEW.after = 'null')")
        op.execute(f"CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
                   f"WHEN NOT ({blank} AND {same}) BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")
        op.execute(f"CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
                   f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")
    elif dialect == "postgresql":
        new = ", ".join(f"NEW.{c}" for c in _KEEP)
        old = ", ".join(f"OLD.{c}" for c in _KEEP)
        op.execute(
            "CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$ BEGIN "
            "IF TG_OP = 'UPDATE' AND (NEW.before IS NULL OR NEW.before::text = 'null') "
            "AND (NEW.after IS NULL OR NEW.after::text = 'null') "
            f"AND ROW({new}) IS NOT DISTINCT FROM ROW({old}) THEN RETURN NEW; END IF; "
            f"RAISE EXCEPTION '{_MESSAGE}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute("CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
                   "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()")


def _create_append_only(dialect: str) -> None:
    """The triggers of revision 0001 (downgrade)."""
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry "
                       f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END")
    elif dialect == "postgresql":
        op.execute("CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$ "
                   f"BEGIN RAISE EXCEPTION '{_MESSAGE}'; END; $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
                   "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()")
