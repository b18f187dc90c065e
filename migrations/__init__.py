"""The Alembic environment and migration history, installed as the package `pool.migrations`.

`pool init` and `pool db upgrade` run it through pool.store.migrate; developers reach it
through alembic.ini. A revision imports only alembic and sqlalchemy, so that it keeps doing
what it did when it was written.
"""
