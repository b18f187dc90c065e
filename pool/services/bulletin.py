"""`pool report bulletin --period`: each indicator per region against its annual target, and the
pool's activity in the period (月统计、季通报).

Amounts come from attribution by described period (`pool.services.attribution`): a restated month
moves the month it describes, whenever it was posted, and projects that never moved count wholly
for their host. Amounts leave as decimal strings with two places, percentages with one.
"""

from collections import Counter, defaultdict
from datetime import datetime
from fractions import Fraction
from typing import Any

from pool.domain.money import format_amount
from pool.domain.months import OFFICE_OFFSET, Month, current_month, format_month
from pool.domain.periods import Period, parse_period, percent, quarter_through
from pool.domain.vocab import STAGES
from pool.rules.attribution import TOTAL, Cumulative, Flows, Indicator, between
from pool.services import commands
from pool.services.attribution import cumulative, indicators
from pool.store.models import Actor
from pool.store.uow import UnitOfWork

CITY_TOTAL = "全市合计"


def bulletin(rt: Any, period: str) -> dict[str, Any]:
    """The bulletin of a month (2025-05), a quarter (2025Q2) or a year (2025). Any role."""
    p = parse_period(period)

    def body(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        return build(uow, p)

    return commands.read(rt, body)


def default_period(rt: Any) -> str:
    """The period a bulletin shows when none is named: the latest quarter whose months are all
    settled or, before anything is settled, the latest quarter that has ended. Any role."""

    def body(uow: UnitOfWork, actor: Actor) -> str:
        run = uow.ledger.last_run()
        through = run.through if run is not None else current_month(rt.now()) - 1
        return quarter_through(through).name

    return commands.read(rt, body)


def throughs(p: Period) -> tuple[set[Month], set[Month]]:
    """The months whose cumulative amounts the bulletin reads per region, and those (each month
    of the year through the period's end) it reads for the city's monthly trend only."""
    jan = p.january
    regions = {p.last, p.first - 1, jan - 1, p.last - 12, jan - 13}
    return regions, set(range(jan - 1, p.last + 1)) - regions


def build(uow: UnitOfWork, p: Period) -> dict[str, Any]:
    chosen = indicators(uow, p.last)
    at, trend_only = throughs(p)
    cum, flows = cumulative(uow, chosen, at, trend_only)
    names = uow.regions.names()
    regions = uow.regions.all()
    city = next((r.code for r in regions if r.level == "city"), None)
    counties = [r.code for r in regions if r.level == "county"]
    targets = uow.targets.current(year=p.year)
    return strip_private(
        {
            "period": p.name,
            "from": format_month(p.first),
            "through": format_month(p.last),
            "year": p.year,
            "indicators": [_indicator(ind, cum, p, counties, city, names, targets) for ind in chosen],
            "activity": _activity(uow, p, flows, names),
        }
    )


def _indicator(
    ind: Indicator,
    cum: Cumulative,
    p: Period,
    counties: list[str],
    city: str | None,
    names: dict[str, str],
    targets: dict[tuple[str, str, int], int],
) -> dict[str, Any]:
    jan = p.january
    amounts = between(cum, ind.key, p.last, p.first - 1)
    ytd = between(cum, ind.key, p.last, jan - 1)
    last_year = between(cum, ind.key, p.last - 12, jan - 13)
    shown = list(counties)
    if city is not None and any(m.get(city, 0) for m in (amounts, ytd, last_year)):
        shown.append(city)  # the city's own portions, when a ruleset gives it any
    others = sorted(
        r for r in set(amounts) | set(ytd) | set(last_year) if r is not TOTAL and r not in shown and r != city
    )
    shown += [r for r in others if any(m.get(r, 0) for m in (amounts, ytd, last_year))]
    rows = []
    for region in shown:
        target = targets.get((region, ind.name, p.year)) if region != city else None
        rows.append(_row(region, names.get(region, region), amounts, ytd, last_year, target))
    _rank([r for r in rows if r["region"] in counties])
    total_target = targets.get((city, ind.name, p.year)) if city is not None else None
    rows.append(_row(TOTAL, CITY_TOTAL, amounts, ytd, last_year, total_target))
    trend = [
        {
            "month": format_month(m),
            "amount": format_amount(cum[m][ind.key][TOTAL] - cum[m - 1][ind.key][TOTAL]),
        }
        for m in range(jan, p.last + 1)
    ]
    return {
        "indicator": ind.name,
        "label": ind.label,
        "unit": ind.unit,
        "mode": ind.mode,
        "rows": rows,
        "trend": trend,
    }


def _row(
    region: str | None,
    name: str,
    amounts: Any,
    ytd: Any,
    last_year: Any,
    target: int | None,
) -> dict[str, Any]:
    y, ly = ytd.get(region, 0), last_year.get(region, 0)
    completion = Fraction(y, target) if target else None
    growth = Fraction(y - ly, ly) if ly else None
    return {
        "region": region,
        "region_name": name,
        "period_amount": format_amount(amounts.get(region, 0)),
        "ytd": format_amount(y),
        "target": None if target is None else format_amount(target),
        "completion_pct": percent(completion),
        "last_year_ytd": format_amount(ly),
        "yoy_pct": percent(growth),
        "rank": None,
        "_completion": completion,
        "_ytd": y,
    }


def _rank(rows: list[dict[str, Any]]) -> None:
    """Rank the counties with a target by completion, then year to date; equal ones share a rank."""
    ranked = sorted(
        (r for r in rows if r["_completion"] is not None),
        key=lambda r: (r["_completion"], r["_ytd"]),
        reverse=True,
    )
    previous: tuple[Fraction, int] | None = None
    rank = 0
    for n, row in enumerate(ranked, start=1):
        key = (row["_completion"], row["_ytd"])
        if key != previous:
            rank, previous = n, key
        row["rank"] = rank


def strip_private(result: dict[str, Any]) -> dict[str, Any]:
    for ind in result["indicators"]:
        for row in ind["rows"]:
            row.pop("_completion", None)
            row.pop("_ytd", None)
    return result


def _start_of(month: Month) -> datetime:
    """The office's midnight starting `month`, as naive UTC (how times are stored)."""
    year, m = divmod(month, 12)
    return datetime(year, m + 1, 1) - OFFICE_OFFSET


def stage_at(row: Any, month: Month) -> str:
    """A project's stage at the end of `month`, from its milestones then (its stage now when it was
    terminated, or has reached no milestone by then)."""
    stage, signed, started, operating = row.stage, row.signed, row.construction_start, row.operation_start
    if stage == "terminated":
        return stage
    for milestone, name in ((operating, "operating"), (started, "started"), (signed, "signed")):
        if milestone is not None and milestone <= month:
            return name
    return stage if stage in ("planned", "negotiating") else "negotiating"


def _activity(uow: UnitOfWork, p: Period, flows: Flows, names: dict[str, str]) -> dict[str, Any]:
    start, end = _start_of(p.first), _start_of(p.last + 1)
    counts = uow.bulletin.counts(start, end)
    chains = {c.code: c.name for c in uow.regions.chains()}
    by_chain: Counter[str] = Counter()
    by_pair: Counter[tuple[str, str]] = Counter()
    for chain, origin, host, n in uow.bulletin.transfers(p.first, p.last):
        by_chain[chain] += n
        by_pair[(origin, host)] += n
    stages: Counter[str] = Counter()
    signed = started = 0
    for row in uow.bulletin.projects():
        if row.registered_at >= end and row.signed is None:
            continue  # registered after the period, and not known to have been signed by then
        stages[stage_at(row, p.last)] += 1
        if row.signed is not None and p.january <= row.signed <= p.last:
            signed += 1
            if row.construction_start is not None and row.construction_start <= p.last:
                started += 1
    return {
        "leads_registered": counts["leads"],
        "listings_opened": counts["listings"],
        "claims_submitted": counts["claims"],
        "transfers_approved": sum(by_chain.values()),
        "transfers_by_chain": [
            {"chain": c, "chain_name": chains.get(c, c), "transfers": n} for c, n in sorted(by_chain.items())
        ],
        "transfers_by_pair": [
            {"from": a, "from_name": names.get(a, a), "to": b, "to_name": names.get(b, b), "transfers": n}
            for (a, b), n in sorted(by_pair.items())
        ],
        "projects_by_stage": {s: stages.get(s, 0) for s in STAGES},
        "construction_start_rate": {
            "signed": signed,
            "started": started,
            "rate_pct": percent(Fraction(started, signed)) if signed else None,
        },
        "fiscal_flows": _net_flows(flows, p, names),
    }


def _net_flows(flows: Flows, p: Period, names: dict[str, str]) -> list[dict[str, Any]]:
    """What each host owes each other region in the period, netted per pair and share."""
    now, before = flows.get(p.last, {}), flows.get(p.first - 1, {})
    owed: dict[tuple[str, str, str], int] = defaultdict(int)
    for key in set(now) | set(before):
        amount = now.get(key, 0) - before.get(key, 0)
        payer, payee, share = key
        a, b = sorted((payer, payee))
        owed[(a, b, share)] += amount if (payer, payee) == (a, b) else -amount
    rows = []
    for (a, b, share), amount in sorted(owed.items()):
        if amount == 0:
            continue
        payer, payee = (a, b) if amount > 0 else (b, a)
        rows.append(
            {
                "payer": payer,
                "payer_name": names.get(payer, payer),
                "payee": payee,
                "payee_name": names.get(payee, payee),
                "share": share,
                "amount": format_amount(abs(amount)),
            }
        )
    return rows
