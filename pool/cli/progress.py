"""Progress on a terminal: a counter on stderr, redrawn in place, only when stderr is a TTY."""

import sys

import click


class Progress:
    """Called with `done, total` it shows `label: done/total`, ending the line at the total;
    called with a running count alone it shows `label: count` each time the count has grown by
    `every`, and `finish` ends the line."""

    def __init__(self, label: str, every: int = 1) -> None:
        self.label = label
        self.every = every
        self.shown = 0
        self.drawn = False

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is None:
            if done - self.shown < self.every:
                return
            self.shown = done
            click.echo(f"\r{self.label}: {done:,}", err=True, nl=False)
            self.drawn = True
            return
        click.echo(f"\r{self.label}: {done:,}/{total:,}", err=True, nl=False)
        self.drawn = True
        if done >= total:
            self.finish()

    def finish(self) -> None:
        if self.drawn:
            click.echo("", err=True)
            self.drawn = False


def progress(label: str, every: int = 1) -> Progress | None:
    """A Progress for `label`, or None when stderr is not a terminal."""
    return Progress(label, every) if sys.stderr.isatty() else None
