"""The driver's own cursor for the hot paths (settlement, verify, export).

Statements are still built with Core and compiled for the session's dialect, but rows come back
as the driver's plain tuples, streamed in batches (a server-side cursor on PostgreSQL), and go
in with the driver's executemany (SQLite) or COPY (PostgreSQL): SQLAlchemy's per-row work would
cost more than the database's own.
"""

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.orm import Session

BATCH = 20_000
_cursor_names = itertools.count(1)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def driver(session: Session) -> Any:
    """The DBAPI connection of the session's current transaction."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    return raw


def compiled(session: Session, stmt: Executable) -> tuple[str, Any]:
    """The statement's SQL for this dialect and its parameters in the driver's form."""
    c = stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    params = c.construct_params()
    if c.positional:
        return c.string, tuple(params[name] for name in c.positiontup or ())
    return c.string, params


def stream(session: Session, stmt: Executable, batch: int = BATCH) -> Iterator[tuple[Any, ...]]:
    """The statement's rows as tuples, fetched `batch` at a time."""
    sql, params = compiled(session, stmt)
    raw = driver(session)
    if is_postgres(session):
        cursor = raw.cursor(name=f"pool_stream_{next(_cursor_names)}")
        cursor.itersize = batch
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            yield from rows
    finally:
        cursor.close()


def insert(session: Session, table: str, columns: Sequence[str],
           rows: Iterable[Sequence[Any]]) -> None:
    """Append rows: COPY on PostgreSQL, the driver's executemany on SQLite."""
    raw = driver(session)
    names = ", ".join(columns)
    if is_postgres(session):
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def execute_many(session: Session, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """One statement, written with `?` placeholders, for every row (pipelined on PostgreSQL)."""
    raw = driver(session)
    if is_postgres(session):
        with raw.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), list(rows))
        return
    raw.executemany(sql, rows)
