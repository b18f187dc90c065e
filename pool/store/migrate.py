"""Run the Alembic history programmatically, from the installed package `pool.migrations`.

Every command checks that the schema is at the head of the history; that check reads the
revision files and the `alembic_version` row itself, so only `pool init` and `pool db upgrade`
import Alembic.
"""

import re
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from pool.store.engine import set_wal, writer
from pool.store.errors import DatabaseUnavailable, translate

if TYPE_CHECKING:
    from alembic.config import Config


def scripts() -> str:
    """The directory holding env.py, script.py.mako and versions/, wherever pool is installed."""
    return str(files("pool.migrations"))


MIGRATION_LOCK = 727002


_REVISION = re.compile(r'^revision\s*=\s*["\']([^"\']+)["\']', re.M)
_DOWN = re.compile(r'^down_revision\s*=\s*(?:["\']([^"\']+)["\']|None)', re.M)


def alembic_config() -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", scripts())
    return config


@cache
def head() -> str | None:
    """The revision no other revision follows (the history is one line)."""
    revisions, followed = set(), set()
    for script in files("pool.migrations").joinpath("versions").iterdir():
        if script.name.endswith(".py") and not script.name.startswith("__"):
            source = script.read_text(encoding="utf-8")
            found, down = _REVISION.search(source), _DOWN.search(source)
            if found:
                revisions.add(found.group(1))
            if down and down.group(1):
                followed.add(down.group(1))
    heads = revisions - followed
    assert len(heads) <= 1, f"the migration history has several heads: {sorted(heads)}"
    return next(iter(heads), None)


def current(engine: Engine) -> str | None:
    """The revision the database is at; None for a database without the schema."""
    try:
        with engine.connect() as connection:
            return _version(connection)
    except DBAPIError as exc:
        raise translate(exc) from None


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    try:
        set_wal(engine)
    except DBAPIError as exc:
        raise translate(exc) from None
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    _run(engine, command.downgrade, revision)


def _run(engine: Engine, action: object, revision: str) -> None:
    """Run `action` in one transaction. On SQLite foreign keys are off meanwhile (a migration may
    copy a table other tables refer to, which SQLite cannot do with them on) and every reference
    is checked before the commit."""
    config = alembic_config()
    try:
        with writer(engine).connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:  # outside any transaction, where SQLite honours it
                _driver_sql(connection, "PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    if not sqlite:  # two `pool init` at once: one migrates
                        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                    before = _version(connection)
                    config.attributes["connection"] = connection
                    action(config, revision)  # type: ignore[operator]
                    if sqlite and _version(connection) != before:
                        _check_references(connection)
            finally:
                if sqlite:
                    _driver_sql(connection, "PRAGMA foreign_keys=ON")
    except DBAPIError as exc:
        raise translate(exc) from None


def _version(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _check_references(connection: Connection) -> None:
    """Refuse (roll back) an upgrade that would leave a row referring to nothing."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
    if broken is not None:
        table, row, parent = broken[0], broken[1], broken[2]
        raise DatabaseUnavailable(
            f"The schema upgrade was refused: row {row} of {table} refers to a row of {parent} "
            "that does not exist (PRAGMA foreign_key_check names every such row). Nothing was "
            "changed; restore the database from a backup."
        )


def _driver_sql(connection: Connection, sql: str) -> None:
    connection.connection.driver_connection.execute(sql)  # type: ignore[union-attr]
