"""One share of one transfer through period P: SPEC §4.2 steps 4 to 9."""

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from pool.domain.allocation import allocate, split_equally, split_weights
from pool.domain.months import Month, format_month
from pool.rules.facts import Actuals
from pool.rules.schema import AgreementRef, Share
from pool.rules.trace import ShareTrace, YearTrace
from pool.rules.values import Value


@dataclass
class Context:
    """What a share needs to know about its transfer."""

    host: str
    origins: list[str]
    city: str
    effective: Month
    cover_from: Month
    cover_to: Month  # last covered period, already limited to P
    through: Month
    agreement: dict[str, Value] | Any
    milestones: Any
    host_reason: str  # non-empty: every share goes to the host, and why
    trace: bool


_NONE: dict[Month, int] = {}


def value(v: Any, agreement: Any) -> Any:
    return agreement[v.key] if isinstance(v, AgreementRef) else v


def settle_share(share: Share, ctx: Context, actuals: Actuals) -> tuple[dict[str, int], ShareTrace | None]:
    terms = [(sign, actuals.get(metric, _NONE)) for sign, metric in share.signed_metrics]
    lo, hi = ctx.cover_from, ctx.cover_to
    n = len(ctx.origins)
    parties = [ctx.host, *ctx.origins, ctx.city]
    amounts = [0] * (n + 2)
    tr = ShareTrace(share.name, share.book, share.mode, share.mode) if ctx.trace else None
    start, reason = _start(share, ctx, actuals)
    reason = ctx.host_reason or ("mode host" if share.mode == "host" else reason)
    if reason:
        amounts[0] = sum(sign * a for sign, by_period in terms for p, a in by_period.items() if lo <= p <= hi)
        if tr:
            tr.effective_mode, tr.reason, tr.outside_term = "host", reason, amounts[0]
        return _finish(parties, amounts, tr)
    assert start is not None
    by_year: dict[int, int] = defaultdict(int)
    outside = 0
    first = max(lo, start)
    for sign, by_period in terms:
        for p, amount in by_period.items():
            if first <= p <= hi:
                by_year[(p - start) // 12 + 1] += sign * amount
            elif lo <= p <= hi:  # before the term starts
                outside += sign * amount
    limit = share.term.years if share.term else None
    if tr:
        tr.start, tr.term_years = format_month(start), limit
    cum_origin = 0
    for year in range(1, max(by_year, default=0) + 1):
        if limit is not None and year > limit:
            outside += by_year.get(year, 0)
            continue
        if year in by_year:
            cum_origin += _settle_year(share, ctx, year, start, by_year[year], cum_origin, amounts, tr)
        if share.term and year == share.term.years and _extends(share, ctx, start, cum_origin):
            limit = year + share.term.extend_years_if_cap_unmet
            if tr:
                tr.extended_by = share.term.extend_years_if_cap_unmet
    amounts[0] += outside
    if tr:
        tr.outside_term = outside
    return _finish(parties, amounts, tr)


def _extends(share: Share, ctx: Context, start: Month, cum_origin: int) -> bool:
    """Whether the term grows: its last year is complete and the cap is still unmet."""
    assert share.term is not None
    if not share.term.extend_years_if_cap_unmet or share.cap is None:
        return False
    cap = value(share.cap.origin_total, ctx.agreement)
    return ctx.through >= start + 12 * share.term.years - 1 and cum_origin < cap


def _start(share: Share, ctx: Context, actuals: Actuals) -> tuple[Month | None, str]:
    """The term's start month S, or None and why the term has not started."""
    if share.term is None or share.term.start == "transfer":
        return ctx.effective, ""
    if share.term.start == "first_report":
        metric = share.base.plus[0]
        reported = [
            p for p, a in actuals.get(metric, {}).items() if a and ctx.cover_from <= p <= ctx.cover_to
        ]
        if not reported:
            return None, f"term not started: no {metric} reported yet"
        return min(reported), ""
    name = share.term.milestone
    month = ctx.milestones.get(name)
    if month is None:
        return None, f"term not started: milestone {name} is not set"
    return max(ctx.effective, month), ""


def _settle_year(
    share: Share,
    ctx: Context,
    year: int,
    start: Month,
    collected: int,
    cum_origin: int,
    amounts: list[int],
    tr: ShareTrace | None,
) -> int:
    """Add one term year's result into `amounts`; return what the origins got from its split."""
    n = len(ctx.origins)
    agreement = ctx.agreement
    if share.mode == "dual":
        for i in range(n + 1):
            amounts[i] += collected
        if tr:
            tr.years.append(
                _year_trace(
                    ctx,
                    year,
                    start,
                    collected,
                    0,
                    collected,
                    "host",
                    {p: collected for p in [ctx.host, *ctx.origins]},
                )
            )
        return 0
    baseline = value(share.baseline, agreement) if share.baseline is not None else 0
    shareable = max(0, collected - baseline)
    rest = collected - shareable
    if share.mode == "split":
        step = share.step_for(year)
        o, c = value(step.origin, agreement), value(step.city, agreement)
        weights = split_weights(o.numerator, o.denominator, c.numerator, c.denominator, n)
        alloc = allocate(shareable, weights)
    else:  # origin: equal parts, so the largest remainders are the earlier origins'
        weights = (n, (0, *[1] * n, 0))
        alloc = [0, *split_equally(shareable, n), 0]
    initial = list(alloc) if tr else alloc
    rest_alloc = _rest_allocation(share, rest, n)
    origins = shareable - alloc[0] - alloc[-1]
    complete = ctx.through >= start + 12 * year - 1
    moved = cut = 0
    if share.floor is not None and complete:
        floor = value(share.floor.origin_per_year, agreement)
        if origins < floor:
            moved = max(0, min(floor - origins, alloc[0] + rest_alloc[0]))
            alloc[0] -= moved
            origins += moved
    if share.cap is not None:
        allowed = max(0, value(share.cap.origin_total, agreement) - cum_origin)
        if origins > allowed:
            cut = origins - allowed
            alloc[0] += cut
            origins = allowed
    if moved or cut:
        alloc[1 : n + 1] = split_equally(origins, n)
    for i, a in enumerate(alloc):
        amounts[i] += a + rest_alloc[i]
    if tr:
        parties = [ctx.host, *ctx.origins, ctx.city]
        yt = _year_trace(
            ctx,
            year,
            start,
            collected,
            baseline,
            shareable,
            share.baseline_to,
            _by_region(parties, [a + r for a, r in zip(alloc, rest_alloc)]),
        )
        if share.mode == "split":
            first, last = share.step_for(year).years
            yt.step = f"{first}-{last}" if last != first else str(first)
            if last is None:
                yt.step = f"{first}+"
        yt.complete = complete
        denom, nums = weights
        yt.ratios = _by_region_frac(parties, [Fraction(w, denom) for w in nums])
        yt.exact = _by_region_frac(parties, [Fraction(shareable * w, denom) for w in nums])
        yt.remainder_to = [parties[i] for i, w in enumerate(nums) if initial[i] > shareable * w // denom]
        yt.floor_moved, yt.cap_cut = moved, cut
        tr.years.append(yt)
    return origins


def _rest_allocation(share: Share, rest: int, n: int) -> list[int]:
    """Who keeps the part of a year's base that is not shared: host, origins and city."""
    if share.baseline_to == "host" or not rest:
        return [rest, *[0] * (n + 1)]
    return [0, *split_equally(rest, n), 0]


def _year_trace(
    ctx: Context,
    year: int,
    start: Month,
    collected: int,
    baseline: int,
    shareable: int,
    baseline_to: str,
    result: dict[str, int],
) -> YearTrace:
    first = start + 12 * (year - 1)
    return YearTrace(
        year,
        format_month(first),
        format_month(first + 11),
        ctx.through >= first + 11,
        collected,
        baseline,
        shareable,
        baseline_to,
        result=result,
    )


def _by_region(parties: list[str], values: list[int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for region, v in zip(parties, values):
        out[region] = out.get(region, 0) + v
    return out


def _by_region_frac(parties: list[str], values: list[Fraction]) -> dict[str, Fraction]:
    out: dict[str, Fraction] = defaultdict(Fraction)
    for region, v in zip(parties, values):
        out[region] += v
    return dict(out)


def _finish(
    parties: list[str], amounts: list[int], tr: ShareTrace | None
) -> tuple[dict[str, int], ShareTrace | None]:
    result = _by_region(parties, amounts)
    if tr:
        tr.target = result
    return result, tr
