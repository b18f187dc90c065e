"""Month-end completeness: which figures a settlement of a month will read and nobody reported.

For every project, the transfer in force that covers the month (its latest, not cancelled,
effective by then) reads the base metrics of its ruleset's shares; a metric with no figure for
the month is missing. A missing figure is settled as zero, and adjusted when it arrives.
"""

from typing import Any

from pool.domain.months import Month, format_month, parse_month
from pool.services import commands
from pool.services.facts import Rulesets
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def missing(rt: Runtime, period: str) -> list[dict[str, Any]]:
    month = parse_month(period)

    def body(uow: UnitOfWork, _actor: Actor) -> list[dict[str, Any]]:
        return missing_in(uow, month)

    return commands.read(rt, body)


def missing_in(uow: UnitOfWork, month: Month) -> list[dict[str, Any]]:
    covering: dict[int, Any] = {}
    for row in uow.ledger.transfers(None, month):
        covering[row.project_id] = row  # in effective order: the last one covers the month
    if not covering:
        return []
    rulesets = Rulesets(uow)
    reported = uow.actuals.reported_in(month)
    projects = {p.id: p for p in uow.projects.search()}
    out = []
    for project_id, row in covering.items():
        ruleset = rulesets.get(row.ruleset_version_id)
        metrics = dict.fromkeys(m for share in ruleset.shares for _sign, m in share.signed_metrics)
        for metric in metrics:
            if (project_id, metric) in reported:
                continue
            p = projects[project_id]
            out.append(
                {
                    "project": p.code,
                    "project_name": p.name,
                    "host": row.to_region,
                    "transfer": row.id,
                    "period": format_month(month),
                    "metric": metric,
                    "label": ruleset.metrics[metric].label,
                }
            )
    return sorted(out, key=lambda r: (r["project"], r["metric"]))
