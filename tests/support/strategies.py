"""Hypothesis strategies for whole, valid rule sets and the facts to settle them against, plus an
independent reading of the settlement rules (coverage, origins, eligibility, term start) to check the engine.

A ruleset is generated as a plain dict, dumped to YAML text (amounts and ratios written as exact
text: `50%`, `1/3`, `0.25`, `1234.56`, sometimes as plain YAML numbers that a float-reading YAML
library would spoil) and read back through `load_ruleset_text`, so every generated ruleset also
proves it passes validation and `check_ruleset`.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import yaml
from hypothesis import strategies as st

from pool.domain.months import Month, format_month
from pool.domain.vocab import CAPITAL_SOURCES, KINDS, MILESTONES
from pool.rules.agreement import resolve_agreement
from pool.rules.checks import check_ruleset
from pool.rules.engine import settle_project
from pool.rules.facts import ProjectFacts, Target, TransferFacts
from pool.rules.loader import load_ruleset_text
from pool.rules.schema import AgreementRef, Ruleset
from pool.rules.trace import transfer_traces

COUNTIES = ("ra", "rb", "rc", "rd")
DEFAULT_CITY = "city"
METRICS = ("m1", "m2", "m3")
BASE = 2020 * 12  # 2020-01
MODES = ("split", "dual", "origin", "host")
STARTS = ("none", "transfer", "first_report", "milestone")

# ---------------------------------------------------------------------------------------------
# Exact text for YAML
# ---------------------------------------------------------------------------------------------


class Plain(str):
    """A scalar emitted plain (unquoted), so YAML would read `0.5` or `1234.56` as a float."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_plain(dumper: yaml.SafeDumper, value: Plain) -> yaml.Node:
    text = str(value)
    return dumper.represent_scalar(dumper.resolve(yaml.ScalarNode, text, (True, False)), text)


_Dumper.add_representer(Plain, _represent_plain)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


@st.composite
def exact_text(draw: st.DrawFn, text: str) -> str:
    """The same text, sometimes quoted and sometimes plain in the YAML."""
    return Plain(text) if draw(st.booleans()) else text


def amount_text(fen: int, style: int) -> str:
    whole, frac = divmod(fen, 100)
    if style == 0 or frac % 10:
        return f"{whole}.{frac:02d}"
    if style == 1 and frac == 0:
        return str(whole)
    return f"{whole}.{frac // 10}"


@st.composite
def amount_literal(draw: st.DrawFn, fen: int) -> Any:
    text = amount_text(fen, draw(st.integers(0, 2)))
    if "." not in text and draw(st.booleans()):
        return int(text)  # a YAML integer: whole yuan
    return draw(exact_text(text))


def ratio_texts(r: Fraction) -> list[str]:
    out = [f"{r.numerator}/{r.denominator}"]
    pct = r * 100
    den = pct.denominator
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    if den == 1:
        out.append(format(Decimal(pct.numerator) / Decimal(pct.denominator), "f") + "%")
        out.append(format(Decimal(r.numerator) / Decimal(r.denominator), "f"))
    return out


@st.composite
def ratio_literal(draw: st.DrawFn, r: Fraction) -> str:
    return draw(exact_text(draw(st.sampled_from(ratio_texts(r)))))


@st.composite
def ratios(draw: st.DrawFn, lo: Fraction = Fraction(0), hi: Fraction = Fraction(1)) -> Fraction:
    den = draw(st.sampled_from([1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 20, 40, 100, 1000]))
    first = -((-lo.numerator * den) // lo.denominator)  # ceil(lo * den)
    last = (hi.numerator * den) // hi.denominator
    if first > last:
        return lo
    return Fraction(draw(st.integers(first, last)), den)


def fen(scale: str = "any") -> st.SearchStrategy[int]:
    small = st.integers(0, 999)
    mid = st.integers(0, 10**7)
    big = st.integers(0, 10**11)
    if scale == "small":
        return st.one_of(small, mid)
    return st.one_of(small, mid, big, st.sampled_from([0, 1, 3, 7, 100, 12345]))


# ---------------------------------------------------------------------------------------------
# Rulesets
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opts:
    """Which features generated rulesets may use."""

    modes: tuple[str, ...] = MODES
    minus: bool = True
    cap: str = "maybe"  # never | maybe | always (where the mode allows one)
    floor: str = "maybe"
    baseline: str = "maybe"
    baseline_to: tuple[str, ...] = ("host", "origin")
    starts: tuple[str, ...] = STARTS
    eligibility: bool = True
    extension: bool = True
    chains: tuple[str, ...] = ("first_origin", "last_origin", "all_origins")


def _maybe(draw: st.DrawFn, setting: str) -> bool:
    return setting == "always" or (setting == "maybe" and draw(st.booleans()))


@dataclass
class _Decls:
    """The agreement declarations of one ruleset, by type: key -> (lo, hi)."""

    amounts: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    ratios: dict[str, tuple[Fraction, Fraction]] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)


@st.composite
def _agreement(draw: st.DrawFn) -> tuple[dict[str, Any], _Decls]:
    out: dict[str, Any] = {}
    decls = _Decls()
    for key in draw(st.lists(st.sampled_from(["amt_a", "amt_b", "amt_c"]), unique=True, max_size=3)):
        d: dict[str, Any] = {"type": "amount"}
        lo = draw(fen("small")) if draw(st.booleans()) else 0
        hi = lo + draw(fen("small")) if draw(st.booleans()) else None
        if lo:
            d["min"] = draw(amount_literal(lo))
        if hi is not None:
            d["max"] = draw(amount_literal(hi))
        if draw(st.booleans()):
            d["required"] = True
        elif draw(st.booleans()):
            d["default"] = draw(amount_literal(draw(st.integers(lo, hi if hi is not None else lo + 10**8))))
        if draw(st.booleans()):
            d["label"] = "金额"
        out[key] = d
        decls.amounts[key] = (lo, hi)
    for key in draw(st.lists(st.sampled_from(["rat_a", "rat_b"]), unique=True, max_size=2)):
        # Every ratio an agreement may supply is at most 1/2, so origin + city <= 100% always.
        lo = draw(ratios(Fraction(0), Fraction(1, 2)))
        hi = draw(ratios(lo, Fraction(1, 2)))
        d = {"type": "ratio", "min": draw(ratio_literal(lo)), "max": draw(ratio_literal(hi))}
        if draw(st.booleans()):
            d["required"] = True
        else:
            d["default"] = draw(ratio_literal(draw(ratios(lo, hi))))
        out[key] = d
        decls.ratios[key] = (lo, hi)
    for key in draw(st.lists(st.sampled_from(["flag_a", "flag_b"]), unique=True, max_size=2)):
        d = {"type": "flag"}
        if draw(st.booleans()):
            d["default"] = draw(st.booleans())
        out[key] = d
        decls.flags.append(key)
    return out, decls


@st.composite
def _amount_value(draw: st.DrawFn, decls: _Decls, scale: str = "any") -> Any:
    if decls.amounts and draw(st.booleans()):
        return f"agreement.{draw(st.sampled_from(sorted(decls.amounts)))}"
    return draw(amount_literal(draw(fen(scale))))


@st.composite
def _portions(draw: st.DrawFn, decls: _Decls) -> dict[str, Any]:
    """origin and (optional) city of one schedule step, never more than 100% together."""
    refs = sorted(decls.ratios)
    origin_ref = bool(refs) and draw(st.booleans())
    city_ref = bool(refs) and draw(st.booleans())
    if origin_ref:
        origin: Any = f"agreement.{draw(st.sampled_from(refs))}"
        o_max = Fraction(1, 2)
    else:
        o = draw(ratios())
        origin = draw(ratio_literal(o))
        o_max = o
    step: dict[str, Any] = {"origin": origin}
    if city_ref and o_max <= Fraction(1, 2):
        step["city"] = f"agreement.{draw(st.sampled_from(refs))}"
    elif draw(st.booleans()):
        step["city"] = draw(ratio_literal(draw(ratios(Fraction(0), 1 - o_max))))
    return step


@st.composite
def _schedule(draw: st.DrawFn, decls: _Decls, horizon: int, open_ended: bool) -> list[dict[str, Any]]:
    """Steps covering term years 1..horizon; the last one open-ended if asked."""
    cuts = sorted(draw(st.sets(st.integers(2, horizon), max_size=horizon - 1))) if horizon > 1 else []
    bounds = [1, *cuts, horizon + 1]
    steps = []
    for i, (first, nxt) in enumerate(itertools.pairwise(bounds)):
        last = nxt - 1
        if i == len(bounds) - 2 and open_ended:
            years: Any = f"{first}+"
        elif first == last:
            years = draw(st.sampled_from([first, str(first)]))
        else:
            years = f"{first}-{last}"
        steps.append({"years": years, **draw(_portions(decls))})
    return draw(st.permutations(steps))


@st.composite
def _share(draw: st.DrawFn, name: str, metrics: list[str], decls: _Decls, opts: Opts) -> dict[str, Any]:
    mode = draw(st.sampled_from(opts.modes))
    plus = draw(st.lists(st.sampled_from(metrics), min_size=1, max_size=2, unique=True))
    rest = [m for m in metrics if m not in plus]
    minus = draw(st.lists(st.sampled_from(rest), max_size=1, unique=True)) if rest and opts.minus else []
    share: dict[str, Any] = {
        "name": name,
        "book": draw(st.sampled_from(["fiscal", "statistics", "assessment"])),
    }
    if minus or draw(st.booleans()):
        base: Any = {"plus": plus}
        if minus:
            base["minus"] = minus
    else:
        base = plus[0] if len(plus) == 1 else {"plus": plus}
    share["base"] = base
    if mode in ("split", "origin") and _maybe(draw, opts.baseline):
        share["baseline"] = draw(_amount_value(decls, "small"))
        to = draw(st.sampled_from(opts.baseline_to))
        if to != "host" or draw(st.booleans()):
            share["baseline_to"] = to
    share["mode"] = mode
    cap = mode in ("split", "origin") and _maybe(draw, opts.cap)
    start = draw(st.sampled_from(opts.starts))
    extension = 0
    if start != "none":
        term: dict[str, Any] = {}
        kind = start if start != "milestone" else f"milestone:{draw(st.sampled_from(MILESTONES))}"
        if kind != "transfer" or draw(st.booleans()):
            term["start"] = kind
        term["years"] = draw(st.integers(1, 3))
        if cap and opts.extension and draw(st.booleans()):
            extension = draw(st.integers(1, 2))
            term["extend_years_if_cap_unmet"] = extension
        share["term"] = term
    if mode == "split":
        if start == "none":
            share["schedule"] = draw(_schedule(decls, draw(st.integers(1, 3)), True))
        else:
            horizon = share["term"]["years"] + extension
            share["schedule"] = draw(_schedule(decls, horizon, draw(st.booleans())))
    if cap:
        share["cap"] = {"origin_total": draw(_amount_value(decls))}
    if mode == "split" and _maybe(draw, opts.floor):
        share["floor"] = {"origin_per_year": draw(_amount_value(decls, "small"))}
    if draw(st.integers(0, 4)) == 0:
        share["reference"] = "某文件 第三条"
    return share


@st.composite
def ruleset_dicts(draw: st.DrawFn, opts: Opts = Opts(), ident: str = "gen") -> dict[str, Any]:
    agreement, decls = draw(_agreement())
    metrics = draw(st.lists(st.sampled_from(METRICS), min_size=1, max_size=3, unique=True))
    rs: dict[str, Any] = {
        "ruleset": ident,
        "version": draw(st.sampled_from(["1", "2024.1", "v2"])),
        "title": "生成的规则",
        "effective_from": format_month(BASE - 12),
    }
    if draw(st.booleans()):
        rs["effective_until"] = format_month(BASE + 120)
    if draw(st.booleans()):
        rs["city"] = "metro"
    rs["metrics"] = {m: {"unit": "CNY", "label": m} for m in metrics}
    if agreement:
        rs["agreement"] = agreement
    if opts.eligibility and draw(st.booleans()):
        el: dict[str, Any] = {}
        if draw(st.booleans()):
            el["min_planned_investment"] = draw(_amount_value(decls))
        if draw(st.booleans()):
            el["kinds_excluded"] = draw(st.lists(st.sampled_from(KINDS), unique=True, max_size=2))
        if draw(st.booleans()):
            el["capital_sources"] = draw(st.lists(st.sampled_from(CAPITAL_SOURCES), unique=True, min_size=1))
        if decls.flags and draw(st.booleans()):
            el["agreement_flags"] = draw(st.lists(st.sampled_from(decls.flags), unique=True, min_size=1))
        rs["eligibility"] = el
    chain = draw(st.sampled_from(opts.chains))
    if chain != "first_origin" or draw(st.booleans()):
        rs["chain"] = chain
    n = draw(st.integers(1, 3))
    rs["shares"] = [draw(_share(f"s{i}", metrics, decls, opts)) for i in range(n)]
    return rs


def load(data: dict[str, Any]) -> Ruleset:
    text = dump_yaml(data)
    ruleset = load_ruleset_text(text, "generated.yaml")
    assert list(check_ruleset(ruleset)) == [], text
    return ruleset


@st.composite
def agreements(draw: st.DrawFn, rs: Ruleset) -> dict[str, Any]:
    """Raw agreement values for an approval, within the declared bounds."""
    raw: dict[str, Any] = {}
    for key, decl in rs.agreement.items():
        supply = decl.required or (decl.default is None and decl.type == "amount") or draw(st.booleans())
        if not supply:
            continue
        if decl.type == "amount":
            lo = _fen_of(decl.min) if decl.min is not None else 0
            hi = _fen_of(decl.max) if decl.max is not None else lo + 10**9
            v = draw(st.one_of(st.just(lo), st.just(hi), st.integers(lo, hi)))
            raw[key] = amount_text(v, draw(st.integers(0, 2)))
        elif decl.type == "ratio":
            lo, hi = _ratio_of(decl.min), _ratio_of(decl.max)
            raw[key] = draw(st.sampled_from(ratio_texts(draw(ratios(lo, hi)))))
        else:
            raw[key] = draw(st.sampled_from([True, False, "true", "false", "yes", "no"]))
    return raw


def _fen_of(v: Any) -> int:
    from pool.domain.money import parse_amount

    return parse_amount(str(v) if not isinstance(v, int) else v)


def _ratio_of(v: Any) -> Fraction:
    from pool.domain.ratio import parse_ratio

    return parse_ratio(str(v))


# ---------------------------------------------------------------------------------------------
# Scenarios: a project, its transfers, its actuals, a settle-through month
# ---------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    project: ProjectFacts
    transfers: list[TransferFacts]
    actuals: dict[str, dict[Month, int]]
    through: Month
    rulesets: list[Ruleset]

    def settle(
        self, through: Month | None = None, actuals: Any = None, transfers: Any = None, trace: bool = False
    ) -> tuple[list[Target], list[Any]]:
        targets, results = settle_project(
            self.project,
            self.transfers if transfers is None else transfers,
            self.actuals if actuals is None else actuals,
            self.through if through is None else through,
            DEFAULT_CITY,
        )
        return targets, transfer_traces(results) if trace else []

    def describe(self) -> str:
        lines = [f"through {format_month(self.through)}", f"project {self.project}"]
        for t in self.transfers:
            lines.append(
                f"transfer {t.key}: {t.from_region}->{t.to_region} "
                f"{format_month(t.effective)} ruleset {t.ruleset.ruleset} agreement "
                f"{dict(t.agreement)}"
            )
        lines.append(
            "actuals "
            + repr({m: {format_month(p): a for p, a in sorted(v.items())} for m, v in self.actuals.items()})
        )
        return "\n".join(lines)


@st.composite
def actuals_strategy(
    draw: st.DrawFn, lo: Month = BASE - 6, hi: Month = BASE + 78, max_size: int = 20, scale: str = "any"
) -> dict[str, dict[Month, int]]:
    out: dict[str, dict[Month, int]] = {}
    for m in METRICS:
        if draw(st.integers(0, 5)) == 0:
            continue
        if draw(st.booleans()):
            out[m] = draw(st.dictionaries(st.integers(lo, hi), fen(scale), max_size=max_size))
        else:  # reported every month over a stretch, as real projects do
            first = draw(st.integers(lo, hi))
            last = min(hi, first + draw(st.integers(0, 40)))
            level = draw(fen(scale))
            out[m] = {
                p: draw(st.one_of(st.just(level), st.just(0), fen(scale))) for p in range(first, last + 1)
            }
    return out


@st.composite
def scenarios(
    draw: st.DrawFn,
    opts: Opts = Opts(),
    max_transfers: int = 3,
    max_rulesets: int = 2,
    actual_scale: str = "any",
    min_transfers: int = 1,
) -> Scenario:
    rulesets = [
        load(draw(ruleset_dicts(opts, f"gen-{i}"))) for i in range(draw(st.integers(1, max_rulesets)))
    ]
    n = draw(st.integers(min_transfers, max_transfers))
    hosts = [draw(st.sampled_from(COUNTIES))]
    for _ in range(n):
        hosts.append(draw(st.sampled_from([c for c in COUNTIES if c != hosts[-1]])))
    months = sorted(draw(st.sets(st.integers(BASE, BASE + 36), min_size=n, max_size=n)))
    # Mostly an eligible project, so that most examples actually share something.
    make_eligible = draw(st.integers(0, 3)) > 0
    transfers = []
    for i in range(n):
        rs = draw(st.sampled_from(rulesets))
        raw = draw(agreements(rs))
        if make_eligible and rs.eligibility is not None:
            raw.update({flag: True for flag in rs.eligibility.agreement_flags})
        agreement = resolve_agreement(rs, raw)
        transfers.append(TransferFacts(hosts[i], hosts[i + 1], months[i], rs, agreement, i + 1))
    milestones = {m: draw(st.integers(BASE - 12, BASE + 48)) for m in MILESTONES if draw(st.booleans())}
    kinds, sources = list(KINDS), list(CAPITAL_SOURCES)
    investment = draw(fen())
    if make_eligible:
        investment = 10**13
        for rs in rulesets:
            if rs.eligibility is not None:
                kinds = [k for k in kinds if k not in rs.eligibility.kinds_excluded]
                if rs.eligibility.capital_sources is not None:
                    sources = [s for s in sources if s in rs.eligibility.capital_sources]
        sources = sources or list(CAPITAL_SOURCES)
    project = ProjectFacts(
        investment, draw(st.sampled_from(kinds)), draw(st.sampled_from(sources)), milestones
    )
    first = months[0]
    actuals = draw(actuals_strategy(first - 4, first + 72, scale=actual_scale))
    through = first + draw(st.integers(-2, 84))
    return Scenario(project, transfers, actuals, through, rulesets)


# ---------------------------------------------------------------------------------------------
# An independent reading of the rules for coverage, origins, eligibility and term start
# ---------------------------------------------------------------------------------------------


def val(v: Any, agreement: Any) -> Any:
    return agreement[v.key] if isinstance(v, AgreementRef) else v


@dataclass
class Covered:
    transfer: TransferFacts
    lo: Month
    hi: Month  # last covered period, at most `through`
    origins: list[str]
    eligible: bool
    city: str


def coverage(sc: Scenario, through: Month | None = None) -> list[Covered]:
    """Step 1 and 2 and 3: each settled transfer with its covered periods, origins, eligibility."""
    through = sc.through if through is None else through
    ordered = sorted(sc.transfers, key=lambda t: t.effective)
    out = []
    for i, t in enumerate(ordered):
        if t.effective > through:
            continue
        hi = ordered[i + 1].effective - 1 if i + 1 < len(ordered) else through
        hosts = [ordered[0].from_region] + [x.to_region for x in ordered[:i]]
        policy = t.ruleset.chain
        if policy == "first_origin":
            origins = [ordered[0].from_region]
        elif policy == "last_origin":
            origins = [t.from_region]
        else:
            origins = list(dict.fromkeys(hosts))
        origins = [r for r in origins if r != t.to_region]
        out.append(
            Covered(
                t,
                t.effective,
                min(hi, through),
                origins,
                eligible(sc.project, t),
                t.ruleset.city or DEFAULT_CITY,
            )
        )
    return out


def eligible(project: ProjectFacts, t: TransferFacts) -> bool:
    rule = t.ruleset.eligibility
    if rule is None:
        return True
    if rule.min_planned_investment is not None:
        if project.planned_investment < val(rule.min_planned_investment, t.agreement):
            return False
    if project.kind in rule.kinds_excluded:
        return False
    if rule.capital_sources is not None and project.capital_source not in rule.capital_sources:
        return False
    return all(bool(t.agreement[f]) for f in rule.agreement_flags)


def period_base(share: Any, actuals: Any, p: Month) -> int:
    return sum(actuals.get(m, {}).get(p, 0) for m in share.base.plus) - sum(
        actuals.get(m, {}).get(p, 0) for m in share.base.minus
    )


def covered_periods(share: Any, actuals: Any, cov: Covered) -> dict[Month, int]:
    months = {p for m in (*share.base.plus, *share.base.minus) for p in actuals.get(m, {})}
    return {p: period_base(share, actuals, p) for p in sorted(months) if cov.lo <= p <= cov.hi}


def term_start(share: Any, actuals: Any, cov: Covered, project: ProjectFacts) -> Month | None:
    """Step 4: S, or None while the term has not started."""
    term = share.term
    if term is None or term.start == "transfer":
        return cov.lo
    if term.start == "first_report":
        reported = [
            p for p, a in actuals.get(share.base.plus[0], {}).items() if a != 0 and cov.lo <= p <= cov.hi
        ]
        return min(reported) if reported else None
    name = term.start.split(":", 1)[1]
    month = project.milestones.get(name)
    return None if month is None else max(cov.lo, month)


def sharing(cov: Covered, share: Any) -> bool:
    """Whether the share can give anything to the origins at all (else it behaves as host)."""
    return cov.eligible and bool(cov.origins) and share.mode != "host"


def by_share(targets: list[Target]) -> dict[tuple[Any, str], dict[str, int]]:
    out: dict[tuple[Any, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for t in targets:
        out[(t.transfer, t.share)][t.region] += t.amount
    return out


def as_counter(targets: list[Target]) -> Counter[Target]:
    return Counter(targets)


def restrict(actuals: dict[str, dict[Month, int]], upto: Month) -> dict[str, dict[Month, int]]:
    return {m: {p: a for p, a in v.items() if p <= upto} for m, v in actuals.items()}


def exact_largest_remainder(total: int, weights: list[Fraction]) -> list[int]:
    """The largest-remainder step written out again on Fractions: floors, then leftover units to the largest
    fractional remainders, ties to the earlier party."""
    exact = [total * w for w in weights]
    floors = [e.numerator // e.denominator for e in exact]
    rems = [e - f for e, f in zip(exact, floors)]
    leftover = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-rems[i], i))
    for i in order[:leftover]:
        floors[i] += 1
    return floors
