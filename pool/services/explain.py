"""`pool explain TRANSFER`: the engine's full derivation for stored data, with posted and delta."""

from typing import Any

from pool.domain.errors import InvalidInput
from pool.domain.money import format_amount
from pool.domain.months import Month, format_month, parse_month
from pool.rules.engine import settle_project
from pool.rules.explain import render_text, trace_data
from pool.rules.trace import transfer_traces
from pool.services import commands, views
from pool.services.facts import Rulesets, group_transfers
from pool.services.runtime import Runtime
from pool.store.ledger_store import Ledger
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def settled_through(ledger: Ledger, through: str | None) -> Month:
    """The month asked for, or the last settled one."""
    if through is not None:
        return parse_month(through)
    last = ledger.last_run()
    if last is None:
        raise InvalidInput("Nothing is settled yet; give the month with --through YYYY-MM.")
    return last.through


def explain(
    rt: Runtime, transfer_id: int, through: str | None = None, share: str | None = None
) -> dict[str, Any]:
    def body(uow: UnitOfWork, _actor: Actor) -> dict[str, Any]:
        transfer = uow.transfers.get(transfer_id)
        if transfer is None:
            raise InvalidInput(f"There is no transfer {transfer_id}.")
        cancelled = uow.journal.cancellation(transfer_id)
        if cancelled is not None:
            raise InvalidInput(
                f"Transfer {transfer_id} was cancelled on {views.when(cancelled.at)}: its targets are "
                "zero, and the next settlement reverses what was posted for it."
            )
        ledger = uow.ledger
        month = settled_through(ledger, through)
        projects = group_transfers(ledger.transfers(None, month, transfer.project_id), Rulesets(uow))
        if transfer.project_id not in projects or transfer.effective > month:
            raise InvalidInput(
                f"Transfer {transfer_id} takes effect in {format_month(transfer.effective)}, "
                f"after {format_month(month)}; there is nothing to explain yet."
            )
        facts, transfers = projects[transfer.project_id]
        by_project = dict(ledger.actuals_by_project(None, month, transfer.project_id))
        actuals = by_project.get(transfer.project_id, {})
        city = uow.regions.city()
        _, results = settle_project(facts, transfers, actuals, month, city.code if city else "city")
        trace = next(t for t in transfer_traces(results) if t.transfer == transfer_id)
        if share is not None:
            names = [s.name for s in trace.shares]
            if share not in names:
                raise InvalidInput(
                    f"Transfer {transfer_id}'s ruleset has no share {share!r}; it has {', '.join(names)}."
                )
            trace.shares = [s for s in trace.shares if s.name == share]
        posted = ledger.positions(None, transfer_id).get(transfer_id, {})
        ledger_rows = []
        for s in trace.shares:
            regions = set(s.target) | {k[3] for k in posted if k[1] == s.name}
            for region in sorted(regions):
                target = s.target.get(region, 0)
                done = posted.get((transfer_id, s.name, s.book, region), 0)
                ledger_rows.append(
                    {
                        "share": s.name,
                        "region": region,
                        "target": target,
                        "posted": done,
                        "delta": target - done,
                    }
                )
        return {
            "transfer": transfer_id,
            "through": format_month(month),
            "trace": trace,
            "ledger": ledger_rows,
        }

    return commands.read(rt, body)


def as_text(result: dict[str, Any]) -> str:
    lines = [render_text([result["trace"]]), "  ledger (target, posted, delta to post):"]
    for row in result["ledger"]:
        lines.append(
            f"    {row['share']} {row['region']}: target {format_amount(row['target'])}, posted "
            f"{format_amount(row['posted'])}, delta {format_amount(row['delta'])}"
        )
    return "\n".join(lines)


def as_data(result: dict[str, Any]) -> dict[str, Any]:
    ledger_rows = [
        {**r, **{k: format_amount(r[k]) for k in ("target", "posted", "delta")}} for r in result["ledger"]
    ]
    return {
        "transfer": result["transfer"],
        "through": result["through"],
        "trace": trace_data([result["trace"]])[0],
        "ledger": ledger_rows,
    }
