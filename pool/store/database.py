"""One pool's database as the services reach it: units of work on an engine built when first
needed, the migration history, backups and the files it lives in. The only door to the database."""

from pathlib import Path

from sqlalchemy import Engine

from pool.domain.errors import PoolError
from pool.store import backup, migrate
from pool.store.engine import make_engine, shown_url, sqlite_files
from pool.store.errors import DatabaseUnavailable
from pool.store.uow import UnitOfWork, UnitOfWorkFactory


class Database:
    """The database at a URL; units of work are refused until its schema is at the latest revision."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._factory: UnitOfWorkFactory | None = None
        self._checked = False
        self._may_create = False

    @property
    def engine(self) -> Engine:
        if self._factory is None:
            self._require_file()
            self._factory = UnitOfWorkFactory(make_engine(self.url))
        return self._factory.engine

    def _require_file(self) -> None:
        """Only `create` makes a SQLite file: a mistyped path is an error, not a new empty pool."""
        files = self.files()
        if files and not files[0].exists() and not self._may_create:
            raise DatabaseUnavailable(
                f"There is no database file {files[0]}; check --db or POOL_DATABASE_URL, or create a "
                "pool there with `pool init --admin NAME`."
            )

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    def shown_url(self) -> str:
        """The URL for a message, credentials masked."""
        return shown_url(self.url)

    def unit_of_work(self, *, write: bool = False) -> UnitOfWork:
        """A unit of work on a database whose schema is at the head of the migration history."""
        if not self._checked:
            self.require_schema()
        assert self._factory is not None
        return self._factory(write=write)

    def require_schema(self) -> None:
        current = self.revision()
        if current is None:
            raise DatabaseUnavailable(
                f"The database {self.shown_url()} holds no pool; create it with `pool init --admin NAME`."
            )
        if current != migrate.head():
            raise DatabaseUnavailable(
                f"The database schema is at revision {current}, not the latest; run `pool db upgrade`."
            )
        self._checked = True

    # -- the migration history ----------------------------------------------------------------
    def revision(self) -> str | None:
        """The schema revision the database is at (None for an empty database)."""
        try:
            return migrate.current(self.engine)
        except DatabaseUnavailable as exc:
            raise DatabaseUnavailable(f"{str(exc).rstrip('.')} (database {self.shown_url()}).") from None
        except PoolError:
            raise
        except Exception as exc:  # the driver's own connection errors
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DatabaseUnavailable(f"The database {self.shown_url()} cannot be opened: {first}.") from None

    @staticmethod
    def head() -> str | None:
        """The latest revision this version of pool knows."""
        return migrate.head()

    def upgrade(self) -> None:
        """Bring the schema to the latest revision."""
        migrate.upgrade(self.engine)

    def create(self) -> None:
        """Create the database (a new SQLite file may be made) or bring its schema up to date."""
        self._may_create = True
        migrate.upgrade(self.engine)

    # -- files and copies -----------------------------------------------------------------------
    def files(self) -> list[Path]:
        """The files of a SQLite database, which no command may write over; none for a server."""
        return sqlite_files(self.url)

    def backup(self, dest: Path) -> backup.Copied:
        """A consistent copy of a SQLite database into the new file `dest`."""
        return backup.sqlite_backup(self.engine, dest)

    def restore(self, replacement: Path, kept: Path) -> None:
        """Swap a checked SQLite copy in where this database is, keeping the replaced file."""
        self.close()
        backup.sqlite_swap(self.files()[0], replacement, kept)

    def pg_dump_command(self, dest: Path) -> tuple[str, str, bool]:
        return backup.pg_dump_command(self.url, dest)

    def close(self) -> None:
        if self._factory is not None:
            self._factory.engine.dispose()
            self._factory = None
        self._checked = False
