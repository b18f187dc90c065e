"""Shared fixtures: databases built by `alembic upgrade head` on SQLite and, when
POOL_TEST_POSTGRES_URL is set, PostgreSQL; a CLI driver that also reads the stored rows."""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pool.domain import tokens
from pool.store import migrate
from pool.store.engine import make_engine

PG_ENV = "POOL_TEST_POSTGRES_URL"


def in_ci() -> bool:
    """CI=true (or 1, yes): what a laptop may skip, CI must run."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


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


class PostgresSchemas:
    """A fresh schema per test in the CI database, found through the connection's search_path."""

    def __init__(self, base_url: str) -> None:
        self.base = make_url(base_url)
        if self.base.drivername == "postgresql":
            self.base = self.base.set(drivername="postgresql+psycopg")
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT")

    def create(self) -> tuple[str, str]:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = self.base.update_query_dict({"options": f"-csearch_path={schema}"})
        return schema, url.render_as_string(hide_password=False)

    def drop(self, schema: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture(scope="session")
def pg_schemas() -> Iterator[PostgresSchemas | None]:
    url = os.environ.get(PG_ENV)
    if not url:
        yield None
        return
    schemas = PostgresSchemas(url)
    yield schemas
    schemas.admin.dispose()


def upgraded(url: str) -> str:
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


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


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
