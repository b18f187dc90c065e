"""PostgreSQL: the references of settlement's rows checked once per statement

Revision ID: 0011
Revises: 0010

A foreign key on PostgreSQL checks each inserted row with a query of its own. A month-end run
inserts hundreds of thousands of entries, postings, positions and sums, and those checks took
about a fifth of its time. Here the references of ledger_entries, ledger_postings,
transfer_positions, share_sums and position_years are checked instead by one query per
statement over the statement's new rows (a statement trigger reading its transition table),
which raises foreign_key_violation as the key did.

What a foreign key also guarantees is kept by refusals: the rows referred to never go away
(ledger_entries, settlement_runs and transfers are append-only; ledger_accounts now refuses
DELETE, TRUNCATE and a change of id), and a referring row's key never changes (postings and
entries are append-only; positions, sums and yearly positions refuse a change of transfer_id).
So no row can be left referring to nothing, whatever runs beside it. SQLite keeps its foreign
keys, which it checks in the writing process at little cost.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# table -> (column, referenced table, referenced column) of each reference checked per statement
REFERENCES = {
    "ledger_entries": (("run_id", "settlement_runs", "id"), ("transfer_id", "transfers", "id")),
    "ledger_postings": (("entry_seq", "ledger_entries", "seq"), ("account_id", "ledger_accounts", "id")),
    "transfer_positions": (("transfer_id", "transfers", "id"),),
    "share_sums": (("transfer_id", "transfers", "id"),),
    "position_years": (("transfer_id", "transfers", "id"),),
}
KEYED = ("transfer_positions", "share_sums", "position_years")  # updated in place: transfer_id fixed

CHECK_REFERENCES = """
CREATE OR REPLACE FUNCTION pool_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    FOR i IN 0 .. TG_NARGS / 3 - 1 LOOP
        EXECUTE format(
            'SELECT n.%1$I::text FROM pool_new_rows n WHERE NOT EXISTS '
            '(SELECT 1 FROM %2$I r WHERE r.%3$I = n.%1$I) LIMIT 1',
            TG_ARGV[3 * i], TG_ARGV[3 * i + 1], TG_ARGV[3 * i + 2]
        ) INTO missing;
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'insert into % refused: %.% % is not in %',
                TG_TABLE_NAME, TG_TABLE_NAME, TG_ARGV[3 * i], missing, TG_ARGV[3 * i + 1]
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END $$
"""
REFUSE_KEY_CHANGE = """
CREATE OR REPLACE FUNCTION pool_refuse_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% keeps %: % refused', TG_TABLE_NAME, TG_ARGV[0], TG_OP
        USING ERRCODE = 'foreign_key_violation';
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(CHECK_REFERENCES)
    op.execute(REFUSE_KEY_CHANGE)
    for table, refs in REFERENCES.items():
        for column, target, _ in refs:
            op.drop_constraint(_fk(table, column, target), table, type_="foreignkey")
        args = ", ".join(f"'{part}'" for ref in refs for part in ref)
        op.execute(
            f"CREATE TRIGGER {table}_references AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS pool_new_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION pool_check_references({args})"
        )
    for table in KEYED:
        op.execute(
            f"CREATE TRIGGER {table}_key BEFORE UPDATE OF transfer_id ON {table} FOR EACH ROW "
            "WHEN (OLD.transfer_id IS DISTINCT FROM NEW.transfer_id) "
            "EXECUTE FUNCTION pool_refuse_key_change('the transfer_id of its rows')"
        )
    op.execute(
        "CREATE TRIGGER ledger_accounts_kept BEFORE DELETE ON ledger_accounts FOR EACH ROW "
        "EXECUTE FUNCTION pool_refuse_key_change('its rows')"
    )
    op.execute(
        "CREATE TRIGGER ledger_accounts_key BEFORE UPDATE OF id ON ledger_accounts FOR EACH ROW "
        "WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION pool_refuse_key_change('the id of its rows')"
    )
    op.execute(
        "CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts "
        "FOR EACH STATEMENT EXECUTE FUNCTION pool_refuse_key_change('its rows')"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for trigger in ("ledger_accounts_kept", "ledger_accounts_key", "ledger_accounts_no_truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON ledger_accounts")
    for table in KEYED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_key ON {table}")
    for table, refs in REFERENCES.items():
        op.execute(f"DROP TRIGGER IF EXISTS {table}_references ON {table}")
        for column, target, target_column in refs:
            op.create_foreign_key(_fk(table, column, target), table, target, [column], [target_column])
    op.execute("DROP FUNCTION IF EXISTS pool_check_references()")
    op.execute("DROP FUNCTION IF EXISTS pool_refuse_key_change()")


def _fk(table: str, column: str, target: str) -> str:
    return op.f(f"fk_{table}_{column}_{target}")
