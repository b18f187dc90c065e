"""targets and assessment schemes: annual targets with their history, published schemes

Revision ID: 0006
Revises: 0004

Both tables are append-only, enforced in the database by triggers written out here (so that this
migration keeps building the same schema whatever the code becomes).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("targets", "assessment_schemes")

SQLITE_UP = tuple(
    f"CREATE TRIGGER {t}_no_{op_} BEFORE {op_.upper()} ON {t} BEGIN "
    f"SELECT RAISE(ABORT, '{t} is append-only: {op_.upper()} refused'); END"
    for t in TABLES
    for op_ in ("update", "delete")
)
SQLITE_DOWN = tuple(f"DROP TRIGGER IF EXISTS {t}_no_{op_}" for t in TABLES for op_ in ("update", "delete"))
# pool_refuse_change() is created by the first migration.
POSTGRES_UP = tuple(
    stmt
    for t in TABLES
    for stmt in (
        f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION pool_refuse_change()",
        f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
        "FOR EACH STATEMENT EXECUTE FUNCTION pool_refuse_change()",
    )
)
POSTGRES_DOWN = tuple(
    stmt
    for t in TABLES
    for stmt in (
        f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}",
        f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}",
    )
)


def upgrade() -> None:
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("indicator", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["region"], ["regions.code"], name="fk_targets_region_regions"),
        sa.ForeignKeyConstraint(["set_by"], ["actors.id"], name="fk_targets_set_by_actors"),
        sa.PrimaryKeyConstraint("id", name="pk_targets"),
    )
    op.create_index("ix_targets_key", "targets", ["year", "indicator", "region"])
    op.create_table(
        "assessment_schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by"], ["actors.id"], name="fk_assessment_schemes_published_by_actors"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_assessment_schemes"),
        sa.UniqueConstraint("scheme", "version", name="uq_assessment_schemes_scheme_version"),
    )
    _run_for_dialect(POSTGRES_UP, SQLITE_UP)


def downgrade() -> None:
    _run_for_dialect(POSTGRES_DOWN, SQLITE_DOWN)
    op.drop_table("assessment_schemes")
    op.drop_index("ix_targets_key", table_name="targets")
    op.drop_table("targets")


def _run_for_dialect(postgres: tuple[str, ...], sqlite: tuple[str, ...]) -> None:
    statements = postgres if op.get_bind().dialect.name == "postgresql" else sqlite
    for statement in statements:
        op.execute(statement)
