"""What a service runs with: the settings, the pool's database, the clock, and who acts."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from pool.config import Settings

if TYPE_CHECKING:  # the database stack is imported by the commands that use it
    from pool.services.auth import Principal
    from pool.store.database import Database
    from pool.store.uow import UnitOfWork

Clock = Callable[[], datetime]  # naive UTC, as stored


@dataclass
class Runtime:
    """Built by the composition root (`pool.bootstrap`); services take everything from it.

    `principal` is set when the caller has already proven who acts (a web session); otherwise
    each command proves the actor named in the settings by its token.
    """

    settings: Settings
    database: "Database"
    clock: Clock
    principal: "Principal | None" = None

    def now(self) -> datetime:
        return self.clock()

    def uow(self, *, write: bool = False) -> "UnitOfWork":
        return self.database.unit_of_work(write=write)

    def acting_as(self, principal: "Principal") -> "Runtime":
        """The same database and clock, for an actor whose identity is already proven."""
        return replace(self, principal=principal)

    def close(self) -> None:
        self.database.close()
