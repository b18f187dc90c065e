"""`pool rules publish` and `pool rules list`: published rulesets, stored immutably."""

import click

from pool.cli.common import format_option, render, render_object
from pool.cli.rules import rules
from pool.cli.wiring import fmt, runtime
from pool.services import rulesets as service


@rules.command("publish")
@click.argument("file", type=click.Path(dir_okay=False))
@format_option
def publish(file: str) -> None:
    """Validate a rule file and store its text and hash for good (policy only).

    Publishing the same text again changes nothing; the same version with other text is refused.

    \b
    Example:
      pool --as policy-desk rules publish pool/rules/library/shangluo-default.yaml
    """
    row = service.publish(runtime(), file)
    if fmt() == "json":
        render_object(row)
    elif row["published"]:
        click.echo(f"Published {row['ruleset']} {row['version']} (sha256 {row['sha256']}).")
    else:
        click.echo(f"{row['ruleset']} {row['version']} is already published with this text; nothing changed.")


@rules.command("list")
@click.option("--ruleset", default=None, help="Only this ruleset's versions.")
@format_option
def list_(ruleset: str | None) -> None:
    """List published ruleset versions.

    \b
    Example:
      pool rules list --format json
    """
    rows = service.list_versions(runtime(), ruleset)
    render(
        rows,
        [
            ("id", "id"),
            ("ruleset", "ruleset"),
            ("version", "version"),
            ("title", "title"),
            ("effective_from", "from"),
            ("effective_until", "until"),
            ("sha256", "sha256"),
            ("published_at", "published (UTC)"),
        ],
    )


COMMANDS: list[click.Command] = []  # the commands join the `rules` group defined by rules.py
