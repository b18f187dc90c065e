"""`pool ledger verify --deep`: recompute every transfer's targets from the input journal as of
the last settlement run and compare them with the posted positions.

Projects' facts, transfers, agreements, cancellations and rule texts are read from the journal's
records themselves; actual revisions, far too many to hold, from their table, restricted to the
revisions recorded by then — verify compares every one of them with its record in the same run,
so where they differ verify fails, and where they agree the replay reads what was recorded."""

import json
from typing import Any

from pool.domain.money import format_amount
from pool.domain.months import format_month
from pool.ledger.inputs import InputReport
from pool.rules import running
from pool.rules.engine import contexts
from pool.rules.schema import Ruleset
from pool.services.facts import Rulesets, check_text, group_transfers, parsed
from pool.services.sums import plan_disagreements
from pool.store.ledger_store import TransferRow
from pool.store.sums_store import Kept
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
            self._parsed[version_id] = parsed(row["ruleset"], row["version"], row["text"], row["sha256"])
        return self._parsed[version_id]


def recompute(uow: UnitOfWork, report: InputReport) -> dict[str, Any]:
    """The replay's findings; while it replays each project, the running sums kept for it are
    compared with its recorded history too (`running_sums` says whether that was done: not when
    there was nothing to replay)."""
    last = uow.ledger.last_run()
    if last is None:
        return {"through": None, "inputs": 0, "transfers": 0, "problems": [], "running_sums": False}
    if last.journal_seq is None:
        return {
            "through": format_month(last.through),
            "inputs": None,
            "transfers": 0,
            "problems": [],
            "running_sums": False,
            "note": "the last settlement ran before the input journal; --deep checks from the next one",
        }
    as_of = last.journal_seq
    rows = _as_of(report, as_of)
    kept = Replay(uow.sums.kept(None))
    try:
        expected, transfers = _targets(uow, rows, last.through, as_of, kept)
    except Exception as exc:  # a record the engine cannot read is a disagreement too
        problem = f"the recorded inputs as of the last settlement cannot be settled: {exc}"
        return {
            "through": format_month(last.through),
            "inputs": as_of,
            "transfers": 0,
            "problems": [problem],
            "running_sums": False,
        }
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
        "problems": problems + kept.problems,  # the running sums runs build on
        "running_sums": True,
    }


class Replay:
    """The running sums settlement keeps, and those found to differ from the replayed history."""

    def __init__(self, kept: dict[int, dict[str, Kept]]) -> None:
        self.kept = kept
        self.problems: list[str] = []


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
    uow: UnitOfWork, rows: dict[str, dict[int, dict[str, Any]]], through: int, as_of: int, kept: Replay
) -> tuple[dict[tuple[int, str, str], int], int]:
    """The targets the recorded inputs give. The actual revisions, too many to hold, are read
    from their table, restricted to those recorded at or before `as_of`: verify has compared
    every one of them with its record."""
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
    city = uow.regions.city()
    city_code = city.code if city else "city"
    expected: dict[tuple[int, str, str], int] = {}

    def settle(project_id: int, actuals: dict[str, dict[int, int]]) -> None:
        facts, transfers = grouped.pop(project_id)
        plan = running.from_history(contexts(facts, transfers, through, city_code), actuals)
        kept.problems += plan_disagreements(plan, kept.kept)
        for target in running.settled(plan):  # settle_project's arithmetic, from the same sums
            if target.amount:
                expected[(target.transfer, target.share, target.region)] = target.amount

    for project_id, actuals in uow.journal.actuals_as_of(as_of, through):
        if project_id in grouped:
            settle(project_id, actuals)
    for project_id in list(grouped):
        settle(project_id, {})
    return expected, len(moves)
