"""The rule-language additions through the whole product: projects with planned fixed assets,
approvals that check named parties and record years, negative months imported only for signed
metrics, settlement and explain of a refund, and a simulation of a draft using the additions."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from support.databases import BACKENDS
from support.driver import STATE_TABLES, Pool
from support.ledger import LIBRARY, balances, fresh_pool, ledger_state, settled_history, write_csv

RULES = """\
ruleset: park-v2
version: "1"
title: 共建园区(第二版)
effective_from: 2024-01
city: shangluo
metrics:
  tax_local: {unit: CNY, label: 地方留成税收, signed: true}
  output: {unit: CNY, label: 产值}
agreement:
  origin_share: {type: ratio, default: 40%, min: 10%, max: 50%}
  term_years: {type: years, default: 3, min: 2, max: 5}
eligibility:
  kinds: [manufacturing]
  min_planned_fixed_assets: 30000000
shares:
  - name: park_tax
    label: 园区税收分成
    book: fiscal
    base: tax_local
    mode: split
    term: {start: transfer, years: agreement.term_years}
    schedule:
      - years: 1-5
        origin: agreement.origin_share
        parties: {danfeng: 10%}
"""


@pytest.fixture
def pool(db_url: str, tmp_path: Path) -> Iterator[Pool]:
    p = Pool(db_url)
    p.init()
    p.add_actor("zhashui-bureau", "county", "zhashui")
    p.add_actor("shangzhou-bureau", "county", "shangzhou")
    p.add_actor("danfeng-bureau", "county", "danfeng")
    p.add_actor("policy-desk", "policy")
    rules = tmp_path / "park-v2.yaml"
    rules.write_text(RULES, encoding="utf-8")
    p.ok("policy-desk", "rules", "publish", str(rules))
    p.ok("policy-desk", "rules", "default", "park-v2")
    yield p
    p.close()


def _add(pool: Pool, code: str, *extra: str, investment: str = "200000000", actor: str = "zhashui-bureau"):
    return pool.run(
        actor,
        *("project", "add", code, "--name", f"项目{code}", "--investor", f"投资方{code}"),
        *("--chain", "electronics", "--kind", "manufacturing", "--investment", investment),
        *("--capital-source", "out_of_city", *extra),
    )


def _state(pool: Pool) -> dict[str, Any]:
    return {t: pool.rows(t) for t in (*STATE_TABLES, "actuals", "actual_revisions")}


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_project_records_and_shows_planned_fixed_assets(pool: Pool) -> None:
    added = json.loads(_add(pool, "ZS-1", "--format", "json", "--fixed-assets", "60000000.50").stdout)
    assert added["planned_fixed_assets"] == "60000000.50"
    assert pool.one("projects", code="ZS-1")["planned_fixed_assets"] == 6_000_000_050
    shown = pool.json("zhashui-bureau", "project", "show", "ZS-1")
    assert shown["planned_fixed_assets"] == "60000000.50"
    table = pool.ok("zhashui-bureau", "project", "show", "ZS-1").stdout
    assert "planned_fixed_assets" in table and "60000000.50" in table
    assert json.loads(_add(pool, "ZS-2", "--format", "json").stdout)["planned_fixed_assets"] is None


@pytest.mark.parametrize(
    ("fixed", "words"),
    [
        ("300000000", "The planned fixed assets 300000000.00 exceed the planned investment 200000000.00"),
        ("-5", "'-5' is negative; amounts may not be negative"),
        ("一亿", "'一亿' is not an amount"),
    ],
)
def test_bad_fixed_assets_are_refused(pool: Pool, fixed: str, words: str) -> None:
    before = _state(pool)
    result = _add(pool, "ZS-9", "--fixed-assets", fixed)
    assert result.exit_code == 1
    assert words in result.stderr
    assert _state(pool) == before


def _claim(pool: Pool, code: str, claimant: str) -> int:
    pool.ok("zhashui-bureau", "listing", "open", code, "--reason", "用地不足")
    listing = max(r["id"] for r in pool.rows("listings"))
    pool.ok(f"{claimant}-bureau", "claim", "submit", str(listing), "--note", "有厂房")
    return max(r["id"] for r in pool.rows("claims"))


def test_a_named_party_cannot_be_the_host(pool: Pool) -> None:
    _add(pool, "ZS-1", "--fixed-assets", "60000000")
    claim = _claim(pool, "ZS-1", "danfeng")
    before = _state(pool)
    result = pool.run("city-office", "claim", "approve", str(claim), "--effective", "2024-08")
    assert result.exit_code == 1
    assert (
        "ruleset park-v2 1 names danfeng under parties, but danfeng is the host of this transfer; a named "
        "party receives its own portion and cannot also be the host or an origin." in result.stderr
    )
    assert _state(pool) == before


def test_years_are_agreed_within_bounds_and_stored_as_years(pool: Pool) -> None:
    _add(pool, "ZS-1", "--fixed-assets", "60000000")
    claim = _claim(pool, "ZS-1", "shangzhou")
    before = _state(pool)
    bad = pool.run(
        "city-office", "claim", "approve", str(claim), "--effective", "2024-08", "--agreement", "term_years=6"
    )
    assert bad.exit_code == 1
    assert "agreement value 'term_years': 6 years is above the maximum 5 years." in bad.stderr
    assert _state(pool) == before
    t = pool.json(
        "city-office", "claim", "approve", str(claim), "--effective", "2024-08", "--agreement", "term_years=4"
    )
    stored = json.loads(pool.one("transfers", id=t["id"])["agreement"])
    assert stored == {"origin_share": "2/5", "term_years": 4}


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_negative_months_only_for_signed_metrics_then_settled_and_explained(
    pool: Pool, tmp_path: Path
) -> None:
    _add(pool, "ZS-1", "--fixed-assets", "60000000")
    claim = _claim(pool, "ZS-1", "shangzhou")
    t = pool.json("city-office", "claim", "approve", str(claim), "--effective", "2024-08")
    before = _state(pool)
    refused = pool.run(
        "city-office",
        "actuals",
        "import",
        str(write_csv(tmp_path / "bad.csv", [("ZS-1", "2024-08", "output", "-1.00")])),
    )
    assert refused.exit_code == 1
    assert (
        "row 2: amount: -1.00 is negative; amounts may not be negative, except of a metric its ruleset "
        "declares `signed: true` (refunds, 退库), and output is not one" in refused.stderr
    )
    assert _state(pool) == before
    rows = [("ZS-1", "2024-08", "tax_local", "1000.01"), ("ZS-1", "2024-09", "tax_local", "-200.00")]
    pool.ok("city-office", "actuals", "import", str(write_csv(tmp_path / "ok.csv", rows)))
    assert sorted(r["amount"] for r in pool.rows("actuals")) == [-20_000, 100_001]
    pool.ok("city-office", "settle", "2024-09")
    # Year 1 net: 1,000.01 - 200.00 = 800.01 = 80,001 fen: origin 40% 32,000.4, danfeng 10% 8,000.1,
    # host 50% 40,000.5 -> floors 80,000, 1 fen to the host (.5).
    got = balances(pool)
    assert got["fiscal:zhashui:park_tax"] == 32_000
    assert got["fiscal:danfeng:park_tax"] == 8_000
    assert got["fiscal:shangzhou:park_tax"] == 40_001
    text = pool.ok("city-office", "explain", str(t["id"])).stdout
    assert "share park_tax 园区税收分成 (fiscal, mode split)" in text
    assert "zhashui 2/5" in text or "zhashui 40%" in text
    assert "danfeng 10%" in text


def test_a_project_without_fixed_assets_is_not_eligible(pool: Pool, tmp_path: Path) -> None:
    _add(pool, "ZS-1")
    claim = _claim(pool, "ZS-1", "shangzhou")
    t = pool.json("city-office", "claim", "approve", str(claim), "--effective", "2024-08")
    rows = [("ZS-1", "2024-08", "tax_local", "100.00")]
    pool.ok("city-office", "actuals", "import", str(write_csv(tmp_path / "a.csv", rows)))
    pool.ok("city-office", "settle", "2024-08")
    assert balances(pool)["fiscal:shangzhou:park_tax"] == 10_000
    text = pool.ok("city-office", "explain", str(t["id"])).stdout
    assert (
        "NOT eligible: planned fixed assets are not recorded, and min_planned_fixed_assets needs them" in text
    )


@pytest.mark.parametrize("backend", ["sqlite"])
def test_simulate_a_draft_using_the_additions(
    backend: str, tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> None:
    """A draft of shangluo-default with labels, a signed tax and chain_term continue: in the
    settled history every covered month is in term year 1 either way, so nothing differs."""
    pool, drop = fresh_pool(backend, tmp_path / "pool", sqlite_template, pg_schemas)
    try:
        settled_history(pool, tmp_path)
        text = (LIBRARY / "shangluo-default.yaml").read_text(encoding="utf-8")
        draft = (
            text.replace('version: "2024.1"', 'version: "2025.1-draft"')
            .replace("chain: first_origin\n", "chain: first_origin\nchain_term: continue\n")
            .replace("label: 地方留成税收}", "label: 地方留成税收, signed: true}")
            .replace("  - name: tax\n", "  - name: tax\n    label: 税收分成\n")
        )
        path = tmp_path / "draft.yaml"
        path.write_text(draft, encoding="utf-8")
        state = ledger_state(pool)
        result = pool.json("policy-desk", "rules", "simulate", str(path))
        assert result and all(r["difference"] == "0.00" for r in result)
        assert ledger_state(pool) == state
    finally:
        drop()


def test_fixed_assets_are_journalled_verified_and_editable(pool: Pool, tmp_path: Path) -> None:
    """The planned fixed assets are in the project's input record: verify --deep recomputes the
    targets with them, a plain database edit of them is caught, and project edit changes them."""
    pool.add_actor("audit-bureau", "auditor")
    _add(pool, "ZS-1", "--fixed-assets", "60000000")
    _add(pool, "ZS-2")  # none recorded: its record holds no planned_fixed_assets
    claim = _claim(pool, "ZS-1", "shangzhou")
    pool.ok("city-office", "claim", "approve", str(claim), "--effective", "2024-08")
    rows = [("ZS-1", "2024-08", "tax_local", "100.00")]
    pool.ok("city-office", "actuals", "import", str(write_csv(tmp_path / "a.csv", rows)))
    pool.ok("city-office", "settle", "2024-08")
    assert balances(pool)["fiscal:zhashui:park_tax"] == 4_000
    deep = pool.run("audit-bureau", "ledger", "verify", "--deep")
    assert deep.exit_code == 0, deep.output
    # The city corrects the fixed assets below the threshold: the next settlement gives it all back
    edited = pool.json(
        "city-office", "project", "edit", "ZS-1", "--fixed-assets", "20000000", "--reason", "协议更正"
    )
    assert edited["planned_fixed_assets"] == "20000000.00"
    pool.ok("city-office", "settle", "2024-08")
    assert balances(pool).get("fiscal:zhashui:park_tax", 0) == 0
    assert pool.run("audit-bureau", "ledger", "verify", "--deep").exit_code == 0
    with pool.engine.begin() as conn:
        conn.execute(text("UPDATE projects SET planned_fixed_assets = 7000000000 WHERE code = 'ZS-1'"))
    tampered = pool.run("audit-bureau", "ledger", "verify")
    assert tampered.exit_code != 0
    assert "its planned_fixed_assets is 7000000000" in tampered.stdout + tampered.stderr
