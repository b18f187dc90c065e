"""The whole workflow through the command line, asserting on the stored rows after each step."""

import json
from collections.abc import Iterator

import pytest
from support.databases import BACKENDS
from support.driver import FIXTURES, Pool


@pytest.fixture
def pool(db_url: str) -> Iterator[Pool]:
    p = Pool(db_url)
    yield p
    p.close()


@pytest.mark.parametrize("empty_url", BACKENDS, indirect=True)
def test_init_creates_schema_regions_and_admin(empty_url: str) -> None:
    pool = Pool(empty_url)
    try:
        result = pool.ok(None, "init", "--regions", "shangluo", "--admin", "city-office")
        token = result.stdout.strip().splitlines()[-1]
        admin = pool.one("actors", name="city-office")
        assert admin["role"] == "city" and admin["region"] == "shangluo"
        assert token not in admin["token_hash"] and admin["token_hash"].startswith("scrypt$")
        assert {r["code"] for r in pool.rows("regions")} == {
            "shangluo",
            "shangzhou",
            "luonan",
            "danfeng",
            "shangnan",
            "shanyang",
            "zhenan",
            "zhashui",
        }
        assert len(pool.rows("chains")) == 6
        assert pool.last_audit()["action"] == "init"
        pool.tokens["city-office"] = token
        regions = pool.json("city-office", "region", "list")
        assert {"code": "shangzhou", "name": "商州区", "level": "county"} in regions
        again = pool.run(None, "init", "--admin", "other")
        assert again.exit_code == 1 and "already initialised" in again.stderr
        assert len(pool.rows("actors")) == 1
    finally:
        pool.close()


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_whole_workflow(pool: Pool) -> None:
    pool.init()
    # Actors: tokens shown once, only hashes stored.
    for county in ("zhashui", "shangzhou", "danfeng", "luonan"):
        pool.add_actor(f"{county}-bureau", "county", county)
    pool.add_actor("policy-desk", "policy")
    stored = pool.one("actors", name="zhashui-bureau")
    assert stored["region"] == "zhashui" and pool.tokens["zhashui-bureau"] not in str(stored)
    listed = pool.json("city-office", "actor", "list")
    assert all("token" not in a for a in listed) and len(listed) == 6

    # Rules published by policy staff, immutable.
    pool.ok("policy-desk", "rules", "publish", str(FIXTURES / "pool-test-1.yaml"))
    version = pool.one("ruleset_versions", ruleset="pool-test")
    assert version["version"] == "1" and version["text"].startswith("ruleset: pool-test")
    assert [v["version"] for v in pool.json("zhashui-bureau", "rules", "list")] == ["1"]

    # A county registers a lead; its origin and host are its own region.
    pool.ok(
        "zhashui-bureau",
        "project",
        "add",
        "ZS-001",
        "--name",
        "无人机整机制造项目",
        "--investor",
        "陕西国飞无人机",
        "--chain",
        "electronics",
        "--kind",
        "manufacturing",
        "--investment",
        "200000000.50",
        "--capital-source",
        "out_of_city",
    )
    project = pool.one("projects", code="ZS-001")
    assert (project["origin"], project["host"], project["stage"]) == ("zhashui", "zhashui", "planned")
    assert project["planned_investment"] == 20000000050
    assert project["lead_investor"] == "陕西国飞无人机"

    # Stage advances set milestone months.
    pool.ok("zhashui-bureau", "project", "stage", "ZS-001", "signed", "--month", "2024-05")
    pool.ok("zhashui-bureau", "project", "stage", "ZS-001", "--milestone", "full_capacity=2026-06")
    project = pool.one("projects", code="ZS-001")
    assert project["stage"] == "signed" and project["signed"] == 2024 * 12 + 4
    assert project["full_capacity"] == 2026 * 12 + 5
    shown = pool.json("danfeng-bureau", "project", "show", "ZS-001")
    assert shown["milestones"]["signed"] == "2024-05" and shown["origin"] == "zhashui"

    # The host lists it.
    out = pool.json(
        "zhashui-bureau",
        "listing",
        "open",
        "ZS-001",
        "--reason",
        "园区用地不足",
        "--need",
        "land_mu=150",
        "--need",
        "power_kw=8000",
        "--days",
        "30",
    )
    listing = pool.one("listings", id=out["id"])
    assert listing["status"] == "open" and json.loads(listing["needs"]) == {
        "land_mu": "150",
        "power_kw": "8000",
    }
    assert (listing["closes_at"] - listing["opened_at"]).days == 30

    # Three counties compete; one withdraws.
    c1 = pool.json("shangzhou-bureau", "claim", "submit", str(out["id"]), "--note", "有厂房")
    c2 = pool.json("danfeng-bureau", "claim", "submit", str(out["id"]), "--note", "有土地")
    c3 = pool.json("luonan-bureau", "claim", "submit", str(out["id"]))
    assert [c["status"] for c in pool.rows("claims")] == ["pending"] * 3
    pool.ok("luonan-bureau", "claim", "withdraw", str(c3["id"]))
    assert pool.one("claims", id=c3["id"])["status"] == "withdrawn"
    shown = pool.json("zhashui-bureau", "listing", "show", str(out["id"]))
    assert [(c["id"], c["claimant"], c["status"]) for c in shown["claims"]] == [
        (c1["id"], "shangzhou", "pending"),
        (c2["id"], "danfeng", "pending"),
        (c3["id"], "luonan", "withdrawn"),
    ]
    assert shown["claims"][0]["note"] == "有厂房"

    # The city approves one: transfer pinned to the version in force, host moves.
    t = pool.json(
        "city-office",
        "claim",
        "approve",
        str(c1["id"]),
        "--effective",
        "2024-08",
        "--ruleset",
        "pool-test",
        "--agreement",
        "pre_move_tax_3y=1800000",
        "--agreement",
        "origin_share=40%",
    )
    transfer = pool.one("transfers", id=t["id"])
    assert (transfer["from_region"], transfer["to_region"], transfer["effective"]) == (
        "zhashui",
        "shangzhou",
        2024 * 12 + 7,
    )
    assert transfer["ruleset_version_id"] == version["id"]
    assert json.loads(transfer["agreement"]) == {
        "government_led": False,
        "origin_share": "2/5",
        "pre_move_tax_3y": "1800000.00",
    }
    assert pool.one("projects", code="ZS-001")["host"] == "shangzhou"
    assert pool.one("listings", id=out["id"])["status"] == "transferred"
    assert [c["status"] for c in pool.rows("claims")] == ["approved", "rejected", "withdrawn"]
    assert t == pool.json("danfeng-bureau", "transfer", "show", str(t["id"]))
    assert {k: t[k] for k in ("project", "from", "to", "effective", "ruleset", "version")} == {
        "project": "ZS-001",
        "from": "zhashui",
        "to": "shangzhou",
        "effective": "2024-08",
        "ruleset": "pool-test",
        "version": "1",
    }
    assert t["agreement"] == {"government_led": False, "origin_share": "40%", "pre_move_tax_3y": "1800000.00"}

    # A chain: the new host lists it again, a later version is pinned for 2025.
    pool.ok("policy-desk", "rules", "publish", str(FIXTURES / "pool-test-2.yaml"))
    second = pool.json("shangzhou-bureau", "listing", "open", "ZS-001", "--reason", "产能调整")
    claim = pool.json("luonan-bureau", "claim", "submit", str(second["id"]))
    rejected = pool.json("danfeng-bureau", "claim", "submit", str(second["id"]))
    pool.ok("city-office", "claim", "reject", str(rejected["id"]), "--reason", "用地不足")
    assert pool.one("claims", id=rejected["id"])["decision_reason"] == "用地不足"
    t2 = pool.json(
        "city-office",
        "claim",
        "approve",
        str(claim["id"]),
        "--effective",
        "2025-03",
        "--ruleset",
        "pool-test",
        "--agreement",
        "pre_move_tax_3y=2000000",
    )
    assert t2["version"] == "2" and (t2["from"], t2["to"]) == ("shangzhou", "luonan")
    project = pool.one("projects", code="ZS-001")
    assert (project["origin"], project["host"]) == ("zhashui", "luonan")
    chain = pool.json("city-office", "transfer", "list", "--project", "ZS-001")
    assert [(x["from"], x["to"]) for x in chain] == [("zhashui", "shangzhou"), ("shangzhou", "luonan")]

    # Withdrawing a listing rejects its pending claims.
    third = pool.json("luonan-bureau", "listing", "open", "ZS-001", "--reason", "再调整")
    bid = pool.json("danfeng-bureau", "claim", "submit", str(third["id"]))
    pool.ok("luonan-bureau", "listing", "withdraw", str(third["id"]))
    assert pool.one("listings", id=third["id"])["status"] == "withdrawn"
    assert pool.one("claims", id=bid["id"])["status"] == "rejected"

    # Every change is in the audit log, and the city can read it.
    entries = pool.json("city-office", "audit")
    assert {e["action"] for e in entries} >= {
        "init",
        "actor.add",
        "rules.publish",
        "project.add",
        "project.stage",
        "listing.open",
        "claim.submit",
        "claim.withdraw",
        "claim.approve",
        "claim.reject",
        "listing.withdraw",
    }
    assert all(e["outcome"] == "ok" for e in entries)
    mine = pool.json("city-office", "audit", "--actor", "luonan-bureau")
    assert {e["actor"] for e in mine} == {"luonan-bureau"}


def test_tables_show_chinese_names_and_csv_works(db_url: str) -> None:
    from support.driver import seeded

    pool = seeded(db_url)
    table = pool.ok("city-office", "project", "list").stdout
    assert "柞水县 zhashui" in table and "电子信息和智能制造 electronics" in table
    listing = pool.ok("city-office", "listing", "show", "1").stdout
    assert "商州区 shangzhou" in listing
    csv_out = pool.ok("city-office", "--format", "csv", "listing", "list").stdout
    assert csv_out.splitlines()[0].startswith("\ufeffid,project,project_name")
    assert pool.json("city-office", "listing", "list", "--status", "open")[0]["id"] == 1
    assert pool.json("city-office", "listing", "list", "--min-investment", "300000000") == []
    pool.close()


def test_listing_window_expires(db_url: str) -> None:
    from datetime import timedelta

    from support.driver import seeded

    from pool.bootstrap import Adapters, utc_now

    pool = seeded(db_url)
    later = utc_now() + timedelta(days=31)
    pool.adapters = Adapters(clock=lambda: later)
    assert pool.json("city-office", "listing", "show", "1")["status"] == "expired"
    assert pool.json("city-office", "listing", "list", "--status", "expired")[0]["id"] == 1
    assert pool.json("city-office", "listing", "list", "--status", "open") == []
    # An expired listing can be replaced by a new one.
    again = pool.json("zhashui-bureau", "listing", "open", "ZS-001", "--reason", "再次推介")
    assert pool.one("listings", id=1)["status"] == "expired"
    assert pool.one("listings", id=again["id"])["status"] == "open"
    pool.close()


def test_demo_runs_in_a_fresh_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from pool.cli import main

    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "transfer 1 moves ZS-2024-006 from 柞水县 to 商州区" in result.stdout
    assert "verifies the ledger: whole" in result.stdout
    # the quarterly bulletin workbook, and where it is
    book = tmp_path / "bulletin-2025Q2.xlsx"
    assert f"The bulletin workbook, with its charts, is {book}" in result.stdout
    import openpyxl

    assert openpyxl.load_workbook(book).sheetnames[-1] == "本期活动"
    assert "publishes the assessment scheme shangluo-assessment 2025.1" in result.stdout
    assert "60×0.0% − 2 = -2.00" in result.stdout  # shangzhou: no funds yet, fai untargeted, a deduction
    pool = Pool(f"sqlite:///{tmp_path / 'pool-demo.db'}")
    assert len(pool.rows("projects")) == 6 and len(pool.rows("transfers")) == 2
    assert {c["status"] for c in pool.rows("claims")} == {"approved", "rejected"}
    assert any(e["outcome"] == "denied" for e in pool.rows("audit_log"))
    # A year settled month by month, with one restatement kept as a second revision.
    assert len(pool.rows("settlement_runs")) == 12
    assert len(pool.rows("actual_imports")) == 13
    restated = [r for r in pool.rows("actual_revisions") if r["revision"] == 2]
    assert len(restated) == 1 and restated[0]["amount"] == 98_000_000
    balances = pool.rows("ledger_accounts")
    assert balances and sum(a["balance"] for a in balances) == 0
    pool.close()
    again = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path)])
    assert again.exit_code == 1 and "already exists" in again.stderr
