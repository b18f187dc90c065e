"""Append-only tables: triggers that make the database itself refuse UPDATE and DELETE.

Used by the migrations; SQLite raises from a trigger per event, PostgreSQL calls one function
(created with the first migration) from a row trigger and a TRUNCATE trigger.
"""

from alembic import op

_REFUSE = (
    "CREATE OR REPLACE FUNCTION pool_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$"
)


def _postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def create_refuse_function() -> None:
    if _postgres():
        op.execute(_REFUSE)


def drop_refuse_function() -> None:
    if _postgres():
        op.execute("DROP FUNCTION IF EXISTS pool_refuse_change()")


def make_append_only(table: str) -> None:
    if _postgres():
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION pool_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION pool_refuse_change()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {event} refused'); END"
        )


def drop_append_only(table: str) -> None:
    if _postgres():
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        return
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
