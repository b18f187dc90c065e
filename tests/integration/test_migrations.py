"""The migration history builds the schema from empty, goes back to base and up again, and the
models agree with it; the append-only tables refuse UPDATE and DELETE in the database itself."""

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.exc import DBAPIError
from support.databases import BACKENDS
from support.ledger import assert_verified, fresh_pool, ledger_state, settled_history

from pool.store import (
    migrate,
    web_tables,  # noqa: F401  (its tables join the metadata)
)
from pool.store.engine import make_engine
from pool.store.errors import DatabaseUnavailable
from pool.store.models import Base

TABLES = {
    "regions",
    "chains",
    "actors",
    "projects",
    "listings",
    "claims",
    "ruleset_versions",
    "transfers",
    "audit_log",
    "alembic_version",
}


@pytest.mark.parametrize("empty_url", BACKENDS, indirect=True)
def test_upgrade_downgrade_upgrade(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        assert migrate.current(engine) is None
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
        assert TABLES <= set(inspect(engine).get_table_names())
        migrate.downgrade(engine, "base")
        assert migrate.current(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
    finally:
        engine.dispose()


# On PostgreSQL these references are checked once per statement by a trigger (migrations 0011
# and 0014), not by a foreign key: the models declare the keys SQLite keeps.
STATEMENT_CHECKED = {
    ("actual_revisions", "project_id"),
    ("actual_revisions", "import_id"),
    ("actuals", "project_id"),
    ("actuals", "import_id"),
    ("ledger_entries", "run_id"),
    ("ledger_entries", "transfer_id"),
    ("ledger_postings", "entry_seq"),
    ("ledger_postings", "account_id"),
    ("transfer_positions", "transfer_id"),
    ("share_sums", "transfer_id"),
    ("position_years", "transfer_id"),
}


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_models_match_migrations(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        if engine.dialect.name == "postgresql":
            keys = {(d[1].parent.name, *d[1].column_keys) for d in diff if d[0] == "add_fk"}
            assert keys == STATEMENT_CHECKED
            diff = [d for d in diff if d[0] != "add_fk"]
        assert diff == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET outcome = 'ok'",
        "DELETE FROM audit_log",
        "UPDATE ruleset_versions SET text = 'x'",
        "DELETE FROM ruleset_versions",
    ],
)
def test_append_only_tables_refuse_changes(db_url: str, statement: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (code, name, level) VALUES ('c', '市', 'city')"))
            conn.execute(
                text(
                    "INSERT INTO actors (name, role, region, token_hash, created_at) "
                    "VALUES ('a', 'city', 'c', 'x', :at)"
                ),
                {"at": datetime(2024, 1, 1)},
            )
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, actor, action, outcome, detail) VALUES "
                    "(:at, 'a', 'init', 'ok', '{}')"
                ),
                {"at": datetime(2024, 1, 1)},
            )
            conn.execute(
                text(
                    "INSERT INTO ruleset_versions (ruleset, version, title, effective_from, text, "
                    "sha256, published_by, published_at) VALUES ('r', '1', 't', 1, 'x', 'h', 1, :at)"
                ),
                {"at": datetime(2024, 1, 1)},
            )
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 1
            assert conn.execute(text("SELECT text FROM ruleset_versions")).scalar() == "x"
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_settled_ledger_goes_down_and_up_the_history_whole(
    backend: str, tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> None:
    """Revision 0012 drops two indexes of ledger_entries and copies the table on SQLite, which
    the postings refer to: down to 0011 and up again, every entry, posting and balance is kept,
    the chain verifies, the table still refuses UPDATE and DELETE, and SQLite's foreign keys are
    on again."""
    pool, drop = fresh_pool(backend, tmp_path, sqlite_template, pg_schemas)
    try:
        settled_history(pool, tmp_path)
        before = ledger_state(pool)
        engine = make_engine(pool.url)
        try:
            migrate.downgrade(engine, "0011")
            assert {"uq_ledger_entries_hash", "ix_ledger_entries_transfer_id"} <= _index_names(engine)
            migrate.upgrade(engine)
            assert migrate.current(engine) == migrate.head()
            assert _index_names(engine) & {"uq_ledger_entries_hash", "ix_ledger_entries_transfer_id"} == set()
            for statement in ("UPDATE ledger_entries SET through = 0", "DELETE FROM ledger_entries"):
                with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                    conn.execute(text(statement))
            if backend == "sqlite":
                with engine.connect() as conn:
                    assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        finally:
            engine.dispose()
        assert ledger_state(pool) == before
        assert_verified(pool)
    finally:
        drop()


def test_a_sqlite_upgrade_that_would_leave_a_row_referring_to_nothing_is_refused(
    empty_url: str,
) -> None:
    engine = make_engine(empty_url)
    try:
        migrate.upgrade(engine, "0011")
        plain = create_engine(empty_url)  # foreign keys off: a posting of an entry never written
        with plain.begin() as conn:
            conn.execute(
                text("INSERT INTO ledger_postings (id, entry_seq, account_id, amount) VALUES (7, 1, 1, 5)")
            )
        plain.dispose()
        with pytest.raises(DatabaseUnavailable, match="row 7 of ledger_postings refers to a row of"):
            migrate.upgrade(engine)
        assert migrate.current(engine) == "0011"
        assert "uq_ledger_entries_hash" in _index_names(engine)  # the copy was rolled back
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def _index_names(engine: Engine) -> set[str | None]:
    found = inspect(engine)
    unique = found.get_unique_constraints("ledger_entries")
    return {u["name"] for u in unique} | {i["name"] for i in found.get_indexes("ledger_entries")}


@pytest.mark.parametrize("db_url", [p for p in BACKENDS if p != "sqlite"], indirect=True)
def test_postgresql_leaves_room_in_the_pages_of_the_sums_a_run_updates(db_url: str) -> None:
    engine = make_engine(db_url)
    tables = ("transfer_positions", "position_years", "share_sums", "ledger_postings")
    try:
        with engine.connect() as conn:
            options = {
                t: conn.execute(
                    text("SELECT reloptions FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": t}
                ).scalar_one()
                for t in tables
            }
    finally:
        engine.dispose()
    assert options == {
        "transfer_positions": ["fillfactor=50"],
        "position_years": ["fillfactor=50"],
        "share_sums": ["fillfactor=50"],
        "ledger_postings": None,  # appended to, never updated
    }


def test_sqlite_runs_in_wal_with_foreign_keys(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
