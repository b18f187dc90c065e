"""The composition root: the one place that chooses the adapters a command runs with — the
database (SQLite or PostgreSQL behind one door) and the clock. Tests pass their own."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pool.config import Settings
from pool.services.runtime import Clock, Runtime

if TYPE_CHECKING:
    from pool.store.database import Database


def sql_database(url: str) -> "Database":
    """The real door to the database at `url` (SQLAlchemy is imported when it is first needed)."""
    from pool.store.database import Database

    return Database(url)


def utc_now() -> datetime:
    """Naive UTC, as stored."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class Adapters:
    """The adapters to plug in: a clock, and how to reach a database from its URL."""

    clock: Clock = utc_now
    database: "Callable[[str], Database]" = sql_database


def bootstrap(settings: Settings, adapters: Adapters | None = None) -> Runtime:
    """The runtime for one invocation: nothing is opened until a service asks for a unit of work."""
    adapters = adapters or Adapters()
    return Runtime(settings, adapters.database(settings.database_url), adapters.clock)
