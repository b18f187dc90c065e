"""`pool ledger verify --deep`: recompute every transfer's targets from the input journal as of
the last settlement run and compare them with the posted positions.

Projects' facts, transfers, agreements, cancellations and rule texts are read from the journal's
records themselves; actual revisions, far too many to hold, from their table, restricted to the
revisions recorded by then — verify compares every one of them with its record in the same run,
so where they differ verify fails, and where they agree the replay reads what was recorded."""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
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
from pool.store.uow import UnitOfWork

# a project's recorded columns the engine reads, in TransferRow's order
PROJECT_FACTS = (
    "planned_investment",
    "kind",
    "capital_source",
    "signed",
    "construction_start",
    "operation_start",
    "full_capacity",
    "planned_fixed_assets",
)


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
    try:
        found = _replay(uow, _as_of(report, as_of), last.through, as_of)
    except Exception as exc:  # a record the engine cannot read is a disagreement too
        problem = f"the recorded inputs as of the last settlement cannot be settled: {exc}"
        return {
            "through": format_month(last.through),
            "inputs": as_of,
            "transfers": 0,
            "problems": [problem],
            "running_sums": False,
        }
    problems = []
    if found.first is not None:
        (transfer, share, region), want, have = found.first
        problems.append(
            f"transfer {transfer} share {share} region {region}: the inputs recorded as of the "
            f"last settlement (through {format_month(last.through)}, input record {as_of}) give "
            f"{format_amount(want)}, but the ledger holds {format_amount(have)}."
        )
    return {
        "through": format_month(last.through),
        "inputs": as_of,
        "transfers": found.transfers,
        "problems": problems + found.sums,  # the running sums runs build on
        "running_sums": True,
    }


@dataclass
class Replayed:
    transfers: int = 0
    # the first (transfer, share, region) whose target differs from its position, with both
    first: tuple[tuple[int, str, str], int, int] | None = None
    sums: list[str] = field(default_factory=list)  # kept running sums that differ

    def compare(
        self, expected: dict[tuple[int, str, str], int], posted: dict[tuple[int, str, str], int]
    ) -> None:
        for key in expected.keys() | posted.keys():
            want, have = expected.get(key, 0), posted.get(key, 0)
            if want != have and (self.first is None or key < self.first[0]):
                self.first = (key, want, have)


def _as_of(report: InputReport, seq: int) -> dict[str, dict[int, dict[str, Any]]]:
    """kind -> ref -> the row as last recorded at or before record `seq`; the report's history
    is used up as it is read (on a large pool it and the rows would not fit side by side)."""
    out: dict[str, dict[int, dict[str, Any]]] = {}
    while report.history:
        (kind, ref), history = report.history.popitem()
        text = None
        for at, recorded in history:
            if at > seq:
                break
            text = recorded
        if text is not None:
            row = json.loads(text)
            if kind == "project":  # the most numerous: only the facts the engine reads are kept
                row = {c: row.get(c) for c in PROJECT_FACTS}
            out.setdefault(kind, {})[ref] = row
    return out


def _replay(
    uow: UnitOfWork, rows: dict[str, dict[int, dict[str, Any]]], through: int, as_of: int
) -> Replayed:
    """Each project's targets as the recorded inputs give them, against its posted positions,
    and its collected sums against the running sums kept for it, one project at a time. The
    actual revisions, too many to hold, are read from their table, restricted to those recorded
    at or before `as_of`: verify has compared every one of them with its record."""
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
                *(p[c] for c in PROJECT_FACTS),
            )
        )
    grouped = group_transfers(moves, RecordedRulesets(uow, rows.get("ruleset", {})))
    found = Replayed(transfers=len(moves))
    rows.clear()  # each project's and transfer's facts are in `grouped` now
    del moves
    city = uow.regions.city()
    city_code = city.code if city else "city"
    streams = (
        ((p, True) for p in sorted(grouped)),
        uow.journal.actuals_as_of(as_of, through),
        uow.sums.kept_by_project(),
        uow.ledger.positions_by_project(),
    )
    for project_id, (recorded, actuals, kept, posted) in _by_project(streams):
        expected: dict[tuple[int, str, str], int] = {}
        if recorded:
            facts, transfers = grouped.pop(project_id)
            plan = running.from_history(contexts(facts, transfers, through, city_code), actuals or {})
            found.sums += plan_disagreements(plan, kept or {})
            for target in running.settled(plan):  # settle_project's arithmetic, from the same sums
                if target.amount:
                    expected[(target.transfer, target.share, target.region)] = target.amount
        found.compare(expected, posted or {})
    return found


def _by_project(streams: Sequence[Iterator[tuple[int, Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """Streams of (project, value), each in project order with a project at most once, merged:
    each project with every stream's value for it (None where a stream has none)."""
    heads = [next(s, None) for s in streams]
    while any(h is not None for h in heads):
        project_id = min(h[0] for h in heads if h is not None)
        values = []
        for i, head in enumerate(heads):
            if head is not None and head[0] == project_id:
                values.append(head[1])
                heads[i] = next(streams[i], None)
            else:
                values.append(None)
        yield project_id, values
