"""The ledger lock on PostgreSQL, with the race windows widened by a sleeping trigger: an
approval, a settlement, an import and a period close never interleave, and a command gives up
waiting for the lock after a bounded time, naming what holds it."""

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from support.driver import Pool
from support.ledger import actual_rows, fresh_pool, import_actuals, month_int, positions, write_csv
from support.oracle import targets_from_scratch

from pool.bootstrap import bootstrap
from pool.config import Settings
from pool.domain.errors import Conflict
from pool.services import actuals, claims, periods, settlement
from pool.store import locks

pytestmark = pytest.mark.postgres


@pytest.fixture
def pool(tmp_path: Path, sqlite_template: Path, pg_schemas: Any) -> Iterator[Pool]:
    p, drop = fresh_pool("postgres", tmp_path / "pool", sqlite_template, pg_schemas)
    yield p
    p.close()
    drop()


def city(pool: Pool) -> Any:
    return bootstrap(Settings(pool.url, "city-office", pool.tokens["city-office"]))


def slow_insert(pool: Pool, table: str, seconds: float, when: str = "true") -> None:
    """Make the next matching insert into `table` sleep inside its transaction."""
    with pool.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {when} THEN PERFORM pg_sleep({seconds}); END IF; RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                f"CREATE TRIGGER slow_insert AFTER INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION slow_insert()"
            )
        )


def in_thread(call: Callable[[], Any], done: dict[str, float], name: str) -> threading.Thread:
    def run() -> None:
        try:
            call()
        finally:
            done[name] = time.monotonic()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def claim_for(pool: Pool, code: str, host: str, claimant: str) -> int:
    listing = pool.json(f"{host}-bureau", "listing", "open", code, "--reason", "用地不足")
    return int(pool.json(f"{claimant}-bureau", "claim", "submit", str(listing["id"]))["id"])


def test_an_approval_committed_while_a_settlement_runs_is_posted(pool: Pool, tmp_path: Path) -> None:
    """Without the lock, the slow approval took a transfer id, a fast one took the next and
    committed, the settlement remembered the larger id, and the slow transfer, committed last,
    was never recomputed by any later run."""
    import_actuals(pool, tmp_path / "a.csv", actual_rows(["2024-08", "2024-09", "2024-10"]))
    slow_claim = claim_for(pool, "LN-004", "danfeng", "zhashui")
    fast_claim = claim_for(pool, "SZ-003", "danfeng", "luonan")
    slow_insert(pool, "transfers", 4, f"NEW.claim_id = {slow_claim}")
    rts = [city(pool) for _ in range(3)]
    done: dict[str, float] = {}
    approve = dict(effective="2024-10", agreement=["origin_share=30%"], ruleset="kunming-2024")
    threads = [in_thread(lambda: claims.approve(rts[0], slow_claim, **approve), done, "slow")]  # type: ignore[arg-type]
    time.sleep(1)
    threads.append(
        in_thread(
            lambda: claims.approve(
                rts[1],
                fast_claim,
                effective="2024-10",
                agreement=["floor_origin_per_year=150000"],
                ruleset="chuanzhe",
            ),
            done,
            "fast",
        )
    )
    time.sleep(0.5)
    threads.append(in_thread(lambda: settlement.settle(rts[2], "2024-10"), done, "settle"))
    for thread in threads:
        thread.join(60)
    for rt in rts:
        rt.close()
    with pool.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER slow_insert ON transfers"))
    assert done["slow"] < done["fast"] < done["settle"]
    pool.ok("city-office", "settle", "2024-10")
    posted = {(t, s, r): amount for (t, s, r), (_book, amount) in positions(pool).items() if amount}
    expected = {
        (t, s, r): a
        for (t, s, _b, r), a in targets_from_scratch(pool.engine, month_int("2024-10")).items()
        if a
    }
    assert posted == expected
    assert len(pool.rows("transfers")) == 7


def test_a_period_close_waits_for_an_import_under_way(pool: Pool, tmp_path: Path) -> None:
    """Without the lock, the import checked the closed periods, the close committed, and the
    import then stored a new value in the closed month without --restate."""
    import_actuals(pool, tmp_path / "a.csv", actual_rows(["2024-08", "2024-09"]))
    pool.ok("city-office", "settle", "2024-09")
    late = write_csv(tmp_path / "late.csv", [("ZS-001", "2024-09", "output", "7777777.00")])
    slow_insert(pool, "actual_imports", 3)
    rts = [city(pool) for _ in range(2)]
    done: dict[str, float] = {}
    threads = [in_thread(lambda: actuals.import_file(rts[0], str(late)), done, "import")]
    time.sleep(1)
    threads.append(in_thread(lambda: periods.close(rts[1], "2024-09"), done, "close"))
    for thread in threads:
        thread.join(60)
    for rt in rts:
        rt.close()
    assert done["import"] < done["close"]
    assert [r["through"] for r in pool.rows("period_closes")] == [month_int("2024-09")]


def test_a_command_waits_a_bounded_time_for_the_lock_and_names_its_holder(
    pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "LOCK_WAIT_SECONDS", 1)
    holder = pool.engine.connect()
    holder.execute(text("BEGIN"))
    holder.execute(text("SET application_name = 'pool: settle 2024-12 by city-office'"))
    holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": locks.LEDGER_LOCK})
    runs = len(pool.rows("settlement_runs"))
    rt = city(pool)
    try:
        with pytest.raises(Conflict) as refused:
            settlement.settle(rt, "2024-10")
    finally:
        rt.close()
        holder.execute(text("ROLLBACK"))
        holder.close()
    assert "The ledger is busy" in str(refused.value)
    assert "(settle 2024-12 by city-office since " in str(refused.value)
    assert len(pool.rows("settlement_runs")) == runs
    assert (pool.last_audit()["action"], pool.last_audit()["outcome"]) == ("settle", "conflict")
