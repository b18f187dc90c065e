"""Settings from flags and the environment. Imports nothing else from pool."""

import os
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "sqlite:///pool.db"


@dataclass(frozen=True)
class Settings:
    """Where the database is and who is acting, as given by flags or the environment."""

    database_url: str = field(repr=False)  # may carry a password
    actor: str | None
    token: str | None = field(repr=False)  # never in a repr, a log or an error message

    @classmethod
    def load(cls, database_url: str | None = None, actor: str | None = None) -> "Settings":
        return cls(
            database_url=database_url or os.environ.get("POOL_DATABASE_URL") or DEFAULT_DATABASE_URL,
            actor=actor or os.environ.get("POOL_ACTOR") or None,
            token=os.environ.get("POOL_TOKEN") or None,
        )
