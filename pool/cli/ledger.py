"""`pool ledger verify`."""

import sys

import click

from pool.cli.common import format_option, render_object
from pool.cli.wiring import fmt, runtime
from pool.services import verify as verify_service


@click.group("ledger")
def ledger() -> None:
    """Verify and export the ledger.

    \b
    Examples:
      pool --as auditor ledger verify
    """


@ledger.command("verify")
@format_option
def verify() -> None:
    """Recompute the hash chain, every entry's balance and every stored balance.

    Exits 0 when the ledger is whole; otherwise names the first bad entry and exits 1.
    City office and auditors.

    \b
    Example:
      pool --as auditor ledger verify
    """
    result = verify_service.verify(runtime())
    if fmt() == "json":
        render_object(result)
    elif result["ok"]:
        click.echo(f"Ledger verified: {result['entries']} entries, {result['postings']} postings; "
                   f"head {result['head'][:16]}.")
    else:
        first = result["first_bad_entry"]
        where = f"; the first bad entry is {first}" if first is not None else ""
        click.echo(f"Ledger verification FAILED{where}:", err=True)
        for problem in result["problems"]:
            click.echo(f"  {problem}", err=True)
    if not result["ok"]:
        sys.exit(1)


COMMANDS = [ledger]
