"""Counties can check their numbers: they read every published rule text and every agreement,
verify, take checkpoints and export; settlement shows everyone the heads it leaves."""

import json
from pathlib import Path

import pytest
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import LIBRARY, STATE_TABLES, counts, move

pytestmark = pytest.mark.parametrize("db_url", BACKENDS, indirect=True)


def _pool(url: str) -> Pool:
    pool = Pool(url)
    pool.init()
    pool.add_actor("luonan-bureau", "county", "luonan")
    pool.add_actor("shangzhou-bureau", "county", "shangzhou")
    pool.add_actor("policy-desk", "policy")
    pool.ok("policy-desk", "rules", "publish", str(LIBRARY / "shangluo-default.yaml"))
    pool.ok("policy-desk", "rules", "publish", str(LIBRARY / "chuanzhe.yaml"))
    return pool


def test_counties_read_every_published_rule_text(db_url: str) -> None:
    pool = _pool(db_url)
    shown = pool.json("luonan-bureau", "rules", "show", "shangluo-default")
    text = (LIBRARY / "shangluo-default.yaml").read_text(encoding="utf-8")
    assert shown["text"] == text and shown["text_matches_sha256"] is True
    assert shown["version"] == "2024.1" and len(shown["sha256"]) == 64
    same = pool.json("shangzhou-bureau", "rules", "show", "shangluo-default", "--version", "2024.1")
    assert same == shown
    printed = pool.ok("luonan-bureau", "rules", "show", "chuanzhe").stdout
    assert printed.startswith("# chuanzhe ") and printed.endswith(
        (LIBRARY / "chuanzhe.yaml").read_text("utf-8")
    )
    before = counts(pool, STATE_TABLES)
    for args, message in (
        (("rules", "show", "nope"), "No version of ruleset 'nope' is published"),
        (("rules", "show", "chuanzhe", "--version", "9"), "has no version '9'; published:"),
    ):
        result = pool.run("luonan-bureau", *args)
        assert result.exit_code == 1 and message in result.stderr, result.stderr
    assert pool.run("luonan-bureau", "rules", "show", "chuanzhe", token="wrong").exit_code == 3
    assert counts(pool, STATE_TABLES) == before


def test_counties_verify_checkpoint_and_export_and_settle_shows_the_heads(
    db_url: str, tmp_path: Path
) -> None:
    pool = _pool(db_url)
    pool.ok(
        "luonan-bureau", "project", "add", "LN-1", "--name", "钼精深加工", "--investor", "金钼股份",
        "--chain", "new_materials", "--kind", "manufacturing", "--investment", "350000000",
        "--capital-source", "out_of_city",
    )  # fmt: skip
    move(pool, "LN-1", "luonan", "shangzhou", "2024-08", "shangluo-default", ("origin_tax_share=40%",))
    csv = tmp_path / "a.csv"
    csv.write_text("project,period,metric,amount\nLN-1,2024-08,tax_local,100.00\n", encoding="utf-8")
    pool.ok("city-office", "actuals", "import", str(csv))
    out = pool.ok("city-office", "settle", "2024-08").stdout
    entries = pool.rows("ledger_entries")
    journal = pool.rows("input_journal")
    assert f"Ledger head: entry {len(entries)}, hash {entries[-1]['hash']}" in out
    assert f"Inputs read: {len(journal)} input records, head {journal[-1]['hash']}." in out
    assert pool.rows("settlement_runs")[-1]["journal_head"] == journal[-1]["hash"]
    agreement = pool.json("shangzhou-bureau", "transfer", "show", "1")["agreement"]
    assert agreement == {"origin_tax_share": "40%"}
    checkpoint = tmp_path / "luonan.json"
    pool.ok("luonan-bureau", "ledger", "checkpoint", "--out", str(checkpoint))
    data = json.loads(checkpoint.read_text())
    assert data["inputs"] == len(journal) and data["inputs_head"] == journal[-1]["hash"]
    result = pool.run("shangzhou-bureau", "ledger", "verify", "--deep", "--checkpoint", str(checkpoint))
    assert result.exit_code == 0 and "equal the ledger's positions" in result.stdout, result.output
    exported = pool.ok("luonan-bureau", "ledger", "export", "--format", "csv").stdout
    assert "fiscal" in exported
    denied = pool.run("policy-desk", "ledger", "verify")
    assert denied.exit_code == 3 and "may not verify the ledger" in denied.stderr
