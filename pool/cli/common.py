"""What every command shares: the context, the --format option, rendering and error handling."""

import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import click

from pool.bootstrap import Adapters
from pool.config import Settings
from pool.domain.text import printable
from pool.files.output import check_target, csv_text, new_file
from pool.files.workbook import Column, Sheet, write_workbook

FORMATS = ("table", "json", "csv", "xlsx")


class AppContext:
    """The resolved global options, shared by every command through click's context."""

    def __init__(self, settings: Settings, fmt: str, adapters: Adapters | None = None) -> None:
        self.settings = settings
        self.format = fmt
        self.adapters = adapters or Adapters()
        self.out: Path | None = None
        self.force = False


def app(ctx: click.Context | None = None) -> AppContext:
    ctx = ctx or click.get_current_context()
    obj = ctx.find_object(AppContext)
    if obj is None:  # a command invoked on its own, without the root group
        obj = AppContext(Settings.load(), "table")
        ctx.obj = obj
    return obj


def format_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add `--format table|json|csv|xlsx` (default: the global --format), `--out FILE` and
    `--force` to a read command."""

    @click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Output format (default: table, or the global --format); xlsx needs --out.",
    )
    @click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        metavar="FILE",
        help="Write to FILE (a new file) instead of standard output.",
    )
    @click.option("--force", is_flag=True, help="Replace FILE if it exists (never the database).")
    @functools.wraps(func)
    def wrapper(
        *args: Any, fmt: str | None = None, out: Path | None = None, force: bool = False, **kwargs: Any
    ) -> Any:
        context = app()
        if fmt is not None:
            context.format = fmt
        context.out, context.force = out, force
        if context.format == "xlsx" and out is None:
            raise click.UsageError("--format xlsx writes a workbook: name it with --out FILE.xlsx.")
        if context.format == "table" and out is not None:
            raise click.UsageError("--out writes json, csv or xlsx: add --format json|csv|xlsx.")
        if out is not None:
            check_target(out, force=force, protected=_protected())
        return func(*args, **kwargs)

    return wrapper


def _protected() -> list[Path]:
    """The database files no output may replace (known once the command's runtime exists)."""
    rt = getattr(app(), "runtime", None)
    if rt is not None:
        return list(rt.database.files())
    from pool.store.engine import sqlite_files

    url = app().settings.database_url
    return list(sqlite_files(url)) if url else []


def emit(text: str) -> None:
    """Print `text`, or write it to the command's --out file (new, complete or not at all)."""
    context = app()
    if context.out is None:
        click.echo(text, nl=False)
        return
    with new_file(context.out, force=context.force, protected=_protected()) as handle:
        handle.write(text)
    click.echo(f"已写入 {context.out}", err=True)


def write_sheets(sheets: Sequence[Sheet], title: str = "") -> None:
    """Write a workbook to the command's --out file."""
    context = app()
    assert context.out is not None
    with new_file(context.out, force=context.force, protected=_protected(), binary=True) as handle:
        write_workbook(handle, sheets, title=title)
    click.echo(f"已写入 {context.out}", err=True)


def render(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]] | None = None,
    *,
    fmt: str | None = None,
) -> None:
    """Print rows as a table (headers from `columns`), a JSON array, or CSV."""
    fmt = fmt or app().format
    if fmt == "json":
        emit(json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n")
        return
    columns = columns or [(k, k) for k in (rows[0].keys() if rows else [])]
    if fmt == "csv":
        emit(csv_text(rows, columns))
        return
    if fmt == "xlsx":
        write_sheets([sheet_of(rows, columns)])
        return
    click.echo(table([[h for _, h in columns]] + [[cell(r.get(k)) for k, _ in columns] for r in rows]))


def render_object(obj: dict[str, Any], *, fmt: str | None = None) -> None:
    """Print one object: JSON as an object, otherwise as `key: value` lines."""
    fmt = fmt or app().format
    if fmt == "json":
        emit(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
        return
    if fmt == "xlsx":
        rows = [
            {"key": k, "value": json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v}
            for k, v in obj.items()
        ]
        write_sheets([sheet_of(rows, [("key", "项目"), ("value", "内容")])])
        return
    width = max((display_width(k) for k in obj), default=0)
    lines = []
    for key, value in obj.items():
        if isinstance(value, list | dict):
            value = json.dumps(value, ensure_ascii=False)
        lines.append(f"{key}{' ' * (width - display_width(key))}  {cell(value)}\n")
    emit("".join(lines))


def sheet_of(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], title: str = "") -> Sheet:
    """Rows as one worksheet, with Chinese headers and each column's number format."""
    ctx = click.get_current_context(silent=True)
    name = title or (" ".join(ctx.command_path.split()[1:]) if ctx else "") or "sheet"
    shown: list[Column] = []
    for key, header in columns:
        shown.append(sheet_column(key, header))
        named = f"{key}_name"
        if rows and named in rows[0] and named not in (k for k, _ in columns):
            shown.append(sheet_column(named, named))
    return Sheet(name, shown, rows)


def sheet_column(key: str, header: str) -> Column:
    return Column(key, HEADERS.get(key, header), column_kind(key))


def column_kind(key: str) -> str:
    if key in AMOUNT_KEYS or _MONTH_KEY.fullmatch(key):
        return "amount"
    if key.endswith("_pct"):
        return "percent"
    return "text"


_MONTH_KEY = re.compile(r"[0-9]{4}-[0-9]{2}")
AMOUNT_KEYS = frozenset(
    (
        "amount",
        "total",
        "received",
        "kept",
        "owes",
        "owed",
        "net",
        "period_amount",
        "ytd",
        "target",
        "last_year_ytd",
        "planned_investment",
        "investment",
    )
)
# Chinese headers of the keys reports and lists use (a key not here keeps its table header).
HEADERS = {
    "id": "编号",
    "book": "账簿",
    "region": "地区",
    "region_name": "地区名称",
    "share": "分成项",
    "unit": "单位",
    "amount": "金额",
    "year": "年度",
    "payer": "付款方",
    "payer_name": "付款方名称",
    "payee": "收款方",
    "payee_name": "收款方名称",
    "total": "合计",
    "transfer": "流转编号",
    "project": "项目编号",
    "from": "转出地",
    "host": "落地地",
    "host_name": "落地地名称",
    "role": "角色",
    "received": "收入",
    "kept": "留存",
    "owes": "应付",
    "owed": "应收",
    "net": "净额",
    "code": "项目编号",
    "name": "名称",
    "investor": "投资方",
    "chain": "产业链",
    "chain_name": "产业链名称",
    "kind": "类型",
    "planned_investment": "计划总投资",
    "capital_source": "资金来源",
    "origin": "首谈地",
    "stage": "阶段",
    "status": "状态",
    "reason": "原因",
    "period": "月份",
    "metric": "指标",
    "revision": "版本",
    "note": "备注",
    "actor": "操作人",
    "at": "时间(UTC)",
    "import": "导入批次",
    "indicator": "指标代码",
    "label": "指标",
    "period_amount": "本期",
    "ytd": "本年累计",
    "target": "年度目标",
    "completion_pct": "完成%",
    "last_year_ytd": "去年同期累计",
    "yoy_pct": "同比%",
    "rank": "排名",
    "set_by": "设定人",
    "set_at": "设定时间(UTC)",
    "source": "来源",
    "current": "现行",
    "effective": "生效月份",
    "to": "转入地",
    "ruleset": "规则",
    "listing": "挂牌编号",
    "claim": "认领编号",
    "key": "项目",
    "value": "内容",
    "score": "得分",
}


def cell(value: Any) -> str:
    """A value for a terminal: escapes and control characters shown, never acted on."""
    return "" if value is None else printable(str(value))


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
