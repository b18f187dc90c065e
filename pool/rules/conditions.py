"""Eligibility conditions, and a schedule step's `when`: which of them a transfer fails."""

from collections.abc import Mapping
from typing import Any

from pool.domain.money import format_amount
from pool.rules.facts import ProjectFacts
from pool.rules.schema import AgreementRef, Eligibility


def _value(v: Any, agreement: Mapping[str, Any]) -> Any:
    return agreement[v.key] if isinstance(v, AgreementRef) else v


def failing(rule: Eligibility, project: ProjectFacts, agreement: Mapping[str, Any]) -> list[str]:
    """The conditions of `rule` the project and agreement fail, each in words (empty: all hold)."""
    out = []
    if rule.min_planned_investment is not None:
        minimum = _value(rule.min_planned_investment, agreement)
        if project.planned_investment < minimum:
            out.append(
                f"planned investment {format_amount(project.planned_investment)} is below "
                f"min_planned_investment {format_amount(minimum)}"
            )
    if rule.min_planned_fixed_assets is not None:
        minimum = _value(rule.min_planned_fixed_assets, agreement)
        assets = project.planned_fixed_assets
        if assets is None:
            out.append("planned fixed assets are not recorded, and min_planned_fixed_assets needs them")
        elif assets < minimum:
            out.append(
                f"planned fixed assets {format_amount(assets)} are below min_planned_fixed_assets "
                f"{format_amount(minimum)}"
            )
    if rule.kinds is not None and project.kind not in rule.kinds:
        out.append(f"kind {project.kind} is not in kinds")
    if project.kind in rule.kinds_excluded:
        out.append(f"kind {project.kind} is in kinds_excluded")
    if rule.capital_sources is not None and project.capital_source not in rule.capital_sources:
        out.append(f"capital source {project.capital_source} is not in capital_sources")
    for flag in rule.agreement_flags:
        if not agreement.get(flag):
            out.append(f"agreement flag {flag} is not set")
    return out


def holds(rule: Eligibility, project: ProjectFacts, agreement: Mapping[str, Any]) -> bool:
    return not failing(rule, project, agreement)
