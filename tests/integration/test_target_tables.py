"""Targets and published assessment schemes are append-only in the database itself."""

from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from support.databases import BACKENDS

from pool.store.engine import make_engine


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE targets SET amount = 1",
        "DELETE FROM targets",
        "UPDATE assessment_schemes SET text = 'x'",
        "DELETE FROM assessment_schemes",
    ],
)
def test_targets_and_schemes_refuse_changes(db_url: str, statement: str) -> None:
    engine = make_engine(db_url)
    at = datetime(2025, 1, 1)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO regions (code, name, level) VALUES ('c', '市', 'city')"))
            conn.execute(
                text(
                    "INSERT INTO actors (name, role, region, token_hash, created_at) "
                    "VALUES ('a', 'city', 'c', 'x', :at)"
                ),
                {"at": at},
            )
            conn.execute(
                text(
                    "INSERT INTO targets (region, indicator, year, amount, set_by, set_at, source) "
                    "VALUES ('c', 'statistics:funds', 2025, 100, 1, :at, 'set')"
                ),
                {"at": at},
            )
            conn.execute(
                text(
                    "INSERT INTO assessment_schemes (scheme, version, title, year, text, sha256, "
                    "published_by, published_at) VALUES ('s', '1', 't', 2025, 'x', 'h', 1, :at)"
                ),
                {"at": at},
            )
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT amount FROM targets")).scalar_one() == 100
            assert conn.execute(text("SELECT text FROM assessment_schemes")).scalar_one() == "x"
    finally:
        engine.dispose()
