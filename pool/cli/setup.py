"""`pool init`, `pool db upgrade|current` and `pool demo`."""

from pathlib import Path

import click

from pool.cli.common import format_option, render_object
from pool.cli.lazy import lazy
from pool.cli.wiring import fmt, runtime

demo_service = lazy("pool.demo")
backup_service = lazy("pool.services.backup")
setup = lazy("pool.services.setup")


@click.command("init")
@click.option(
    "--regions",
    default="shangluo",
    show_default=True,
    metavar="shangluo|FILE",
    help="The built-in region preset, or a YAML file of the same shape.",
)
@click.option("--admin", required=True, metavar="NAME", help="Name of the first city actor.")
@format_option
def init(regions: str, admin: str) -> None:
    """Create (or upgrade) the database, load the regions and create the first city actor.

    The new actor's token is printed once; keep it, and pass it as POOL_TOKEN.

    \b
    Example:
      pool --db sqlite:///shangluo.db init --regions shangluo --admin city-office
    """
    created = setup.init(runtime(), regions=regions, admin=admin)
    show_new_actor(created.as_dict())


def show_new_actor(actor: dict[str, object], done: str = "Created actor") -> None:
    if fmt() == "json":
        render_object(actor)
        return
    region = f", {actor['region']}" if actor["region"] else ""
    click.echo(f"{done} {actor['actor']} ({actor['role']}{region}).")
    click.echo("Its token is shown only this once; give it as POOL_TOKEN:")
    click.echo(str(actor["token"]))


@click.group("db")
def db() -> None:
    """The database schema, kept by the migration history.

    \b
    Examples:
      pool db current
      pool db upgrade
    """


@db.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the schema to the latest revision (a no-op when it is current).

    \b
    Example:
      pool --db postgresql+psycopg://pool@db.example/pool db upgrade
    """
    before, after = setup.upgrade(runtime())
    if before == after:
        click.echo(f"The schema is already at the latest revision ({after}).")
    else:
        click.echo(f"Upgraded the schema from {before or 'empty'} to {after}.")


@db.command("current")
def db_current() -> None:
    """Show the schema's revision and the latest one this version of pool knows.

    \b
    Example:
      pool db current
    """
    current, head = setup.current(runtime())
    state = "up to date" if current == head else "needs `pool db upgrade`"
    click.echo(f"current: {current or 'none (run pool init)'}\nlatest:  {head}\n{state}")


@db.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@format_option
def db_backup(file: Path) -> None:
    """Back up the database into FILE, which must not exist (city office only).

    SQLite: a consistent copy taken with SQLite's online backup API, safe while others work;
    restore by putting the copy where the database was (or pointing --db at it). PostgreSQL:
    prints the pg_dump command to run (and the pg_restore one), without the password.

    \b
    Example:
      pool --as city-office db backup backups/pool-2024-12.db
    """
    result = backup_service.backup(runtime(), file)
    if fmt() == "json":
        render_object(result)
    elif result["backend"] == "sqlite":
        head = f", head {result['head']}" if result["head"] else ""
        click.echo(
            f"Backed up to {result['file']} ({result['bytes']} bytes): schema "
            f"{result['revision']}, ledger entry {result['ledger_entries']}{head}."
        )
    else:
        click.echo("PostgreSQL is backed up with its own tool; run:")
        click.echo(f"  {result['command']}")
        if result["password_hidden"]:
            click.echo("Give the password in PGPASSWORD or ~/.pgpass; it is not shown here.")
        click.echo("Restore into a new, empty database with:")
        click.echo(f"  {result['restore']}")


@db.command("restore")
@click.argument("backup", type=click.Path(dir_okay=False, path_type=Path))
@format_option
def db_restore(backup: Path) -> None:
    """Replace the database by BACKUP, a copy `pool db backup` made (city office only).

    SQLite: BACKUP must be at this version's schema revision and pass `pool ledger verify`; it
    is then swapped in atomically while nothing else has the database open (stop the web server
    and other commands first), and the replaced file is kept beside it as DB.replaced-TIME.
    PostgreSQL: prints the pg_restore procedure, as `db backup` does.

    \b
    Example:
      pool --as city-office db restore backups/pool-2024-12.db
    """
    result = backup_service.restore(runtime(), backup)
    if fmt() == "json":
        render_object(result)
    elif result["backend"] == "sqlite":
        head = f", head {result['head']}" if result["head"] else ""
        click.echo(
            f"Restored {result['database']} from {result['file']}: schema {result['revision']}, "
            f"ledger entry {result['ledger_entries']}{head}. "
            f"The replaced database is kept as {result['kept']}."
        )
    else:
        click.echo("PostgreSQL is restored with its own tool:")
        for number, step in enumerate(result["steps"], 1):
            click.echo(f"  {number}. {step}")


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=None,
    help="Directory for the demo database (default: a new temporary directory).",
)
@click.option("--serve", "serve_it", is_flag=True, help="Then serve the demo pool in the browser.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port for --serve."
)
def demo(directory: str | None, serve_it: bool, port: int) -> None:
    """Run a realistic day of the pool in a fresh SQLite file and print what happened.

    With --serve, then serve that pool on http://127.0.0.1:PORT/ and print each demo actor's
    token to sign in with.

    \b
    Examples:
      pool demo --dir /tmp/pool-demo
      pool demo --serve
    """
    played = demo_service.play(directory)
    for line in played.lines:
        click.echo(line)
    if not serve_it:
        return
    from pool.web.serve import serve

    click.echo("")
    click.echo(f"Serving the demo pool on http://127.0.0.1:{port}/ — sign in with an actor and its token:")
    width = max(len(name) for name in played.tokens)
    for name, token in played.tokens.items():
        click.echo(f"  {name.ljust(width)}  {token}")
    click.echo("Stop with Ctrl-C.")
    serve(played.url, "127.0.0.1", port, 1, log_level="warning")
