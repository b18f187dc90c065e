"""`pool explain TRANSFER`: the derivation of a transfer's targets."""

import click

from pool.cli.common import format_option, render_object
from pool.cli.lazy import lazy
from pool.cli.wiring import fmt, runtime

explain_service = lazy("pool.services.explain")


@click.command("explain")
@click.argument("transfer_id", metavar="TRANSFER", type=int)
@click.option(
    "--through",
    metavar="YYYY-MM",
    default=None,
    help="Settle-through month to explain (default: the last settled one).",
)
@click.option("--share", default=None, help="Only this share.")
@format_option
def explain(transfer_id: int, through: str | None, share: str | None) -> None:
    """Show how every number of a transfer's shares is derived, and what is posted.

    Coverage, origins, eligibility, term years, each year's base and baseline, the schedule
    step and ratios, exact shares, remainders and tie-breaks, floor and cap effects, the
    target, what is posted and the delta the next settlement would post.

    \b
    Examples:
      pool explain 1
      pool explain 1 --through 2024-12 --share tax --format json
    """
    result = explain_service.explain(runtime(), transfer_id, through, share)
    if fmt() == "json":
        render_object(explain_service.as_data(result))
    else:
        click.echo(explain_service.as_text(result))
