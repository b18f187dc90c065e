"""Month-end completeness: the figures a month's transfers read and nobody reported are listed,
settlement warns with them, and --require-complete refuses to settle until they are in."""

from pathlib import Path

import pytest
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import LIBRARY, STATE_TABLES, counts, move, write_csv

pytestmark = pytest.mark.parametrize("db_url", BACKENDS, indirect=True)


def _pool(url: str) -> Pool:
    pool = Pool(url)
    pool.init()
    pool.add_actor("luonan-bureau", "county", "luonan")
    pool.add_actor("shangzhou-bureau", "county", "shangzhou")
    pool.add_actor("policy-desk", "policy")
    pool.ok("policy-desk", "rules", "publish", str(LIBRARY / "shangluo-default.yaml"))
    for code, name in (("LN-1", "钼精深加工"), ("LN-2", "钒电池")):
        pool.ok(
            "luonan-bureau", "project", "add", code, "--name", name, "--investor", f"{name}公司",
            "--chain", "new_materials", "--kind", "manufacturing", "--investment", "350000000",
            "--capital-source", "out_of_city",
        )  # fmt: skip
    move(pool, "LN-1", "luonan", "shangzhou", "2024-08", "shangluo-default", ())
    return pool


def test_missing_figures_are_listed_warned_and_can_block_settlement(db_url: str, tmp_path: Path) -> None:
    pool = _pool(db_url)
    pool.ok(
        "city-office",
        "actuals",
        "import",
        str(
            write_csv(
                tmp_path / "a.csv", [("LN-1", "2024-08", "tax_local", "10"), ("LN-2", "2024-08", "fai", "1")]
            )
        ),
    )
    rows = pool.json("luonan-bureau", "actuals", "missing", "--period", "2024-08")
    # LN-2 never moved: no transfer reads its figures. LN-1's shares read four metrics.
    assert [(r["project"], r["metric"], r["host"], r["transfer"]) for r in rows] == [
        ("LN-1", "fai", "shangzhou", 1),
        ("LN-1", "fdi", "shangzhou", 1),
        ("LN-1", "funds_domestic", "shangzhou", 1),
    ]
    assert pool.json("luonan-bureau", "actuals", "missing", "--period", "2024-07") == []
    before = counts(pool, STATE_TABLES)
    refused = pool.run("city-office", "settle", "2024-08", "--require-complete")
    assert refused.exit_code == 1 and "3 figures for 2024-08 are missing (LN-1 fai;" in refused.stderr
    assert counts(pool, STATE_TABLES) == before
    settled = pool.run("city-office", "settle", "2024-08")
    assert settled.exit_code == 0
    assert "Warning: 3 figures for 2024-08 are missing" in settled.stderr
    assert "LN-1 钼精深加工 (shangzhou): funds_domestic 实际使用内资" in settled.stderr
    fill = [("LN-1", "2024-08", m, "0") for m in ("fai", "fdi", "funds_domestic")]
    pool.ok("city-office", "actuals", "import", str(write_csv(tmp_path / "b.csv", fill)))
    assert pool.json("city-office", "actuals", "missing", "--period", "2024-08") == []
    done = pool.run("city-office", "settle", "2024-08", "--require-complete")
    assert done.exit_code == 0 and "Warning" not in done.stderr
    # A cancelled transfer reads nothing.
    pool.ok("city-office", "transfer", "cancel", "1", "--reason", "审批有误")
    assert pool.json("city-office", "actuals", "missing", "--period", "2024-09") == []
    bad = pool.run("city-office", "actuals", "missing", "--period", "2024-13")
    assert bad.exit_code == 1 and "2024-13" in bad.stderr
