"""running sums: share_sums and payable_sums

Revision ID: 0008
Revises: 0007

share_sums: what each share of each transfer has collected as of the last settlement run; a run
reads these sums and what changed in the actuals since, instead of every project's history. An
empty table (a pool upgraded to this revision) makes the next run collect every project again.

ix_actuals_period: a run finds the months it newly covers without reading every earlier month.

payable_sums: what each host owes each other party of the fiscal book per unit and settled month,
kept by settlement as balances are; filled here from the postings already made.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
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
    op.create_index("ix_actuals_period", "actuals", ["period"])
    op.create_table(
        "payable_sums",
        sa.Column("payer", sa.String(length=40), nullable=False),
        sa.Column("payee", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("through", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("payer", "payee", "unit", "through", name=op.f("pk_payable_sums")),
    )
    op.execute(
        "INSERT INTO payable_sums (payer, payee, unit, through, amount) "
        "SELECT t.to_region, a.region, a.unit, e.through, SUM(p.amount) "
        "FROM ledger_postings p "
        "JOIN ledger_entries e ON e.seq = p.entry_seq "
        "JOIN ledger_accounts a ON a.id = p.account_id "
        "JOIN transfers t ON t.id = e.transfer_id "
        "WHERE e.book = 'fiscal' AND a.region <> '@source' AND a.region <> t.to_region "
        "GROUP BY t.to_region, a.region, a.unit, e.through"
    )


def downgrade() -> None:
    op.drop_table("payable_sums")
    op.drop_index("ix_actuals_period", table_name="actuals")
    op.drop_table("share_sums")
