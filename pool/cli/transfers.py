"""`pool transfer list|show`."""

import json

import click

from pool.cli.common import format_option, render, render_object
from pool.cli.lazy import lazy
from pool.cli.wiring import fmt, label, labelled, runtime

service = lazy("pool.services.transfers")


COLUMNS = [
    ("id", "id"),
    ("project", "project"),
    ("project_name", "name"),
    ("from", "from"),
    ("to", "to"),
    ("effective", "effective"),
    ("ruleset", "ruleset"),
    ("version", "version"),
    ("agreement", "agreement"),
]


def show_transfer(row: dict[str, object]) -> None:
    if fmt() == "json":
        render_object(row)
        return
    shown = {k: v for k, v in row.items() if not k.endswith("_name") or k == "project_name"}
    shown["from"], shown["to"] = label(row, "from"), label(row, "to")
    render_object(shown)


@click.group("transfer")
def transfer() -> None:
    """Approved moves of projects between regions, with their pinned ruleset version.

    \b
    Examples:
      pool transfer list --project SL-2024-001
      pool transfer show 1 --format json
    """


@transfer.command("list")
@click.option("--project", default=None, metavar="CODE", help="Only this project's transfers.")
@format_option
def list_(project: str | None) -> None:
    """List transfers, oldest first.

    \b
    Example:
      pool transfer list --format csv
    """
    rows = service.list_transfers(runtime(), project=project)
    if fmt() == "table":
        rows = labelled(rows, "from", "to")
    elif fmt() == "csv":
        rows = [{**r, "agreement": json.dumps(r["agreement"], ensure_ascii=False)} for r in rows]
    render(rows, COLUMNS)


@transfer.command("show")
@click.argument("transfer_id", metavar="ID", type=int)
@format_option
def show(transfer_id: int) -> None:
    """Show a transfer with its agreement and pinned ruleset version.

    \b
    Example:
      pool transfer show 1 --format json
    """
    show_transfer(service.show(runtime(), transfer_id))
