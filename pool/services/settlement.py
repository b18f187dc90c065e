"""`pool settle PERIOD`: post the deltas between the engine's cumulative targets and the ledger.

One run per command, atomic (one unit of work), serialised by the ledger lock, idempotent (a
re-run with nothing new posts nothing). Only projects whose results may have changed since the
last run are recomputed: new or restated actuals, newly covered periods, new transfers, and
rulesets whose results move with the period alone (floors, extensions, milestone terms).
"""

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pool.domain.errors import InvalidInput
from pool.domain.months import Month, format_month, parse_month, require_not_future
from pool.rules import running
from pool.rules.engine import contexts
from pool.services import commands
from pool.services.auth import require_role
from pool.services.commands import Note
from pool.services.completeness import missing_in
from pool.services.facts import Rulesets, group_transfers
from pool.services.posting import EntryWriter
from pool.services.runtime import Runtime
from pool.store.ledger_store import Ledger
from pool.store.models import Actor
from pool.store.raw import chunks
from pool.store.sums_store import ShareSums
from pool.store.uow import UnitOfWork

Progress = Callable[[int, int], None]


MAX_LISTED = 50


def settle(
    rt: Runtime, period: str, progress: Progress | None = None, *, require_complete: bool = False
) -> dict[str, Any]:
    """Settle through `period`. Figures the month's transfers read and nobody reported are listed
    in the result (and, with `require_complete`, refuse the run)."""
    through = parse_month(period)

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, Any]:
        require_role(actor, "city", doing="settle")
        require_not_future(through, rt.now(), "the month to settle")
        uow.lock_ledger(f"settle {period} by {actor.name}")
        ledger = uow.ledger
        last = ledger.last_run()
        if last is not None and through < last.through:
            raise InvalidInput(
                f"{period} is before {format_month(last.through)}, the last settled "
                "period; settlement only moves forward."
            )
        rulesets = Rulesets(uow)
        absent = missing_in(uow, through, rulesets)
        if require_complete and absent:
            shown = "; ".join(f"{m['project']} {m['metric']}" for m in absent[:10])
            more = f" and {len(absent) - 10} more" if len(absent) > 10 else ""
            note.detail = {"missing": len(absent)}
            raise InvalidInput(
                f"{len(absent)} figures for {period} are missing ({shown}{more}); nothing was settled. "
                f"See `pool actuals missing --period {period}`."
            )
        with paused_gc():
            result = run(uow, ledger, actor, through, rt.now(), progress, rulesets)
        result["missing"] = len(absent)
        result["missing_figures"] = absent[:MAX_LISTED]
        note.detail = {k: v for k, v in result.items() if k not in ("period", "missing_figures")}
        return result

    return commands.write(rt, "settle", body, target=f"period:{period}")


# projects settled together: a run holds their transfers, positions and kept sums at once, and a
# read names their ids (twice in one statement: well within SQLite's 32,766 parameters)
CHUNK = 10_000


def run(
    uow: UnitOfWork,
    ledger: Ledger,
    actor: Actor,
    through: Month,
    now: Any,
    progress: Progress | None,
    rulesets: Rulesets | None = None,
) -> dict[str, Any]:
    last = ledger.last_run()
    rulesets = rulesets or Rulesets(uow)
    dirty = ledger.dirty_projects(through, last, rulesets.sensitive())
    last_import, last_transfer = ledger.newest_ids()
    journal = uow.journal.head()
    run_id = ledger.add_run(through, actor.id, now, last_import, last_transfer, journal)
    ids = ledger.project_ids(dirty)
    city = uow.regions.city()
    city_code = city.code if city else "city"
    writer = EntryWriter(ledger, run_id, through)
    sums = SumWriter(uow.sums)
    done = 0

    def settle_chunk(chunk: Sequence[int]) -> None:
        """Settle the projects of `chunk` (ids in order): each read names its span, and its ids
        unless it holds every id in the span (as at the first run, and when every project
        reported)."""
        chosen = None if dirty is None or chunk[-1] - chunk[0] + 1 == len(chunk) else chunk
        span = (chunk[0], chunk[-1])
        projects = group_transfers(ledger.transfers(chosen, through, span=span), rulesets)
        positions = ledger.positions(chosen, span=span)
        cancelled = ledger.cancelled(chosen, span)
        kept = uow.sums.kept(chosen, span) if last is not None else {}

        def settle_one(project_id: int, plan: running.Plan, rows: list[tuple[Any, ...]]) -> None:
            nonlocal done
            transfers = projects[project_id][1] if project_id in projects else []
            undone = cancelled.get(project_id, {})
            hosts = {**undone, **{t.key: t.to_region for t in transfers}}
            posted = {k: v for key in hosts for k, v in positions.get(key, {}).items()}
            writer.post(running.settled(plan), posted, _units(transfers), hosts)
            sums.add(rows)
            done += 1
            if progress and done % 500 == 0:
                progress(done, len(ids))

        # the projects whose kept sums still hold: those sums plus what changed since the last run
        again: list[int] = []
        changes = uow.sums.changes(chosen, last, through, span) if last is not None else iter(())
        for project_id, changed in _each_project(projects, changes):
            facts, transfers = projects[project_id]
            ctxs = contexts(facts, transfers, through, city_code)
            plan = running.carried(ctxs, kept, changed)
            if plan is None:
                again.append(project_id)
            else:
                settle_one(project_id, plan, running.sum_rows(plan, kept))
        # the others (every project at the first run): collected from their whole history
        again.extend(p for p in cancelled if p not in projects)  # a cancelled move left no transfer
        collected = (
            [ledger.actuals_by_project(None, through, span=span)]
            if last is None
            else (ledger.actuals_by_project(few, through) for few in chunks(sorted(again), 1000))
        )
        for each in collected:
            for project_id, actuals in each:
                if project_id not in projects and project_id not in cancelled:
                    continue
                whole: running.Plan = []  # a project left with no transfer: its postings are reversed
                keys = list(cancelled.get(project_id, {}))
                if project_id in projects:
                    facts, transfers = projects[project_id]
                    whole = running.from_history(contexts(facts, transfers, through, city_code), actuals)
                    keys += [t.key for t in transfers]
                sums.forget(k for k in keys if k in kept)
                settle_one(project_id, whole, running.sum_rows(whole, None))

    for chunk in chunks(ids, CHUNK):
        settle_chunk(chunk)
    writer.finish()
    sums.finish()
    if progress:
        progress(len(ids), len(ids))
    return {
        "period": format_month(through),
        "run": run_id,
        "projects": done,
        "entries": writer.entries,
        "postings": writer.postings,
        "ledger_entries": writer.seq,
        "head": writer.prev,
        "inputs": journal[0],
        "inputs_head": journal[1],
    }


def _each_project(
    projects: dict[int, Any], changes: Iterator[tuple[int, dict[str, dict[int, int]]]]
) -> Iterator[tuple[int, dict[str, dict[int, int]]]]:
    """Every project to settle with what changed in its actuals (often nothing), in id order."""
    pending = next(changes, None)
    for project_id in sorted(projects):
        while pending is not None and pending[0] < project_id:
            pending = next(changes, None)
        if pending is not None and pending[0] == project_id:
            yield project_id, pending[1]
        else:
            yield project_id, {}


class SumWriter:
    """The running sums a run keeps, written in batches: the dropped ones first, then new amounts."""

    def __init__(self, store: ShareSums) -> None:
        self.store = store
        self.dropped: list[int] = []
        self.rows: list[tuple[Any, ...]] = []

    def forget(self, transfer_ids: Iterable[int]) -> None:
        self.dropped.extend(transfer_ids)

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= 20_000:
            self.finish()

    def finish(self) -> None:
        if self.dropped:
            self.store.forget(self.dropped)
            self.dropped = []
        if self.rows:
            self.store.keep(self.rows)
            self.rows = []


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: a run allocates millions of short-lived objects
    without cycles, and its full collections over them cost a tenth of the run and free nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _units(transfers: list[Any]) -> dict[tuple[str, str], str]:
    """(book, share) -> the unit of its accounts; publishing keeps it one unit across rulesets."""
    units: dict[tuple[str, str], str] = {}
    for t in transfers:
        for share in t.ruleset.shares:
            units.setdefault((share.book, share.name), t.ruleset.unit_of(share))
    return units
