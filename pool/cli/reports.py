"""`pool report balances|payables|statement`."""

import click

from pool.cli.common import format_option, render, render_object
from pool.cli.lazy import lazy
from pool.cli.wiring import fmt, label, labelled, runtime
from pool.domain.vocab import BOOKS

service = lazy("pool.services.reports")


BALANCE_KEYS = ("book", "region", "share", "unit", "amount")
YEAR = click.IntRange(1900, 9999)


@click.group("report")
def report() -> None:
    """Balances, payables and statements read from the ledger.

    \b
    Examples:
      pool report balances --book fiscal
      pool report payables --year 2024
      pool report statement zhashui --year 2024
    """


@report.command("balances")
@click.option("--book", type=click.Choice(BOOKS), default=None, help="Only this book.")
@click.option("--region", default=None, metavar="CODE", help="Only this region's accounts.")
@click.option("--share", default=None, metavar="NAME", help="Only this share.")
@format_option
def balances(book: str | None, region: str | None, share: str | None) -> None:
    """Balance of every party account (book, region, share), from the running balances.

    Any role. JSON: one object per account with book, region, share, unit and amount.

    \b
    Example:
      pool report balances --region zhashui --format json
    """
    rows = service.balances(runtime(), book=book, region=region, share=share)
    if fmt() == "table":
        render(
            labelled(rows, "region"),
            [
                ("region", "region"),
                ("share", "share"),
                ("book", "book"),
                ("unit", "unit"),
                ("amount", "amount"),
            ],
        )
    else:
        render([{k: r[k] for k in BALANCE_KEYS} for r in rows], [(k, k) for k in BALANCE_KEYS])


@report.command("payables")
@click.option("--year", type=YEAR, required=True, metavar="YYYY", help="Entries posted in this year.")
@format_option
def payables(year: int) -> None:
    """Fiscal book: what each host owes each origin and the city, by month posted.

    A fiscal share posted to a region other than the transfer's host is owed by the host to that
    region (negative where a later entry reduced it). Any role.

    \b
    Example:
      pool report payables --year 2024 --format csv
    """
    rows = service.payables(runtime(), year)
    if fmt() == "json":
        render(rows)
        return
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    if fmt() == "table":
        months = [m for m in months if any(m in r["months"] for r in rows)]
        rows = labelled(rows, "payer", "payee")
    flat = [{**r, **{m: r["months"].get(m, "0.00") for m in months}} for r in rows]
    render(
        flat,
        [("payer", "payer 付"), ("payee", "payee 收"), ("unit", "unit")]
        + [(m, m) for m in months]
        + [("total", "total")],
    )


@report.command("statement")
@click.argument("region", metavar="REGION")
@click.option("--year", type=YEAR, required=True, metavar="YYYY", help="Entries posted in this year.")
@format_option
def statement(region: str, year: int) -> None:
    """A region's statement (对账单) for a year, per transfer and share.

    received: posted to the region where another region hosts the project; kept: posted to it as
    host; owes: fiscal shares it, as host, owes to others; owed: fiscal shares hosts owe it.
    Any role.

    \b
    Example:
      pool report statement zhashui --year 2024
    """
    result = service.statement(runtime(), region, year)
    amounts = [
        ("received", "received 收入"),
        ("kept", "kept 留存"),
        ("owes", "owes 应付"),
        ("owed", "owed 应收"),
    ]
    if fmt() == "json":
        render_object(result)
        return
    if fmt() == "csv":
        rows = result["lines"] + [{"transfer": "total", **t} for t in result["totals"]]
        render(
            rows,
            [
                ("transfer", "transfer"),
                ("project", "project"),
                ("host", "host"),
                ("role", "role"),
                ("share", "share"),
                ("book", "book"),
                ("unit", "unit"),
            ]
            + amounts
            + [("net", "net")],
        )
        return
    click.echo(f"{label(result, 'region')} 对账单 {year}")
    click.echo()
    render(
        labelled(result["lines"], "host"),
        [
            ("transfer", "transfer"),
            ("project", "project"),
            ("host", "host"),
            ("role", "role"),
            ("share", "share"),
            ("book", "book"),
            ("unit", "unit"),
        ]
        + amounts,
    )
    click.echo()
    render(result["totals"], [("book", "book"), ("unit", "unit")] + amounts + [("net", "net 净额")])
