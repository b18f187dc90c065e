"""`pool ledger verify` and `pool ledger checkpoint`: prove the ledger and the input journal are
whole (and, given a checkpoint, that both extend it unchanged), or name the first thing that is
not; with `deep`, also recompute every transfer's targets from the recorded inputs."""

import hashlib
from typing import Any

from pool.domain.errors import InvalidInput
from pool.domain.months import format_month
from pool.ledger import inputs as journal
from pool.ledger.checkpoint import Checkpoint
from pool.ledger.inputs import InputReport
from pool.ledger.verify import (
    Report,
    check_accounts,
    check_balances,
    check_chain,
    check_checkpoint,
    check_payables,
    check_positions,
    check_years,
)
from pool.services import commands, deep, sums
from pool.services.auth import require_role
from pool.services.runtime import Runtime
from pool.store.models import Actor
from pool.store.uow import UnitOfWork

VERIFIERS = ("city", "auditor", "county")


def verify(rt: Runtime, checkpoint: Checkpoint | None = None, *, deep_check: bool = False) -> dict[str, Any]:
    def body(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        require_role(actor, *VERIFIERS, doing="verify the ledger")
        report = _recompute(uow, checkpoint.entries if checkpoint else None)
        inputs = _inputs(uow, checkpoint.inputs if checkpoint else None)
        result: dict[str, Any] = {}
        if checkpoint is not None:
            before = len(report.problems) + len(inputs.problems)
            check_checkpoint(checkpoint.entries, checkpoint.head, checkpoint.at, report)
            journal.check_checkpoint(checkpoint.inputs, checkpoint.inputs_head, checkpoint.at, inputs)
            ok = len(report.problems) + len(inputs.problems) == before
            result["checkpoint"] = {**checkpoint.as_dict(), "ok": ok}
        problems = report.problems + inputs.problems
        if deep_check:
            found = deep.recompute(uow, inputs)
            found["problems"] += sums.disagreements(uow)  # the running sums runs build on
            result["deep"] = found
            problems += found["problems"]
        return {
            "ok": not problems,
            "entries": report.entries,
            "postings": report.postings,
            "head": report.head,
            "inputs": inputs.records,
            "inputs_head": inputs.head,
            "first_bad_entry": report.first_bad_entry,
            "first_bad_input": inputs.first_bad_record,
            "problems": problems,
            **result,
        }

    return commands.read(rt, body)


def checkpoint(rt: Runtime) -> Checkpoint:
    """The entry count and head hash of a ledger that verifies, and the record count and head of
    its input journal, with the time and the database."""

    def body(uow: UnitOfWork, actor: Actor) -> Checkpoint:
        require_role(actor, *VERIFIERS, doing="take a ledger checkpoint")
        report = _recompute(uow, None)
        inputs = _inputs(uow, None)
        if report.problems or inputs.problems:
            where = ""
            if report.first_bad_entry is not None:
                where = f" (the first bad entry is {report.first_bad_entry})"
            elif inputs.first_bad_record is not None:
                where = f" (the first bad input record is {inputs.first_bad_record})"
            raise InvalidInput(
                f"The ledger does not verify{where}, so no checkpoint was taken; run `pool ledger verify`."
            )
        return Checkpoint(
            report.entries,
            report.head,
            rt.now().isoformat() + "Z",
            rt.database.shown_url(),
            inputs.records,
            inputs.head,
        )

    return commands.read(rt, body)


def problems_of(uow: UnitOfWork) -> list[str]:
    """What `pool ledger verify` would find wrong in the database of `uow` (nothing: whole)."""
    return _recompute(uow, None).problems + _inputs(uow, None).problems


def _recompute(uow: UnitOfWork, watch: int | None) -> Report:
    report = Report(watch=watch)
    check_chain(uow.ledger.entries(), report)
    orphans = uow.ledger.orphan_postings()
    if orphans:
        report.problem(f"{orphans} postings belong to no entry.")
    check_balances(uow.ledger.stored_balances(), report)
    check_positions(uow.ledger.stored_positions(), report)
    check_years(uow.ledger.stored_years(), report)
    check_accounts(uow.ledger.account_list(), report)
    check_payables(uow.reports.kept_payables(), uow.reports.posted_payables(), report)
    return report


def _inputs(uow: UnitOfWork, watch: int | None) -> InputReport:
    """The input journal's chain, every stored input against its latest record, the current
    actuals against their latest revisions, rule texts against their hashes, and each
    project's host against its transfers."""
    report = InputReport(watch=watch)
    runs = uow.journal.run_heads()
    report.marks = {records for _, records, _ in runs if records}
    journal.check_chain(uow.journal.records(), report)
    journal.check_runs(runs, report)
    for kind in journal.KINDS:
        if kind in journal.STREAMED:
            journal.compare_streams(kind, uow.journal.recorded(kind), uow.journal.stored(kind), report)
        else:
            journal.compare_rows(kind, uow.journal.stored(kind), report)
    for ref, ruleset, version, _t, _f, _u, text, sha256, _p in uow.journal.stored("ruleset"):
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha256:
            report.problem(
                f"ruleset {ruleset} version {version} (ruleset {ref}): its text no longer matches its sha256."
            )
    for project_id, period, metric, why in uow.journal.stale_actuals():
        report.problem(
            f"actual of project {project_id} {format_month(period)} {metric}: the current value "
            f"({why}) is not its latest revision."
        )
    _check_hosts(uow, report)
    return report


def _check_hosts(uow: UnitOfWork, report: InputReport) -> None:
    """A project's host is where its latest transfer in force took it, else its origin."""
    latest: dict[int, tuple[int, int, str]] = {}
    for project_id, effective, transfer_id, to in uow.journal.live_moves():
        key = (effective, transfer_id, to)
        if project_id not in latest or key > latest[project_id]:
            latest[project_id] = key
    for project_id, host, origin in uow.journal.project_hosts():
        expected = latest[project_id][2] if project_id in latest else origin
        if host != expected:
            report.problem(
                f"project {project_id}: its host is stored as {host}, but its transfers put it in {expected}."
            )
