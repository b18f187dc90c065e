"""Engines for SQLite (WAL, foreign keys, BEGIN IMMEDIATE for writes) and PostgreSQL (psycopg 3)."""

import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from pool.domain.errors import InvalidInput

_WRITE = "pool_write"
_PASSWORD = re.compile(r"(://[^/@:]*):[^@/]*@")
_SECRET_PARAMS = re.compile(r"(?i)((?:^|[?&;\s])(?:password|passwd|pwd|sslpassword)=)[^&;\s]*")
# Query parameters that carry a credential (libpq's `password`, `sslpassword`, and spellings
# other drivers accept).
SECRET_PARAMS = frozenset({"password", "passwd", "pwd", "sslpassword"})


def shown_url(url: str) -> str:
    """The URL for a message: every credential it carries (the password, a `password=` query
    parameter and the like) replaced by `***`."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return _SECRET_PARAMS.sub(r"\1***", _PASSWORD.sub(r"\1:***@", url))
    query = {k: ("MASKED" if k.lower() in SECRET_PARAMS else v) for k, v in parsed.query.items()}
    shown = parsed.set(query=query).render_as_string(hide_password=True)
    return shown.replace("=MASKED", "=***")


def without_credentials(url: str) -> tuple[str, bool]:
    """The URL with every credential removed, and whether it had one."""
    parsed = make_url(url)
    query = {k: v for k, v in parsed.query.items() if k.lower() not in SECRET_PARAMS}
    had = parsed.password is not None or len(query) != len(parsed.query)
    plain = URL.create(
        parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database, query
    )
    return plain.render_as_string(hide_password=False), had


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
    engine = create_engine(_read_only_media(parsed), connect_args={"timeout": 60})
    _sqlite_events(engine)
    return engine


def _read_only_media(parsed: URL) -> URL:
    """A database file in a directory nobody may write (a copy on read-only media) is opened
    immutable: SQLite then needs no lock or shared-memory file beside it, so it can be read."""
    path = Path(parsed.database or "")
    if not parsed.database or parsed.database == ":memory:" or not path.is_file():
        return parsed
    if os.access(path.parent, os.W_OK):
        return parsed
    uri = f"file:{path.resolve()}?mode=ro&immutable=1"
    return parsed.set(database=uri, query={**parsed.query, "uri": "true"})


def set_wal(engine: Engine) -> None:
    """Put a SQLite database in WAL mode (kept in the file: readers never block the writer).
    Done when the schema is made or upgraded, not on every connection, which would be a write."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
    finally:
        raw.close()


def writer(engine: Engine) -> Engine:
    """The same engine, whose transactions take the write lock at BEGIN on SQLite."""
    return engine.execution_options(**{_WRITE: True})


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
