"""`pool listing open|list|show|withdraw`."""

from typing import cast

import click

from pool.cli.common import format_option, render, render_object
from pool.cli.lazy import lazy
from pool.cli.params import KeyValue, Pair, texts
from pool.cli.wiring import fmt, label, labelled, runtime
from pool.domain.workflow import DEFAULT_DAYS, LISTING_STATES

service = lazy("pool.services.listings")


COLUMNS = [
    ("id", "id"),
    ("project", "project"),
    ("project_name", "name"),
    ("chain", "链 chain"),
    ("planned_investment", "investment (CNY)"),
    ("region", "listed by"),
    ("status", "status"),
    ("closes_at", "closes (UTC)"),
    ("reason", "reason"),
]
CLAIM_COLUMNS = [
    ("id", "claim"),
    ("claimant", "claimant"),
    ("status", "status"),
    ("note", "note"),
    ("submitted_at", "submitted (UTC)"),
]


@click.group("listing")
def listing() -> None:
    """The pool: projects their hosts offer to other counties.

    \b
    Examples:
      pool listing open SL-2024-001 --reason 缺少工业用地 --need land_mu=120 --days 30
      pool listing list --status open --chain new_materials
      pool listing show 3
    """


@listing.command("open")
@click.argument("code")
@click.option("--reason", required=True, help="Why the host cannot keep the project.")
@click.option(
    "--need",
    "needs",
    type=KeyValue(),
    multiple=True,
    help="What the project needs: land_mu, power_kw, water_t_per_day, energy_tce, or "
    "any other key; repeatable.",
)
@click.option("--days", type=int, default=DEFAULT_DAYS, show_default=True, help="Claim window in days.")
@format_option
def open_(code: str, reason: str, needs: tuple[Pair, ...], days: int) -> None:
    """Put a project into the pool (its host county, or the city).

    \b
    Example:
      pool --as zhashui-bureau listing open ZS-2024-003 --reason 园区能耗指标不足 \\
           --need energy_tce=8000 --need power_kw=20000 --days 45
    """
    show_listing(service.open_listing(runtime(), code, reason=reason, needs=texts(needs), days=days))


def show_listing(row: dict[str, object]) -> None:
    if fmt() == "json":
        render_object(row)
        return
    claims = cast(list[dict[str, object]] | None, row.get("claims"))
    shown = {k: v for k, v in row.items() if k != "claims" and not k.endswith("_name") or k == "project_name"}
    shown["chain"], shown["region"] = label(row, "chain"), label(row, "region")
    render_object(shown)
    if claims is not None:
        click.echo("")
        if claims:
            render(labelled(claims, "claimant"), CLAIM_COLUMNS)
        else:
            click.echo("No claims yet.")


@listing.command("list")
@click.option(
    "--status", type=click.Choice(LISTING_STATES), default=None, help="Only listings in this state."
)
@click.option("--chain", default=None, help="Only this industry chain.")
@click.option(
    "--min-investment", metavar="CNY", default=None, help="Only projects planning at least this much."
)
@click.option("--project", default=None, metavar="CODE", help="Only this project's listings.")
@format_option
def list_(status: str | None, chain: str | None, min_investment: str | None, project: str | None) -> None:
    """List listings.

    \b
    Example:
      pool listing list --status open --min-investment 100000000 --format json
    """
    rows = service.list_listings(
        runtime(), status=status, chain=chain, min_investment=min_investment, project=project
    )
    if fmt() == "table":
        rows = labelled(rows, "chain", "region")
    render(rows, COLUMNS)


@listing.command("show")
@click.argument("listing_id", metavar="ID", type=int)
@format_option
def show(listing_id: int) -> None:
    """Show a listing with its claims.

    \b
    Example:
      pool listing show 3 --format json
    """
    show_listing(service.show(runtime(), listing_id))


@listing.command("withdraw")
@click.argument("listing_id", metavar="ID", type=int)
@format_option
def withdraw(listing_id: int) -> None:
    """Withdraw an open listing (the county that listed it, or the city); pending claims are
    rejected.

    \b
    Example:
      pool --as zhashui-bureau listing withdraw 3
    """
    show_listing(service.withdraw(runtime(), listing_id))
