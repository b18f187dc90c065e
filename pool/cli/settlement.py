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
@format_option
def settle(period: str) -> None:
    """Settle every transfer through PERIOD: post what the rules now give minus what is posted.

    Atomic and idempotent: a re-run with nothing new posts nothing. A period earlier than the
    last settled one is refused. City office only.

    \b
    Example:
      pool --as city-office settle 2024-06
    """
    result = settlement.settle(runtime(), period, progress("settling projects"))
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
