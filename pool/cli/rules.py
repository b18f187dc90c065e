"""`pool rules check` and `pool rules test`: rule files and rule tests, no database needed."""

import sys

import click

from pool.cli.common import handle_errors


@click.group()
def rules() -> None:
    """Check, test, simulate and publish rule sets.

    \b
    Examples:
      pool rules check pool/rules/library/jjj-2015.yaml
      pool rules test pool/rules/library/*.cases.yaml
    """


COMMANDS = [rules]
