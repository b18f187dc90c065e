"""`pool report balances|payables|statement`."""

import click

from pool.cli.common import format_option, render, render_object, write_sheets
from pool.cli.lazy import lazy
from pool.cli.wiring import fmt, label, labelled, runtime
from pool.domain.vocab import BOOKS
from pool.files.report_books import (
    BULLETIN_CSV,
    assessment_columns,
    assessment_rows,
    assessment_sheets,
    bulletin_rows,
    bulletin_sheets,
    bulletin_title,
)

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
    if fmt() in ("csv", "xlsx"):
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


bulletin_service = lazy("pool.services.bulletin")

BULLETIN_COLUMNS = [
    ("region", "地区"),
    ("period_amount", "本期"),
    ("ytd", "本年累计"),
    ("target", "年度目标"),
    ("completion_pct", "完成%"),
    ("last_year_ytd", "去年同期累计"),
    ("yoy_pct", "同比%"),
    ("rank", "排名"),
]


@report.command("bulletin")
@click.option(
    "--period",
    required=True,
    metavar="YYYY-MM|YYYYQn|YYYY",
    help="A month (2025-05), a quarter (2025Q2) or a year (2025).",
)
@format_option
def bulletin(period: str) -> None:
    """The bulletin (月统计、季通报): each indicator per region against its annual target.

    For every indicator of the default ruleset: the period's amount, the year to date, the
    year's target, completion %, the same months last year, year-on-year growth % and the rank
    among the counties, with a city total that counts each figure once; then the pool's
    activity in the period. Amounts are attributed to the months they describe (a restated
    month changes that month), and projects that never moved count for their host. Any role.

    \b
    Examples:
      pool report bulletin --period 2025Q2
      pool report bulletin --period 2025-05 --format json
    """
    result = bulletin_service.bulletin(runtime(), period)
    if fmt() == "xlsx":
        write_sheets(bulletin_sheets(result), title=bulletin_title(result))
        return
    if fmt() == "json":
        render_object(result)
        return
    if fmt() == "csv":
        render(bulletin_rows(result), BULLETIN_CSV)
        return
    click.echo(f"招商引资统计通报 {result['period']}({result['from']} 至 {result['through']})")
    for ind in result["indicators"]:
        click.echo()
        click.echo(f"{ind['label']}  {ind['indicator']}  单位 {ind['unit']}")
        rows = [
            {**r, "region": r["region_name"] if r["region"] is None else label(r, "region")}
            for r in ind["rows"]
        ]
        render(rows, BULLETIN_COLUMNS)
    act = result["activity"]
    click.echo()
    click.echo(
        f"本期新增线索 {act['leads_registered']} 个,挂牌 {act['listings_opened']} 个,认领申请 "
        f"{act['claims_submitted']} 个,批准流转 {act['transfers_approved']} 个。"
    )
    rate = act["construction_start_rate"]
    click.echo(
        f"本年签约项目 {rate['signed']} 个,已开工 {rate['started']} 个,开工率 "
        f"{rate['rate_pct'] + '%' if rate['rate_pct'] is not None else '—'}。"
    )
    stages = ",".join(f"{k} {v}" for k, v in act["projects_by_stage"].items())
    click.echo(f"期末项目阶段:{stages}")
    for flow in act["fiscal_flows"]:
        click.echo(
            f"财政分成:{flow['payer_name']} 应付 {flow['payee_name']} {flow['amount']}({flow['share']})"
        )


assessment_service = lazy("pool.services.assessment")


@report.command("assessment")
@click.option("--year", type=YEAR, required=True, metavar="YYYY", help="The year assessed.")
@click.option(
    "--scheme",
    "scheme",
    required=True,
    metavar="FILE|ID[@VERSION]",
    help="A scheme file (a draft), or a published scheme (its latest version unless @VERSION).",
)
@format_option
def assessment(year: int, scheme: str) -> None:
    """Each county's assessment score (年考核) under a scheme, with the arithmetic.

    score = Σ weight × min(completion, cap) − deductions, exact, shown with two decimals;
    completion is the year's attributed amount over the year's target. Any role.

    \b
    Examples:
      pool report assessment --year 2025 --scheme shangluo-assessment
      pool report assessment --year 2025 --scheme draft.yaml --format xlsx --out 考核.xlsx
    """
    result = assessment_service.assessment(runtime(), year, scheme)
    if fmt() == "json":
        render_object(result)
        return
    if fmt() == "xlsx":
        write_sheets(assessment_sheets(result), title=result["title"])
        return
    if fmt() == "table":
        draft = "" if result["published"] else " (草稿)"
        click.echo(f"{result['title']}  {result['scheme']} {result['version']}{draft}")
    render(assessment_rows(result), assessment_columns(result))
