"""Where tests run: SQLite always; PostgreSQL when POOL_TEST_POSTGRES_URL names a database (a
fresh schema per test), which CI always sets."""

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pool.store import migrate
from pool.store.engine import make_engine

PG_ENV = "POOL_TEST_POSTGRES_URL"


def in_ci() -> bool:
    """CI=true (or 1, yes): what a laptop may skip, CI must run."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


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


def upgraded(url: str) -> str:
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url
