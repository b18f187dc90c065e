"""position years: what each share of each transfer posted to each region per calendar year

Revision ID: 0010
Revises: 0009

position_years: the statements' figures, kept by settlement with the postings as balances,
positions and payables are, so a statement reads one year's sums instead of the year's postings;
filled here from the postings already made.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "position_years",
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("share", sa.String(length=60), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("book", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_position_years_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("transfer_id", "share", "region", "year", name=op.f("pk_position_years")),
    )
    op.create_index("ix_position_years_region_year", "position_years", ["region", "year"])
    op.execute(
        "INSERT INTO position_years (transfer_id, share, region, year, book, amount) "
        "SELECT e.transfer_id, e.share, a.region, e.through / 12, a.book, SUM(p.amount) "
        "FROM ledger_postings p "
        "JOIN ledger_entries e ON e.seq = p.entry_seq "
        "JOIN ledger_accounts a ON a.id = p.account_id "
        "WHERE a.region <> '@source' "
        "GROUP BY e.transfer_id, e.share, a.region, e.through / 12, a.book"
    )


def downgrade() -> None:
    op.drop_index("ix_position_years_region_year", table_name="position_years")
    op.drop_table("position_years")
