"""`pool transfer list|show|amend|cancel`."""

import json

import click

from pool.cli.common import format_option, render, render_object
from pool.cli.lazy import lazy
from pool.cli.wiring import fmt, label, labelled, runtime

service = lazy("pool.services.transfers")
corrections = lazy("pool.services.corrections")


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
    ("status", "status"),
]


def show_transfer(row: dict[str, object]) -> None:
    if fmt() == "json":
        render_object(row)
        return
    shown = {k: v for k, v in row.items() if not k.endswith("_name") or k == "project_name"}
    shown["from"], shown["to"] = label(row, "from"), label(row, "to")
    revisions = shown.pop("revisions", None)
    render_object(shown)
    if isinstance(revisions, list):
        click.echo("")
        render(
            [{**r, "agreement": json.dumps(r["agreement"], ensure_ascii=False)} for r in revisions],
            [("revision", "revision"), ("agreement", "agreement"), ("reason", "reason"), ("at", "at (UTC)")],
        )


@click.group("transfer")
def transfer() -> None:
    """Approved moves of projects between regions, with their pinned ruleset version.

    \b
    Examples:
      pool transfer list --project SL-2024-001
      pool transfer show 1 --revisions
      pool transfer amend 1 --agreement origin_tax_share=50% --reason 补签协议
      pool transfer cancel 1 --reason 审批有误
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
@click.option("--revisions", is_flag=True, help="Also list every agreement revision, the first included.")
@format_option
def show(transfer_id: int, revisions: bool) -> None:
    """Show a transfer with its agreement in force, its status and pinned ruleset version.

    \b
    Example:
      pool transfer show 1 --revisions --format json
    """
    show_transfer(service.show(runtime(), transfer_id, revisions=revisions))


@transfer.command("amend")
@click.argument("transfer_id", metavar="ID", type=int)
@click.option(
    "--agreement",
    "agreement",
    multiple=True,
    metavar="KEY=VALUE",
    help="An agreement value to change (repeatable); the others stay as they are.",
)
@click.option("--reason", default=None, help="Why the agreement changes (required).")
@format_option
def amend(transfer_id: int, agreement: tuple[str, ...], reason: str | None) -> None:
    """Record a new agreement revision for the whole transfer (city only).

    The values are checked against the pinned ruleset's declarations; the earlier revision stays
    readable with `transfer show ID --revisions`. The next settlement posts the difference the
    new agreement makes, for every month already settled.

    \b
    Example:
      pool --as city-office transfer amend 1 --agreement origin_tax_share=50% --reason 补签协议
    """
    result = corrections.amend(runtime(), transfer_id, agreement=list(agreement), reason=reason)
    show_transfer(result)


@transfer.command("cancel")
@click.argument("transfer_id", metavar="ID", type=int)
@click.option("--reason", default=None, help="Why the transfer is cancelled (required).")
@format_option
def cancel(transfer_id: int, reason: str | None) -> None:
    """Cancel a project's latest transfer (city only): the project returns to its previous host.

    The transfer stays, marked cancelled; its targets become zero, so the next settlement
    reverses everything posted for it.

    \b
    Example:
      pool --as city-office transfer cancel 3 --reason 审批时缺少政府主导标记
    """
    show_transfer(corrections.cancel(runtime(), transfer_id, reason=reason))
