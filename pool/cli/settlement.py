"""`pool settle` and `pool period close`."""

import click

from pool.cli.common import format_option, render_object
from pool.cli.lazy import lazy
from pool.cli.progress import progress
from pool.cli.wiring import fmt, runtime

periods = lazy("pool.services.periods")
settlement = lazy("pool.services.settlement")


@click.command("settle")
@click.argument("period", metavar="YYYY-MM")
@click.option(
    "--require-complete",
    is_flag=True,
    help="Refuse to settle while a figure the month's transfers read is missing.",
)
@format_option
def settle(period: str, require_complete: bool) -> None:
    """Settle every transfer through PERIOD: post what the rules now give minus what is posted.

    Atomic and idempotent: a re-run with nothing new posts nothing. A period earlier than the
    last settled one is refused. Figures PERIOD's transfers read that nobody reported are listed
    as a warning (they count as zero until they arrive); --require-complete refuses instead.
    City office only.

    \b
    Examples:
      pool --as city-office settle 2024-06
      pool --as city-office settle 2024-06 --require-complete
    """
    result = settlement.settle(
        runtime(), period, progress("settling projects"), require_complete=require_complete
    )
    if result["missing"] and fmt() != "json":
        listed = result["missing_figures"]
        click.echo(
            f"Warning: {result['missing']} figures for {result['period']} are missing and count as zero "
            "until reported:",
            err=True,
        )
        for m in listed:
            click.echo(
                f"  {m['project']} {m['project_name']} ({m['host']}): {m['metric']} {m['label']}", err=True
            )
        if result["missing"] > len(listed):
            click.echo(
                f"  … and {result['missing'] - len(listed)} more: pool actuals missing --period P", err=True
            )
    if fmt() == "json":
        render_object(result)
    elif result["entries"]:
        click.echo(
            f"Settled through {result['period']} (run {result['run']}): {result['entries']} "
            f"entries, {result['postings']} postings, {result['projects']} projects recomputed."
        )
    else:
        click.echo(f"Settled through {result['period']} (run {result['run']}): nothing new to post.")
    if fmt() != "json":
        click.echo(
            f"Ledger head: entry {result['ledger_entries']}, hash {result['head']} "
            "(keep it, or `pool ledger checkpoint --out FILE`)."
        )
        click.echo(f"Inputs read: {result['inputs']} input records, head {result['inputs_head']}.")


@click.group("period")
def period() -> None:
    """Close settled periods.

    \b
    Example:
      pool --as city-office period close 2024-06
    """


@period.command("close")
@click.argument("through", metavar="YYYY-MM")
def close(through: str) -> None:
    """Close every period up to YYYY-MM: its actuals then change only by restatement.

    Only settled periods can be closed. City office only.

    \b
    Example:
      pool --as city-office period close 2024-06
    """
    result = periods.close(runtime(), through)
    click.echo(f"Periods up to {result['through']} are closed.")
