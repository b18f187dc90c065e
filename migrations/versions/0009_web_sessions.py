"""web sessions: signed-in browsers, failed sign-ins and page preferences

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=200), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("previous_visit", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], name=op.f("fk_web_sessions_actor_id_actors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_web_sessions_key_hash")),
    )
    op.create_index(op.f("ix_web_sessions_actor_id"), "web_sessions", ["actor_id"], unique=False)
    op.create_table(
        "web_login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_login_failures")),
    )
    op.create_index("ix_web_login_failures_at", "web_login_failures", ["at"], unique=False)
    op.create_table(
        "web_preferences",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("last_visit", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], name=op.f("fk_web_preferences_actor_id_actors")),
        sa.PrimaryKeyConstraint("actor_id", name=op.f("pk_web_preferences")),
    )


def downgrade() -> None:
    op.drop_table("web_preferences")
    op.drop_index("ix_web_login_failures_at", table_name="web_login_failures")
    op.drop_table("web_login_failures")
    op.drop_index(op.f("ix_web_sessions_actor_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
