"""One share of one transfer through period P: term, base, split, floor, cap and the other modes.

Pure arithmetic: each function returns what it computed, and the trace is built from that.
"""

from collections import defaultdict
from collections.abc import Sequence
from fractions import Fraction
from operator import add
from typing import Any

from pool.domain.allocation import Weights, allocate, party_weights, split_equally, split_weights
from pool.domain.months import Month
from pool.rules.conditions import holds
from pool.rules.facts import Actuals, Context
from pool.rules.results import AMOUNTS, TO_ORIGINS, ShareResult, YearResult
from pool.rules.schema import AgreementRef, Cap, Eligibility, Floor, Share, Step

_NONE: dict[Month, int] = {}
_ZERO = Fraction(0)


def value(v: Any, agreement: Any) -> Any:
    """A rule value as this transfer's agreement resolves it: a reference looked up, a literal as is."""
    return agreement[v.key] if isinstance(v, AgreementRef) else v


def share_parties(share: Share, ctx: Context) -> list[str]:
    """The share's parties in tie order: host, origins in chain order, city, then the regions its
    schedule names under `parties`, in file order."""
    named = share.named_parties
    return [*ctx.parties, *named] if named else ctx.parties


def term_years(share: Share, ctx: Context) -> int | None:
    """The share's term length for this transfer (its agreement may give it), or None."""
    if share.term is None:
        return None
    years = share.term.years
    return years if type(years) is int else int(value(years, ctx.agreement))


def _extension(share: Share, ctx: Context) -> int:
    assert share.term is not None
    return int(value(share.term.extend_years_if_cap_unmet, ctx.agreement))


# what a share has collected: the base of each term year (1, 2, ...) and what was covered
# outside the term (before it starts, or everything while it has not started)
Sums = tuple[dict[int, int], int]


def settle_share(share: Share, ctx: Context, actuals: Actuals) -> ShareResult:
    """The share's cumulative result through P, keeping each term year's arithmetic."""
    term = share.term
    if term is None or term.start == "transfer":  # the common case, without a call
        start: Month | None = ctx.term_from
        reason = ""
    else:
        start, reason = term_start(share, ctx, actuals)
    return settle_sums(share, ctx, start, reason, collect(share, ctx, start, actuals))


def collect(share: Share, ctx: Context, start: Month | None, actuals: Actuals) -> Sums:
    """The share's base per term year, and outside its term, of the covered `actuals`. Linear in
    the actuals: the sums of two sets of figures are the sums of their union."""
    lo, hi = ctx.cover_from, ctx.cover_to
    first, base = (hi + 1, 0) if start is None else (max(lo, start), start)
    by_year: dict[int, int] = defaultdict(int)  # C_y of each term year
    outside = 0  # covered before the term starts
    before = base - 12  # (p - before) // 12 is p's term year
    for sign, metric in share.signed_metrics:
        months = actuals.get(metric)
        if not months:
            continue
        low, high = min(months), max(months)
        if first <= low and high <= hi and (low - before) // 12 == (high - before) // 12:
            # every month in one term year (a year's history, a month-end's new month): one sum
            by_year[(low - before) // 12] += sign * sum(months.values())
            continue
        if sign > 0:
            for p, amount in months.items():
                if first <= p <= hi:
                    by_year[(p - before) // 12] += amount
                elif lo <= p <= hi:
                    outside += amount
        else:
            for p, amount in months.items():
                if first <= p <= hi:
                    by_year[(p - before) // 12] -= amount
                elif lo <= p <= hi:
                    outside -= amount
    return by_year, outside


def settle_sums(share: Share, ctx: Context, start: Month | None, reason: str, sums: Sums) -> ShareResult:
    """The share's cumulative result from what it has collected."""
    reason = ctx.host_reason or ("mode host" if share.mode == "host" else reason)
    by_year, outside = sums
    if reason:  # the host keeps every covered amount
        total = outside + sum(by_year.values())
        parties = share_parties(share, ctx)
        amounts = [total, *[0] * (len(parties) - 1)]
        return by_region(parties, amounts), None, reason, 0, total, []
    assert start is not None
    return _settle_term(share, ctx, start, by_year, outside)


def _settle_term(
    share: Share, ctx: Context, start: Month, by_year: dict[int, int], outside: int
) -> ShareResult:
    """Settle the term year by year; years past it (extended while the cap is unmet) go to the host."""
    named = share.named_parties
    parties = [*ctx.parties, *named] if named else ctx.parties
    amounts = [0] * len(parties)
    years: list[YearResult] = []
    term = share.term
    limit = None if term is None else term.years if type(term.years) is int else term_years(share, ctx)
    extended_by = cum_origin = 0
    for year in range(1, max(by_year, default=0) + 1):
        if limit is not None and year > limit:
            outside += by_year.get(year, 0)
            continue
        if year in by_year:
            result = _settle_year(share, ctx, year, start, by_year[year], cum_origin)
            years.append(result)
            cum_origin += result[TO_ORIGINS]
            for i, a in enumerate(result[AMOUNTS]):
                amounts[i] += a
        if share.term and year == limit and not extended_by and _extends(share, ctx, start, cum_origin):
            extended_by = _extension(share, ctx)
            limit = year + extended_by
    amounts[0] += outside
    return by_region(parties, amounts), start, "", extended_by, outside, years


def _extends(share: Share, ctx: Context, start: Month, cum_origin: int) -> bool:
    """Whether the term grows: its last year is complete and the cap is still unmet."""
    assert share.term is not None
    if not share.term.extend_years_if_cap_unmet or share.cap is None or not _extension(share, ctx):
        return False
    cap = value(share.cap.origin_total, ctx.agreement)
    return ctx.through >= start + 12 * int(value(share.term.years, ctx.agreement)) - 1 and cum_origin < cap


def term_start(share: Share, ctx: Context, actuals: Actuals) -> tuple[Month | None, str]:
    """The term's start month S, or None and why the term has not started."""
    if share.term is None or share.term.start == "transfer":
        return ctx.term_from, ""
    if share.term.start == "first_report":
        metric = share.base.plus[0]
        months = actuals.get(metric, _NONE)
        lo, hi = ctx.term_from, ctx.cover_to
        if months and lo <= min(months) and max(months) <= hi and all(months.values()):
            return min(months), ""  # every month covered and reported
        reported = [p for p, a in months.items() if a and lo <= p <= hi]
        if not reported:
            return None, f"term not started: no {metric} reported yet"
        return min(reported), ""
    name = share.term.milestone
    month = ctx.milestones.get(name)
    if month is None:
        return None, f"term not started: milestone {name} is not set"
    return max(ctx.term_from, month), ""


def _settle_year(
    share: Share, ctx: Context, year: int, start: Month, collected: int, cum_origin: int
) -> YearResult:
    """One term year's arithmetic, whole: base, split, floor and cap, and each party's amount."""
    complete = ctx.through >= start + 12 * year - 1
    n = len(ctx.origins)
    if share.mode == "dual":  # host and every origin count the whole base
        # a negative year of a signed metric counts for the host only (it is shared by nobody)
        if collected < 0 and _counts_signed(share, ctx):
            counted = [collected, *[0] * n]
        else:
            counted = [collected] * (n + 1)
        return year, collected, 0, collected, complete, None, None, [], 0, 0, counted, 0
    baseline = value(share.baseline, ctx.agreement) if share.baseline is not None else 0
    shareable = max(0, collected - baseline)
    step, weights, split = _split(share, ctx, year, shareable)
    kept = collected - shareable  # not shared: the baseline part, or a negative base
    rest = _rest_allocation(share, kept, n, len(split)) if kept else None
    origins = sum(split[1 : n + 1]) if share.named_parties else shareable - split[0] - split[-1]
    moved = cut = 0
    if share.floor is not None and complete:
        host_has = split[0] + rest[0] if rest else split[0]
        moved = _floor_moved(share.floor, ctx.agreement, origins, host_has)
    if share.cap is not None:
        cut = _cap_cut(share.cap, ctx.agreement, origins + moved, cum_origin)
    origins += moved - cut
    bounded = _bounded(split, moved, cut, origins, n) if moved or cut else split
    amounts = list(map(add, bounded, rest)) if rest else bounded
    return year, collected, baseline, shareable, complete, step, weights, split, moved, cut, amounts, origins


def _split(share: Share, ctx: Context, year: int, shareable: int) -> tuple[Step | None, Weights, list[int]]:
    """The schedule step and ratios of the year, and B_y divided in them by largest remainder."""
    n = len(ctx.origins)
    if share.mode == "split":
        step = (
            share.step_for(year, lambda rule: _holds(rule, ctx)) if share.has_when else share.step_for(year)
        )
        o, c = value(step.origin, ctx.agreement), value(step.city, ctx.agreement)
        named = share.named_parties
        if named:
            weights = _party_weights(step, named, o, c, n, ctx)
        else:
            weights = split_weights(o.numerator, o.denominator, c.numerator, c.denominator, n)
        return step, weights, allocate(shareable, weights)
    # origin: equal parts, so the largest remainders are the earlier origins' (only a split
    # share has a schedule, so no named parties here)
    return None, (n, (0, *[1] * n, 0)), [0, *split_equally(shareable, n), 0]


def _counts_signed(share: Share, ctx: Context) -> bool:
    """Whether the share's base reads a `signed` metric."""
    return any(metric in ctx.signed for _, metric in share.signed_metrics)


def _holds(rule: Eligibility, ctx: Context) -> bool:
    return holds(rule, ctx.project, ctx.agreement)


def _party_weights(
    step: Step, named: tuple[str, ...], o: Fraction, c: Fraction, n: int, ctx: Context
) -> Weights:
    """Host, each origin, the city and each named party (0 when this step names none)."""
    parts = []
    for r in named:
        p = value(step.parties[r], ctx.agreement) if r in step.parties else _ZERO
        parts.append((p.numerator, p.denominator))
    return party_weights(o.numerator, o.denominator, c.numerator, c.denominator, n, tuple(parts))


def _rest_allocation(share: Share, rest: int, n: int, size: int) -> list[int]:
    """Who keeps the part of a year's base that is not shared: host, origins, city and parties."""
    if share.baseline_to == "host":
        return [rest, *[0] * (size - 1)]
    return [0, *split_equally(rest, n), *[0] * (size - n - 1)]


def _floor_moved(floor: Floor, agreement: Any, origins: int, host_has: int) -> int:
    """What the floor moves from the host's year to the origins: their shortfall, as far as it goes."""
    least = value(floor.origin_per_year, agreement)
    return max(0, min(least - origins, host_has)) if origins < least else 0


def _cap_cut(cap: Cap, agreement: Any, origins: int, cum_origin: int) -> int:
    """What the cap returns from the origins' year to the host: all beyond what is left of the cap."""
    allowed = max(0, value(cap.origin_total, agreement) - cum_origin)
    return origins - allowed if origins > allowed else 0


def _bounded(split: list[int], moved: int, cut: int, origins: int, n: int) -> list[int]:
    """The split as floor and cap left it: the host gave or took, the origins share their total."""
    return [split[0] - moved + cut, *split_equally(origins, n), *split[n + 1 :]]


def by_region(parties: Sequence[str], values: Sequence[int]) -> dict[str, int]:
    """Amounts per region, summing a region that is more than one party."""
    out = dict(zip(parties, values))
    if len(out) == len(parties):  # no region is two parties
        return out
    out = {}
    for region, v in zip(parties, values):
        out[region] = out.get(region, 0) + v
    return out
