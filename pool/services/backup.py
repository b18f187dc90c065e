"""`pool db backup` and `pool db restore`: a consistent copy of a SQLite pool, or the pg_dump
command for PostgreSQL; and a checked backup swapped back in, or the pg_restore procedure.

City office only: a backup holds everything, leads and actors' token hashes included. Like
other reads it is not audited.
"""

import os
from pathlib import Path
from typing import Any

from pool.domain.errors import InvalidInput, PoolError
from pool.services import commands
from pool.services.auth import require_role
from pool.services.commands import Note
from pool.services.runtime import Runtime
from pool.services.verify import problems_of
from pool.store.backup import copy_sqlite, sqlite_revision
from pool.store.database import Database
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


def restore(rt: Runtime, source: Path) -> dict[str, Any]:
    """Replace a SQLite pool by a backup of it: the backup must be at this version's schema
    revision and verify whole; it is swapped in atomically while nothing else has the database
    open, and the replaced file is kept beside it. For PostgreSQL, the pg_restore procedure.

    The restore is audited in the restored database (whose log then goes on from the backup's)
    and a refusal in the database that stays."""

    def who(uow: UnitOfWork, actor: Actor) -> str:
        require_role(actor, "city", doing="restore the database")
        return actor.name

    name = commands.read(rt, who)
    if rt.database.backend == "postgresql":
        _dump, restore_command, _password = rt.database.pg_dump_command(source)
        return {
            "backend": "postgresql",
            "file": str(source),
            "restore": restore_command,
            "steps": [
                "create a new, empty database",
                f"run: {restore_command}",
                "run `pool --db NEW_URL ledger verify --deep` against it",
                "point POOL_DATABASE_URL at it once it verifies; keep the old database until then",
            ],
        }
    note = Note(f"file:{source.name}", {"file": str(source)})
    try:
        result = _restore_sqlite(rt, source)
    except PoolError as exc:
        commands.record_failure(rt, name, "city", "db.restore", note, exc)
        raise
    with rt.uow(write=True) as uow:
        uow.audit.append(
            at=rt.now(),
            actor=name,
            role="city",
            action="db.restore",
            target=note.target,
            outcome="ok",
            detail={**note.detail, "kept": result["kept"], "head": result["head"]},
        )
        uow.commit()
    return result


def _restore_sqlite(rt: Runtime, source: Path) -> dict[str, Any]:
    if not source.is_file():
        raise InvalidInput(f"There is no backup file {source}.")
    live = rt.database.files()[0]
    if source.resolve() == live.resolve():
        raise InvalidInput(f"{source} is the database itself; name a backup of it.")
    revision = sqlite_revision(source)
    if revision != rt.database.head():
        raise InvalidInput(
            f"{source} is at schema revision {revision}, not {rt.database.head()}, the one this pool "
            "runs; restore it with the version of pool that made it, then run `pool db upgrade`."
        )
    staged = live.with_name(f".{live.name}.{os.getpid()}.checking")
    try:
        copy_sqlite(source, staged)
        checked = Database(f"sqlite:///{staged}")
        try:
            with checked.unit_of_work() as uow:
                problems = problems_of(uow)
                entries, head = uow.ledger.head()
        finally:
            checked.close()
        if problems:
            raise InvalidInput(
                f"{source} does not verify ({problems[0]}), so it was not restored; nothing was changed."
            )
        kept = live.with_name(f"{live.name}.replaced-{rt.now():%Y%m%dT%H%M%S}")
        rt.database.restore(staged, kept)
    finally:
        for leftover in (staged, *(staged.with_name(staged.name + s) for s in ("-wal", "-shm", "-journal"))):
            leftover.unlink(missing_ok=True)
    return {
        "backend": "sqlite",
        "file": str(source),
        "database": str(live),
        "kept": str(kept),
        "revision": revision,
        "ledger_entries": entries,
        "head": head,
    }
