"""The unit of work: one transaction, rolled back unless committed, with the repositories on it."""

from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pool.store.actuals_store import Actuals
from pool.store.bulletin_queries import BulletinQueries
from pool.store.defaults_store import DefaultRulesets
from pool.store.engine import writer
from pool.store.errors import UniqueViolation, translate, unique_key
from pool.store.journal_store import Journal
from pool.store.ledger_store import Ledger
from pool.store.locks import lock_ledger, lock_rulesets
from pool.store.report_queries import Reports
from pool.store.repositories import (
    Actors,
    Audit,
    Claims,
    Listings,
    Projects,
    Regions,
    Rulesets,
    Transfers,
)
from pool.store.sums_store import ShareSums
from pool.store.targets_store import Targets
from pool.store.web_store import WebSessions


class UnitOfWork:
    """`with uow_factory(write=True) as uow: ...; uow.commit()` — anything else rolls back."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory
        self.session: Session

    def __enter__(self) -> "UnitOfWork":
        self.session = self._session_factory()
        try:
            self.session.begin()
            self.session.connection()  # start the transaction (and take the write lock) now
        except DBAPIError as exc:
            self.session.close()
            raise translate(exc) from None
        s = self.session
        self.regions = Regions(s)
        self.actors = Actors(s)
        self.projects = Projects(s)
        self.listings = Listings(s)
        self.claims = Claims(s)
        self.transfers = Transfers(s)
        self.rulesets = Rulesets(s)
        self.defaults = DefaultRulesets(s)
        self.audit = Audit(s)
        self.ledger = Ledger(s)
        self.actuals = Actuals(s)
        self.reports = Reports(s)
        self.bulletin = BulletinQueries(s)
        self.targets = Targets(s)
        self.journal = Journal(s)
        self.sums = ShareSums(s)
        self.web = WebSessions(s)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
        if isinstance(exc, DBAPIError) and not isinstance(exc, IntegrityError):
            raise translate(exc) from None

    def lock_ledger(self, holder: str) -> None:
        """Hold the ledger lock until the transaction ends (see `pool.store.locks`); `holder`
        says who takes it, e.g. `settle by city-office`."""
        lock_ledger(self.session, holder)

    def lock_rulesets(self, holder: str) -> None:
        """Hold the lock on publishing rulesets until the transaction ends; on SQLite every
        write unit of work already holds the database's write lock."""
        lock_rulesets(self.session, holder)

    def flush(self) -> None:
        """Write pending changes now; a unique constraint becomes UniqueViolation."""
        try:
            self.session.flush()
        except IntegrityError as exc:
            key = unique_key(exc)
            if key is None:
                raise
            raise UniqueViolation(key) from None

    def commit(self) -> None:
        self.flush()
        try:
            self.session.commit()
        except IntegrityError as exc:
            key = unique_key(exc)
            if key is None:
                raise
            raise UniqueViolation(key) from None


class UnitOfWorkFactory:
    """Builds units of work on one engine: read ones, and write ones that serialise on SQLite."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read = sessionmaker(engine, autobegin=False, expire_on_commit=False)
        self._write = sessionmaker(writer(engine), autobegin=False, expire_on_commit=False)

    def __call__(self, *, write: bool = False) -> UnitOfWork:
        return UnitOfWork(self._write if write else self._read)
