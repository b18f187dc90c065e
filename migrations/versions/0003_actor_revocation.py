"""actor revocation: actors.revoked_at

Revision ID: 0003
Revises: 0002

A plain ADD / DROP COLUMN on both backends (SQLite 3.35+ drops columns in place), so the
actors table is never rebuilt under the rows that refer to it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("actors", sa.Column("revoked_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("actors", "revoked_at")
