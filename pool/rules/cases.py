"""Rule tests: case files that state what a ruleset must give, run with no database."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from pool.domain.errors import PoolError
from pool.domain.money import format_amount
from pool.domain.months import Month, format_month
from pool.domain.vocab import CAPITAL_SOURCES, KINDS, MILESTONES
from pool.rules import loader
from pool.rules.agreement import resolve_agreement
from pool.rules.engine import settle_project
from pool.rules.explain import render_text
from pool.rules.facts import ProjectFacts, TransferFacts
from pool.rules.results import TransferResult
from pool.rules.schema import LiteralAmount, MonthValue, Ruleset, SignedAmount, _Model
from pool.rules.trace import transfer_traces


class CaseProject(_Model):
    planned_investment: LiteralAmount = 0
    kind: Literal[KINDS] = "manufacturing"  # type: ignore[valid-type]
    capital_source: Literal[CAPITAL_SOURCES] = "out_of_city"  # type: ignore[valid-type]
    milestones: dict[Literal[MILESTONES], MonthValue] = {}  # type: ignore[valid-type]
    planned_fixed_assets: LiteralAmount | None = None


class CaseTransfer(_Model):
    from_: str = Field(alias="from")
    to: str
    effective: MonthValue
    agreement: dict[str, Any] = {}


class Case(_Model):
    name: str
    project: CaseProject = CaseProject()
    transfers: list[CaseTransfer] = Field(min_length=1)
    actuals: dict[str, dict[MonthValue, SignedAmount]] = {}  # negative only for signed metrics
    through: MonthValue
    expect: dict[str, dict[str, SignedAmount]] | None = None
    expect_error: str | None = None


class CaseFile(_Model):
    rules: str | None = None
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class Difference:
    """One region's amount of a share whose amounts differ from the case's: expected and computed."""

    share: str
    region: str
    expected: int
    actual: int


@dataclass
class CaseResult:
    name: str
    passed: bool
    lines: list[str] = field(default_factory=list)  # what `pool rules test` prints of a failure
    where: str = ""  # FILE:LINE of the case
    differences: list[Difference] = field(default_factory=list)  # every region of a differing share
    problems: list[str] = field(default_factory=list)  # why it failed, other than amounts


@dataclass
class FileResult:
    source: str
    results: list[CaseResult] = field(default_factory=list)
    error: str = ""
    unrun: int = 0  # cases not run because a file could not be loaded: each counts as failed


def run_case_file(path: str | Path, rules: str | Path | None = None) -> FileResult:
    """Run every case of a case file; problems with the files themselves become `error`."""
    path = Path(path)
    out = FileResult(str(path))
    data: Any = None
    try:
        data = loader.parse_yaml(loader.read_text(path), str(path))
        cases: CaseFile = loader.validate(CaseFile, data, str(path))
        rules_path = Path(rules) if rules else (path.parent / cases.rules if cases.rules else None)
        if rules_path is None:
            raise PoolError(f"{path}: name the rule file with `rules:` or --rules.")
        ruleset = loader.load_ruleset_file(rules_path).ruleset
    except PoolError as exc:
        out.error = str(exc)
        written = data.get("cases") if isinstance(data, dict) else None
        out.unrun = max(1, len(written) if isinstance(written, list) else 0)
        return out
    for i, case in enumerate(cases.cases):
        out.results.append(run_case(ruleset, case, f"{path}:{data['cases'].lines[i]}"))
    return out


def run_case(ruleset: Ruleset, case: Case, where: str) -> CaseResult:
    try:
        actual, results = _settle(ruleset, case)
    except PoolError as exc:
        if case.expect_error is not None and case.expect_error in str(exc):
            return CaseResult(case.name, True, where=where)
        wanted = (
            f"expected error containing {case.expect_error!r}" if case.expect_error else "expected amounts"
        )
        problem = f"{wanted}, but got the error: {exc}"
        return CaseResult(case.name, False, [f"{where}: {problem}"], where, problems=[problem])
    if case.expect_error is not None:
        problem = f"expected error containing {case.expect_error!r}, but it settled"
        return CaseResult(case.name, False, [f"{where}: {problem}"], where, problems=[problem])
    lines, differences, unknown = _diff(ruleset, case.expect or {}, actual)
    if lines:
        text = render_text(transfer_traces(results))
        return CaseResult(
            case.name,
            False,
            [where + ":"] + lines + ["  trace:"] + ["    " + line for line in text.splitlines()],
            where,
            differences,
            unknown,
        )
    return CaseResult(case.name, True, where=where)


def _settle(ruleset: Ruleset, case: Case) -> tuple[dict[str, dict[str, int]], list[TransferResult]]:
    """Each share's total per region, and the engine's results for the trace of a failing case."""
    for metric, months in case.actuals.items():
        if metric not in ruleset.metrics:
            raise PoolError(f"metric {metric!r} is not declared by ruleset {ruleset.ruleset}.")
        negative = sorted(p for p, a in months.items() if a < 0)
        if negative and not ruleset.metrics[metric].signed:
            raise PoolError(
                f"metric {metric!r} has a negative amount in {format_month(negative[0])}, but only a "
                "metric declared `signed: true` may be negative."
            )
    transfers = [
        TransferFacts(t.from_, t.to, t.effective, ruleset, resolve_agreement(ruleset, t.agreement), i + 1)
        for i, t in enumerate(case.transfers)
    ]
    project = ProjectFacts(
        case.project.planned_investment,
        case.project.kind,
        case.project.capital_source,
        dict(case.project.milestones),
        case.project.planned_fixed_assets,
    )
    actuals: dict[str, dict[Month, int]] = {m: dict(v) for m, v in case.actuals.items()}
    targets, results = settle_project(project, transfers, actuals, case.through, ruleset.city or "city")
    totals: dict[str, dict[str, int]] = {}
    for t in targets:
        by_region = totals.setdefault(t.share, {})
        by_region[t.region] = by_region.get(t.region, 0) + t.amount
    return totals, results


def _diff(
    ruleset: Ruleset, expect: dict[str, dict[str, int]], actual: dict[str, dict[str, int]]
) -> tuple[list[str], list[Difference], list[str]]:
    """The lines `pool rules test` prints, every region of each share that differs, and the
    expected shares the ruleset does not have."""
    lines: list[str] = []
    differences: list[Difference] = []
    unknown: list[str] = []
    for share, regions in expect.items():
        if share not in {s.name for s in ruleset.shares}:
            unknown.append(f"share {share!r} is not in ruleset {ruleset.ruleset}")
            lines.append(f"  {unknown[-1]}")
            continue
        got = actual.get(share, {})
        rows = [
            Difference(share, region, regions.get(region, 0), got.get(region, 0))
            for region in sorted(set(regions) | set(got))
        ]
        if all(row.expected == row.actual for row in rows):
            continue
        differences += rows
        lines.append(f"  share {share}: {'region':<12} {'expected':>16} {'actual':>16}")
        for row in rows:
            mark = (
                ""
                if row.expected == row.actual
                else f"   <- differs by {format_amount(row.actual - row.expected)}"
            )
            lines.append(
                f"  {'':<{len(share) + 7}}{row.region:<12} {format_amount(row.expected):>16} "
                f"{format_amount(row.actual):>16}{mark}"
            )
    return lines, differences, unknown
