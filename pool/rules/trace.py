"""The explanation of every number the engine produces (`pool explain`, failing rule tests).

Built from the engine's results after the fact, so it shows the very arithmetic that gave the
targets and costs nothing when nobody asks for it.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from pool.domain.allocation import Weights
from pool.domain.money import format_amount
from pool.domain.months import Month, format_month
from pool.rules.facts import Context, TransferFacts
from pool.rules.results import ShareResult, TransferResult, YearResult
from pool.rules.schema import Ruleset, Share, Step
from pool.rules.shares import by_region, share_parties, term_years


@dataclass
class YearTrace:
    """One term year of one share: the base, its split and what floor and cap did to it."""

    year: int
    first_month: str
    last_month: str
    complete: bool
    collected: int  # C_y
    baseline: int
    shareable: int  # B_y
    baseline_to: str
    step: str = ""  # the schedule step's years, e.g. "1-3"
    when: str = ""  # the step's condition, when it has one (it held)
    ratios: dict[str, Fraction] = field(default_factory=dict)
    exact: dict[str, Fraction] = field(default_factory=dict)
    remainder_to: list[str] = field(default_factory=list)
    floor_moved: int = 0
    cap_cut: int = 0
    result: dict[str, int] = field(default_factory=dict)


@dataclass
class ShareTrace:
    name: str
    book: str
    mode: str
    effective_mode: str
    label: str = ""
    reason: str = ""  # why the share behaves as `host`, if it does
    start: str | None = None  # the term's start month S
    term_years: int | None = None
    extended_by: int = 0
    outside_term: int = 0  # covered amount outside the term, to the host
    years: list[YearTrace] = field(default_factory=list)
    target: dict[str, int] = field(default_factory=dict)


@dataclass
class TransferTrace:
    transfer: object
    ruleset: str
    version: str
    from_region: str
    to_region: str
    effective: str
    covered_from: str
    covered_until: str | None
    through: str
    chain: str
    origins: list[str]
    city: str
    eligible: bool
    failing: list[str] = field(default_factory=list)
    shares: list[ShareTrace] = field(default_factory=list)
    chain_term: str = "restart"
    chain_agreement: str = "each"
    term_from: str = ""  # the month terms count from, when not this transfer's own


def transfer_traces(results: Sequence[TransferResult]) -> list[TransferTrace]:
    """The derivation of every transfer's targets, read off the engine's results."""
    return [_transfer_trace(*r) for r in results]


def _transfer_trace(t: TransferFacts, ctx: Context, shares: list[tuple[Share, ShareResult]]) -> TransferTrace:
    """One transfer's coverage, origins and eligibility, and the derivation of each share."""
    failing = (
        ctx.host_reason[len("not eligible: ") :].split("; ")
        if ctx.host_reason.startswith("not eligible")
        else []
    )
    return TransferTrace(
        t.key,
        t.ruleset.ruleset,
        t.ruleset.version,
        t.from_region,
        t.to_region,
        format_month(t.effective),
        format_month(ctx.cover_from),
        format_month(ctx.cover_to) if ctx.cover_to < ctx.through else None,
        format_month(ctx.through),
        t.ruleset.chain,
        ctx.origins,
        ctx.city,
        not failing,
        failing,
        [_share_trace(share, _called(t.ruleset, share), result, ctx) for share, result in shares],
        t.ruleset.chain_term,
        t.ruleset.chain_agreement,
        format_month(ctx.term_from) if ctx.term_from and ctx.term_from != t.effective else "",
    )


def _called(ruleset: Ruleset, share: Share) -> str:
    """A share's label, or its base metric's; empty when people call it by its name."""
    label = ruleset.label_of(share)
    return "" if label == share.name else label


def _share_trace(share: Share, label: str, result: ShareResult, ctx: Context) -> ShareTrace:
    """One share's term, its years and its target; or, when the host keeps it all, why."""
    target, start, reason, extended_by, outside, years = result
    if start is None:  # the host keeps everything, for `reason`
        return ShareTrace(
            share.name,
            share.book,
            share.mode,
            "host",
            label,
            reason,
            outside_term=outside,
            target=dict(target),
        )
    return ShareTrace(
        share.name,
        share.book,
        share.mode,
        share.mode,
        label,
        start=format_month(start),
        term_years=term_years(share, ctx),
        extended_by=extended_by,
        outside_term=outside,
        years=[_year_trace(y, share, ctx, start) for y in years],
        target=dict(target),
    )


def _year_trace(y: YearResult, share: Share, ctx: Context, start: Month) -> YearTrace:
    """One year's base, the ratios and exact shares of its split, leftover fen, floor and cap."""
    year, collected, baseline, shareable, complete, step, weights, split, moved, cut, amounts, _ = y
    first = start + 12 * (year - 1)
    parties = share_parties(share, ctx)
    trace = YearTrace(
        year,
        format_month(first),
        format_month(first + 11),
        complete,
        collected,
        baseline,
        shareable,
        "host" if weights is None else share.baseline_to,  # a year counted twice keeps nothing back
        step=_step_years(step) if step is not None else "",
        when=_when(step) if step is not None else "",
        floor_moved=moved,
        cap_cut=cut,
        result=by_region(parties, amounts),
    )
    if weights is not None:
        _add_split(trace, weights, split, parties)
    return trace


def _when(step: Step) -> str:
    """A step's condition as written: `min_planned_investment 500000000.00, kinds manufacturing`."""
    if step.when is None:
        return ""
    parts = []
    for key, v in step.when.model_dump(exclude_defaults=True).items():
        if isinstance(v, list):
            parts.append(f"{key} {', '.join(map(str, v))}")
        elif isinstance(v, int) and not isinstance(v, bool):
            parts.append(f"{key} {format_amount(v)}")
        else:
            parts.append(f"{key} {v}")
    return "; ".join(parts)


def _step_years(step: Step) -> str:
    """The term years a schedule step covers: "2", "1-3" or "6+"."""
    first, last = step.years
    if last is None:
        return f"{first}+"
    return f"{first}-{last}" if last != first else str(first)


def _add_split(trace: YearTrace, weights: Weights, split: list[int], parties: list[str]) -> None:
    """The ratios used, the exact shares of B_y, and who got a leftover fen by largest remainder."""
    denom, nums = weights
    shareable = trace.shareable
    trace.ratios = _fractions(parties, [Fraction(w, denom) for w in nums])
    trace.exact = _fractions(parties, [Fraction(shareable * w, denom) for w in nums])
    trace.remainder_to = [parties[i] for i, w in enumerate(nums) if split[i] > shareable * w // denom]


def _fractions(parties: list[str], values: list[Fraction]) -> dict[str, Fraction]:
    """Exact values per region, summing a region that is more than one party."""
    out: dict[str, Fraction] = {}
    for region, v in zip(parties, values):
        out[region] = out.get(region, Fraction(0)) + v
    return out
