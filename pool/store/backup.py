"""Backups: SQLite's online backup API into a new file; for PostgreSQL, the pg_dump command.

SQLite copies every page in one step under a read transaction, so the copy is the database as
one committed moment, even while imports and settlements write (WAL readers never block).
"""

import os
import shlex
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from pool.domain.errors import Conflict, InvalidInput
from pool.store.engine import without_credentials


@dataclass(frozen=True)
class Copied:
    """What a finished SQLite backup holds: its size, schema revision and ledger head."""

    bytes: int
    revision: str | None
    entries: int
    head: str | None


def sqlite_backup(engine: Engine, dest: Path) -> Copied:
    """Copy the live database into `dest`, which must not exist yet."""
    if dest.exists():
        raise InvalidInput(f"{dest} already exists; a backup never overwrites a file.")
    if not dest.parent.is_dir():
        raise InvalidInput(f"{dest.parent} is not a directory; create it first.")
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    source = engine.raw_connection()
    try:
        target = sqlite3.connect(partial)
        try:
            source.driver_connection.backup(target)  # type: ignore[union-attr]
        except sqlite3.Error as exc:  # a full disk, a device that went away
            raise InvalidInput(
                f"The backup could not be written to {dest} ({exc}); nothing was left there."
            ) from None
        finally:
            target.close()
        try:
            os.link(partial, dest)  # fails, rather than overwrites, if dest appeared meanwhile
        except FileExistsError:
            raise InvalidInput(f"{dest} already exists; a backup never overwrites a file.") from None
    finally:
        source.close()
        partial.unlink(missing_ok=True)
    return _describe(dest)


def _describe(path: Path) -> Copied:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        head = conn.execute("SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return Copied(
        path.stat().st_size,
        revision[0] if revision else None,
        int(head[0]) if head else 0,
        str(head[1]) if head else None,
    )


def pg_dump_command(url: str, dest: Path) -> tuple[str, str, bool]:
    """(the pg_dump command, the matching pg_restore command, whether the URL had a password);
    the password is never part of either: pg_dump reads it from PGPASSWORD or ~/.pgpass."""
    plain, has_password = without_credentials(url)
    conninfo = make_url(plain).set(drivername="postgresql").render_as_string(hide_password=False)
    dump = shlex.join(["pg_dump", "--format=custom", "--no-owner", f"--file={dest}", f"--dbname={conninfo}"])
    restore = shlex.join(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            "--dbname=postgresql://USER@HOST/NEW_EMPTY_DATABASE",
            str(dest),
        ]
    )
    return dump, restore, has_password


def copy_sqlite(source: Path, dest: Path) -> None:
    """A consistent copy of the SQLite file `source` (read only) into the new file `dest`."""
    try:
        reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        writer = sqlite3.connect(dest)
        try:
            reader.backup(writer)
        finally:
            writer.close()
            reader.close()
    except sqlite3.Error as exc:
        raise InvalidInput(f"{source} could not be read as a SQLite database ({exc}).") from None


def sqlite_swap(live: Path, replacement: Path, kept: Path, wait_seconds: float = 5.0) -> None:
    """Put a copy of `replacement` where the database `live` is, atomically, keeping the file it
    replaces as `kept`; while nothing else has the database open, which it checks by taking the
    database exclusively (and out of WAL mode, which only a sole connection may do)."""
    if kept.exists():
        raise InvalidInput(f"{kept} already exists; the replaced database is never written over.")
    staged = live.with_name(f".{live.name}.{os.getpid()}.restoring")
    conn = sqlite3.connect(live, timeout=wait_seconds, isolation_level=None)
    try:
        try:
            mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:
            mode = None
        if mode is None or str(mode[0]).lower() != "delete":
            raise Conflict(
                f"The database {live} is in use (another command, a web server or a backup has it "
                "open); stop them and restore again. Nothing was changed."
            )
        copy_sqlite(replacement, staged)
        shutil.copy2(live, kept)  # the exclusive lock holds it still, with no WAL beside it
        os.replace(staged, live)
        conn.execute("ROLLBACK")
    finally:
        conn.close()
        staged.unlink(missing_ok=True)


def sqlite_revision(path: Path) -> str | None:
    """The schema revision of the SQLite file `path`; InvalidInput if it is not a SQLite pool."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        raise InvalidInput(
            f"{path} is not a pool database: SQLite cannot read a schema revision in it."
        ) from None
    return row[0] if row else None
