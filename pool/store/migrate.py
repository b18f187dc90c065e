"""Run the Alembic history programmatically, from the installed package `pool.migrations`."""

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from pool.store.engine import set_wal, writer
from pool.store.errors import translate


def scripts() -> str:
    """The directory holding env.py, script.py.mako and versions/, wherever pool is installed."""
    return str(files("pool.migrations"))


MIGRATION_LOCK = 727002


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", scripts())
    return config


def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as exc:
        raise translate(exc) from None


def upgrade(engine: Engine, revision: str = "head") -> None:
    try:
        set_wal(engine)
    except DBAPIError as exc:
        raise translate(exc) from None
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, action: object, revision: str) -> None:
    config = alembic_config()
    try:
        with writer(engine).begin() as connection:
            if connection.dialect.name == "postgresql":  # two `pool init` at once: one migrates
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            config.attributes["connection"] = connection
            action(config, revision)  # type: ignore[operator]
    except DBAPIError as exc:
        raise translate(exc) from None
