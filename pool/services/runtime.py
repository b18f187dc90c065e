"""The composition root: the one place that builds the engine, the units of work and the clock."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pool.config import Settings
from pool.domain.errors import PoolError
from pool.store import migrate
from pool.store.engine import make_engine, shown_url, sqlite_files
from pool.store.errors import DatabaseUnavailable
from pool.store.uow import UnitOfWork, UnitOfWorkFactory


def utc_now() -> datetime:
    """Naive UTC, as stored."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# Tests replace this to move time (listing windows); everything reads the clock through it.
clock: Callable[[], datetime] = utc_now


@dataclass
class Runtime:
    """What a service needs: settings, units of work on the database, and the clock."""

    settings: Settings
    _factory: UnitOfWorkFactory | None = field(default=None, repr=False)
    _checked: bool = False

    @property
    def factory(self) -> UnitOfWorkFactory:
        if self._factory is None:
            self._factory = UnitOfWorkFactory(make_engine(self.settings.database_url))
        return self._factory

    def now(self) -> datetime:
        return clock()

    def uow(self, *, write: bool = False) -> UnitOfWork:
        """A unit of work on a database whose schema is at the head of the migration history."""
        if not self._checked:
            self.require_schema()
        return self.factory(write=write)

    def require_schema(self) -> None:
        try:
            current = migrate.current(self.factory.engine)
        except DatabaseUnavailable as exc:
            raise DatabaseUnavailable(
                f"{str(exc).rstrip('.')} (database {shown_url(self.settings.database_url)})."
            ) from None
        except PoolError:
            raise
        except Exception as exc:  # the driver's own connection errors
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DatabaseUnavailable(
                f"The database {shown_url(self.settings.database_url)} cannot be opened: {first}."
            ) from None
        if current is None:
            raise DatabaseUnavailable(
                f"The database {shown_url(self.settings.database_url)} holds no pool; "
                "create it with `pool init --admin NAME`."
            )
        if current != migrate.head():
            raise DatabaseUnavailable(
                f"The database schema is at revision {current}, not the latest; run `pool db upgrade`."
            )
        self._checked = True

    def database_files(self) -> list[Path]:
        """The files of the database in use (SQLite), which no command may write over."""
        return sqlite_files(self.settings.database_url)

    def close(self) -> None:
        if self._factory is not None:
            self._factory.engine.dispose()
            self._factory = None
        self._checked = False


def build(settings: Settings) -> Runtime:
    return Runtime(settings)
