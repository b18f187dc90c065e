"""How commands reach the services: the runtime built once per invocation, and shared labels."""

import click

from pool.bootstrap import bootstrap
from pool.cli.common import app
from pool.services.runtime import Runtime


def runtime() -> Runtime:
    """The composition root's runtime for this invocation; closed when the command ends."""
    ctx = click.get_current_context()
    context = app(ctx)
    rt: Runtime | None = getattr(context, "runtime", None)
    if rt is None:
        rt = bootstrap(context.settings, context.adapters)
        context.runtime = rt  # type: ignore[attr-defined]
        ctx.find_root().call_on_close(rt.close)
    return rt


def label(row: dict[str, object], key: str) -> str:
    """A region or chain for tables: its Chinese name and its code, e.g. `商州区 shangzhou`."""
    code = row.get(key)
    name = row.get(f"{key}_name")
    if code is None:
        return ""
    return f"{name} {code}" if name and name != code else str(code)


def labelled(rows: list[dict[str, object]], *keys: str) -> list[dict[str, object]]:
    """Rows for a table, with each of `keys` shown as `中文名 code`."""
    return [{**row, **{k: label(row, k) for k in keys}} for row in rows]


def fmt() -> str:
    return app().format
