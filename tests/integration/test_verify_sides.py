"""`pool ledger verify` in one process or two: on a large pool the kept side (the ledger's chain
and every summary kept beside a source) runs in a second process, which must find exactly what
one process finds, whole or tampered; when the two processes read different states, the check
runs again in one."""

import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import actual_rows, fresh_pool, import_actuals, settled_history

from pool.bootstrap import sql_database
from pool.services import verify_sides
from pool.services.verify_sides import KeptSide

TAMPERS = (
    "UPDATE ledger_accounts SET balance = balance + 5 WHERE id = (SELECT MIN(id) FROM ledger_accounts)",
    "UPDATE actuals SET amount = amount + 100 WHERE id = (SELECT MAX(id) FROM actuals)",
    "UPDATE share_sums SET amount = amount + 100000 WHERE share = 'tax' AND year = 1",
)


@pytest.fixture(params=BACKENDS)
def pool(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> Iterator[Pool]:
    made, drop = fresh_pool(request.param, tmp_path, sqlite_template, pg_schemas)
    try:
        settled_history(made, tmp_path)
        yield made
    finally:
        drop()


def _check(pool: Pool, parallel: bool) -> verify_sides.Checked:
    database = sql_database(pool.url)
    try:
        with database.unit_of_work() as uow:
            return verify_sides.check(uow, deep_check=True, database=database, parallel=parallel)
    finally:
        database.close()


def _found(checked: verify_sides.Checked) -> tuple[Any, ...]:
    ledger, inputs = checked.ledger, checked.inputs
    return (
        ledger.entries,
        ledger.postings,
        ledger.head,
        ledger.problems,
        inputs.records,
        inputs.head,
        inputs.problems,
        checked.deep,
    )


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_two_processes_find_what_one_finds_whole_and_tampered(
    pool: Pool, monkeypatch: pytest.MonkeyPatch, start: str
) -> None:
    monkeypatch.setattr(verify_sides, "_context", lambda: multiprocessing.get_context(start))
    one, two = _check(pool, parallel=False), _check(pool, parallel=True)
    assert (one.processes, two.processes) == (1, 2)
    assert _found(two) == _found(one)
    assert one.ledger.entries > 0 and one.inputs.records > 0 and one.deep is not None
    assert one.ledger.problems == one.inputs.problems == one.deep["problems"] == []

    with pool.engine.begin() as conn:
        for statement in TAMPERS:
            conn.execute(text(statement))
    one, two = _check(pool, parallel=False), _check(pool, parallel=True)
    assert two.processes == 2 and _found(two) == _found(one)
    assert one.deep is not None
    found = one.ledger.problems + one.inputs.problems + one.deep["problems"]
    assert any("balance" in p for p in one.ledger.problems), found  # the kept side's
    assert any("is not its latest revision" in p for p in one.inputs.problems), found  # also kept
    assert any("kept running sums" in p for p in one.deep["problems"]), found  # the replay's


_KEPT_SIDE_OF = verify_sides.kept_side_of


def _another_state(url: str, watch: int | None) -> KeptSide:
    """The kept side as if a settlement had committed before its read."""
    side = _KEPT_SIDE_OF(url, watch)
    entries, records, run = side.state
    side.state = ((entries or 0) + 1, records, (run or 0) + 1)
    return side


def test_when_the_two_processes_read_different_states_the_check_runs_again_in_one(
    pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forked child reads its own transaction: a write committed between the two reads would
    join two states, so the check is made again in this process's one transaction."""
    monkeypatch.setattr(verify_sides, "_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(verify_sides, "kept_side_of", _another_state)
    again = _check(pool, parallel=True)
    assert again.processes == 1
    assert _found(again) == _found(_check(pool, parallel=False))


def _dying(url: str, watch: int | None) -> KeptSide:
    os._exit(9)  # as a process killed, or out of memory


def test_when_the_second_process_dies_the_check_runs_in_one(
    pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify_sides, "_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(verify_sides, "kept_side_of", _dying)
    again = _check(pool, parallel=True)
    assert again.processes == 1
    assert _found(again) == _found(_check(pool, parallel=False))


def test_every_write_that_verify_checks_moves_the_state(pool: Pool, tmp_path: Path) -> None:
    def state() -> tuple[int, int, int]:
        database = sql_database(pool.url)
        try:
            with database.unit_of_work() as uow:
                entries, records, run = uow.ledger.state()
                return entries or 0, records or 0, run or 0
        finally:
            database.close()

    before = state()
    import_actuals(pool, tmp_path / "mar.csv", actual_rows(["2025-03"]))
    imported = state()
    assert imported[1] > before[1] and imported[0] == before[0]
    pool.ok("city-office", "settle", "2025-03")
    settled = state()
    assert settled[0] > imported[0] and settled[2] > imported[2]
    pool.ok("city-office", "settle", "2025-03")  # nothing new: a run all the same
    assert state()[2] > settled[2]


def test_a_second_process_is_used_from_the_size_it_pays_for_itself(
    pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify_sides, "_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)  # two processors
    database = sql_database(pool.url)
    try:
        with database.unit_of_work() as uow:
            entries = uow.ledger.state()[0] or 0
            assert 0 < entries < verify_sides.PARALLEL_FROM
            assert verify_sides.check(uow, database=database).processes == 1
            monkeypatch.setattr(verify_sides, "PARALLEL_FROM", entries)
            assert verify_sides.check(uow, database=database).processes == 2
    finally:
        database.close()
