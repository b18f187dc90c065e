"""What every command shares: the context, the --format option, rendering and error handling."""

import csv
import functools
import io
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import click

from pool.bootstrap import Adapters
from pool.config import Settings
from pool.domain.text import printable, spreadsheet_safe

FORMATS = ("table", "json", "csv")


class AppContext:
    """The resolved global options, shared by every command through click's context."""

    def __init__(self, settings: Settings, fmt: str, adapters: Adapters | None = None) -> None:
        self.settings = settings
        self.format = fmt
        self.adapters = adapters or Adapters()


def app(ctx: click.Context | None = None) -> AppContext:
    ctx = ctx or click.get_current_context()
    obj = ctx.find_object(AppContext)
    if obj is None:  # a command invoked on its own, without the root group
        obj = AppContext(Settings.load(), "table")
        ctx.obj = obj
    return obj


def format_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add `--format table|json|csv` to a read command; defaults to the global --format."""

    @click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Output format (default: table, or the global --format).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, fmt: str | None = None, **kwargs: Any) -> Any:
        if fmt is not None:
            app().format = fmt
        return func(*args, **kwargs)

    return wrapper


def render(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]] | None = None,
    *,
    fmt: str | None = None,
) -> None:
    """Print rows as a table (headers from `columns`), a JSON array, or CSV."""
    fmt = fmt or app().format
    if fmt == "json":
        click.echo(json.dumps(list(rows), ensure_ascii=False, indent=2))
        return
    columns = columns or [(k, k) for k in (rows[0].keys() if rows else [])]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([key for key, _ in columns])
        for row in rows:
            writer.writerow([csv_cell(row.get(key)) for key, _ in columns])
        click.echo(buf.getvalue(), nl=False)
        return
    click.echo(table([[h for _, h in columns]] + [[cell(r.get(k)) for k, _ in columns] for r in rows]))


def render_object(obj: dict[str, Any], *, fmt: str | None = None) -> None:
    """Print one object: JSON as an object, otherwise as `key: value` lines."""
    fmt = fmt or app().format
    if fmt == "json":
        click.echo(json.dumps(obj, ensure_ascii=False, indent=2))
        return
    width = max((display_width(k) for k in obj), default=0)
    for key, value in obj.items():
        if isinstance(value, list | dict):
            value = json.dumps(value, ensure_ascii=False)
        click.echo(f"{key}{' ' * (width - display_width(key))}  {cell(value)}")


def cell(value: Any) -> str:
    """A value for a terminal: escapes and control characters shown, never acted on."""
    return "" if value is None else printable(str(value))


def csv_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    return spreadsheet_safe("" if value is None else str(value))


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if ord(ch) >= 0x1100 and _wide(ch) else 1 for ch in text)


def _wide(ch: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(ch) in ("W", "F")


def table(rows: Iterable[Sequence[str]]) -> str:
    rows = [list(r) for r in rows]
    if not rows:
        return ""
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c + " " * (w - display_width(c)) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
