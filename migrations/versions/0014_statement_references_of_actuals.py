"""PostgreSQL: the references of actuals and their revisions checked once per statement

Revision ID: 0014
Revises: 0013

An import inserts a revision and a current value for every new figure of its file, and the
foreign keys of both tables (to the project and to the import) checked each row with a query of
its own: at 360,000 figures those checks were two thirds of the import. As for settlement's rows
(revision 0011), the references are checked instead by one query per statement over the
statement's new rows, which raises foreign_key_violation as the key did; the current values are
checked again after an update (a restatement moves them to a later import).

The check now reads each distinct value of a column once (an import's 360,000 rows name one
import and some thousands of projects): 0.40 s, now 0.08 s, for the two references of 360,000
rows. Settlement's checks use the same function; downgrading keeps this form of it, which finds
and reports exactly what the former did.

What the keys also guaranteed is kept by refusals: the rows referred to never go away (projects
and actual_imports now refuse DELETE, TRUNCATE and a change of id), and revisions never change
(they are append-only). SQLite keeps its foreign keys.
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

REFERENCES = (("project_id", "projects", "id"), ("import_id", "actual_imports", "id"))
CHECKED = {"actual_revisions": ("INSERT",), "actuals": ("INSERT", "UPDATE")}
KEPT = ("projects", "actual_imports")  # referred to: their rows stay, and keep their ids

CHECK_REFERENCES = """
CREATE OR REPLACE FUNCTION pool_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    FOR i IN 0 .. TG_NARGS / 3 - 1 LOOP
        EXECUTE format(
            'SELECT n.%1$I::text FROM (SELECT DISTINCT %1$I FROM pool_new_rows) n WHERE NOT EXISTS '
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


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(CHECK_REFERENCES)
    args = ", ".join(f"'{part}'" for ref in REFERENCES for part in ref)
    for table, events in CHECKED.items():
        for column, target, _ in REFERENCES:
            op.drop_constraint(_fk(table, column, target), table, type_="foreignkey")
        for event in events:  # a trigger with a transition table answers one event
            op.execute(
                f"CREATE TRIGGER {_trigger(table, event)} AFTER {event} ON {table} "
                "REFERENCING NEW TABLE AS pool_new_rows FOR EACH STATEMENT "
                f"EXECUTE FUNCTION pool_check_references({args})"
            )
    for table in KEPT:
        op.execute(
            f"CREATE TRIGGER {table}_kept BEFORE DELETE ON {table} FOR EACH ROW "
            "EXECUTE FUNCTION pool_refuse_key_change('its rows')"
        )
        op.execute(
            f"CREATE TRIGGER {table}_key BEFORE UPDATE OF id ON {table} FOR EACH ROW "
            "WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION pool_refuse_key_change('the id of its rows')"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION pool_refuse_key_change('its rows')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in KEPT:
        for trigger in ("kept", "key", "no_truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{trigger} ON {table}")
    for table, events in CHECKED.items():
        for event in events:
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, event)} ON {table}")
        for column, target, target_column in REFERENCES:
            op.create_foreign_key(_fk(table, column, target), table, target, [column], [target_column])


def _trigger(table: str, event: str) -> str:
    return f"{table}_references" + ("_updated" if event == "UPDATE" else "")


def _fk(table: str, column: str, target: str) -> str:
    return op.f(f"fk_{table}_{column}_{target}")
