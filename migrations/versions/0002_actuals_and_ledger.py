"""actuals and ledger: imports, revisions, settlement runs, entries, postings, balances

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The append-only tables: the database itself refuses UPDATE and DELETE (and, on PostgreSQL,
# TRUNCATE). The SQL is written out here, as this revision runs it, so that it never changes.
# SQLite raises from a trigger per event; PostgreSQL calls pool_refuse_change(), created by
# revision 0001, from a row trigger and a statement trigger per table.
SQLITE_CREATE = (
    "CREATE TRIGGER actual_revisions_no_update BEFORE UPDATE ON actual_revisions BEGIN SELECT RAISE(ABORT, 'actual_revisions is append-only: UPDATE refused'); END",
    "CREATE TRIGGER actual_revisions_no_delete BEFORE DELETE ON actual_revisions BEGIN SELECT RAISE(ABORT, 'actual_revisions is append-only: DELETE refused'); END",
    "CREATE TRIGGER settlement_runs_no_update BEFORE UPDATE ON settlement_runs BEGIN SELECT RAISE(ABORT, 'settlement_runs is append-only: UPDATE refused'); END",
    "CREATE TRIGGER settlement_runs_no_delete BEFORE DELETE ON settlement_runs BEGIN SELECT RAISE(ABORT, 'settlement_runs is append-only: DELETE refused'); END",
    "CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: UPDATE refused'); END",
    "CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: DELETE refused'); END",
    "CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only: UPDATE refused'); END",
    "CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only: DELETE refused'); END",
    "CREATE TRIGGER period_closes_no_update BEFORE UPDATE ON period_closes BEGIN SELECT RAISE(ABORT, 'period_closes is append-only: UPDATE refused'); END",
    "CREATE TRIGGER period_closes_no_delete BEFORE DELETE ON period_closes BEGIN SELECT RAISE(ABORT, 'period_closes is append-only: DELETE refused'); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS actual_revisions_no_update",
    "DROP TRIGGER IF EXISTS actual_revisions_no_delete",
    "DROP TRIGGER IF EXISTS settlement_runs_no_update",
    "DROP TRIGGER IF EXISTS settlement_runs_no_delete",
    "DROP TRIGGER IF EXISTS ledger_entries_no_update",
    "DROP TRIGGER IF EXISTS ledger_entries_no_delete",
    "DROP TRIGGER IF EXISTS ledger_postings_no_update",
    "DROP TRIGGER IF EXISTS ledger_postings_no_delete",
    "DROP TRIGGER IF EXISTS period_closes_no_update",
    "DROP TRIGGER IF EXISTS period_closes_no_delete",
)
POSTGRES_CREATE = (
    "CREATE TRIGGER actual_revisions_append_only BEFORE UPDATE OR DELETE ON actual_revisions FOR EACH ROW EXECUTE FUNCTION pool_refuse_change()",
    "CREATE TRIGGER actual_revisions_no_truncate BEFORE TRUNCATE ON actual_revisions FOR EACH STATEMENT EXECUTE FUNCTION pool_refuse_change()",
    "CREATE TRIGGER settlement_runs_append_only BEFORE UPDATE OR DELETE ON settlement_runs FOR EACH ROW EXECUTE FUNCTION pool_refuse_change()",
    "CREATE TRIGGER settlement_runs_no_truncate BEFORE TRUNCATE ON settlement_runs FOR EACH STATEMENT EXECUTE FUNCTION pool_refuse_change()",
    "CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION pool_refuse_change()",
    "CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION pool_refuse_change()",
    "CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings FOR EACH ROW EXECUTE FUNCTION pool_refuse_change()",
    "CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings FOR EACH STATEMENT EXECUTE FUNCTION pool_refuse_change()",
    "CREATE TRIGGER period_closes_append_only BEFORE UPDATE OR DELETE ON period_closes FOR EACH ROW EXECUTE FUNCTION pool_refuse_change()",
    "CREATE TRIGGER period_closes_no_truncate BEFORE TRUNCATE ON period_closes FOR EACH STATEMENT EXECUTE FUNCTION pool_refuse_change()",
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS actual_revisions_append_only ON actual_revisions",
    "DROP TRIGGER IF EXISTS actual_revisions_no_truncate ON actual_revisions",
    "DROP TRIGGER IF EXISTS settlement_runs_append_only ON settlement_runs",
    "DROP TRIGGER IF EXISTS settlement_runs_no_truncate ON settlement_runs",
    "DROP TRIGGER IF EXISTS ledger_entries_append_only ON ledger_entries",
    "DROP TRIGGER IF EXISTS ledger_entries_no_truncate ON ledger_entries",
    "DROP TRIGGER IF EXISTS ledger_postings_append_only ON ledger_postings",
    "DROP TRIGGER IF EXISTS ledger_postings_no_truncate ON ledger_postings",
    "DROP TRIGGER IF EXISTS period_closes_append_only ON period_closes",
    "DROP TRIGGER IF EXISTS period_closes_no_truncate ON period_closes",
)


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("book", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("share", sa.String(length=60), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_ledger_accounts_name")),
    )
    op.create_table(
        "actual_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("restated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], name=op.f("fk_actual_imports_actor_id_actors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actual_imports")),
    )
    op.create_table(
        "period_closes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("through", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], name=op.f("fk_period_closes_actor_id_actors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_closes")),
    )
    op.create_table(
        "settlement_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("through", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("last_import_id", sa.Integer(), nullable=False),
        sa.Column("last_transfer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], name=op.f("fk_settlement_runs_actor_id_actors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_runs")),
    )
    op.create_table(
        "actual_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=60), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["actual_imports.id"], name=op.f("fk_actual_revisions_import_id_actual_imports")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_actual_revisions_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actual_revisions")),
        sa.UniqueConstraint(
            "project_id",
            "period",
            "metric",
            "revision",
            name=op.f("uq_actual_revisions_project_id_period_metric_revision"),
        ),
    )
    with op.batch_alter_table("actual_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actual_revisions_import_id"), ["import_id"], unique=False)

    op.create_table(
        "actuals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=60), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["actual_imports.id"], name=op.f("fk_actuals_import_id_actual_imports")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_actuals_project_id_projects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actuals")),
        sa.UniqueConstraint(
            "project_id", "period", "metric", name=op.f("uq_actuals_project_id_period_metric")
        ),
    )
    with op.batch_alter_table("actuals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actuals_import_id"), ["import_id"], unique=False)

    op.create_table(
        "ledger_entries",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("share", sa.String(length=60), nullable=False),
        sa.Column("book", sa.String(length=20), nullable=False),
        sa.Column("through", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["settlement_runs.id"], name=op.f("fk_ledger_entries_run_id_settlement_runs")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_ledger_entries_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("hash", name=op.f("uq_ledger_entries_hash")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entries_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entries_transfer_id"), ["transfer_id"], unique=False)

    op.create_table(
        "transfer_positions",
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("share", sa.String(length=60), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("book", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_transfer_positions_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("transfer_id", "share", "region", name=op.f("pk_transfer_positions")),
    )
    op.create_table(
        "ledger_postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_seq", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_accounts.id"], name=op.f("fk_ledger_postings_account_id_ledger_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["entry_seq"], ["ledger_entries.seq"], name=op.f("fk_ledger_postings_entry_seq_ledger_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
    )
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_postings_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_ledger_postings_entry_seq", ["entry_seq"], unique=False)

    _run_for_dialect(POSTGRES_CREATE, SQLITE_CREATE)


def downgrade() -> None:
    _run_for_dialect(POSTGRES_DROP, SQLITE_DROP)
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_postings_entry_seq")
        batch_op.drop_index(batch_op.f("ix_ledger_postings_account_id"))

    op.drop_table("ledger_postings")
    op.drop_table("transfer_positions")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_transfer_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_run_id"))

    op.drop_table("ledger_entries")
    with op.batch_alter_table("actuals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actuals_import_id"))

    op.drop_table("actuals")
    with op.batch_alter_table("actual_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actual_revisions_import_id"))

    op.drop_table("actual_revisions")
    op.drop_table("settlement_runs")
    op.drop_table("period_closes")
    op.drop_table("actual_imports")
    op.drop_table("ledger_accounts")


def _run_for_dialect(postgres: tuple[str, ...], sqlite: tuple[str, ...]) -> None:
    for statement in postgres if op.get_bind().dialect.name == "postgresql" else sqlite:
        op.execute(statement)
