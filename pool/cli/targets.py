"""`pool target set|import|list`."""

import click

from pool.cli.common import format_option, render, render_object
from pool.cli.lazy import lazy
from pool.cli.wiring import fmt, labelled, runtime

service = lazy("pool.services.targets")

COLUMNS = [
    ("region", "地区 region"),
    ("indicator", "指标 indicator"),
    ("label", "名称"),
    ("year", "年度"),
    ("amount", "目标 amount"),
    ("unit", "unit"),
    ("set_by", "set by"),
    ("set_at", "at (UTC)"),
    ("source", "source"),
]
KEYS = ("region", "indicator", "label", "year", "amount", "unit", "set_by", "set_at", "source", "current")


@click.group("target")
def target() -> None:
    """Annual targets (年度目标任务) per region and indicator; the bulletin measures against them.

    An indicator is `book:share` of a published ruleset (e.g. statistics:funds) or its label
    (e.g. 固定资产投资). The target of the city's own code is the city total's. Amounts may be
    written in 万 or 亿 (90万, 2.8亿). Changing a target keeps the earlier value.

    \b
    Examples:
      pool target set shangzhou statistics:funds 2025 5.2亿
      pool target import targets-2025.xlsx --sheet 目标
      pool target list --year 2025
    """


@target.command("set")
@click.argument("region", metavar="REGION")
@click.argument("indicator", metavar="INDICATOR")
@click.argument("year", metavar="YEAR")
@click.argument("amount", metavar="AMOUNT")
@format_option
def set_(region: str, indicator: str, year: str, amount: str) -> None:
    """Set a region's annual target for an indicator. City only.

    \b
    Example:
      pool target set zhashui statistics:funds 2025 34.89亿
    """
    render_object(service.set_target(runtime(), region, indicator, year, amount))


@target.command("import")
@click.argument("file", metavar="FILE.csv|FILE.xlsx")
@click.option(
    "--sheet", default=None, metavar="NAME", help="The XLSX sheet to read (else the first visible one)."
)
@click.option(
    "--encoding",
    default=None,
    type=click.Choice(("utf-8", "gbk", "gb18030"), case_sensitive=False),
    help="The CSV file's encoding (else detected: UTF-8, or GB18030/GBK).",
)
@format_option
def import_(file: str, sheet: str | None, encoding: str | None) -> None:
    """Import targets, all or nothing: columns region(地区), indicator(指标), year(年度),
    amount(目标). A total row (合计, 总计) is skipped and named. City only.

    \b
    Example:
      pool target import 2025年目标.csv
    """
    result = service.import_targets(runtime(), file, sheet=sheet, encoding=encoding)
    if fmt() == "json":
        render_object(result)
        return
    click.echo(
        f"{result['file']}: {result['rows']} targets, {result['set']} set, {result['unchanged']} unchanged."
    )
    for total in result["skipped_totals"]:
        click.echo(f"row {total['row']} skipped: {total['label']} is a total row.")


@target.command("list")
@click.option("--year", type=click.IntRange(1900, 9999), default=None, metavar="YYYY", help="Only this year.")
@click.option("--history", is_flag=True, help="Every value ever set, oldest first, not only the current.")
@format_option
def list_(year: int | None, history: bool) -> None:
    """The targets with who set them and when. Any role.

    \b
    Example:
      pool target list --year 2025 --history
    """
    rows = service.list_targets(runtime(), year=year, history=history)
    if fmt() == "table":
        render(labelled(rows, "region"), COLUMNS)
    else:
        render([{k: r[k] for k in KEYS} for r in rows], [(k, k) for k in KEYS])
