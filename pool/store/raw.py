"""The driver's own cursor for the hot paths (settlement, verify, export).

Statements are still built with Core and compiled for the session's dialect, but rows come back
as the driver's plain tuples, streamed in batches (a server-side cursor on PostgreSQL), and go
in with multi-row INSERTs (SQLite) or COPY (PostgreSQL): SQLAlchemy's per-row work would
cost more than the database's own.
"""

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Executable, Select
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

BATCH = 20_000
# which projects a read is about: a query of their ids, the ids themselves, or None for every one
Projects = Select[Any] | Sequence[int] | None
Span = tuple[int, int]  # the first and last project id a read is about
S = TypeVar("S", bound=Select[Any])


def of_projects(stmt: S, column: Any, projects: Projects, span: Span | None = None) -> S:
    """`stmt` kept to the rows whose `column` (a project id) is one of `projects`, within `span`."""
    if projects is not None:
        stmt = stmt.where(column.in_(projects))
    if span is not None:
        stmt = stmt.where(column.between(*span))
    return stmt


_cursor_names = itertools.count(1)


def chunks(ids: Sequence[int], size: int = 500) -> Iterator[Sequence[int]]:
    """`ids` in slices of at most `size`: what one statement's IN list names."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def driver(session: Session) -> Any:
    """The DBAPI connection of the session's current transaction."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    return raw


def compiled(session: Session, stmt: Executable) -> tuple[str, Any]:
    """The statement's SQL for this dialect and its parameters in the driver's form."""
    c = cast(
        SQLCompiler,
        stmt.compile(  # type: ignore[attr-defined]
            dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
        ),
    )
    params = c.construct_params()
    if c.positional:
        return c.string, tuple(params[name] for name in c.positiontup or ())
    return c.string, params


def stream(session: Session, stmt: Executable) -> Iterator[tuple[Any, ...]]:
    """The statement's rows as tuples."""
    return itertools.chain.from_iterable(batches(session, stmt))


def batches(session: Session, stmt: Executable, batch: int = BATCH) -> Iterator[list[tuple[Any, ...]]]:
    """The statement's rows as lists of up to `batch` tuples."""
    sql, params = compiled(session, stmt)
    raw = driver(session)
    if is_postgres(session):
        # every row is read: plan for the whole result, not the first tenth (the default for a
        # cursor, which on stale statistics can pick a nested loop over a materialized subquery)
        raw.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        cursor = raw.cursor(name=f"pool_stream_{next(_cursor_names)}")
        cursor.itersize = batch
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


def insert(session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Append rows: COPY on PostgreSQL, multi-row INSERTs on SQLite."""
    if is_postgres(session):
        with (
            driver(session).cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    _insert_many(session, table, columns, rows)


def upsert(
    session: Session,
    table: str,
    columns: Sequence[str],
    key: Sequence[str],
    rows: Iterable[Sequence[Any]],
    add: Sequence[str] = (),
) -> None:
    """Insert rows, or set the other columns of the row with the same `key` columns (the `add`
    columns are added to what is stored instead): multi-row INSERTs on SQLite; COPY into a
    temporary table and one INSERT … ON CONFLICT on PostgreSQL, where rows of the same key are
    first summed in their `add` columns (the others must agree)."""
    names = ", ".join(columns)
    conflict = f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET " + ", ".join(
        f"{c} = {table}.{c} + excluded.{c}" if c in add else f"{c} = excluded.{c}"
        for c in columns
        if c not in key
    )
    if not is_postgres(session):
        _insert_many(session, table, columns, rows, conflict)
        return
    staged = f"{table}_upsert"
    with driver(session).cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staged} (LIKE {table}) ON COMMIT DROP")
        cursor.execute(f"TRUNCATE {staged}")
    insert(session, staged, columns, rows)
    chosen = ", ".join(f"sum({c})" if c in add else c for c in columns)
    grouped = f"GROUP BY {', '.join(c for c in columns if c not in add)}" if add else ""
    with driver(session).cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {chosen} FROM {staged} {grouped} {conflict}")


def _insert_many(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], tail: str = ""
) -> None:
    """SQLite: INSERTs (ending in `tail`) of many rows each, in order. One statement of a hundred
    rows binds the same parameters as a hundred statements of one but is stepped once; each row is
    still inserted (and its conflict resolved) in turn. A statement stays within SQLite's oldest
    default limit of 999 parameters."""
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    one = f"({', '.join('?' * len(columns))})"
    per = max(1, 999 // len(columns))
    full = f"{head}{', '.join([one] * per)} {tail}"
    cursor = driver(session).cursor()
    try:
        pending = iter(rows)
        while chunk := list(itertools.islice(pending, per)):
            sql = full if len(chunk) == per else f"{head}{', '.join([one] * len(chunk))} {tail}"
            cursor.execute(sql, list(itertools.chain.from_iterable(chunk)))
    finally:
        cursor.close()


def execute_many(session: Session, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """One statement, written with `?` placeholders, for every row (pipelined on PostgreSQL)."""
    raw = driver(session)
    if is_postgres(session):
        with raw.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), list(rows))
        return
    raw.executemany(sql, rows)


def by_project(
    batches: Iterable[list[tuple[Any, ...]]], latest: bool = False
) -> Iterator[tuple[int, dict[str, dict[int, int]]]]:
    """Rows (project, metric, period, amount) in project order, one project at a time as
    metric -> period -> amount: the amounts of a repeated metric and period added, or with
    `latest` the last one kept (rows of a metric and period in revision order)."""
    current: int | None = None
    by_metric: dict[str, dict[int, int]] = {}
    for rows in batches:
        for project_id, metric, period, amount in rows:
            if project_id != current:
                if current is not None:
                    yield current, by_metric
                current, by_metric = project_id, {}
            by_period = by_metric.get(metric)
            if by_period is None:
                by_period = by_metric[metric] = {}
            by_period[period] = amount if latest else by_period.get(period, 0) + amount
    if current is not None:
        yield current, by_metric
