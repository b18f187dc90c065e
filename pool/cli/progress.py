"""Progress on a terminal: a counter on stderr, only when stderr is a TTY."""

import sys
from collections.abc import Callable

import click


def progress(label: str) -> Callable[[int, int], None] | None:
    """A callback printing `label: done/total` in place, or None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        click.echo(f"\r{label}: {done:,}/{total:,}", err=True, nl=False)
        if end:
            click.echo("", err=True)

    return show
