"""`pool claim submit|withdraw|approve|reject`."""

import click

from pool.cli.common import format_option, render_object
from pool.cli.lazy import lazy
from pool.cli.params import KeyValue, Pair, texts
from pool.cli.transfers import show_transfer
from pool.cli.wiring import fmt, label, runtime

service = lazy("pool.services.claims")


@click.group("claim")
def claim() -> None:
    """Counties' bids for listings, and the city's decisions.

    \b
    Examples:
      pool claim submit 3 --note 有现成标准化厂房
      pool claim approve 5 --effective 2024-07 --agreement origin_share=40%
      pool claim reject 6 --reason 用地指标不足
    """


def show_claim(row: dict[str, object]) -> None:
    if fmt() == "json":
        render_object(row)
        return
    shown = {k: v for k, v in row.items() if not k.endswith("_name")}
    shown["claimant"] = label(row, "claimant")
    render_object(shown)


@claim.command("submit")
@click.argument("listing_id", metavar="LISTING", type=int)
@click.option("--note", default="", help="Why the county is a good host.")
@format_option
def submit(listing_id: int, note: str) -> None:
    """Claim an open listing for your county (county actors only).

    \b
    Example:
      pool --as shangzhou-bureau claim submit 3 --note 电子信息产业园有现成厂房
    """
    show_claim(service.submit(runtime(), listing_id, note_text=note))


@claim.command("withdraw")
@click.argument("claim_id", metavar="ID", type=int)
@format_option
def withdraw(claim_id: int) -> None:
    """Withdraw your county's pending claim.

    \b
    Example:
      pool --as shangzhou-bureau claim withdraw 5
    """
    show_claim(service.withdraw(runtime(), claim_id))


@claim.command("approve")
@click.argument("claim_id", metavar="ID", type=int)
@click.option(
    "--effective",
    required=True,
    metavar="YYYY-MM",
    help="The month the project moves; the ruleset version in force then is pinned.",
)
@click.option(
    "--agreement",
    "agreement",
    type=KeyValue(),
    multiple=True,
    help="A value the ruleset declares (baselines, ratios, flags); repeatable.",
)
@click.option(
    "--ruleset",
    default=None,
    help="The published ruleset whose version in force is pinned (default: the pool's default "
    "ruleset, set with `pool rules default`; with none set, the only published ruleset).",
)
@format_option
def approve(claim_id: int, effective: str, agreement: tuple[Pair, ...], ruleset: str | None) -> None:
    """Approve a pending claim (city): the project moves to the claimant, the listing closes
    and the other pending claims are rejected.

    \b
    Example:
      pool --as city-office claim approve 5 --effective 2024-07 \\
           --agreement pre_move_tax_3y=1800000 --agreement origin_share=40%
    """
    show_transfer(
        service.approve(runtime(), claim_id, effective=effective, agreement=texts(agreement), ruleset=ruleset)
    )


@claim.command("reject")
@click.argument("claim_id", metavar="ID", type=int)
@click.option("--reason", required=True, help="Why the claim is rejected.")
@format_option
def reject(claim_id: int, reason: str) -> None:
    """Reject a pending claim (city).

    \b
    Example:
      pool --as city-office claim reject 6 --reason 用地指标不足
    """
    show_claim(service.reject(runtime(), claim_id, reason=reason))
