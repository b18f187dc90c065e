"""Annual targets (年度目标任务): the city sets them, everyone reads them. A changed target is a new
value; the earlier ones stay, with who set them and when."""

from decimal import Decimal
from pathlib import Path
from typing import Any

from pool.domain.errors import InvalidInput, PoolError
from pool.domain.money import format_amount, parse_scaled_amount
from pool.domain.text import shown
from pool.files.tables import read_table
from pool.rules.attribution import Indicator, indicators_of
from pool.services import commands, views
from pool.services.auth import require_role
from pool.services.commands import Note
from pool.services.facts import Rulesets
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork

YEARS = (1900, 9999)
COLUMNS = {
    "region": ("地区", "区县", "县区", "单位"),
    "indicator": ("指标", "指标名称"),
    "year": ("年度", "年份"),
    "amount": ("目标", "年度目标", "目标任务", "金额"),
}
BAD_ROWS_SHOWN = 20


def known_indicators(uow: UnitOfWork) -> dict[str, Indicator]:
    """Every `book:share` of every published ruleset version (the default's first), by name."""
    found: dict[str, Indicator] = {}
    rulesets = Rulesets(uow)
    versions = sorted(uow.rulesets.versions(), key=lambda v: (v.ruleset != "shangluo-default", v.id))
    for version in versions:
        for ind in indicators_of(rulesets.get(version.id)):
            found.setdefault(ind.name, ind)
    return found


def resolve_indicator(text: str, known: dict[str, Indicator]) -> Indicator:
    """An indicator named by its code (`statistics:funds`) or its label (固定资产投资)."""
    name = text.strip()
    if name in known:
        return known[name]
    by_label = [i for i in known.values() if i.label == name] or [
        i for i in known.values() if i.label.startswith(name + "(")
    ]
    if len(by_label) == 1:
        return by_label[0]
    if len(by_label) > 1:
        raise InvalidInput(
            f"{shown(name)} names more than one indicator ({', '.join(i.name for i in by_label)}); "
            "write its code."
        )
    listed = ", ".join(f"{i.name} ({i.label})" for i in known.values()) or "none: publish a ruleset first"
    raise InvalidInput(f"There is no indicator {shown(name)}; the indicators are {listed}.")


def _year(value: object) -> int:
    text = str(value).strip() if not isinstance(value, float) else repr(value)
    text = text.removesuffix("年")
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif text.isdigit() and len(text) == 4:
        year = int(text)
    elif isinstance(value, float) and value.is_integer():
        year = int(value)
    else:
        raise InvalidInput(f"{shown(value)} is not a year; write it as YYYY, e.g. 2025.")
    if not YEARS[0] <= year <= YEARS[1]:
        raise InvalidInput(f"{year} is not a year between {YEARS[0]} and {YEARS[1]}.")
    return year


def _amount(value: object) -> int:
    if isinstance(value, float):
        value = Decimal(repr(value))
    return parse_scaled_amount(value)


def _check_region(uow: UnitOfWork, region: str) -> str:
    code = region.strip()
    if uow.regions.get(code) is None:
        by_name = [r.code for r in uow.regions.all() if r.name == code]
        if len(by_name) == 1:
            return by_name[0]
        raise InvalidInput(f"There is no region {shown(code)}; `pool region list` shows the codes.")
    return code


def set_target(rt: Runtime, region: str, indicator: str, year: str, amount: str) -> dict[str, Any]:
    """Set (or change) one region's annual target for an indicator. City only."""

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, Any]:
        note.detail = {"region": region, "indicator": indicator, "year": year, "amount": amount}
        require_role(actor, "city", doing="set targets")
        code = _check_region(uow, region)
        ind = resolve_indicator(indicator, known_indicators(uow))
        y = _year(year)
        fen = _amount(amount)
        previous = uow.targets.current(year=y, indicator=ind.name).get((code, ind.name, y))
        uow.targets.add([_row(code, ind.name, y, fen, actor, rt, "set")])
        note.target = f"target:{code}:{ind.name}:{y}"
        return {
            "region": code,
            "indicator": ind.name,
            "label": ind.label,
            "year": y,
            "amount": format_amount(fen),
            "unit": ind.unit,
            "previous": None if previous is None else format_amount(previous),
        }

    return commands.write(rt, "target.set", body, target=f"target:{region}:{indicator}:{year}")


def _row(
    region: str, indicator: str, year: int, fen: int, actor: Actor, rt: Runtime, source: str
) -> dict[str, Any]:
    return {
        "region": region,
        "indicator": indicator,
        "year": year,
        "amount": fen,
        "set_by": actor.id,
        "set_at": rt.now(),
        "source": source[:255],
    }


def import_targets(
    rt: Runtime, path: str, *, sheet: str | None = None, encoding: str | None = None
) -> dict[str, Any]:
    """Import targets from CSV or XLSX (region, indicator, year, amount), all or nothing. City only."""
    name = Path(path).name

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, Any]:
        note.detail = {"file": name}
        require_role(actor, "city", doing="import targets")
        table = read_table(path, COLUMNS, tuple(COLUMNS), sheet=sheet, encoding=encoding)
        known = known_indicators(uow)
        names = {r.name: r.code for r in uow.regions.all()}
        codes = set(names.values())
        problems: list[str] = []
        rows: dict[tuple[str, str, int], tuple[int, int]] = {}
        for number, cells in table.rows:
            if "__extra__" in cells:
                problems.append(f"row {number}: a cell lies beyond the header's columns")
                continue
            found: list[str] = []
            region = str(cells.get("region") or "").strip()
            code = region if region in codes else names.get(region)
            if code is None:
                found.append(f"there is no region {shown(region)}" if region else "the region is empty")
            ind: Indicator | None = None
            try:
                ind = resolve_indicator(str(cells.get("indicator") or ""), known)
            except PoolError as exc:
                found.append(str(exc).rstrip("."))
            year = fen = 0
            try:
                year = _year(cells.get("year") if cells.get("year") is not None else "")
            except PoolError as exc:
                found.append(f"year: {str(exc).rstrip('.')}")
            try:
                fen = _amount(cells.get("amount") if cells.get("amount") is not None else "")
            except PoolError as exc:
                found.append(f"amount: {str(exc).rstrip('.')}")
            if not found and code is not None and ind is not None:
                key = (code, ind.name, year)
                if key in rows:
                    found.append(f"repeats row {rows[key][0]} ({code} {ind.name} {year})")
                else:
                    rows[key] = (number, fen)
            if found:
                problems.append(f"row {number}: " + "; ".join(found))
        if problems:
            more = len(problems) - BAD_ROWS_SHOWN
            listed = "\n  ".join(problems[:BAD_ROWS_SHOWN]) + (
                f"\n  and {more} more bad rows" if more > 0 else ""
            )
            raise InvalidInput(f"{name}: {len(problems)} bad rows; nothing was imported:\n  {listed}")
        if not rows:
            raise InvalidInput(f"{name}: the file holds no targets; nothing was imported.")
        current = uow.targets.current()
        changed = [(k, v) for k, v in rows.items() if current.get(k) != v[1]]
        uow.targets.add([_row(r, i, y, fen, actor, rt, name) for (r, i, y), (_, fen) in changed])
        result = {
            "file": name,
            "encoding": table.encoding,
            "sheet": table.sheet,
            "rows": len(rows),
            "set": len(changed),
            "unchanged": len(rows) - len(changed),
            "skipped_totals": [{"row": n, "label": label} for n, label in table.totals],
        }
        note.detail = dict(result)
        return result

    return commands.write(rt, "target.import", body, target=f"file:{name}")


def list_targets(rt: Runtime, *, year: int | None = None, history: bool = False) -> list[dict[str, Any]]:
    """The current targets (with --history every value ever set, oldest first). Any role."""

    def body(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        names = uow.regions.names()
        known = known_indicators(uow)
        return [
            {
                "region": region,
                "region_name": names.get(region, region),
                "indicator": indicator,
                "label": known[indicator].label if indicator in known else indicator,
                "year": y,
                "amount": format_amount(amount),
                "unit": known[indicator].unit if indicator in known else None,
                "set_by": by,
                "set_at": views.when(at),
                "source": source,
                "current": bool(current),
            }
            for region, indicator, y, amount, by, at, source, current in uow.targets.listing(
                year=year, history=history
            )
        ]

    return commands.read(rt, body)
