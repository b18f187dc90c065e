"""Engines for SQLite (WAL, foreign keys, BEGIN IMMEDIATE for writes) and PostgreSQL (psycopg 3)."""

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from pool.domain.errors import InvalidInput

_WRITE = "pool_write"
_PASSWORD = re.compile(r"(://[^/@:]*):[^@/]*@")


def shown_url(url: str) -> str:
    """The URL for a message: its password, if any, replaced by `***`."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _PASSWORD.sub(r"\1:***@", url)


def sqlite_files(url: str) -> list[Path]:
    """The files a SQLite database at `url` lives in (with its journal, WAL and shared memory);
    none for a server database or a URL that cannot be read."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return []
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return []
    path = Path(parsed.database)
    return [path] + [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def make_engine(url: str) -> Engine:
    """Build the engine for `url`; SQLite gets the pragmas and transaction handling it needs."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInput(
            f"{shown_url(url)!r} is not a database URL; use sqlite:///FILE or "
            "postgresql+psycopg://USER@HOST/DB."
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername != "postgresql+psycopg":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True)
    if backend != "sqlite":
        raise InvalidInput(f"The database {backend!r} is not supported; use SQLite or PostgreSQL.")
    engine = create_engine(parsed, connect_args={"timeout": 60})
    _sqlite_events(engine)
    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, whose transactions take the write lock at BEGIN on SQLite."""
    return engine.execution_options(**{_WRITE: True})


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
