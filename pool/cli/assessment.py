"""`pool assessment check|publish|list`: assessment schemes (年考核办法)."""

import click

from pool.cli.common import format_option, render, render_object
from pool.cli.lazy import lazy
from pool.cli.wiring import runtime

service = lazy("pool.services.assessment")


@click.group("assessment")
def assessment() -> None:
    """Assessment schemes: indicators with weights, optional caps on completion, deductions.

    A scheme is a YAML file (see docs/spec.md), checked like a rule file (every problem as
    FILE:LINE), published immutably and named by `pool report assessment --scheme ID`.

    \b
    Examples:
      pool assessment check assessment-2025.yaml
      pool --as policy-desk assessment publish assessment-2025.yaml
      pool report assessment --year 2025 --scheme shangluo-assessment
    """


@assessment.command("check")
@click.argument("file", metavar="FILE.yaml")
@format_option
def check(file: str) -> None:
    """Check a scheme against the published indicators and the counties. Any role.

    \b
    Example:
      pool assessment check assessment-2025.yaml
    """
    render_object(service.check(runtime(), file))


@assessment.command("publish")
@click.argument("file", metavar="FILE.yaml")
@format_option
def publish(file: str) -> None:
    """Publish a scheme version (policy or city); the same text again changes nothing.

    \b
    Example:
      pool --as policy-desk assessment publish assessment-2025.yaml
    """
    render_object(service.publish(runtime(), file))


@assessment.command("list")
@format_option
def list_() -> None:
    """The published schemes. Any role.

    \b
    Example:
      pool assessment list --format json
    """
    render(
        service.list_schemes(runtime()),
        [
            ("scheme", "scheme"),
            ("version", "version"),
            ("year", "year"),
            ("title", "title"),
            ("sha256", "sha256"),
            ("published_at", "published (UTC)"),
        ],
    )
