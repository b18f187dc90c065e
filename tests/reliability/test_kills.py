"""Fault injection: real `pool` processes killed with SIGKILL at random moments
during actuals imports (new values and restatements), claim approvals and settlements, many times,
on SQLite and PostgreSQL.

Each round runs the same command on a reference pool, uninterrupted (which also times it), then on
the pool under test, killed after a random fraction of that time. After every kill the database
must be consistent: the ledger verifies, projects, listings and claims satisfy their invariants,
and the command either left nothing at all or all of its work (no half-written import, approval or
settlement run). The command is then run again, and the pool must converge to the reference:
the same actuals, transfers, balances and positions.

A separate test kills a process right after it committed a settlement on SQLite, before the WAL
was checkpointed into the database file: the committed run must be there, whole, afterwards.
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import (
    MONTHS,
    ROOT,
    bulk_rows,
    bulk_transfers,
    fresh_pool,
    month_int,
    pool_command,
    start,
    write_csv,
)
from support.oracle import targets_from_scratch
from support.reliability import (
    Counter,
    check_balances,
    check_chains,
    check_listings_and_claims,
    check_verifies,
    ledger_summary,
    runtime,
    snapshot,
)

pytestmark = pytest.mark.reliability

BULK = 300
ROUNDS = {"sqlite": 14, "postgres": 12}
BUDGET_SECONDS = 35.0  # per backend; rounds stop early once it is spent


@pytest.fixture
def pools(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> Iterator[tuple[Pool, Pool]]:
    backend = request.param
    pool, drop = fresh_pool(backend, tmp_path / "pool", sqlite_template, pg_schemas)
    reference, drop_reference = fresh_pool(backend, tmp_path / "reference", sqlite_template, pg_schemas)
    try:
        yield pool, reference
    finally:
        drop()
        drop_reference()


def timed(pool: Pool, *args: str) -> float:
    """Run a real `pool` command to the end as the city office; its duration."""
    began = time.monotonic()
    proc = start(pool, "city-office", *args)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, (args, out, err)
    return time.monotonic() - began


def killed(pool: Pool, delay: float, *args: str) -> tuple[bool, str]:
    """Start the command and SIGKILL it after `delay` seconds; whether it was still running."""
    proc = start(pool, "city-office", *args)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    if proc.returncode == -signal.SIGKILL:
        return True, err
    assert proc.returncode in (0, 4), (args, out, err)  # finished first (4: approved already)
    assert "Traceback" not in err
    return False, err


def actuals_state(pool: Pool) -> dict[tuple[str, int, str], tuple[int, int]]:
    with pool.engine.connect() as conn:
        return {
            (c, p, m): (a, r)
            for c, p, m, a, r in conn.execute(
                text(
                    "SELECT pr.code, a.period, a.metric, a.amount, a.revision FROM actuals a "
                    "JOIN projects pr ON pr.id = a.project_id"
                )
            )
        }


def check_imports_whole(pool: Pool) -> None:
    """Every import row has exactly the revisions it counts, and every actual its revisions."""
    with pool.engine.connect() as conn:
        for imp, added, restated, revisions in conn.execute(
            text(
                "SELECT i.id, i.added, i.restated, (SELECT count(*) FROM actual_revisions r "
                "WHERE r.import_id = i.id) FROM actual_imports i"
            )
        ):
            assert revisions == added + restated, (imp, added, restated, revisions)
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM actuals a WHERE NOT EXISTS (SELECT 1 FROM actual_revisions r "
                "WHERE r.project_id = a.project_id AND r.period = a.period AND r.metric = a.metric "
                "AND r.revision = a.revision AND r.amount = a.amount "
                "AND r.import_id = a.import_id)"
            )
        ).scalar_one()
        assert orphans == 0


def check_sqlite_file(pool: Pool) -> None:
    if pool.engine.dialect.name != "sqlite":
        return
    conn = sqlite3.connect(pool.url.removeprefix("sqlite:///"))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def transfers_of(pool: Pool) -> list[tuple[str, str, str, int, str]]:
    with pool.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT p.code, t.from_region, t.to_region, t.effective, t.agreement FROM transfers t "
                    "JOIN projects p ON p.id = t.project_id ORDER BY p.code, t.id"
                )
            )
        ]


class Rounds:
    def __init__(self, pool: Pool, reference: Pool, home: Path, rng: random.Random) -> None:
        self.pool, self.reference, self.home, self.rng = pool, reference, home, rng
        self.codes = bulk_transfers(pool, BULK)
        assert bulk_transfers(reference, BULK) == self.codes
        self.month = 0  # index in MONTHS of the next month to report
        self.settled: int | None = None
        self.files = 0
        self.leads = 0
        self.counter = Counter()
        self.auditor = runtime(pool.url, "audit-bureau", pool.tokens["audit-bureau"])

    def delay(self, duration: float) -> float:
        return self.rng.uniform(0.15, 1.05) * duration

    def consistent(self) -> None:
        check_sqlite_file(self.pool)
        check_verifies(self.auditor)
        check_chains(self.pool.engine)
        check_listings_and_claims(self.pool.engine)
        check_imports_whole(self.pool)

    def converged(self) -> None:
        assert actuals_state(self.pool) == actuals_state(self.reference)
        assert transfers_of(self.pool) == transfers_of(self.reference)
        assert ledger_summary(self.pool.engine) == ledger_summary(self.reference.engine)

    def outcome(self, what: str, was_killed: bool, moved: bool) -> None:
        self.counter.add(f"{what}.rounds")
        if was_killed:
            self.counter.add("kills")
            self.counter.add(f"{what}.killed_before_commit" if not moved else f"{what}.killed_after_commit")
        else:
            self.counter.add(f"{what}.finished_first")

    # -- the three commands --------------------------------------------------------------------
    def import_round(self) -> None:
        restate = self.month > 0 and self.rng.random() < 0.4
        if restate:
            periods = [MONTHS[self.rng.randrange(self.month)]]
            rows = bulk_rows(self.codes, periods, salt=self.files + 100)
        else:
            periods = [MONTHS[self.month]]
            self.month += 1
            rows = bulk_rows(self.codes, periods, salt=0)
        self.files += 1
        path = write_csv(self.home / f"import{self.files}.csv", rows)
        args = ["actuals", "import", str(path)] + (["--restate", "--reason", "更正"] if restate else [])
        duration = timed(self.reference, *args)
        before = snapshot(self.pool.engine)
        was_killed, _ = killed(self.pool, self.delay(duration), *args)
        self.consistent()
        after = snapshot(self.pool.engine)
        moved = after != before
        if moved:  # the whole import, never a part of it
            assert actuals_state(self.pool) == actuals_state(self.reference)
            assert len(after["actual_imports"]) == len(before["actual_imports"]) + 1
        self.outcome("import", was_killed, moved)
        self.pool.ok("city-office", *args)
        self.converged()

    def approve_round(self) -> None:
        self.leads += 1
        code = f"KILL-{self.leads:03d}"
        claim_ids = []
        for p in (self.pool, self.reference):
            p.ok(
                "zhashui-bureau",
                "project",
                "add",
                code,
                "--name",
                f"{code} 项目",
                "--investor",
                "投资方",
                "--chain",
                "new_materials",
                "--kind",
                "manufacturing",
                "--investment",
                "300000000",
                "--capital-source",
                "out_of_city",
            )
            listing = p.json("zhashui-bureau", "listing", "open", code, "--reason", "用地不足")
            for county in ("shangzhou", "danfeng"):
                claim = p.json(f"{county}-bureau", "claim", "submit", str(listing["id"]))
            claim_ids.append(claim["id"])
        assert claim_ids[0] == claim_ids[1]
        args = [
            "claim",
            "approve",
            str(claim_ids[0]),
            "--effective",
            "2024-09",
            "--agreement",
            "origin_tax_share=35%",
        ]
        duration = timed(self.reference, *args)
        before = snapshot(self.pool.engine)
        was_killed, _ = killed(self.pool, self.delay(duration), *args)
        self.consistent()
        after = snapshot(self.pool.engine)
        moved = after["transfers"] != before["transfers"]
        if not moved:
            for table in ("projects", "listings", "claims", "transfers"):
                assert after[table] == before[table], table
        self.outcome("approve", was_killed, moved)
        rerun = self.pool.run("city-office", *args)
        assert rerun.exit_code == (4 if moved else 0), (rerun.stdout, rerun.stderr)
        self.converged()

    def settle_round(self) -> None:
        if self.month == 0:
            return self.import_round()
        low = 0 if self.settled is None else self.settled
        index = self.rng.randrange(low, self.month)
        period = MONTHS[index]
        duration = timed(self.reference, "settle", period)
        before = snapshot(self.pool.engine)
        was_killed, _ = killed(self.pool, self.delay(duration), "settle", period)
        self.consistent()
        after = snapshot(self.pool.engine)
        moved = after["settlement_runs"] != before["settlement_runs"]
        if not moved:
            assert after == before
        else:
            assert len(after["settlement_runs"]) == len(before["settlement_runs"]) + 1
        self.outcome("settle", was_killed, moved)
        self.pool.ok("city-office", "settle", period)
        self.settled = index
        self.converged()
        # Right after a settlement, balances are the engine's targets from scratch.
        check_balances(self.pool.engine, targets_from_scratch(self.pool.engine, month_int(period)))
        return None


@pytest.mark.parametrize("pools", BACKENDS, indirect=True)
def test_commands_killed_at_random_moments(pools: tuple[Pool, Pool], tmp_path: Path) -> None:
    pool, reference = pools
    backend = pool.engine.dialect.name
    rng = random.Random(int(os.environ.get("POOL_KILL_SEED", "20250101")))
    rounds = Rounds(pool, reference, tmp_path, rng)
    began = time.monotonic()
    plan = ["import", "settle", "approve"] * ROUNDS["sqlite" if backend == "sqlite" else "postgres"]
    order = plan[:3] + rng.sample(plan[3:], len(plan) - 3)
    for n, what in enumerate(order):
        if n >= 6 and time.monotonic() - began > BUDGET_SECONDS:
            break
        getattr(rounds, f"{what}_round")()
    rounds.auditor.close()
    print(rounds.counter.line(f"kills ({backend})"))
    assert rounds.counter.counts["kills"] >= 3


SETTLE_THEN_DIE = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from pool.config import Settings
    from pool.services import settlement
    from pool.bootstrap import bootstrap
    rt = bootstrap(Settings({url!r}, "city-office", {token!r}))
    # Make the WAL hold the commit: no automatic checkpoint, and the connection is never closed.
    rt.database.engine.connect().exec_driver_sql("PRAGMA wal_autocheckpoint=0").close()
    result = settlement.settle(rt, {period!r})
    print(result["run"], result["entries"], flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_sqlite_survives_death_between_commit_and_checkpoint(tmp_path: Path, sqlite_template: Path) -> None:
    pool, drop = fresh_pool("sqlite", tmp_path / "pool", sqlite_template, None)
    reference, drop_reference = fresh_pool("sqlite", tmp_path / "ref", sqlite_template, None)
    codes = bulk_transfers(pool, 50)
    bulk_transfers(reference, 50)
    rows = bulk_rows(codes, MONTHS[:3])
    for p in (pool, reference):
        p.ok("city-office", "actuals", "import", str(write_csv(tmp_path / "a.csv", rows)))
    reference.ok("city-office", "settle", MONTHS[2])
    pool.close()  # nobody else holds the database open
    path = Path(pool.url.removeprefix("sqlite:///"))
    script = SETTLE_THEN_DIE.format(
        root=str(ROOT), url=pool.url, token=pool.tokens["city-office"], period=MONTHS[2]
    )
    _, env = pool_command(pool, "city-office")
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    run_id, entries = map(int, proc.stdout.split())
    assert entries > 0
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0, "the commit was checkpointed before the kill"
    wal_bytes = wal.stat().st_size
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT count(*) FROM settlement_runs WHERE id = ?", (run_id,)).fetchone() == (1,)
    finally:
        conn.close()
    auditor = runtime(pool.url, "audit-bureau", pool.tokens["audit-bureau"])
    check_verifies(auditor)
    auditor.close()
    assert ledger_summary(pool.engine) == ledger_summary(reference.engine)
    print(f"WAL kill: run {run_id} with {entries} entries survived in a {wal_bytes}-byte WAL")
    pool.close()
    reference.close()
    drop()
    drop_reference()
