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


def missing_in(uow: UnitOfWork, month: Month, rulesets: Rulesets | None = None) -> list[dict[str, Any]]:
    covering = uow.ledger.covering(month)
    if not covering:
        return []
    rulesets = rulesets or Rulesets(uow)
    reported = uow.actuals.reported_in(month)
    read: dict[int, tuple[str, ...]] = {}  # ruleset version -> the metrics its shares read
    found = []
    for project_id, (transfer, host, version) in covering.items():
        if version not in read:
            shares = rulesets.get(version).shares
            read[version] = tuple(dict.fromkeys(m for share in shares for _sign, m in share.signed_metrics))
        found += [
            (project_id, transfer, host, version, m) for m in read[version] if (project_id, m) not in reported
        ]
    names = uow.projects.names_of([f[0] for f in found])
    regions = uow.regions.names()
    out = [
        {
            "project": names[project_id][0],
            "project_name": names[project_id][1],
            "host": host,
            "host_name": regions.get(host, host),
            "transfer": transfer,
            "period": format_month(month),
            "metric": metric,
            "label": rulesets.get(version).metrics[metric].label,
        }
        for project_id, transfer, host, version, metric in found
    ]
    return sorted(out, key=lambda r: (r["project"], r["metric"]))
