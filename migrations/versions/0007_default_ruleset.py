"""default ruleset: default_rulesets (append-only history); projects.planned_fixed_assets

Revision ID: 0007
Revises: 0006

The pool's default ruleset is a history of choices, each a new row; the database refuses UPDATE
and DELETE (and, on PostgreSQL, TRUNCATE) on it, with the SQL written out here as this revision
runs it. Projects gain an optional planned fixed-asset investment, in fen.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SQLITE_CREATE = (
    "CREATE TRIGGER default_rulesets_no_update BEFORE UPDATE ON default_rulesets BEGIN SELECT RAISE(ABORT, 'default_rulesets is append-only: UPDATE refused'); END",
    "CREATE TRIGGER default_rulesets_no_delete BEFORE DELETE ON default_rulesets BEGIN SELECT RAISE(ABORT, 'default_rulesets is append-only: DELETE refused'); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS default_rulesets_no_update",
    "DROP TRIGGER IF EXISTS default_rulesets_no_delete",
)
POSTGRES_CREATE = (
    "CREATE TRIGGER default_rulesets_append_only BEFORE UPDATE OR DELETE ON default_rulesets FOR EACH ROW EXECUTE FUNCTION pool_refuse_change()",
    "CREATE TRIGGER default_rulesets_no_truncate BEFORE TRUNCATE ON default_rulesets FOR EACH STATEMENT EXECUTE FUNCTION pool_refuse_change()",
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS default_rulesets_append_only ON default_rulesets",
    "DROP TRIGGER IF EXISTS default_rulesets_no_truncate ON default_rulesets",
)


def upgrade() -> None:
    op.create_table(
        "default_rulesets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ruleset", sa.String(length=100), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["set_by"], ["actors.id"], name=op.f("fk_default_rulesets_set_by_actors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_default_rulesets")),
    )
    # Added in place on both backends (SQLite accepts a CHECK on an added column), so the
    # projects table is never rebuilt under the rows that refer to it.
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("projects", sa.Column("planned_fixed_assets", sa.BigInteger(), nullable=True))
        op.create_check_constraint(
            op.f("ck_projects_fixed_assets_not_negative"), "projects", "planned_fixed_assets >= 0"
        )
    else:
        op.execute(
            "ALTER TABLE projects ADD COLUMN planned_fixed_assets BIGINT "
            "CONSTRAINT ck_projects_fixed_assets_not_negative CHECK (planned_fixed_assets >= 0)"
        )
    _run_for_dialect(POSTGRES_CREATE, SQLITE_CREATE)


def downgrade() -> None:
    _run_for_dialect(POSTGRES_DROP, SQLITE_DROP)
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_projects_fixed_assets_not_negative"), "projects", type_="check")
    op.drop_column("projects", "planned_fixed_assets")
    op.drop_table("default_rulesets")


def _run_for_dialect(postgres: tuple[str, ...], sqlite: tuple[str, ...]) -> None:
    for statement in postgres if op.get_bind().dialect.name == "postgresql" else sqlite:
        op.execute(statement)
