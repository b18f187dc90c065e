"""The rules engine: a pure function from a project's facts to cumulative targets.

`settle_project` takes the project, its transfers (each with its pinned ruleset and resolved
agreement), its actuals and the settle-through month, and returns the cumulative target of every
(transfer, share, region) with the arithmetic that gave it, from which `pool.rules.trace`
explains each number.
"""

from collections.abc import Iterator, Sequence

from pool.domain.money import format_amount
from pool.domain.months import Month
from pool.rules.facts import Actuals, Context, ProjectFacts, Target, TransferFacts
from pool.rules.results import ShareResult, TransferResult
from pool.rules.schema import Share
from pool.rules.shares import settle_share, value


def settle_project(
    project: ProjectFacts,
    transfers: Sequence[TransferFacts],
    actuals: Actuals,
    through: Month,
    city: str,
) -> tuple[list[Target], list[TransferResult]]:
    """Cumulative targets of every transfer of one project through `through`, and their arithmetic."""
    targets: list[Target] = []
    results: list[TransferResult] = []
    for t, ctx in contexts(project, transfers, through, city):
        shares = [(share, settle_share(share, ctx, actuals)) for share in t.ruleset.shares]
        targets.extend(targets_of(t, shares))
        results.append((t, ctx, shares))
    return targets, results


def contexts(
    project: ProjectFacts, transfers: Sequence[TransferFacts], through: Month, city: str
) -> list[tuple[TransferFacts, Context]]:
    """The transfers in force by `through`, in effective order, each with what its shares are
    settled with."""
    ordered = sorted(transfers, key=lambda t: t.effective)
    out = []
    for i, t in enumerate(ordered):
        if t.effective > through:
            continue
        nxt = ordered[i + 1].effective - 1 if i + 1 < len(ordered) else through
        out.append((t, _context(project, ordered, i, min(nxt, through), through, city)))
    return out


def targets_of(t: TransferFacts, shares: Sequence[tuple[Share, ShareResult]]) -> Iterator[Target]:
    """The non-zero cumulative targets of one transfer's settled shares."""
    for share, result in shares:
        for region, amount in result[0].items():
            if amount:
                yield Target(t.key, share.name, share.book, region, amount)


def origins_of(ordered: Sequence[TransferFacts], i: int) -> list[str]:
    """The origins of transfer i under its ruleset's chain policy, excluding its host."""
    t = ordered[i]
    policy = t.ruleset.chain
    if policy == "first_origin":
        candidates = [ordered[0].from_region]
    elif policy == "last_origin":
        candidates = [t.from_region]
    else:
        candidates = list(dict.fromkeys(x.from_region for x in ordered[: i + 1]))
    return [r for r in candidates if r != t.to_region]


def failing_conditions(project: ProjectFacts, t: TransferFacts) -> list[str]:
    """The eligibility conditions this transfer fails (empty when eligible)."""
    rule = t.ruleset.eligibility
    if rule is None:
        return []
    failing = []
    if rule.min_planned_investment is not None:
        minimum = value(rule.min_planned_investment, t.agreement)
        if project.planned_investment < minimum:
            failing.append(
                f"planned investment {format_amount(project.planned_investment)} is below "
                f"min_planned_investment {format_amount(minimum)}"
            )
    if project.kind in rule.kinds_excluded:
        failing.append(f"kind {project.kind} is in kinds_excluded")
    if rule.capital_sources is not None and project.capital_source not in rule.capital_sources:
        failing.append(f"capital source {project.capital_source} is not in capital_sources")
    for flag in rule.agreement_flags:
        if not t.agreement.get(flag):
            failing.append(f"agreement flag {flag} is not set")
    return failing


def _context(
    project: ProjectFacts,
    ordered: Sequence[TransferFacts],
    i: int,
    cover_to: Month,
    through: Month,
    city: str,
) -> Context:
    """What transfer i's shares are settled with: its origins and coverage, and why the host keeps
    everything if it does."""
    t = ordered[i]
    origins = origins_of(ordered, i)
    failing = failing_conditions(project, t)
    reason = ("not eligible: " + "; ".join(failing)) if failing else ""
    if not origins and not reason:
        reason = "no origin: the project returned to a region that gave it up"
    city = t.ruleset.city or city  # a ruleset may name its own city
    return Context(
        t.to_region,
        origins,
        city,
        t.effective,
        t.effective,
        cover_to,
        through,
        t.agreement,
        project.milestones,
        reason,
        [t.to_region, *origins, city],
    )
