"""Settlement keeps running sums per (transfer, share, term year) and a month-end run reads only
what changed since the last run: the newly covered months and the restated or late figures.

The sums are checked against the actuals the last run read after every run of a history with
restatements, a late figure and a chain move; a sum changed behind the pool's back is what the
next run builds on (proof that the run reads the sums, not the history) and the check names it.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import (
    MONTHS,
    RESTATED,
    actual_rows,
    assert_verified,
    fresh_pool,
    import_actuals,
    month_int,
    positions,
    settled_history,
)
from support.oracle import targets_from_scratch

from pool.bootstrap import sql_database
from pool.services import settlement
from pool.services.sums import disagreements
from pool.store import migrate
from pool.store.engine import make_engine


@pytest.fixture(params=BACKENDS)
def pool(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> Iterator[Pool]:
    made, drop = fresh_pool(request.param, tmp_path, sqlite_template, pg_schemas)
    try:
        yield made
    finally:
        drop()


def _disagreements(pool: Pool) -> list[str]:
    database = sql_database(pool.url)
    try:
        with database.unit_of_work() as uow:
            return disagreements(uow)
    finally:
        database.engine.dispose()


def _settle(pool: Pool, period: str) -> None:
    pool.ok("city-office", "settle", period)
    assert _disagreements(pool) == []
    assert_verified(pool)


def _differing(pool: Pool, through: str) -> set[tuple[int, str, str]]:
    """The posted positions that differ from the engine's targets from scratch over every
    current actual."""
    expected = {
        (t, s, r): a for (t, s, _b, r), a in targets_from_scratch(pool.engine, month_int(through)).items()
    }
    posted = {k: v[1] for k, v in positions(pool).items()}
    return {k for k in expected.keys() | posted.keys() if expected.get(k, 0) != posted.get(k, 0)}


@pytest.mark.parametrize("chunk", [settlement.CHUNK, 1], ids=["one-chunk", "a-project-a-chunk"])
def test_month_by_month_with_restatements_and_late_figures_keeps_sums_equal_to_the_history(
    pool: Pool, tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settlement, "CHUNK", chunk)
    for i, month in enumerate(MONTHS):
        import_actuals(pool, tmp_path / f"m{i}.csv", actual_rows([month]))
        if i == 4:  # a restatement of settled months, and a late figure for one
            import_actuals(pool, tmp_path / "fix.csv", RESTATED[:2], reason="税务局更正申报")
        _settle(pool, month)
        assert _differing(pool, month) == set()
    kept = pool.rows("share_sums")
    assert kept and all(r["year"] >= 0 for r in kept)


def test_a_run_builds_on_the_kept_sums_and_the_check_names_one_changed_behind_its_back(
    pool: Pool, tmp_path: Path
) -> None:
    import_actuals(pool, tmp_path / "a.csv", actual_rows(MONTHS[:3]))
    _settle(pool, MONTHS[2])
    row = next(r for r in pool.rows("share_sums") if r["share"] == "tax" and r["year"] == 1)
    with pool.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE share_sums SET amount = amount + 100000"
                " WHERE transfer_id = :t AND share = 'tax' AND year = 1"
            ),
            {"t": row["transfer_id"]},
        )
    problems = _disagreements(pool)
    assert len(problems) == 1 and f"transfer {row['transfer_id']}'s tax" in problems[0], problems
    import_actuals(pool, tmp_path / "b.csv", actual_rows(MONTHS[3:4]))
    pool.ok("city-office", "settle", MONTHS[3])
    wrong = _differing(pool, MONTHS[3])
    assert wrong and {k[0] for k in wrong} == {row["transfer_id"]}


def test_a_pool_upgraded_to_running_sums_reports_and_settles_as_before(pool: Pool, tmp_path: Path) -> None:
    """A settled pool made before the running sums: its payables are summed from the postings at
    the upgrade, and its next run collects every project's history once."""
    settled_history(pool, tmp_path)
    before = pool.json("audit-bureau", "report", "payables", "--year", "2024")
    engine = make_engine(pool.url)
    try:
        migrate.downgrade(engine, "0007")  # the revision before the running sums
        assert "share_sums" not in inspect(engine).get_table_names()
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    assert pool.rows("share_sums") == []
    assert pool.json("audit-bureau", "report", "payables", "--year", "2024") == before
    assert_verified(pool)
    import_actuals(pool, tmp_path / "mar.csv", actual_rows(["2025-03"]))
    _settle(pool, "2025-03")
    assert _differing(pool, "2025-03") == set()


@pytest.mark.parametrize("chunk", [settlement.CHUNK, 1], ids=["one-chunk", "a-project-a-chunk"])
def test_a_transfer_cancelled_after_a_run_leaves_no_disagreement_and_the_next_run_collects_again(
    pool: Pool, tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelling the latest move of a chain reopens the earlier transfer's coverage: its kept sums,
    collected for the coverage that ended where the move began, are not what the next run
    carries (it collects the share again), so they are no disagreement; the next run posts what
    the history gives."""
    monkeypatch.setattr(settlement, "CHUNK", chunk)
    chain = [t for t in pool.rows("transfers") if t["project_id"] == 1]
    latest = max(chain, key=lambda t: (t["effective"], t["id"]))
    assert len(chain) == 2 and latest["effective"] < month_int(MONTHS[5])
    import_actuals(pool, tmp_path / "h2.csv", actual_rows(MONTHS[:6]))
    _settle(pool, MONTHS[5])
    ended = {r["cover_end"] for r in pool.rows("share_sums") if r["transfer_id"] != latest["id"]}
    assert latest["effective"] - 1 in ended  # the earlier transfer's coverage ended at the move
    pool.ok("city-office", "transfer", "cancel", str(latest["id"]), "--reason", "审批有误")
    assert _disagreements(pool) == []
    assert_verified(pool)
    import_actuals(pool, tmp_path / "next.csv", actual_rows(MONTHS[6:7]))
    _settle(pool, MONTHS[6])
    assert _differing(pool, MONTHS[6]) == set()
