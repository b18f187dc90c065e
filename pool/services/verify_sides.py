"""The two sides of `pool ledger verify`, which read different tables and meet only at the end.

The kept side recomputes the ledger's hash chain and every summary kept beside a source: the
balances, positions, yearly positions and payables beside the postings, the current actuals
beside their revisions, and each project's host beside its transfers. The journal side
recomputes the input journal, compares every stored input with it and, deep, replays the
recorded inputs and checks the running sums kept beside them.

On a large pool, with a second processor, the kept side runs in a process of its own on its own
connection while this one runs the journal side. Each side says which state it read (the
ledger's last entry, the journal's last record and the last settlement run, one of which every
write that verify checks moves); when a write came between the two reads, the whole check runs
again here, in one transaction.
"""

import gc
import hashlib
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from pool.domain.months import format_month
from pool.ledger import inputs as journal
from pool.ledger.inputs import InputReport
from pool.ledger.verify import (
    Report,
    check_accounts,
    check_balances,
    check_chain,
    check_payables,
    check_positions,
    check_years,
)
from pool.services import deep, sums
from pool.store.database import Database
from pool.store.uow import UnitOfWork

# The ledger entries from which a second process pays for itself (it costs a fork, or on a
# threaded server a fresh interpreter, and a connection).
PARALLEL_FROM = 50_000


@dataclass
class KeptSide:
    state: tuple[int | None, int | None, int | None]
    ledger: Report
    inputs: list[str]  # current actuals not their latest revision, hosts not where transfers put them


@dataclass
class Checked:
    ledger: Report
    inputs: InputReport
    deep: dict[str, Any] | None
    processes: int


def check(
    uow: UnitOfWork,
    watch: tuple[int | None, int | None] = (None, None),
    *,
    deep_check: bool = False,
    database: Database | None = None,
    parallel: bool | None = None,
) -> Checked:
    """Both sides of the check of the database `uow` reads; given the `database`, the kept side
    in a second process when `parallel` (by default: when the pool is large, a second processor
    is free and the database is a file or a server). `watch`: the entry and the input record
    whose recomputed hashes a checkpoint needs."""
    if database is not None and (parallel if parallel is not None else _worth_a_process(uow, database)):
        checked = _in_two(uow, database.url, watch, deep_check)
        if checked is not None:
            return checked
    kept = kept_side(uow, watch[0])
    inputs = check_inputs(uow, watch[1])
    return _joined(kept, inputs, _replayed(uow, inputs) if deep_check else None, 1)


def _in_two(
    uow: UnitOfWork, url: str, watch: tuple[int | None, int | None], deep_check: bool
) -> Checked | None:
    """None when the two processes read different states, or the second one died."""
    state = uow.ledger.state()
    gc.freeze()  # collections skip what lived before the check (a forked child: all it inherits)
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=_context()) as pool:
            other = pool.submit(kept_side_of, url, watch[0])
            inputs = check_inputs(uow, watch[1])
            replayed = _replayed(uow, inputs) if deep_check else None
            try:
                kept = other.result()
            except BrokenProcessPool:  # the process died (killed, out of memory): check in one
                return None
    finally:
        gc.unfreeze()
    if kept.state != state:
        return None
    return _joined(kept, inputs, replayed, 2)


def _replayed(uow: UnitOfWork, inputs: InputReport) -> dict[str, Any]:
    """The replay of the recorded inputs, with the running sums checked (while it replays, or
    else here against the actuals the last run read)."""
    found = deep.recompute(uow, inputs)
    if not found.pop("running_sums"):
        found["problems"] += sums.disagreements(uow)
    return found


def _joined(kept: KeptSide, inputs: InputReport, replayed: dict[str, Any] | None, processes: int) -> Checked:
    for problem in kept.inputs:
        inputs.problem(problem)
    return Checked(kept.ledger, inputs, replayed, processes)


def kept_side(uow: UnitOfWork, watch: int | None) -> KeptSide:
    state = uow.ledger.state()
    ledger = check_ledger(uow, watch)
    ledger.posted = {}  # used up by the check; nothing to carry to another process
    inputs = [
        f"actual of project {project_id} {format_month(period)} {metric}: the current value "
        f"({why}) is not its latest revision."
        for project_id, period, metric, why in uow.journal.stale_actuals()
    ]
    return KeptSide(state, ledger, inputs + _hosts(uow))


def kept_side_of(url: str, watch: int | None) -> KeptSide:
    """The kept side, in a process of its own, on a connection of its own."""
    database = Database(url)
    try:
        with database.unit_of_work() as uow:
            return kept_side(uow, watch)
    finally:
        database.close()


def _worth_a_process(uow: UnitOfWork, database: Database) -> bool:
    if not database.files() and database.backend == "sqlite":
        return False  # a database in memory is this connection's alone
    free = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    if len(free) < 2:
        return False
    last = uow.ledger.state()[0]
    return last is not None and last >= PARALLEL_FROM


def _context() -> Any:
    """A fork when this process runs one thread (the command line): it starts at once; a fresh
    interpreter otherwise (a server), as forking a threaded process is unsafe."""
    return multiprocessing.get_context("fork" if threading.active_count() == 1 else "spawn")


def check_ledger(uow: UnitOfWork, watch: int | None) -> Report:
    """The ledger's chain, and the summaries kept beside its postings."""
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


def check_inputs(uow: UnitOfWork, watch: int | None) -> InputReport:
    """The input journal's chain, every stored input against its latest record, and rule texts
    against their hashes."""
    report = InputReport(watch=watch)
    runs = uow.journal.run_heads()
    report.marks = {records for _, records, _ in runs if records}
    journal.check_chain(uow.journal.records(), report)
    journal.check_runs(runs, report)
    for kind in journal.KINDS:
        if kind in journal.STREAMED:
            if not journal.joined_whole(kind, uow.journal.count(kind), report):
                journal.compare_streams(kind, uow.journal.recorded(kind), uow.journal.stored(kind), report)
        else:
            journal.compare_rows(kind, uow.journal.stored(kind), report)
    for ref, ruleset, version, _t, _f, _u, text, sha256, _p in uow.journal.stored("ruleset"):
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha256:
            report.problem(
                f"ruleset {ruleset} version {version} (ruleset {ref}): its text no longer matches its sha256."
            )
    return report


def _hosts(uow: UnitOfWork) -> list[str]:
    """A project's host is where its latest transfer in force took it, else its origin."""
    latest: dict[int, tuple[int, int, str]] = {}
    problems = []
    for project_id, effective, transfer_id, to in uow.journal.live_moves():
        key = (effective, transfer_id, to)
        if project_id not in latest or key > latest[project_id]:
            latest[project_id] = key
    for project_id, host, origin in uow.journal.project_hosts():
        expected = latest[project_id][2] if project_id in latest else origin
        if host != expected:
            problems.append(
                f"project {project_id}: its host is stored as {host}, but its transfers put it in {expected}."
            )
    return problems
