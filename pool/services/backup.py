"""`pool db backup`: a consistent copy of a SQLite pool, or the pg_dump command for PostgreSQL.

City office only: a backup holds everything, leads and actors' token hashes included. Like
other reads it is not audited.
"""

from pathlib import Path
from typing import Any

from pool.services import commands
from pool.services.auth import require_role
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def backup(rt: Runtime, dest: Path) -> dict[str, Any]:
    def body(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        require_role(actor, "city", doing="back up the database")
        if rt.database.backend == "postgresql":
            dump, restore, password = rt.database.pg_dump_command(dest)
            return {
                "backend": "postgresql",
                "file": str(dest),
                "command": dump,
                "restore": restore,
                "password_hidden": password,
            }
        copied = rt.database.backup(dest)
        return {
            "backend": "sqlite",
            "file": str(dest),
            "bytes": copied.bytes,
            "revision": copied.revision,
            "ledger_entries": copied.entries,
            "head": copied.head,
        }

    return commands.read(rt, body)
