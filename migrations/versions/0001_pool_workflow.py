"""pool workflow: regions, actors, projects, listings, claims, transfers, audit

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The append-only tables: the database itself refuses UPDATE and DELETE (and, on PostgreSQL,
# TRUNCATE). The SQL is written out here, as this revision runs it, so that it never changes.
# SQLite raises from a trigger per event; PostgreSQL calls one function, created here, from
# a row trigger and a statement trigger per table.
SQLITE_CREATE = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END",
    "CREATE TRIGGER ruleset_versions_no_update BEFORE UPDATE ON ruleset_versions BEGIN SELECT RAISE(ABORT, 'ruleset_versions is append-only: UPDATE refused'); END",
    "CREATE TRIGGER ruleset_versions_no_delete BEFORE DELETE ON ruleset_versions BEGIN SELECT RAISE(ABORT, 'ruleset_versions is append-only: DELETE refused'); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
    "DROP TRIGGER IF EXISTS ruleset_versions_no_update",
    "DROP TRIGGER IF EXISTS ruleset_versions_no_delete",
)
POSTGRES_CREATE = (
    "CREATE OR REPLACE FUNCTION pool_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION pool_refuse_change()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION pool_refuse_change()",
    "CREATE TRIGGER ruleset_versions_append_only BEFORE UPDATE OR DELETE ON ruleset_versions FOR EACH ROW EXECUTE FUNCTION pool_refuse_change()",
    "CREATE TRIGGER ruleset_versions_no_truncate BEFORE TRUNCATE ON ruleset_versions FOR EACH STATEMENT EXECUTE FUNCTION pool_refuse_change()",
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS ruleset_versions_append_only ON ruleset_versions",
    "DROP TRIGGER IF EXISTS ruleset_versions_no_truncate ON ruleset_versions",
    "DROP FUNCTION IF EXISTS pool_refuse_change()",
)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("role", sa.String(length=10), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "chains",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_chains")),
    )
    op.create_table(
        "regions",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.CheckConstraint("level IN ('city', 'county')", name=op.f("ck_regions_level")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
    )
    op.create_table(
        "actors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=True),
        sa.Column("token_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role != 'county' OR region IS NOT NULL", name=op.f("ck_actors_county_has_region")
        ),
        sa.CheckConstraint("role IN ('county', 'city', 'policy', 'auditor')", name=op.f("ck_actors_role")),
        sa.ForeignKeyConstraint(["region"], ["regions.code"], name=op.f("fk_actors_region_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actors")),
        sa.UniqueConstraint("name", name=op.f("uq_actors_name")),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("investor", sa.String(length=200), nullable=False),
        sa.Column("lead_investor", sa.String(length=200), nullable=False),
        sa.Column("lead_name", sa.String(length=200), nullable=False),
        sa.Column("chain", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("planned_investment", sa.BigInteger(), nullable=False),
        sa.Column("capital_source", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=40), nullable=False),
        sa.Column("host", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("signed", sa.Integer(), nullable=True),
        sa.Column("construction_start", sa.Integer(), nullable=True),
        sa.Column("operation_start", sa.Integer(), nullable=True),
        sa.Column("full_capacity", sa.Integer(), nullable=True),
        sa.Column("registered_by", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "capital_source IN ('local', 'out_of_city', 'out_of_province', 'foreign')",
            name=op.f("ck_projects_capital_source"),
        ),
        sa.CheckConstraint(
            "kind IN ('manufacturing', 'services', 'agriculture', 'infrastructure', 'real_estate', 'other')",
            name=op.f("ck_projects_kind"),
        ),
        sa.CheckConstraint(
            "stage IN ('planned', 'negotiating', 'signed', 'started', 'operating', 'terminated')",
            name=op.f("ck_projects_stage"),
        ),
        sa.CheckConstraint("planned_investment >= 0", name=op.f("ck_projects_investment_not_negative")),
        sa.ForeignKeyConstraint(["chain"], ["chains.code"], name=op.f("fk_projects_chain_chains")),
        sa.ForeignKeyConstraint(["host"], ["regions.code"], name=op.f("fk_projects_host_regions")),
        sa.ForeignKeyConstraint(["origin"], ["regions.code"], name=op.f("fk_projects_origin_regions")),
        sa.ForeignKeyConstraint(
            ["registered_by"], ["actors.id"], name=op.f("fk_projects_registered_by_actors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("code", name=op.f("uq_projects_code")),
        sa.UniqueConstraint("lead_investor", "lead_name", name=op.f("uq_projects_lead_investor_lead_name")),
    )
    op.create_table(
        "ruleset_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ruleset", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("effective_from", sa.Integer(), nullable=False),
        sa.Column("effective_until", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by"], ["actors.id"], name=op.f("fk_ruleset_versions_published_by_actors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ruleset_versions")),
        sa.UniqueConstraint("ruleset", "version", name=op.f("uq_ruleset_versions_ruleset_version")),
    )
    op.create_table(
        "listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'transferred', 'withdrawn', 'expired')",
            name=op.f("ck_listings_status"),
        ),
        sa.ForeignKeyConstraint(["opened_by"], ["actors.id"], name=op.f("fk_listings_opened_by_actors")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_listings_project_id_projects")
        ),
        sa.ForeignKeyConstraint(["region"], ["regions.code"], name=op.f("fk_listings_region_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
    )
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listings_project_id"), ["project_id"], unique=False)
        batch_op.create_index(
            "uq_listings_one_open_per_project",
            ["project_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("claimant", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'withdrawn')",
            name=op.f("ck_claims_status"),
        ),
        sa.ForeignKeyConstraint(["claimant"], ["regions.code"], name=op.f("fk_claims_claimant_regions")),
        sa.ForeignKeyConstraint(["decided_by"], ["actors.id"], name=op.f("fk_claims_decided_by_actors")),
        sa.ForeignKeyConstraint(["listing_id"], ["listings.id"], name=op.f("fk_claims_listing_id_listings")),
        sa.ForeignKeyConstraint(["submitted_by"], ["actors.id"], name=op.f("fk_claims_submitted_by_actors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_listing_id"), ["listing_id"], unique=False)
        batch_op.create_index(
            "uq_claims_one_pending_per_claimant",
            ["listing_id", "claimant"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("from_region", sa.String(length=40), nullable=False),
        sa.Column("to_region", sa.String(length=40), nullable=False),
        sa.Column("effective", sa.Integer(), nullable=False),
        sa.Column("ruleset_version_id", sa.Integer(), nullable=False),
        sa.Column("agreement", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["approved_by"], ["actors.id"], name=op.f("fk_transfers_approved_by_actors")),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_transfers_claim_id_claims")),
        sa.ForeignKeyConstraint(
            ["from_region"], ["regions.code"], name=op.f("fk_transfers_from_region_regions")
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listings.id"], name=op.f("fk_transfers_listing_id_listings")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_transfers_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["ruleset_version_id"],
            ["ruleset_versions.id"],
            name=op.f("fk_transfers_ruleset_version_id_ruleset_versions"),
        ),
        sa.ForeignKeyConstraint(["to_region"], ["regions.code"], name=op.f("fk_transfers_to_region_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_transfers_claim_id")),
        sa.UniqueConstraint("listing_id", name=op.f("uq_transfers_listing_id")),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfers_project_id"), ["project_id"], unique=False)

    _run_for_dialect(POSTGRES_CREATE, SQLITE_CREATE)


def downgrade() -> None:
    _run_for_dialect(POSTGRES_DROP, SQLITE_DROP)
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfers_project_id"))

    op.drop_table("transfers")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_claims_one_pending_per_claimant",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index(batch_op.f("ix_claims_listing_id"))

    op.drop_table("claims")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_listings_one_open_per_project",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index(batch_op.f("ix_listings_project_id"))

    op.drop_table("listings")
    op.drop_table("ruleset_versions")
    op.drop_table("projects")
    op.drop_table("actors")
    op.drop_table("regions")
    op.drop_table("chains")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_actor"))

    op.drop_table("audit_log")


def _run_for_dialect(postgres: tuple[str, ...], sqlite: tuple[str, ...]) -> None:
    for statement in postgres if op.get_bind().dialect.name == "postgresql" else sqlite:
        op.execute(statement)
