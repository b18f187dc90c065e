"""`pool actor add|list` and `pool region list`."""

import click

from pool.cli.common import format_option, render, render_object
from pool.cli.lazy import lazy
from pool.cli.setup import show_new_actor
from pool.cli.wiring import fmt, runtime
from pool.domain.workflow import ROLES

service = lazy("pool.services.actors")
region_service = lazy("pool.services.regions")


@click.group("actor")
def actor() -> None:
    """People and offices that act on the pool, each with a role and a token.

    \b
    Examples:
      pool actor add luonan-bureau --role county --region luonan
      pool actor list
    """


@actor.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the actor may do.")
@click.option(
    "--region",
    metavar="CODE",
    default=None,
    help="The county a county actor acts for (required for --role county).",
)
@format_option
def add(name: str, role: str, region: str | None) -> None:
    """Create an actor (city only) and print its token once.

    \b
    Example:
      POOL_TOKEN=... pool --as city-office actor add luonan-bureau --role county --region luonan
    """
    show_new_actor(service.add(runtime(), name=name, role=role, region=region))


@actor.command("revoke")
@click.argument("name")
@format_option
def revoke(name: str) -> None:
    """Revoke an actor (city only): its token stops working at once, for every command.

    The actor stays in the audit log and in `actor list`, marked revoked; its name cannot be
    used again. The last active city actor cannot be revoked.

    \b
    Example:
      pool --as city-office actor revoke luonan-bureau
    """
    result = service.revoke(runtime(), name=name)
    if fmt() == "json":
        render_object(result)
    else:
        click.echo(f"Revoked actor {result['actor']} ({result['role']}); its token no longer works.")


@actor.command("reissue")
@click.argument("name")
@format_option
def reissue(name: str) -> None:
    """Give an actor a new token (city only), printed once; the old token stops working at once.

    For a lost or leaked token: the actor keeps its name, role, region and history.

    \b
    Example:
      pool --as city-office actor reissue luonan-bureau
    """
    show_new_actor(service.reissue(runtime(), name=name), "New token for actor")


@actor.command("list")
@format_option
def list_() -> None:
    """List the actors (city only); tokens are never shown again.

    \b
    Example:
      pool --as city-office actor list --format json
    """
    rows = service.list_actors(runtime())
    render(
        rows,
        [
            ("id", "id"),
            ("actor", "actor"),
            ("role", "role"),
            ("region", "region"),
            ("created_at", "created (UTC)"),
            ("revoked_at", "revoked (UTC)"),
        ],
    )


@click.group("region")
def region() -> None:
    """The city and its counties.

    \b
    Example:
      pool region list
    """


@region.command("list")
@format_option
def region_list() -> None:
    """List the regions with their Chinese names.

    \b
    Example:
      pool region list --format json
    """
    rows = region_service.list_regions(runtime())
    render(rows, [("code", "code"), ("name", "名称 name"), ("level", "level")])
