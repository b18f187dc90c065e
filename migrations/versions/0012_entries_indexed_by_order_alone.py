"""ledger_entries indexed in the order they are written: no index on the hash or the transfer

Revision ID: 0012
Revises: 0011

A settlement run appends an entry for nearly every transfer and share each month. Two indexes
of ledger_entries took each new entry into a page of their own as large as the ledger: the
unique index on the hash (a hash is random) and the index on the transfer (a run writes every
transfer again, so it rewrote every page of that index each month). Their cost grew with the
history, month after month, and no query reads entries through either: no two entries of a
chain that verifies can share a hash (each hash covers the previous one and the entry's own
number), and entries are read by their number, their run, or from the sums kept per transfer.
A month-end run of 20,000 entries on a ledger of 220,000 inserted them in 0.20–0.26 s with both
indexes and 0.05 s without.

SQLite cannot drop a table's constraint in place: the table is copied without it and its
append-only triggers made again (migrations run there with foreign keys off, and every
reference is checked before the commit).
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
        batch_op.drop_index("ix_ledger_entries_transfer_id")
        batch_op.drop_constraint("uq_ledger_entries_hash", type_="unique")
    _sqlite_triggers()


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_ledger_entries_hash", ["hash"])
        batch_op.create_index("ix_ledger_entries_transfer_id", ["transfer_id"], unique=False)
    _sqlite_triggers()


def _sqlite_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(sa.text(statement))
