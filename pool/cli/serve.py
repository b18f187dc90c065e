"""`pool serve`: the pages and the HTTP API."""

import click

from pool.cli.common import app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the pages of every role and the HTTP API under /api/v1 on the pool's database.

    People sign in with their actor name and token; API clients send them with HTTP Basic. On
    any address but loopback the session cookie is marked Secure, so put the server behind HTTPS.

    \b
    Examples:
      pool serve
      pool --db postgresql+psycopg://pool@db/pool serve --host 0.0.0.0 --port 8080 --workers 4
    """
    from pool.web.serve import serve as run

    settings = app().settings
    click.echo(f"Serving the pool on http://{host}:{port}/ (API: /api/v1, docs: /api/v1/docs)", err=True)
    run(settings.database_url, host, port, workers)
