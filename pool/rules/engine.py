"""The rules engine: a pure function from a project's facts to cumulative targets (SPEC §4.2).

`settle_project` takes the project, its transfers (each with its pinned ruleset and resolved
agreement), its actuals and the settle-through month, and returns the cumulative target of every
(transfer, share, region), with a trace explaining each number when asked for one.
"""

from collections.abc import Sequence

from pool.domain.money import format_amount
from pool.domain.months import Month, format_month
from pool.rules.facts import Actuals, ProjectFacts, Target, TransferFacts
from pool.rules.shares import Context, settle_share, value
from pool.rules.trace import TransferTrace


def settle_project(
    project: ProjectFacts,
    transfers: Sequence[TransferFacts],
    actuals: Actuals,
    through: Month,
    city: str,
    *,
    trace: bool = False,
) -> tuple[list[Target], list[TransferTrace]]:
    """Cumulative targets of every transfer of one project through `through`."""
    ordered = sorted(transfers, key=lambda t: t.effective)
    targets: list[Target] = []
    traces: list[TransferTrace] = []
    for i, t in enumerate(ordered):
        if t.effective > through:
            continue
        nxt = ordered[i + 1].effective - 1 if i + 1 < len(ordered) else through
        ctx = _context(project, ordered, i, min(nxt, through), through, city, trace)
        tt = _transfer_trace(t, ctx, through) if trace else None
        for share in t.ruleset.shares:
            result, st = settle_share(share, ctx, actuals)
            for region, amount in result.items():
                if amount:
                    targets.append(Target(t.key, share.name, share.book, region, amount))
            if tt is not None and st is not None:
                tt.shares.append(st)
        if tt is not None:
            traces.append(tt)
    return targets, traces


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
    trace: bool,
) -> Context:
    t = ordered[i]
    origins = origins_of(ordered, i)
    failing = failing_conditions(project, t)
    reason = ("not eligible: " + "; ".join(failing)) if failing else ""
    if not origins and not reason:
        reason = "no origin: the project returned to a region that gave it up"
    return Context(
        t.to_region,
        origins,
        t.ruleset.city or city,
        t.effective,
        t.effective,
        cover_to,
        through,
        t.agreement,
        project.milestones,
        reason,
        trace,
    )


def _transfer_trace(t: TransferFacts, ctx: Context, through: Month) -> TransferTrace:
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
        format_month(ctx.cover_to) if ctx.cover_to < through else None,
        format_month(through),
        t.ruleset.chain,
        ctx.origins,
        ctx.city,
        not failing,
        failing,
    )
