"""The rules engine: a pure function from a project's facts to cumulative targets.

`settle_project` takes the project, its transfers (each with its pinned ruleset and resolved
agreement), its actuals and the settle-through month, and returns the cumulative target of every
(transfer, share, region) with the arithmetic that gave it, from which `pool.rules.trace`
explains each number.
"""

from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction

from pool.domain.errors import InvalidInput
from pool.domain.months import Month
from pool.rules.agreement import portions_fit
from pool.rules.conditions import failing
from pool.rules.facts import Actuals, Context, ProjectFacts, Target, TransferFacts
from pool.rules.results import ShareResult, TransferResult
from pool.rules.schema import Ruleset, Share
from pool.rules.shares import settle_share
from pool.rules.values import Value, bounds_problem


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


def chain_origins(ruleset: Ruleset, froms: Sequence[str], host: str) -> list[str]:
    """The origins of the last of a chain of moves (`froms`: each move's old host, in order)."""
    policy = ruleset.chain
    if policy == "first_origin":
        candidates = [froms[0]]
    elif policy == "last_origin":
        candidates = [froms[-1]]
    else:
        candidates = list(dict.fromkeys(froms))
    return [r for r in candidates if r != host]


def party_problem(ruleset: Ruleset, froms: Sequence[str], host: str) -> str | None:
    """Why a move cannot be settled under `ruleset`: a region its schedules name under
    `parties` is the move's host or one of its origins. None when there is no such region."""
    named = ruleset.named_parties
    if not named:
        return None
    origins = chain_origins(ruleset, froms, host)
    for region in sorted(named):
        if region == host or region in origins:
            role = "the host" if region == host else "an origin"
            return (
                f"ruleset {ruleset.ruleset} {ruleset.version} names {region} under parties, but "
                f"{region} is {role} of this transfer; a named party receives its own portion "
                "and cannot also be the host or an origin."
            )
    return None


def chain_agreement(ordered: Sequence[TransferFacts], i: int) -> Mapping[str, Value]:
    """The agreement values transfer i is settled with: its own; or, under `chain_agreement:
    first`, the chain's first transfer's value for each key both declare with one type."""
    t = ordered[i]
    if i == 0 or t.ruleset.chain_agreement != "first":
        return t.agreement
    first = ordered[0].agreement
    if ordered[0].ruleset is t.ruleset:
        return {k: first.get(k, v) for k, v in t.agreement.items()}
    # another ruleset: a first value counts if it is of the declared type and within its bounds,
    # and the portions it gives stay within 100%; otherwise the move's own values stand
    decls = t.ruleset.agreement
    merged = {
        k: first[k]
        if k in first
        and _same_kind(first[k], v)
        and k in decls
        and bounds_problem(decls[k], first[k]) is None
        else v
        for k, v in t.agreement.items()
    }
    return merged if portions_fit(t.ruleset, merged) else t.agreement


def _same_kind(a: Value, b: Value) -> bool:
    """Whether two agreement values are of one declared type (years and amounts differ too)."""
    return type(a) is type(b) or (isinstance(a, Fraction) and isinstance(b, Fraction))


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
    if t.ruleset.named_parties:
        problem = party_problem(t.ruleset, [x.from_region for x in ordered[: i + 1]], t.to_region)
        if problem:
            raise InvalidInput(problem)
    agreement = chain_agreement(ordered, i)
    rule = t.ruleset.eligibility
    failed = [] if rule is None else failing(rule, project, agreement)
    reason = ("not eligible: " + "; ".join(failed)) if failed else ""
    if not origins and not reason:
        reason = "no origin: the project returned to a region that gave it up"
    city = t.ruleset.city or city  # a ruleset may name its own city
    term_from = ordered[0].effective if t.ruleset.chain_term == "continue" else t.effective
    return Context(
        t.to_region,
        origins,
        city,
        t.effective,
        t.effective,
        cover_to,
        through,
        agreement,
        project.milestones,
        reason,
        [t.to_region, *origins, city],
        project,
        term_from,
        t.ruleset.signed_metrics,
    )
