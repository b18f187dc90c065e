"""Command groups of the `pool` command line; `register` attaches them to the root group."""

import importlib

import click

# Each module defines click commands or groups and a `COMMANDS` list of them.
_MODULES = (
    "pool.cli.rules",
    "pool.cli.setup",
    "pool.cli.actors",
    "pool.cli.projects",
    "pool.cli.listings",
    "pool.cli.claims",
    "pool.cli.transfers",
    "pool.cli.audit",
    "pool.cli.actuals",
    "pool.cli.settlement",
    "pool.cli.ledger",
    "pool.cli.reports",
    "pool.cli.explain",
)


def register(root: click.Group) -> None:
    for name in _MODULES:
        module = importlib.import_module(name)
        for command in module.COMMANDS:
            root.add_command(command)
