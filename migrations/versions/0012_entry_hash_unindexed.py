"""ledger_entries.hash without a unique index

Revision ID: 0012
Revises: 0011

Each entry's hash covers the hash before it and its own sequence number, so two entries can
never share one in a chain that verifies, and `ledger verify` proves the chain. The unique index
on the hash added nothing to that, and cost every settlement run more as the ledger grew: a hash
is random, so each new entry went into a random page of an index as large as the ledger (a
month-end run of 20,000 entries on a ledger of 220,000 spent 0.23 s of its 2.1 s there, 0.06 s
without it).

SQLite cannot drop a table's constraint in place: the table is copied without it and its
append-only triggers made again (the migration runs with SQLite's foreign keys off and checks
them all before it commits).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# as revision 0002 made them: dropped with the table SQLite copies
SQLITE_TRIGGERS = (
    "CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: UPDATE refused'); END",
    "CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: DELETE refused'); END",
)


def upgrade() -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ledger_entries_hash", type_="unique")
    _sqlite_triggers()


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_ledger_entries_hash", ["hash"])
    _sqlite_triggers()


def _sqlite_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(sa.text(statement))
