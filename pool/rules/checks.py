"""Checks of a ruleset beyond its shape: references, coverage, modes, bounds, dates.

Each check yields (location, message) pairs, so the loader reports every problem at once.
"""

from calendar import monthrange
from collections.abc import Iterable, Iterator
from datetime import date
from fractions import Fraction
from typing import Any

from pool.domain.errors import PoolError
from pool.domain.months import format_month
from pool.rules.schema import TERM_STARTS, AgreementRef, Eligibility, Ruleset, Share, Step
from pool.rules.values import bounds_problem, parse_value

Loc = tuple[Any, ...]
Problem = tuple[Loc, str]

_ALLOWED = {  # which modes may carry each optional key
    "cap": ("split", "origin"),
    "floor": ("split",),
    "baseline": ("split", "origin"),
    "schedule": ("split",),
}


def check_ruleset(rs: Ruleset, published: bool = False) -> Iterator[Problem]:
    """Every problem of a ruleset. With `published`, the stored text of a published version:
    the checks added since it may have been published (a base's repeated metrics and units) are
    left out, so it goes on settling as it did."""
    if rs.effective_until is not None and rs.effective_until < rs.effective_from:
        yield (
            ("effective_until",),
            (
                f"effective_until {format_month(rs.effective_until)} is before effective_from "
                f"{format_month(rs.effective_from)}"
            ),
        )
    yield from _check_agreement(rs)
    yield from _check_references(rs)
    seen: dict[str, int] = {}
    for i, share in enumerate(rs.shares):
        loc: Loc = ("shares", i)
        if share.name in seen:
            yield loc + ("name",), f"duplicate share name {share.name!r} (also shares[{seen[share.name]}])"
        seen.setdefault(share.name, i)
        yield from _check_share(rs, share, loc, published)


def _check_agreement(rs: Ruleset) -> Iterator[Problem]:
    for key, decl in rs.agreement.items():
        loc: Loc = ("agreement", key)
        parsed = {}
        for field in ("default", "min", "max"):
            raw = getattr(decl, field)
            if raw is None:
                continue
            if decl.type == "flag" and field != "default":
                yield loc + (field,), f"a flag cannot have a {field}"
                continue
            try:
                parsed[field] = parse_value(decl, raw)
            except PoolError as exc:
                yield loc + (field,), str(exc).rstrip(".")
        bounds = [f for f in ("min", "max") if getattr(decl, f) is not None]
        if "min" in parsed and "max" in parsed and parsed["min"] > parsed["max"]:
            yield loc + ("min",), "min is above max"
        elif "default" in parsed and all(f in parsed for f in bounds):  # a bad bound is reported above
            why = bounds_problem(decl, parsed["default"])
            if why:
                yield loc + ("default",), f"the default {why}"
        if decl.required and decl.default is not None:
            yield loc + ("default",), "a required value cannot have a default"
        if decl.type in ("ratio", "years") and not decl.required and decl.default is None:
            yield loc, f"an optional {decl.type} value needs a default"


def _conditions(rs: Ruleset) -> Iterator[tuple[Loc, Eligibility]]:
    """The eligibility conditions and every schedule step's `when`, with where they are."""
    if rs.eligibility is not None:
        yield ("eligibility",), rs.eligibility
    for i, share in enumerate(rs.shares):
        for j, step in enumerate(share.schedule or []):
            if step.when is not None:
                yield ("shares", i, "schedule", j, "when"), step.when


def _refs(rs: Ruleset) -> Iterator[tuple[Loc, Any, str]]:
    """Every value that may name an agreement value, with the type it must have."""
    for where, rule in _conditions(rs):
        yield where + ("min_planned_investment",), rule.min_planned_investment, "amount"
        yield where + ("min_planned_fixed_assets",), rule.min_planned_fixed_assets, "amount"
    for i, share in enumerate(rs.shares):
        loc: Loc = ("shares", i)
        yield loc + ("baseline",), share.baseline, "amount"
        if share.term is not None:
            yield loc + ("term", "years"), share.term.years, "years"
            yield loc + ("term", "extend_years_if_cap_unmet"), share.term.extend_years_if_cap_unmet, "years"
        if share.cap is not None:
            yield loc + ("cap", "origin_total"), share.cap.origin_total, "amount"
        if share.floor is not None:
            yield loc + ("floor", "origin_per_year"), share.floor.origin_per_year, "amount"
        for j, step in enumerate(share.schedule or []):
            yield loc + ("schedule", j, "origin"), step.origin, "ratio"
            yield loc + ("schedule", j, "city"), step.city, "ratio"
            for region, ratio in step.parties.items():
                yield loc + ("schedule", j, "parties", region), ratio, "ratio"


def _check_references(rs: Ruleset) -> Iterator[Problem]:
    for loc, value, kind in _refs(rs):
        if isinstance(value, AgreementRef):
            decl = rs.agreement.get(value.key)
            if decl is None:
                yield loc, f"{value} is not declared under agreement"
            elif decl.type != kind:
                yield loc, f"{value} is a {decl.type}, but this needs a {kind}"
    for where, rule in _conditions(rs):
        for j, flag in enumerate(rule.agreement_flags):
            decl = rs.agreement.get(flag)
            if decl is None or decl.type != "flag":
                yield (
                    where + ("agreement_flags", j),
                    (f"{flag!r} is not declared under agreement as a flag"),
                )
        if rule.kinds is not None:
            both = sorted(set(rule.kinds) & set(rule.kinds_excluded))
            if both:
                yield (
                    where + ("kinds",),
                    f"{', '.join(both)} is both in kinds and in kinds_excluded; name a kind in one list",
                )


def _check_share(rs: Ruleset, share: Share, loc: Loc, published: bool) -> Iterator[Problem]:
    yield from _check_base(rs, share, loc, published)
    for key, modes in _ALLOWED.items():
        if getattr(share, key) is not None and share.mode not in modes:
            yield loc + (key,), f"{key} cannot be used with mode {share.mode}"
    if share.mode == "split" and not share.schedule:
        yield loc, "a split share needs a schedule"
    if share.term is not None:
        if share.term.start not in TERM_STARTS:
            yield (
                loc + ("term", "start"),
                (
                    f"{share.term.start!r} is not a term start; use transfer, first_report or "
                    "milestone:signed|construction_start|operation_start|full_capacity"
                ),
            )
        if share.term.extend_years_if_cap_unmet and share.cap is None:
            yield loc + ("term", "extend_years_if_cap_unmet"), "an extension needs a cap"
    if share.mode == "split" and share.schedule:
        yield from _check_schedule(rs, share, loc + ("schedule",))


def _check_base(rs: Ruleset, share: Share, loc: Loc, published: bool) -> Iterator[Problem]:
    """Each base metric declared, named once (in plus, in minus, or across both), all in one unit."""
    parts = [("plus", j, m) for j, m in enumerate(share.base.plus)]
    parts += [("minus", j, m) for j, m in enumerate(share.base.minus)]
    seen: dict[str, tuple[str, int]] = {}
    first: tuple[str, str] | None = None  # the first declared metric and its unit
    for side, j, metric in parts:
        where = loc + ("base", side, j)
        if metric not in rs.metrics:
            yield where, f"base metric {metric!r} is not declared under metrics"
        elif published:
            continue
        elif metric in seen:
            other, k = seen[metric]
            if other == side:
                yield (
                    where,
                    f"base metric {metric!r} is already in {side}[{k}]; a base counts each metric once",
                )
            else:
                yield (
                    where,
                    f"base metric {metric!r} is both added and subtracted (also {other}[{k}]), so it "
                    "cancels out; a base names each metric once",
                )
        else:
            unit = rs.metrics[metric].unit
            if first is None:
                first = metric, unit
            elif unit != first[1]:
                yield (
                    where,
                    f"base metric {metric!r} is in {unit}, but {first[0]!r} is in {first[1]}; a base "
                    "adds and subtracts metrics of one unit only",
                )
        seen.setdefault(metric, (side, j))


def _bound(rs: Ruleset, value: Any, field: str) -> Any:
    """The declared `field` (min or max) of the agreement value `value` names, parsed; None if
    there is none (or it cannot be read, which is reported where it is declared)."""
    decl = rs.agreement.get(value.key)
    raw = getattr(decl, field, None) if decl is not None else None
    if raw is None:
        return None
    try:
        return parse_value(decl, raw)  # type: ignore[arg-type]
    except PoolError:
        return None


def _lowest(rs: Ruleset, ratio: Fraction | AgreementRef) -> Fraction:
    """A literal ratio, or the smallest value an agreement may give it."""
    if isinstance(ratio, Fraction):
        return ratio
    decl = rs.agreement.get(ratio.key)
    if decl is None or decl.type != "ratio":
        return Fraction(0)
    low = _bound(rs, ratio, "min")
    return Fraction(low) if low is not None else Fraction(0)


def _most_years(rs: Ruleset, value: int | AgreementRef) -> int | None:
    """A literal number of years, or the most an agreement may give; None when unbounded."""
    if isinstance(value, int):
        return value
    decl = rs.agreement.get(value.key)
    if decl is None or decl.type != "years":
        return 0  # reported as a bad reference
    high = _bound(rs, value, "max")
    return int(high) if high is not None else None


def _portions(step: Step) -> list[Fraction | AgreementRef]:
    return [step.origin, step.city, *step.parties.values()]


def _check_schedule(rs: Ruleset, share: Share, loc: Loc) -> Iterator[Problem]:
    assert share.schedule is not None
    for j, step in enumerate(share.schedule):
        portions = _portions(step)
        if sum(_lowest(rs, p) for p in portions) > 1:
            named = "origin, city and parties'" if step.parties else "origin and city"
            at_minimums = any(isinstance(p, AgreementRef) for p in portions)
            yield (
                loc + (j,),
                f"{named} portions add up to more than 100%"
                + (" even at their minimums" if at_minimums else ""),
            )
    plain = [(s.years[0], s.years[1], j) for j, s in enumerate(share.schedule) if s.when is None]
    spans = sorted(plain)
    for (_a0, a1, _), (b0, _b1, k) in zip(spans, spans[1:]):
        if a1 is None or b0 <= a1:
            yield loc + (k, "years"), f"schedule years overlap: year {b0} is covered twice"
    if share.term is None:
        open_ended = any(last is None for _, last, _ in spans)
        if not open_ended:
            yield loc, "a share without a term needs an open-ended step such as `years: 6+`"
        horizon = max((first for first, _, _ in spans), default=1)
    else:
        years = _most_years(rs, share.term.years)
        extension = _most_years(rs, share.term.extend_years_if_cap_unmet)
        if years is None or extension is None:
            ref = share.term.years if years is None else share.term.extend_years_if_cap_unmet
            if not any(last is None for _, last, _ in spans):
                yield (
                    loc,
                    f"{ref} has no max, so the term may be any length; give it a max, or end the "
                    "schedule with an open-ended step such as `years: 6+` (without `when`)",
                )
            horizon = max((first for first, _, _ in spans), default=1)
        else:
            horizon = years + extension
    for year in range(1, horizon + 1):
        if not any(first <= year and (last is None or year <= last) for first, last, _ in spans):
            when = any(s.covers(year) for s in share.schedule)
            yield (
                loc,
                f"term year {year} is not covered by any schedule step"
                + (
                    " without `when`; add a fallback step for the years a `when` does not hold"
                    if when
                    else ""
                ),
            )
            break


def check_units_against(rs: Ruleset, published: Iterable[tuple[str, Ruleset]]) -> Iterator[Problem]:
    """A metric keeps one unit across the pool, and so does a share of one name and book (it
    posts into the accounts `book:region:share`, which hold one unit). `published` is every
    published version, as (its name, such as `shangluo-default 2024.1`, its ruleset), in the
    order they were published: the first to declare a metric or share fixed its unit."""
    metric_units: dict[str, tuple[str, str]] = {}
    share_units: dict[tuple[str, str], tuple[str, str]] = {}
    for name, other in published:
        for metric, decl in other.metrics.items():
            metric_units.setdefault(metric, (decl.unit, name))
        for share in other.shares:
            share_units.setdefault((share.name, share.book), (other.unit_of(share), name))
    for metric, decl in rs.metrics.items():
        unit, name = metric_units.get(metric, (decl.unit, ""))
        if unit != decl.unit:
            yield (
                ("metrics", metric, "unit"),
                (
                    f"metric {metric!r} is in {decl.unit} here, but published ruleset {name} has it "
                    f"in {unit}; a metric keeps one unit across the pool, so write unit: {unit} or "
                    "name the metric differently"
                ),
            )
    for i, share in enumerate(rs.shares):
        unit, name = share_units.get((share.name, share.book), (rs.unit_of(share), ""))
        if unit != rs.unit_of(share):
            yield (
                ("shares", i, "base"),
                (
                    f"share {share.name!r} of the {share.book} book would post in {rs.unit_of(share)}, "
                    f"but published ruleset {name} posts it in {unit}; a share of one name and book "
                    "posts into the same accounts, so keep its unit or name the share differently"
                ),
            )


def warnings(rs: Ruleset, today: date) -> Iterator[Problem]:
    """Warnings that do not make a file invalid: a ruleset expired or about to expire."""
    if rs.effective_until is None:
        return
    year, month = divmod(rs.effective_until, 12)
    end = date(year, month + 1, monthrange(year, month + 1)[1])  # 9999-12 has no next month
    until = format_month(rs.effective_until)
    if today > end:
        yield ("effective_until",), f"this ruleset expired after {until}"
    elif (end - today).days <= 90:
        yield ("effective_until",), f"this ruleset expires after {until}, within 90 days"
