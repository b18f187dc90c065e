"""Serving the application with uvicorn: `pool serve` and `pool demo --serve`.

Each worker process builds its own application from the environment (`app`), so several workers
can serve one pool; on PostgreSQL they share it like any other clients, on SQLite they take the
database's write lock in turn."""

import os

from fastapi import FastAPI

from pool.config import Settings
from pool.web.app import create_app
from pool.web.config import WebConfig

HOST_ENV = "POOL_WEB_HOST"


def app() -> FastAPI:
    """The application of one worker: the database from POOL_DATABASE_URL, the cookie policy
    from the address served."""
    return create_app(Settings.load(), config=WebConfig.for_host(os.environ.get(HOST_ENV, "127.0.0.1")))


def serve(database_url: str, host: str, port: int, workers: int, *, log_level: str = "info") -> None:
    import uvicorn

    os.environ["POOL_DATABASE_URL"] = database_url
    os.environ[HOST_ENV] = host
    os.environ.pop("POOL_TOKEN", None)  # the server acts for no one: every request proves its actor
    os.environ.pop("POOL_ACTOR", None)
    uvicorn.run(
        "pool.web.serve:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,  # request lines carry no secret, but keep the log to what matters
        server_header=False,
    )
