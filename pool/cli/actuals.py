"""`pool actuals import|list`."""

from typing import Any

import click

from pool.cli.common import format_option, render, render_object
from pool.cli.lazy import lazy
from pool.cli.progress import progress
from pool.cli.wiring import fmt, runtime

service = lazy("pool.services.actuals")
completeness = lazy("pool.services.completeness")


PROGRESS_EVERY = 50_000  # rows between redraws of the counter
COLUMNS = [
    ("id", "id"),
    ("project", "project"),
    ("period", "period"),
    ("metric", "指标 metric"),
    ("amount", "amount"),
    ("revision", "revision"),
]
REVISION_COLUMNS = COLUMNS + [
    ("note", "note"),
    ("reason", "reason"),
    ("actor", "actor"),
    ("at", "at (UTC)"),
    ("import", "import"),
]


@click.group("actuals")
def actuals() -> None:
    """Reported amounts per project, month and metric, with every revision kept.

    \b
    Examples:
      pool --as city-office actuals import 2024-03.csv
      pool --as city-office actuals import fix.xlsx --restate --reason "税务局更正申报"
      pool actuals list --project SL-2024-001 --revisions
    """


@actuals.command("import")
@click.argument("file", metavar="FILE.csv|FILE.xlsx")
@click.option(
    "--restate", is_flag=True, help="Allow different values for stored keys and new values in closed periods."
)
@click.option(
    "--reason",
    default=None,
    metavar="TEXT",
    help="Why the values are restated; required with --restate, kept with the import.",
)
@click.option(
    "--sheet", default=None, metavar="NAME", help="The XLSX sheet to read (else the first visible one)."
)
@click.option(
    "--encoding",
    default=None,
    type=click.Choice(("utf-8", "gbk", "gb18030"), case_sensitive=False),
    help="The CSV file's encoding (else detected: UTF-8, or GB18030/GBK as Excel saves plain CSV).",
)
@format_option
def import_(file: str, restate: bool, reason: str | None, sheet: str | None, encoding: str | None) -> None:
    """Import an actuals file (city): all rows or none.

    The file is CSV (UTF-8 with or without BOM, or GBK/GB18030) or XLSX with the columns
    project,period,metric,amount (项目编号,月份,指标,金额) and an optional note (备注). A metric
    may be named by its label (地方留成税收); an amount may be written in 万 or 亿 (90万,
    2.8亿); a total row (合计, 总计) is skipped and named. Any bad row refuses the whole file
    and every bad row is listed with its row number. The same values again change nothing.

    \b
    Examples:
      pool --as city-office actuals import 2024-03.csv
      pool --as city-office actuals import 2024-03.csv --restate --reason "税务局更正申报"
    """
    if reason is not None and not reason.strip():
        raise click.BadParameter("the reason may not be empty.", param_hint="--reason")
    if restate and reason is None:
        raise click.UsageError("--restate needs --reason TEXT saying why the values change.")
    counter = progress("rows read", every=PROGRESS_EVERY)
    try:
        result = service.import_file(
            runtime(), file, restate=restate, reason=reason, sheet=sheet, encoding=encoding, progress=counter
        )
    finally:
        if counter is not None:
            counter.finish()
    if fmt() != "table":
        render_object(result)
        return
    if not result["changed"]:
        click.echo(
            f"Nothing changed: all {result['rows']:,} rows of {result['file']} match the stored values."
        )
    else:
        rows = "1 row" if result["rows"] == 1 else f"{result['rows']:,} rows"
        click.echo(
            f"Imported {result['file']} (import {result['import']}): {rows}, "
            f"{result['added']:,} added, {result['restated']:,} restated, "
            f"{result['unchanged']:,} unchanged."
        )
    if notice := service.formula_notice(result):
        click.echo(notice)
    for total in result["skipped_totals"]:
        click.echo(f"Row {total['row']} skipped: {total['label']} is a total row.")


@actuals.command("list")
@click.option("--project", default=None, metavar="CODE", help="Only this project.")
@click.option("--metric", default=None, metavar="METRIC", help="Only this metric.")
@click.option("--period", default=None, metavar="YYYY-MM", help="Only this month.")
@click.option(
    "--revisions",
    is_flag=True,
    help="Every revision, with its note and the reason, actor and time of its import.",
)
@format_option
def list_(project: str | None, metric: str | None, period: str | None, revisions: bool) -> None:
    """List actuals: the current value of each key, or every revision (any role).

    \b
    Examples:
      pool actuals list --project SL-2024-001 --metric tax_local
      pool actuals list --period 2024-03 --revisions --format csv
    """
    rows = service.list_actuals(runtime(), project=project, metric=metric, period=period, revisions=revisions)
    render(_shown(rows), REVISION_COLUMNS if revisions else COLUMNS)


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tables name metrics in Chinese and English; JSON and CSV carry the code alone."""
    if fmt() == "table":
        return [{**r, "metric": f"{r['metric_name']} {r['metric']}".strip()} for r in rows]
    return [{k: v for k, v in r.items() if k != "metric_name"} for r in rows]


@actuals.command("missing")
@click.option("--period", required=True, metavar="YYYY-MM", help="The month to check.")
@format_option
def missing(period: str) -> None:
    """List the figures a settlement of the month reads and nobody reported.

    For each project, its transfer in force in the month reads the base metrics of its ruleset's
    shares; a metric with no figure for the month is listed. `pool settle` warns with the same list.

    \b
    Example:
      pool actuals missing --period 2024-11 --format csv
    """
    rows = completeness.missing(runtime(), period)
    render(
        rows,
        [
            ("project", "project"),
            ("project_name", "name"),
            ("host", "落地地 host"),
            ("transfer", "transfer"),
            ("period", "period"),
            ("metric", "metric"),
            ("label", "指标 label"),
        ],
    )
