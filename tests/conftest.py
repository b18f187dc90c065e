"""Shared fixtures: databases built by the migration history on SQLite and, when
POOL_TEST_POSTGRES_URL is set, PostgreSQL. Helpers live in the `support` package."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.databases import PG_ENV, PostgresSchemas, in_ci, upgraded

from pool.domain import tokens


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In CI a PostgreSQL test must run: a missing POOL_TEST_POSTGRES_URL fails, never skips."""
    if os.environ.get(PG_ENV):
        return
    for item in items:
        if item.get_closest_marker("postgres"):
            if in_ci():
                item.add_marker(pytest.mark.usefixtures("_postgres_required_in_ci"))
            else:
                item.add_marker(pytest.mark.skip(reason=f"{PG_ENV} is not set"))


@pytest.fixture
def _postgres_required_in_ci() -> None:
    pytest.fail(f"CI=true but {PG_ENV} is not set: the PostgreSQL tests cannot run.")


@pytest.fixture(autouse=True)
def _cheap_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens hashed at a low scrypt cost so hundreds of commands stay fast; the stored hash
    carries its cost, so verification follows it. Production keeps the full cost."""
    monkeypatch.setattr(tokens, "_N", 2**8)


@pytest.fixture(scope="session")
def pg_schemas() -> Iterator[PostgresSchemas | None]:
    url = os.environ.get(PG_ENV)
    if not url:
        yield None
        return
    schemas = PostgresSchemas(url)
    yield schemas
    schemas.admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file upgraded to head; each test copies it."""
    path = tmp_path_factory.mktemp("template") / "head.db"
    upgraded(f"sqlite:///{path}")
    return path


@pytest.fixture
def empty_url(
    request: pytest.FixtureRequest, tmp_path: Path, pg_schemas: PostgresSchemas | None
) -> Iterator[str]:
    """An empty database (no schema yet) of the backend the test is parametrised with."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'pool.db'}"
        return
    assert pg_schemas is not None
    schema, url = pg_schemas.create()
    try:
        yield url
    finally:
        pg_schemas.drop(schema)


@pytest.fixture
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_schemas: PostgresSchemas | None
) -> Iterator[str]:
    """A database at the head of the migration history."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        path = tmp_path / "pool.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    assert pg_schemas is not None
    schema, url = pg_schemas.create()
    try:
        yield upgraded(url)
    finally:
        pg_schemas.drop(schema)
