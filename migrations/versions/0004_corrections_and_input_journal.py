"""corrections and the input journal: agreement revisions, cancellations, input_journal,
settlement_runs.journal_seq and journal_head; transfers become append-only

Revision ID: 0004
Revises: 0003

The journal is filled with a record of every input already stored, so a pool upgraded with a
history verifies. The record format (columns, canonical JSON, hash) is written out here, as this
revision writes it, so that it never changes under the rows it wrote.
"""

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY = ("agreement_revisions", "transfer_cancellations", "input_journal", "transfers")
SQLITE_CREATE = tuple(
    f"CREATE TRIGGER {t}_no_{event.lower()} BEFORE {event} ON {t} BEGIN SELECT RAISE(ABORT, '{t} is append-only: {event} refused'); END"
    for t in APPEND_ONLY
    for event in ("UPDATE", "DELETE")
)
SQLITE_DROP = tuple(f"DROP TRIGGER IF EXISTS {t}_no_{e}" for t in APPEND_ONLY for e in ("update", "delete"))
POSTGRES_CREATE = tuple(
    statement
    for t in APPEND_ONLY
    for statement in (
        f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION pool_refuse_change()",
        f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION pool_refuse_change()",
    )
)
POSTGRES_DROP = tuple(
    statement
    for t in APPEND_ONLY
    for statement in (
        f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}",
        f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}",
    )
)

# kind -> (table, the column naming its project or None, the recorded columns), in backfill order.
RECORDS = (
    (
        "ruleset",
        "ruleset_versions",
        None,
        (
            "ruleset",
            "version",
            "title",
            "effective_from",
            "effective_until",
            "text",
            "sha256",
            "published_by",
        ),
    ),
    (
        "project",
        "projects",
        "id",
        (
            "code",
            "name",
            "investor",
            "lead_investor",
            "lead_name",
            "chain",
            "kind",
            "planned_investment",
            "capital_source",
            "origin",
            "stage",
            "signed",
            "construction_start",
            "operation_start",
            "full_capacity",
            "registered_by",
        ),
    ),
    (
        "transfer",
        "transfers",
        "project_id",
        (
            "project_id",
            "listing_id",
            "claim_id",
            "from_region",
            "to_region",
            "effective",
            "ruleset_version_id",
            "agreement",
            "approved_by",
        ),
    ),
    (
        "actual",
        "actual_revisions",
        "project_id",
        ("project_id", "period", "metric", "revision", "amount", "note", "import_id"),
    ),
    ("close", "period_closes", None, ("through", "actor_id")),
)
GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "agreement_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("agreement", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_agreement_revisions_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_agreement_revisions_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_revisions")),
        sa.UniqueConstraint(
            "transfer_id", "revision", name=op.f("uq_agreement_revisions_transfer_id_revision")
        ),
    )
    op.create_index(
        op.f("ix_agreement_revisions_transfer_id"), "agreement_revisions", ["transfer_id"], unique=False
    )
    op.create_table(
        "transfer_cancellations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_transfer_cancellations_actor_id_actors")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_transfer_cancellations_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_cancellations")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_transfer_cancellations_transfer_id")),
    )
    op.create_table(
        "input_journal",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_input_journal")),
        sa.UniqueConstraint("hash", name=op.f("uq_input_journal_hash")),
    )
    op.create_index(op.f("ix_input_journal_project_id"), "input_journal", ["project_id"], unique=False)
    op.add_column("settlement_runs", sa.Column("journal_seq", sa.Integer(), nullable=True))
    op.add_column("settlement_runs", sa.Column("journal_head", sa.String(length=64), nullable=True))
    _backfill()
    _run_for_dialect(POSTGRES_CREATE, SQLITE_CREATE)


def _backfill() -> None:
    bind = op.get_bind()
    seq, prev = 0, GENESIS
    out = []
    for kind, table, project, columns in RECORDS:
        project_sql = project or "NULL"
        rows = bind.execute(
            sa.text(f"SELECT id, {project_sql}, {', '.join(columns)} FROM {table} ORDER BY id")
        )
        for ref, project_id, *values in rows:
            body = json.dumps(
                {"row": dict(zip(columns, values)), "reason": None},
                ensure_ascii=False,
                sort_keys=True,
                separators=(",", ":"),
            )
            seq += 1
            digest = hashlib.sha256(f"{prev}\n{seq}\n{kind}\n{ref}\n{body}".encode()).hexdigest()
            out.append(
                {
                    "seq": seq,
                    "kind": kind,
                    "ref": ref,
                    "project_id": project_id,
                    "body": body,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
            if len(out) >= 10_000:
                _insert(out)
                out = []
    _insert(out)


def _insert(rows: list[dict[str, object]]) -> None:
    if rows:
        op.get_bind().execute(
            sa.text(
                "INSERT INTO input_journal (seq, kind, ref, project_id, body, prev_hash, hash) "
                "VALUES (:seq, :kind, :ref, :project_id, :body, :prev_hash, :hash)"
            ),
            rows,
        )


def downgrade() -> None:
    _run_for_dialect(POSTGRES_DROP, SQLITE_DROP)
    op.drop_column("settlement_runs", "journal_head")
    op.drop_column("settlement_runs", "journal_seq")
    op.drop_index(op.f("ix_input_journal_project_id"), table_name="input_journal")
    op.drop_table("input_journal")
    op.drop_table("transfer_cancellations")
    op.drop_index(op.f("ix_agreement_revisions_transfer_id"), table_name="agreement_revisions")
    op.drop_table("agreement_revisions")


def _run_for_dialect(postgres: tuple[str, ...], sqlite: tuple[str, ...]) -> None:
    for statement in postgres if op.get_bind().dialect.name == "postgresql" else sqlite:
        op.execute(statement)
