"""PostgreSQL: room in each page for the sums a run updates

Revision ID: 0013
Revises: 0012

A month-end run updates nearly every row of transfer_positions, position_years and share_sums.
PostgreSQL writes each update as a new version of the row; on a full page the new version goes
to another page, with a new entry in every index, and the old one waits for VACUUM. So the three
tables and their indexes grew by their whole size with every run (at 10,000 transfers,
transfer_positions held 40,000 rows and 414,000 dead ones in 32 MB after twelve runs), and each
run cost more than the one before. With half of each page left free, an update stays on its page
without touching the indexes and the page's old versions are pruned when it is next read: after
twelve runs the table held 40,000 rows in 7 MB, the twelfth run took 2.0 s instead of 2.7 s, and
it cost no more than the first. Pages already full take the setting as rows move off them.
SQLite updates rows in place and needs no such room.
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UPDATED = ("transfer_positions", "position_years", "share_sums")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in UPDATED:
            op.execute(f"ALTER TABLE {table} SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in UPDATED:
            op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
