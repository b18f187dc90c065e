"""`pool audit`: the append-only record of every state-changing attempt."""

import json

import click

from pool.cli.common import format_option, render
from pool.cli.lazy import lazy
from pool.cli.wiring import fmt, runtime

service = lazy("pool.services.audit")


@click.command("audit")
@click.option("--actor", default=None, help="Only this actor's attempts.")
@click.option("--since", default=None, metavar="DATE", help="Only from this UTC date or time on.")
@format_option
def audit(actor: str | None, since: str | None) -> None:
    """Show who did what to which object, when, and how it ended (city, auditor).

    \b
    Example:
      pool --as audit-bureau audit --actor luonan-bureau --since 2024-06-01
    """
    rows = service.list_entries(runtime(), actor=actor, since=since)
    if fmt() != "json":
        rows = [{**r, "detail": json.dumps(r["detail"], ensure_ascii=False)} for r in rows]
    render(
        rows,
        [
            ("id", "id"),
            ("at", "at (UTC)"),
            ("actor", "actor"),
            ("role", "role"),
            ("action", "action"),
            ("target", "target"),
            ("outcome", "outcome"),
            ("detail", "detail"),
        ],
    )
