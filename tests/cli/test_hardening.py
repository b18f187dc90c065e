"""Regression tests for defects an adversarial review found: each reproduces the defect and
shows the fixed behaviour, asserting the message, the exit code and that nothing changed."""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from ledger_support import LEDGER_TABLES, actual_rows, fresh_pool, import_actuals
from pool_driver import Pool

from pool.services import runtime


@pytest.fixture
def pool(tmp_path: Path, sqlite_template: Path) -> Iterator[Pool]:
    p, drop = fresh_pool("sqlite", tmp_path / "pool", sqlite_template, None)
    yield p
    p.close()
    drop()


def ledger_rows(pool: Pool) -> dict[str, list[dict[str, Any]]]:
    return {t: pool.rows(t) for t in LEDGER_TABLES}


def at(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    monkeypatch.setattr(runtime, "clock", lambda: when)


# D1, D25: a month after the current one would become the last settled period (or the month a
# project last moved) and block every real month after it.


def test_settle_close_and_approve_refuse_a_month_after_the_current_one(
    pool: Pool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_actuals(pool, tmp_path / "a.csv", actual_rows(["2024-08", "2024-09"]))
    at(monkeypatch, datetime(2024, 9, 15, 8, 0))
    before = ledger_rows(pool)
    for args, what in (
        (("settle", "2205-08"), "the month to settle"),
        (("settle", "2024-10"), "the month to settle"),
        (("period", "close", "2024-10"), "the month to close"),
    ):
        refused = pool.run("city-office", *args)
        assert refused.exit_code == 1, refused.output
        assert f"{args[-1]} is after the current month; {what} is 2024-09 at the latest." in refused.stderr
        assert ledger_rows(pool) == before
        assert pool.last_audit()["outcome"] == "invalid"

    listing = pool.json("danfeng-bureau", "listing", "open", "LN-004", "--reason", "用地不足")
    claim = pool.json("zhashui-bureau", "claim", "submit", str(listing["id"]))
    state = pool.snapshot()
    refused = pool.run(
        "city-office",
        "claim",
        "approve",
        str(claim["id"]),
        "--effective",
        "9999-12",
        "--ruleset",
        "kunming-2024",
        "--agreement",
        "origin_share=30%",
    )
    assert refused.exit_code == 1
    assert (
        "9999-12 is after the current month; a transfer's effective month is 2024-09 at the "
        "latest." in refused.stderr
    )
    assert pool.snapshot() == state

    # The current month itself is allowed; the month is the offices' (UTC+8): at 17:00 UTC on
    # 30 September it is already October in Shanghai.
    assert pool.json("city-office", "settle", "2024-09")["period"] == "2024-09"
    at(monkeypatch, datetime(2024, 9, 30, 17, 0))
    assert pool.json("city-office", "settle", "2024-10")["period"] == "2024-10"
    pool.ok("city-office", "period", "close", "2024-10")


# D2: an export aimed at the live database truncated it; one aimed at a kept checkpoint
# replaced it.


def test_export_never_overwrites_a_file_unless_forced_and_never_the_database(
    pool: Pool, tmp_path: Path
) -> None:
    import_actuals(pool, tmp_path / "a.csv", actual_rows(["2024-08", "2024-09"]))
    pool.ok("city-office", "settle", "2024-09")
    database = Path(pool.url.removeprefix("sqlite:///"))
    kept = tmp_path / "checkpoint.json"
    pool.ok("audit-bureau", "ledger", "checkpoint", "--out", str(kept))
    checkpoint_text = kept.read_text()
    database_bytes = database.read_bytes()

    for target in (database, Path(f"{database}-wal")):
        for force in ([], ["--force"]):
            refused = pool.run("audit-bureau", "ledger", "export", "--out", str(target), *force)
            assert refused.exit_code == 1, refused.output
            assert f"{target} is the database this command uses" in refused.stderr
    assert database.read_bytes() == database_bytes
    refused = pool.run("audit-bureau", "ledger", "export", "--out", str(kept))
    assert refused.exit_code == 1
    assert f"{kept} already exists; nothing was written" in refused.stderr
    assert "--force" in refused.stderr
    assert kept.read_text() == checkpoint_text
    pool.ok("audit-bureau", "ledger", "verify", "--checkpoint", str(kept))

    fresh = tmp_path / "journal.ledger"
    pool.ok("audit-bureau", "ledger", "export", "--out", str(fresh))
    assert fresh.read_text().count("Assets:") > 0
    pool.ok("audit-bureau", "ledger", "export", "--format", "csv", "--out", str(fresh), "--force")
    assert fresh.read_text().startswith("seq,")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")) == []


# D19: `pool demo --dir` replaced the files it writes when they already existed.


def test_demo_never_overwrites_a_file_in_its_directory(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pool.cli import main

    mine = tmp_path / "actuals-2024-08.csv"
    mine.write_text("important\n")
    refused = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path)])
    assert refused.exit_code == 1
    assert f"{tmp_path} already holds actuals-2024-08.csv; the demo never overwrites a file" in refused.stderr
    assert mine.read_text() == "important\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["actuals-2024-08.csv"]
