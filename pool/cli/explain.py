"""`pool explain TRANSFER` and `pool rules simulate FILE`."""

import click

from pool.cli.common import format_option, render, render_object
from pool.cli.rules import rules
from pool.cli.wiring import fmt, runtime
from pool.domain.money import format_amount
from pool.domain.months import format_month
from pool.services import explain as explain_service
from pool.services import simulate as simulate_service


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


COLUMNS = [
    ("book", "book"),
    ("region", "region"),
    ("share", "share"),
    ("current", "current"),
    ("simulated", "simulated"),
    ("difference", "difference"),
]


@rules.command("simulate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--through", metavar="YYYY-MM", default=None, help="Settle-through month (default: the last settled one)."
)
@format_option
def simulate(file: str, through: str | None) -> None:
    """What if: settle a draft ruleset in place of the published versions of the same id.

    Reports, per book, region and share, the current balance, the simulated one and the
    difference. Writes nothing. Policy staff and the city office.

    \b
    Example:
      pool --as policy-staff rules simulate drafts/shangluo-default-2025.yaml --through 2024-12
    """
    result = simulate_service.simulate(runtime(), file, through)
    rows = [
        {**r, **{k: format_amount(r[k]) for k in ("current", "simulated", "difference")}}
        for r in result["rows"]
    ]
    if fmt() == "table":
        click.echo(
            f"Draft {result['ruleset']} {result['version']} through "
            f"{format_month(result['through'])}: {result['projects']} projects resettled."
        )
    render(rows, COLUMNS)
