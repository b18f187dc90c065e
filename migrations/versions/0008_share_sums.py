"""share_sums: what each share of each transfer has collected as of the last settlement run

Revision ID: 0008
Revises: 0003

A settlement run reads these sums and what changed in the actuals since, instead of every
project's history. Derived data, kept in the same transaction as the postings: an empty table
(a pool upgraded to this revision) makes the next run collect every project from its history.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "share_sums",
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("share", sa.String(length=60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=True),
        sa.Column("cover_from", sa.Integer(), nullable=False),
        sa.Column("cover_end", sa.Integer(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_share_sums_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("transfer_id", "share", "year", name=op.f("pk_share_sums")),
    )


def downgrade() -> None:
    op.drop_table("share_sums")
