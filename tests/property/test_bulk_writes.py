"""SQLite's bulk writes (`raw.insert`, `raw.upsert`) send many rows per INSERT statement: whatever
the number of rows, around and across the statements' size, the table ends as if every row had
been written alone, in order — every row appended once, and an upsert's later row of a key
setting or adding to what the earlier one left."""

import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from pool.store import raw

COLUMNS = ("k1", "k2", "label", "amount")
PER = 999 // len(COLUMNS)  # rows per statement for this width
BIGINT = 2**63 - 1

# each example empties the tables it writes, so the one session of a test serves them all
EXAMPLES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
Row = tuple[int, str, str | None, int]
rows_ = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.sampled_from(("a", "b", "乙")),
        st.one_of(st.none(), st.text(max_size=8)),
        st.integers(-(2**40), 2**40),
    ),
    max_size=3 * PER + 2,
)
# row counts at and around the statements' boundaries, where a short last statement is built
edges = st.sampled_from((0, 1, PER - 1, PER, PER + 1, 2 * PER, 2 * PER + 1))


@pytest.fixture()
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    with Session(engine) as s:
        s.execute(
            text(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, k1 INTEGER NOT NULL, k2 TEXT NOT NULL, "
                "label TEXT, amount BIGINT NOT NULL)"
            )
        )
        s.execute(
            text(
                "CREATE TABLE u (k1 INTEGER NOT NULL, k2 TEXT NOT NULL, label TEXT, "
                "amount BIGINT NOT NULL, PRIMARY KEY (k1, k2))"
            )
        )
        yield s
    engine.dispose()


def _stored(s: Session, table: str, order: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in s.execute(text(f"SELECT k1, k2, label, amount FROM {table} ORDER BY {order}"))]


def _padded(rows: list[Row], count: int) -> list[Row]:
    """`rows` cycled or cut to exactly `count` rows."""
    if not rows:
        rows = [(0, "a", None, 1)]
    return [rows[i % len(rows)] for i in range(count)]


@EXAMPLES
@given(rows=rows_, count=st.one_of(st.none(), edges))
def test_insert_appends_every_row_once_in_order(session: Session, rows: list[Row], count: int | None) -> None:
    if count is not None:
        rows = _padded(rows, count)
    session.execute(text("DELETE FROM t"))
    raw.insert(session, "t", COLUMNS, iter(rows))  # any iterable, a generator included
    assert _stored(session, "t", "id") == rows


@EXAMPLES
@given(rows=rows_, count=st.one_of(st.none(), edges), add=st.booleans())
def test_upsert_is_the_rows_written_one_by_one(
    session: Session, rows: list[Row], count: int | None, add: bool
) -> None:
    if count is not None:
        rows = _padded(rows, count)
    session.execute(text("DELETE FROM u"))
    session.execute(text("INSERT INTO u VALUES (1, 'a', 'before', 5)"))
    expected: dict[tuple[int, str], tuple[str | None, int]] = {(1, "a"): ("before", 5)}
    for k1, k2, label, amount in rows:
        old = expected.get((k1, k2))
        total = old[1] + amount if add and old is not None else amount
        expected[(k1, k2)] = (label, total)
    raw.upsert(session, "u", COLUMNS, ("k1", "k2"), rows, add=("amount",) if add else ())
    assert all(abs(v[1]) <= BIGINT for v in expected.values())
    assert _stored(session, "u", "k1, k2") == sorted((k1, k2, *v) for (k1, k2), v in expected.items())


def test_a_refused_row_fails_the_write_with_the_databases_message(session: Session) -> None:
    """A row the table refuses fails the write with the database's own error, as a row alone did,
    and the transaction's rollback leaves none of the rows written before it."""
    rows = [(1, "a", None, 1)] * (PER + 3) + [(1, None, None, 1)]
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL constraint failed: t.k2"):
        raw.insert(session, "t", COLUMNS, rows)
    session.rollback()
    assert _stored(session, "t", "id") == []
