"""Real `pool settle` processes: two of the same period started at once never double-post, and a
settlement killed with SIGKILL at a random moment leaves no partial run behind; a re-run then
reaches the balances of an uninterrupted run. Each test drives a pool and a reference pool fed
the same transfers and actuals; the reference is settled without interference."""

import json
import random
import signal
import sqlite3
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
    actual_rows,
    assert_verified,
    bulk_rows,
    bulk_transfers,
    fresh_pool,
    import_actuals,
    ledger_state,
    start,
)

from pool.store.locks import LEDGER_LOCK

pytestmark = [pytest.mark.reliability, pytest.mark.parametrize("backend", BACKENDS)]

RACE_ROUNDS = 3
RACE_TRANSFERS = 60
KILL_ROUNDS = 3
KILL_TRANSFERS = 600


@pytest.fixture
def pools(
    backend: str, tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> Iterator[tuple[Pool, Pool]]:
    """The pool under test and a reference pool, both the standard ledger_pool()."""
    pool, drop = fresh_pool(backend, tmp_path / "pool", sqlite_template, pg_schemas)
    reference, drop_reference = fresh_pool(backend, tmp_path / "reference", sqlite_template, pg_schemas)
    try:
        yield pool, reference
    finally:
        drop()
        drop_reference()


def feed(pools: tuple[Pool, ...], path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    for p in pools:
        import_actuals(p, path, rows)


def summary(pool: Pool) -> dict[str, Any]:
    state = ledger_state(pool)
    return {"balances": state["balances"], "positions": state["positions"]}


def wait_for_ledger_lock(pool: Pool, proc: Any, want: bool = True, timeout: float = 60.0) -> float:
    """Seconds until `proc` holds the write lock (SQLite) or the ledger lock (PostgreSQL) — it
    is then inside its settlement's transaction — or, with `want` False, until it let go."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if want:
            assert proc.poll() is None, "the settlement ended before it was seen running"
        if pool.engine.dialect.name == "postgresql":
            with pool.engine.connect() as conn:
                held = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
                        "objid = :key AND database = (SELECT oid FROM pg_database WHERE datname = "
                        "current_database())"
                    ),
                    {"key": LEDGER_LOCK},
                ).scalar()
        else:
            probe = sqlite3.connect(pool.url.removeprefix("sqlite:///"), timeout=0)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.rollback()
                held = 0
            except sqlite3.OperationalError:
                held = 1
            finally:
                probe.close()
        if bool(held) == want:
            return time.monotonic() - began
        time.sleep(0.01)
    raise AssertionError("the settlement never took the ledger lock")


def test_two_settlements_of_the_same_period_at_once(pools: tuple[Pool, Pool], tmp_path: Path) -> None:
    pool, reference = pools
    codes = bulk_transfers(pool, RACE_TRANSFERS)
    assert bulk_transfers(reference, RACE_TRANSFERS) == codes
    # The real command turns a refusal into its exit code and sentence, and changes nothing.
    denied = start(pool, "zhashui-bureau", "settle", "2024-09")
    _, err = denied.communicate(timeout=60)
    assert denied.returncode == 3 and err.startswith("Error: ") and "Traceback" not in err
    assert pool.rows("settlement_runs") == []
    outcomes = []
    for r in range(RACE_ROUNDS):
        month = MONTHS[r + 2]
        rows = actual_rows(MONTHS[: r + 3] if r == 0 else [month], salt=r) + bulk_rows(
            codes, MONTHS[: r + 3] if r == 0 else [month], salt=r
        )
        feed((pool, reference), tmp_path / f"round{r}.csv", rows)
        expected = reference.json("city-office", "settle", month)
        assert expected["entries"] > 0

        procs = [start(pool, "city-office", "--format", "json", "settle", month) for _ in range(2)]
        results = [
            (p.returncode, out, err) for p, (out, err) in [(p, p.communicate(timeout=120)) for p in procs]
        ]
        for code, out, err in results:
            assert code in (0, 4), (code, out, err)
            assert "Traceback" not in err
        posted = [json.loads(out)["entries"] for code, out, _ in results if code == 0]
        assert sorted(posted)[-1] == expected["entries"] and sum(posted) == expected["entries"]
        outcomes.append(sorted(code for code, _, _ in results))
        assert summary(pool) == summary(reference), f"round {r}"
        assert_verified(pool)
        runs = pool.rows("settlement_runs")
        assert len(runs) == len([o for o in outcomes for c in o if c == 0])
    print(f"race outcomes (exit codes per round): {outcomes}")


def test_settlement_killed_mid_run_leaves_no_partial_run(pools: tuple[Pool, Pool], tmp_path: Path) -> None:
    pool, reference = pools
    codes = bulk_transfers(pool, KILL_TRANSFERS)
    bulk_transfers(reference, KILL_TRANSFERS)
    rng = random.Random(20240917)
    kills = extra = 0
    for r in range(KILL_ROUNDS):
        month = MONTHS[r + 3]
        periods = MONTHS[: r + 4] if r == 0 else [month]
        feed(
            (pool, reference),
            tmp_path / f"round{r}.csv",
            actual_rows(periods, salt=r) + bulk_rows(codes, periods, salt=r),
        )
        ref = start(reference, "city-office", "--format", "json", "settle", month)
        wait_for_ledger_lock(reference, ref)
        held = wait_for_ledger_lock(reference, ref, want=False)  # its transaction's length
        out, err = ref.communicate(timeout=120)
        assert ref.returncode == 0, err
        assert json.loads(out)["entries"] >= KILL_TRANSFERS

        before = ledger_state(pool)
        runs_before = len(pool.rows("settlement_runs"))
        victim = start(pool, "city-office", "settle", month)
        wait_for_ledger_lock(pool, victim)
        # Somewhere inside the transaction, as long as the reference run's took.
        delay = rng.uniform(0.05, 0.8) * held
        time.sleep(delay)
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=60)
        assert victim.returncode in (-signal.SIGKILL, 0)
        committed = len(pool.rows("settlement_runs")) > runs_before
        if not committed:
            kills += 1
            # Nothing of the killed run is stored: no run row, no entry, no balance moved.
            assert ledger_state(pool) == before, f"round {r}, killed after {delay:.2f}s"
        else:  # it committed before the signal came: then it is whole
            assert len(pool.rows("settlement_runs")) == runs_before + 1
            assert summary(pool) == summary(reference), f"round {r}"
        assert_verified(pool)
        for path in Path(tmp_path).glob("*.db-journal"):
            pytest.fail(f"a rollback journal was left behind: {path}")

        rerun = pool.ok("city-office", "settle", month)
        assert "Settled through" in rerun.stdout
        assert summary(pool) == summary(reference), f"round {r}"
        assert_verified(pool)
        extra += committed  # a victim that committed leaves the re-run posting nothing
        assert len(pool.rows("settlement_runs")) == len(reference.rows("settlement_runs")) + extra
    print(f"killed {kills} of {KILL_ROUNDS} settlements before they committed")
    assert kills >= 1, "the kills came too late to interrupt the runs"
