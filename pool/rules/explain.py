"""Render the engine's trace for people (text) and for scripts (plain JSON-ready data)."""

import dataclasses
from fractions import Fraction
from typing import Any

from pool.domain.money import format_amount
from pool.domain.ratio import format_ratio
from pool.rules.trace import ShareTrace, TransferTrace, YearTrace


def trace_data(traces: list[TransferTrace]) -> list[dict[str, Any]]:
    """The trace as JSON-ready data: amounts as decimal strings, ratios as exact fractions."""
    return [_plain(dataclasses.asdict(t)) for t in traces]


def _plain(obj: Any, key: str = "") -> Any:
    if isinstance(obj, dict):
        if key in ("result", "target"):
            return {k: format_amount(v) for k, v in obj.items()}
        if key == "ratios":
            return {k: f"{v.numerator}/{v.denominator}" for k, v in obj.items()}
        if key == "exact":
            return {k: _exact_amount(v) for k, v in obj.items()}
        return {k: _plain(v, k) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v, key) for v in obj]
    if isinstance(obj, int) and not isinstance(obj, bool) and key in _AMOUNTS:
        return format_amount(obj)
    return obj


_AMOUNTS = {"collected", "baseline", "shareable", "floor_moved", "cap_cut", "outside_term"}


def _exact_amount(value: Fraction) -> str:
    """An exact share in yuan: '33.3333…' shown as a fraction of fen when not whole."""
    if value.denominator == 1:
        return format_amount(value.numerator)
    whole, part = divmod(value.numerator, value.denominator)
    return f"{format_amount(whole)} + {part}/{value.denominator} fen"


def render_text(traces: list[TransferTrace]) -> str:
    lines: list[str] = []
    for t in traces:
        until = t.covered_until or t.through
        lines.append(
            f"transfer {t.transfer}: {t.from_region} -> {t.to_region}, effective {t.effective}, "
            f"ruleset {t.ruleset} {t.version}"
        )
        lines.append(
            f"  covers {t.covered_from} .. {until} (through {t.through}); chain {t.chain}: "
            f"origins {', '.join(t.origins) or 'none'}; city {t.city}"
        )
        if t.term_from:
            lines.append(
                f"  chain_term continue: term years count from {t.term_from}, the chain's first move"
            )
        if t.chain_agreement == "first":
            lines.append(
                "  chain_agreement first: ratios, amounts and years from the chain's first agreement"
            )
        lines.append("  eligible" if t.eligible else "  NOT eligible: " + "; ".join(t.failing))
        for s in t.shares:
            lines.extend(_share_lines(s))
    return "\n".join(lines)


def _share_lines(s: ShareTrace) -> list[str]:
    head = f"  share {s.name}{f' {s.label}' if s.label else ''} ({s.book}, mode {s.mode})"
    if s.reason:
        return [head + f": all to host — {s.reason}", f"    target {_regions(s.target)}"]
    term = f"{s.term_years} year{'s' if s.term_years != 1 else ''}" if s.term_years else "no term"
    if s.extended_by:
        term += f", extended by {s.extended_by} (cap unmet)"
    lines = [head + f": term from {s.start}, {term}"]
    for y in s.years:
        lines.extend(_year_lines(y))
    if s.outside_term:
        lines.append(f"    outside the term, to host: {format_amount(s.outside_term)}")
    lines.append(f"    target {_regions(s.target)}")
    return lines


def _year_lines(y: YearTrace) -> list[str]:
    state = "complete" if y.complete else "in progress"
    lines = [
        f"    year {y.year} ({y.first_month}..{y.last_month}, {state}): C={format_amount(y.collected)}"
        f" baseline={format_amount(y.baseline)} B={format_amount(y.shareable)}"
        + (f" (rest to {y.baseline_to})" if y.collected != y.shareable else "")
    ]
    if y.ratios:
        ratios = ", ".join(f"{r} {format_ratio(v)}" for r, v in y.ratios.items())
        exact = ", ".join(f"{r} {_exact_amount(v)}" for r, v in y.exact.items())
        step = f"step {y.step}{f' when {y.when}' if y.when else ''}: " if y.step else ""
        lines.append(f"      {step}{ratios}")
        lines.append(f"      exact {exact}")
        if y.remainder_to:
            lines.append(
                f"      leftover fen to {', '.join(y.remainder_to)} (largest remainders, tie order "
                "host, origins, city, parties)"
            )
    if y.floor_moved:
        lines.append(f"      floor moved {format_amount(y.floor_moved)} from host to origins")
    if y.cap_cut:
        lines.append(f"      cap returned {format_amount(y.cap_cut)} from origins to host")
    lines.append(f"      result {_regions(y.result)}")
    return lines


def _regions(amounts: dict[str, int]) -> str:
    return ", ".join(f"{r} {format_amount(a)}" for r, a in amounts.items()) or "nothing"
