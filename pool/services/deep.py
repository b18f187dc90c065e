"""`pool ledger verify --deep`: recompute every transfer's targets from the input journal as of
the last settlement run — not from the tables — and compare them with the posted positions."""

import json
from typing import Any

from pool.domain.money import format_amount
from pool.domain.months import format_month
from pool.ledger.inputs import InputReport
from pool.rules.engine import settle_project
from pool.rules.loader import load_ruleset_text
from pool.rules.schema import Ruleset
from pool.services.facts import Rulesets, check_text, group_transfers
from pool.store.ledger_store import TransferRow
from pool.store.uow import UnitOfWork


class RecordedRulesets(Rulesets):
    """Rule texts as the journal recorded them, each checked against its recorded hash."""

    def __init__(self, uow: UnitOfWork, rows: dict[int, dict[str, Any]]) -> None:
        super().__init__(uow)
        self.rows = rows

    def get(self, version_id: int) -> Ruleset:
        if version_id not in self._parsed:
            row = self.rows[version_id]
            check_text(row["ruleset"], row["version"], row["text"], row["sha256"])
            self._parsed[version_id] = load_ruleset_text(row["text"], f"{row['ruleset']} {row['version']}")
        return self._parsed[version_id]


def recompute(uow: UnitOfWork, report: InputReport) -> dict[str, Any]:
    last = uow.ledger.last_run()
    if last is None:
        return {"through": None, "inputs": 0, "transfers": 0, "problems": []}
    if last.journal_seq is None:
        return {
            "through": format_month(last.through),
            "inputs": None,
            "transfers": 0,
            "problems": [],
            "note": "the last settlement ran before the input journal; --deep checks from the next one",
        }
    as_of = last.journal_seq
    rows = _as_of(report, as_of)
    try:
        expected, transfers = _targets(uow, rows, last.through)
    except Exception as exc:  # a record the engine cannot read is a disagreement too
        problem = f"the recorded inputs as of the last settlement cannot be settled: {exc}"
        return {"through": format_month(last.through), "inputs": as_of, "transfers": 0, "problems": [problem]}
    posted = {(t, s, r): a for t, s, r, a in uow.ledger.stored_positions() if a and not r.startswith("@")}
    problems = []
    for key in sorted(expected.keys() | posted.keys(), key=lambda k: (k[0], k[1], k[2])):
        want, have = expected.get(key, 0), posted.get(key, 0)
        if want != have:
            transfer, share, region = key
            problems.append(
                f"transfer {transfer} share {share} region {region}: the inputs recorded as of the "
                f"last settlement (through {format_month(last.through)}, input record {as_of}) give "
                f"{format_amount(want)}, but the ledger holds {format_amount(have)}."
            )
            break
    return {
        "through": format_month(last.through),
        "inputs": as_of,
        "transfers": transfers,
        "problems": problems,
    }


def _as_of(report: InputReport, seq: int) -> dict[str, dict[int, dict[str, Any]]]:
    """kind -> ref -> the row as last recorded at or before record `seq`."""
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for (kind, ref), history in report.history.items():
        text = None
        for at, recorded in history:
            if at > seq:
                break
            text = recorded
        if text is not None:
            out.setdefault(kind, {})[ref] = json.loads(text)
    return out


def _targets(
    uow: UnitOfWork, rows: dict[str, dict[int, dict[str, Any]]], through: int
) -> tuple[dict[tuple[int, str, str], int], int]:
    projects = rows.get("project", {})
    cancelled = {r["transfer_id"] for r in rows.get("cancel", {}).values()}
    agreements: dict[int, tuple[int, str]] = {}
    for r in rows.get("agreement", {}).values():
        if r["transfer_id"] not in agreements or r["revision"] > agreements[r["transfer_id"]][0]:
            agreements[r["transfer_id"]] = (r["revision"], r["agreement"])
    moves = []
    for ref, t in sorted(
        rows.get("transfer", {}).items(), key=lambda i: (i[1]["project_id"], i[1]["effective"], i[0])
    ):
        if ref in cancelled or t["effective"] > through:
            continue
        p = projects[t["project_id"]]
        agreement = agreements.get(ref, (1, t["agreement"]))[1]
        moves.append(
            TransferRow(
                ref,
                t["project_id"],
                t["from_region"],
                t["to_region"],
                t["effective"],
                t["ruleset_version_id"],
                agreement,
                p["planned_investment"],
                p["kind"],
                p["capital_source"],
                p["signed"],
                p["construction_start"],
                p["operation_start"],
                p["full_capacity"],
                p.get("planned_fixed_assets"),
            )
        )
    grouped = group_transfers(moves, RecordedRulesets(uow, rows.get("ruleset", {})))
    latest: dict[tuple[int, int, str], tuple[int, int]] = {}
    for r in rows.get("actual", {}).values():
        key = (r["project_id"], r["period"], r["metric"])
        if r["period"] <= through and (key not in latest or r["revision"] > latest[key][0]):
            latest[key] = (r["revision"], r["amount"])
    actuals: dict[int, dict[str, dict[int, int]]] = {}
    for (project_id, period, metric), (_rev, amount) in latest.items():
        actuals.setdefault(project_id, {}).setdefault(metric, {})[period] = amount
    city = uow.regions.city()
    city_code = city.code if city else "city"
    expected: dict[tuple[int, str, str], int] = {}
    for project_id, (facts, transfers) in grouped.items():
        targets, _ = settle_project(facts, transfers, actuals.get(project_id, {}), through, city_code)
        for target in targets:
            expected[(target.transfer, target.share, target.region)] = target.amount
    return {k: v for k, v in expected.items() if v}, len(moves)
