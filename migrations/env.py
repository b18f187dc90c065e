"""Alembic environment: metadata from pool.store; a connection handed in, or alembic.ini's URL."""

import os

from alembic import context

from pool.store import (  # noqa: F401  (their tables join the metadata)
    default_tables,
    journal_tables,
    ledger_tables,
    models,
    target_tables,
    web_tables,
)
from pool.store.base import Base
from pool.store.engine import make_engine, writer

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = os.environ.get("POOL_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    engine = make_engine(url or "sqlite:///pool.db")
    with writer(engine).begin() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run against a database.")
run_migrations()
