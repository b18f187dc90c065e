"""The settlement invariants over rulesets that use every addition of the rule format: signed
metrics, `years` agreement values, include lists and fixed-asset thresholds, schedule steps with
`when` and named `parties`, `chain_term: continue` and `chain_agreement: first`.

Each generated ruleset is written as YAML text and read by the loader, so it also passes every
check. The semantics are read again here, independently (coverage, the agreement a transfer is
settled with, the term start, the step a year uses), and compared with the engine's arithmetic.
The heavy tier runs 200 examples of each property; the fast tier a few, to keep it quick.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from support.running import carried_as_whole
from support.strategies import exact_largest_remainder

from pool.domain.months import Month
from pool.rules.agreement import resolve_agreement
from pool.rules.engine import settle_project
from pool.rules.facts import ProjectFacts, Target, TransferFacts
from pool.rules.loader import load_ruleset_text
from pool.rules.schema import AgreementRef, Eligibility, Ruleset, Share, Step

BASE = 2020 * 12  # 2020-01
COUNTIES = ("ra", "rb", "rc", "rd")
PARTIES = ("park", "zone")  # named parties: never a host or an origin here
CITY = "city"
KINDS = ("manufacturing", "services", "agriculture")
HEAVY = settings(max_examples=200, deadline=None)
FAST = settings(max_examples=12, deadline=None)

# ---------------------------------------------------------------------------------------------
# Rulesets using the additions, as YAML text
# ---------------------------------------------------------------------------------------------


def _pct(draw: st.DrawFn, lo: int, hi: int) -> str:
    return f"{draw(st.integers(lo, hi))}%"


@st.composite
def _condition(draw: st.DrawFn) -> str:
    """A `when` (or eligibility) mapping in flow style, with at least one key."""
    keys = draw(
        st.sets(st.sampled_from(("min_planned_investment", "kinds", "min_planned_fixed_assets")), min_size=1)
    )
    parts = []
    if "min_planned_investment" in keys:
        parts.append(f"min_planned_investment: {draw(st.sampled_from((100_000_000, 500_000_000)))}")
    if "kinds" in keys:
        chosen = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=2, unique=True))
        parts.append(f"kinds: [{', '.join(chosen)}]")
    if "min_planned_fixed_assets" in keys:
        parts.append(f"min_planned_fixed_assets: {draw(st.sampled_from((30_000_000, 60_000_000)))}")
    return "{" + ", ".join(parts) + "}"


@st.composite
def _split_share(draw: st.DrawFn, name: str, base: str) -> list[str]:
    """A split share whose schedule has `when` steps, named parties and a fallback step."""
    start = draw(st.sampled_from(("transfer", "first_report")))
    years = draw(st.sampled_from(("agreement.term_years", "1", "2", "3")))
    lines = [
        f"  - name: {name}",
        f"    label: 分成{name}",
        "    book: fiscal",
        f"    base: {base}",
        "    mode: split",
        f"    term: {{start: {start}, years: {years}}}",
    ]
    if draw(st.booleans()):
        lines.append(f"    baseline: {draw(st.sampled_from(('0', '100.00', 'agreement.existing')))}")
        lines.append(f"    baseline_to: {draw(st.sampled_from(('host', 'origin')))}")
    if draw(st.integers(0, 3)) == 0:
        lines.append(f"    cap: {{origin_total: {draw(st.sampled_from(('5000.00', 'agreement.cap')))}}}")
    if draw(st.integers(0, 3)) == 0:
        lines.append(f"    floor: {{origin_per_year: {draw(st.sampled_from(('10.00', '300.00')))}}}")
    lines.append("    schedule:")
    for _ in range(draw(st.integers(0, 3))):
        first = draw(st.integers(1, 4))
        last = draw(st.integers(first, 4))
        step = f"      - {{years: {first}-{last}, when: {draw(_condition())}, origin: {_pct(draw, 0, 50)}"
        step += f", city: {_pct(draw, 0, 10)}"
        named = draw(st.lists(st.sampled_from(PARTIES), max_size=2, unique=True))
        if named:
            step += ", parties: {" + ", ".join(f"{p}: {_pct(draw, 0, 20)}" for p in named) + "}"
        lines.append(step + "}")
    fallback = "      - {years: 1-4, origin: agreement.origin_share"
    fallback += f", city: {draw(st.sampled_from(('0%', '5%', '1/30')))}"
    if draw(st.booleans()):
        fallback += ", parties: {park: agreement.park_share}"
    lines.append(fallback + "}")
    return lines


@st.composite
def ruleset_texts(draw: st.DrawFn) -> str:
    eligibility = []
    if draw(st.booleans()):
        eligibility.append(
            f"  kinds: [{', '.join(draw(st.lists(st.sampled_from(KINDS), min_size=2, unique=True)))}]"
        )
    if draw(st.booleans()):
        eligibility.append("  min_planned_fixed_assets: 30000000")
    lines = [
        "ruleset: gen-v2",
        'version: "1"',
        "title: generated",
        "effective_from: 2019-01",
        "metrics:",
        "  tax: {unit: CNY, signed: true}",
        "  output: {unit: CNY}",
        "agreement:",
        "  origin_share: {type: ratio, default: 30%, min: 10%, max: 50%}",
        "  park_share: {type: ratio, default: 10%, min: 0%, max: 20%}",
        "  term_years: {type: years, default: 2, min: 1, max: 4}",
        "  existing: {type: amount, default: 50}",
        "  cap: {type: amount, default: 2000}",
    ]
    if eligibility:
        lines += ["eligibility:", *eligibility]
    lines += [
        f"chain: {draw(st.sampled_from(('first_origin', 'last_origin', 'all_origins')))}",
        f"chain_term: {draw(st.sampled_from(('restart', 'continue')))}",
        f"chain_agreement: {draw(st.sampled_from(('each', 'first')))}",
        "shares:",
        *draw(_split_share("tax", "tax")),
        *draw(_split_share("net", "{plus: [tax], minus: [output]}")),
        "  - name: out",
        "    book: statistics",
        "    base: tax",
        f"    mode: {draw(st.sampled_from(('dual', 'origin', 'host')))}",
        f"    term: {{start: transfer, years: {draw(st.sampled_from(('agreement.term_years', '2')))}}}",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Scenarios: a project, a chain of transfers with agreements, signed and unsigned actuals
# ---------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    ruleset: Ruleset
    project: ProjectFacts
    transfers: list[TransferFacts]
    actuals: dict[str, dict[Month, int]]
    through: Month
    notes: list[str] = field(default_factory=list)

    def settle(self, through: Month | None = None, actuals: Any = None) -> tuple[list[Target], list[Any]]:
        return settle_project(
            self.project,
            self.transfers,
            self.actuals if actuals is None else actuals,
            through or self.through,
            CITY,
        )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    rs = load_ruleset_text(draw(ruleset_texts()), "generated")
    project = ProjectFacts(
        planned_investment=draw(st.sampled_from((0, 100_000_000_00, 500_000_000_00, 900_000_000_00))),
        kind=draw(st.sampled_from(KINDS)),
        planned_fixed_assets=draw(st.sampled_from((None, 20_000_000_00, 40_000_000_00, 70_000_000_00))),
    )
    count = draw(st.integers(1, 3))
    hosts = [draw(st.sampled_from(COUNTIES))]
    months = sorted(draw(st.lists(st.integers(BASE, BASE + 40), min_size=count, max_size=count)))
    transfers = []
    for i, month in enumerate(months):
        to = draw(st.sampled_from([c for c in COUNTIES if c != hosts[-1]]))
        raw = {}
        if draw(st.booleans()):
            raw["origin_share"] = _pct(draw, 10, 50)
        if draw(st.booleans()):
            raw["term_years"] = str(draw(st.integers(1, 4)))
        if draw(st.booleans()):
            raw["park_share"] = _pct(draw, 0, 20)
        transfers.append(TransferFacts(hosts[-1], to, month, rs, resolve_agreement(rs, raw), i + 1))
        hosts.append(to)
    amounts = st.integers(-200_000, 400_000)
    periods = st.integers(BASE - 3, BASE + 110)
    actuals = {
        "tax": draw(st.dictionaries(periods, amounts, max_size=25)),
        "output": draw(st.dictionaries(periods, st.integers(0, 200_000), max_size=10)),
    }
    through = draw(st.integers(months[0], BASE + 115))
    return Scenario(rs, project, transfers, actuals, through)


# ---------------------------------------------------------------------------------------------
# The semantics read again
# ---------------------------------------------------------------------------------------------


def _value(v: Any, agreement: Any) -> Any:
    return agreement[v.key] if isinstance(v, AgreementRef) else v


def _holds(rule: Eligibility, project: ProjectFacts, agreement: Any) -> bool:
    if rule.min_planned_investment is not None:
        if project.planned_investment < _value(rule.min_planned_investment, agreement):
            return False
    if rule.min_planned_fixed_assets is not None:
        assets = project.planned_fixed_assets
        if assets is None or assets < _value(rule.min_planned_fixed_assets, agreement):
            return False
    if rule.kinds is not None and project.kind not in rule.kinds:
        return False
    return project.kind not in rule.kinds_excluded


@dataclass
class Move:
    """What one transfer is settled with, read from the scenario without the engine."""

    transfer: TransferFacts
    lo: Month
    hi: Month
    origins: list[str]
    agreement: dict[str, Any]
    term_from: Month
    eligible: bool


def moves(sc: Scenario, through: Month | None = None) -> list[Move]:
    through = sc.through if through is None else through
    ordered = sorted(sc.transfers, key=lambda t: t.effective)
    out = []
    for i, t in enumerate(ordered):
        if t.effective > through:
            continue
        hi = min(ordered[i + 1].effective - 1, through) if i + 1 < len(ordered) else through
        froms = [x.from_region for x in ordered[: i + 1]]
        chain = {
            "first_origin": froms[:1],
            "last_origin": froms[-1:],
            "all_origins": list(dict.fromkeys(froms)),
        }
        origins = [r for r in chain[t.ruleset.chain] if r != t.to_region]
        agreement = dict(ordered[0].agreement if t.ruleset.chain_agreement == "first" else t.agreement)
        term_from = ordered[0].effective if t.ruleset.chain_term == "continue" else t.effective
        rule = t.ruleset.eligibility
        eligible = rule is None or _holds(rule, sc.project, agreement)
        out.append(Move(t, t.effective, hi, origins, agreement, term_from, eligible and bool(origins)))
    return out


def base_of(share: Share, actuals: Any, p: Month) -> int:
    return sum(sign * actuals.get(m, {}).get(p, 0) for sign, m in share.signed_metrics)


def covered(share: Share, actuals: Any, mv: Move) -> dict[Month, int]:
    periods = {p for m in (*share.base.plus, *share.base.minus) for p in actuals.get(m, {})}
    return {p: base_of(share, actuals, p) for p in sorted(periods) if mv.lo <= p <= mv.hi}


def start_of(share: Share, actuals: Any, mv: Move) -> Month | None:
    assert share.term is not None
    if share.term.start == "transfer":
        return mv.term_from
    reported = [p for p, a in actuals.get(share.base.plus[0], {}).items() if a and mv.term_from <= p <= mv.hi]
    return min(reported) if reported else None


def expected_step(share: Share, year: int, project: ProjectFacts, agreement: Any) -> Step:
    """The first step in file order covering `year` whose `when` holds (or that has none)."""
    assert share.schedule is not None
    for step in share.schedule:
        first, last = step.years
        if first <= year and (last is None or year <= last):
            if step.when is None or _holds(step.when, project, agreement):
                return step
    raise AssertionError(f"no step for year {year}")


def by_transfer_share(targets: list[Target]) -> dict[tuple[Any, str], dict[str, int]]:
    out: dict[tuple[Any, str], dict[str, int]] = defaultdict(dict)
    for t in targets:
        out[(t.transfer, t.share)][t.region] = out[(t.transfer, t.share)].get(t.region, 0) + t.amount
    return out


# ---------------------------------------------------------------------------------------------
# The properties
# ---------------------------------------------------------------------------------------------


def _totals_equal_the_base_and_no_one_else_gets_a_negative_year(sc: Scenario) -> None:
    """Split and origin shares: the parties' totals equal the covered base exactly, negative months
    included; in every term year, a party other than the one keeping what is not shared
    (`baseline_to`) never gets a negative amount, and a negative year is that party's alone."""
    targets, results = sc.settle()
    got = by_transfer_share(targets)
    for mv, (t, ctx, shares) in zip(moves(sc), results):
        assert t is mv.transfer and ctx.origins == mv.origins
        for share, result in shares:
            periods = covered(share, sc.actuals, mv)
            total = sum(periods.values())
            regions = got.get((t.key, share.name), {})
            if share.mode != "dual":
                assert sum(regions.values()) == total, (share.name, regions, total)
            assert set(regions) <= {t.to_region, *mv.origins, CITY, *PARTIES}
            parties = [t.to_region, *ctx.origins, ctx.city, *share.named_parties]
            keeper = {"host": {0}, "origin": set(range(1, len(ctx.origins) + 1))}[share.baseline_to]
            for year in result[5]:
                collected, amounts = year[1], year[10]
                if any(amounts[i] < 0 for i in range(len(amounts)) if i not in keeper):
                    event("negative to a non-keeper")  # only when counted twice: checked below
                    assert share.mode == "dual" and amounts[0] == collected < 0, (share.name, year)
                    continue
                if collected < 0:
                    event(f"negative year kept by {share.baseline_to} ({share.mode})")
                    for i, a in enumerate(amounts):
                        if i not in keeper:
                            assert a == 0, (share.name, parties, amounts)
                    if share.mode == "dual":  # counted twice: the origins count nothing of it
                        assert amounts[1:] == [0] * (len(amounts) - 1)


def _steps_terms_and_ratios_as_the_format_says(sc: Scenario) -> None:
    """Each term year uses the first step in file order covering it whose `when` holds; years count
    from the chain's first move under `chain_term: continue`; ratios come from the chain's first
    agreement under `chain_agreement: first`; each party is within one unit of its exact share
    and gets exactly the largest-remainder division (ties: host, origins, city, parties)."""
    _, results = sc.settle()
    for mv, (t, ctx, shares) in zip(moves(sc), results):
        assert t is mv.transfer and ctx.agreement == mv.agreement and ctx.term_from == mv.term_from
        if t.ruleset.chain_agreement == "first" and t.key != 1:
            event("a later move settled with the first agreement")
        for share, result in shares:
            if share.mode != "split" or not mv.eligible:
                continue
            start = start_of(share, sc.actuals, mv)
            assert result[1] == start, (share.name, result[1], start, mv.term_from)
            if start is None:
                continue
            limit = int(_value(share.term.years, mv.agreement)) if share.term else None
            years: dict[int, int] = defaultdict(int)
            for p, a in covered(share, sc.actuals, mv).items():
                y = (p - start) // 12 + 1
                if p >= start and (limit is None or y <= limit):
                    years[y] += a
            assert {y[0]: y[1] for y in result[5]} == dict(years)
            n = len(ctx.origins)
            for year in result[5]:
                step = expected_step(share, year[0], sc.project, mv.agreement)
                assert year[5] is step, (year[0], year[5], step)
                event("a `when` step" if step.when is not None else "the fallback step")
                o = Fraction(_value(step.origin, mv.agreement))
                c = Fraction(_value(step.city, mv.agreement))
                named = [
                    Fraction(_value(step.parties[r], mv.agreement)) if r in step.parties else Fraction(0)
                    for r in share.named_parties
                ]
                weights = [1 - o - c - sum(named), *[o / n] * n, c, *named]
                shareable = year[3]
                baseline = _value(share.baseline, mv.agreement) if share.baseline is not None else 0
                assert shareable == max(0, year[1] - baseline)
                assert year[7] == exact_largest_remainder(shareable, weights), (year, weights)
                for amount, w in zip(year[7], weights):
                    assert abs(amount - shareable * w) < 1


def _actuals_after_p_and_runs_do_not_change_the_result(sc: Scenario, data: st.DataObject) -> None:
    """Period additivity: months after P change nothing through P, and settling month by month
    (posting each run's difference) ends where settling once does, under every chain option."""
    targets, _ = sc.settle()
    later = {"tax": {sc.through + 1: 12345, sc.through + 13: -777}, "output": {sc.through + 2: 99}}
    merged = {m: {**sc.actuals.get(m, {}), **later.get(m, {})} for m in ("tax", "output")}
    again, _ = sc.settle(actuals=merged)
    assert Counter(again) == Counter(targets)
    event(f"chain_term {sc.ruleset.chain_term}, chain_agreement {sc.ruleset.chain_agreement}")
    first = min(t.effective for t in sc.transfers)
    runs = sorted(data.draw(st.sets(st.integers(first - 1, sc.through), max_size=5), label="runs"))
    ledger: Counter = Counter()
    for run in [*runs, sc.through]:
        wanted: Counter = Counter()
        for t in sc.settle(run)[0]:
            wanted[(t.transfer, t.share, t.region)] += t.amount
        for key in set(wanted) | set(ledger):
            ledger[key] += wanted[key] - ledger[key]
    once: Counter = Counter()
    for t in targets:
        once[(t.transfer, t.share, t.region)] += t.amount
    assert {k: v for k, v in ledger.items() if v} == {k: v for k, v in once.items() if v}


def _caps_hold_per_transfer(sc: Scenario) -> None:
    """Caps stay per transfer under every chain option, and look only at what the origins got."""
    targets, _ = sc.settle()
    got = by_transfer_share(targets)
    for mv in moves(sc):
        t = mv.transfer
        for share in t.ruleset.shares:
            if share.cap is None:
                continue
            cap = _value(share.cap.origin_total, mv.agreement)
            origins = sum(got.get((t.key, share.name), {}).get(o, 0) for o in mv.origins)
            baseline_kept = share.baseline_to == "origin" and share.baseline is not None
            if not baseline_kept:
                assert origins <= cap, (share.name, origins, cap)


@pytest.mark.heavy
@HEAVY
@given(scenarios())
def test_totals_equal_the_base_and_only_the_keeper_has_a_negative_year(sc: Scenario):
    _totals_equal_the_base_and_no_one_else_gets_a_negative_year(sc)


@pytest.mark.heavy
@HEAVY
@given(scenarios())
def test_steps_terms_and_ratios_follow_the_additions(sc: Scenario):
    _steps_terms_and_ratios_as_the_format_says(sc)


@pytest.mark.heavy
@HEAVY
@given(scenarios(), st.data())
def test_period_additivity_under_every_chain_option(sc: Scenario, data: st.DataObject):
    _actuals_after_p_and_runs_do_not_change_the_result(sc, data)


@pytest.mark.heavy
@HEAVY
@given(scenarios())
def test_caps_hold_per_transfer_under_every_chain_option(sc: Scenario):
    _caps_hold_per_transfer(sc)


@FAST
@given(scenarios(), st.data())
def test_the_additions_invariants_on_a_few_examples(sc: Scenario, data: st.DataObject):
    """The same properties, a few examples in the fast tier."""
    _totals_equal_the_base_and_no_one_else_gets_a_negative_year(sc)
    _steps_terms_and_ratios_as_the_format_says(sc)
    _actuals_after_p_and_runs_do_not_change_the_result(sc, data)
    _caps_hold_per_transfer(sc)


@pytest.mark.heavy
@HEAVY
@given(scenarios(), st.data())
def test_kept_sums_plus_changes_settle_as_the_whole_history(sc: Scenario, data: st.DataObject):
    """A month-end run from the sums kept at an earlier month and what changed since (restated
    and late figures, new months) settles as the whole history, under every addition."""
    first = data.draw(st.integers(min(t.effective for t in sc.transfers), sc.through), label="kept at")
    before = {m: {p: a for p, a in v.items() if p <= first} for m, v in sc.actuals.items()}
    after = {m: dict(v) for m, v in sc.actuals.items()}
    for p, a in data.draw(
        st.dictionaries(st.integers(BASE - 3, sc.through), st.integers(-9_000, 9_000), max_size=6)
    ).items():
        after["tax"][p] = a
    after = {m: {p: a for p, a in v.items() if p <= sc.through} for m, v in after.items()}
    carried = carried_as_whole(sc.project, sc.transfers, before, first, after, sc.through, CITY)
    event("carried" if carried else "collected again")
