"""`pool report bulletin` and `pool target` on the hand-computed pool of tests/support/bulletin.py."""

from collections.abc import Iterator
from typing import Any

import pytest
from support.bulletin import bulletin_pool
from support.databases import BACKENDS
from support.driver import Pool

NAMES = {
    "danfeng": "丹凤县",
    "luonan": "洛南县",
    "shangnan": "商南县",
    "shangzhou": "商州区",
    "shanyang": "山阳县",
    "zhashui": "柞水县",
    "zhenan": "镇安县",
}


@pytest.fixture
def pool(db_url: str) -> Iterator[Pool]:
    p = bulletin_pool(db_url)
    yield p
    p.close()


def row(
    region: str | None,
    period: str = "0.00",
    ytd: str | None = None,
    target: str | None = None,
    completion: str | None = None,
    last_year: str = "0.00",
    yoy: str | None = None,
    rank: int | None = None,
) -> dict[str, Any]:
    return {
        "region": region,
        "region_name": NAMES[region] if region else "全市合计",
        "period_amount": period,
        "ytd": period if ytd is None else ytd,
        "target": target,
        "completion_pct": completion,
        "last_year_ytd": last_year,
        "yoy_pct": yoy,
        "rank": rank,
    }


def rows(given: dict[str | None, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every county in code order (zeros unless given), then the city total."""
    return [given.get(code) or row(code) for code in NAMES] + [given[None]]


# 2025Q1: months 2025-01..03; the year to date is the same months; last year is 2024-01..03.
Q1_INDICATORS = [
    {
        "indicator": "fiscal:tax",
        "label": "地方留成税收",
        "unit": "CNY",
        "mode": "split",
        "rows": rows(
            {
                # ZS-001 2025-03, transfer 2 (host danfeng, origin zhashui): 1000.00, its first tax
                # under that transfer starts the term: 60% host = 600.00.
                "danfeng": row("danfeng", "600.00"),
                # transfer 1 (host shangzhou) covers 2024-08..2025-02: 2025-02 tax restated to 500.00,
                # 60% = 300.00.
                "shangzhou": row("shangzhou", "300.00"),
                # origin zhashui: 40% of 500.00 = 200.00 plus 40% of 1000.00 = 400.00 → 600.00.
                "zhashui": row("zhashui", "600.00"),
                # city total: 500.00 + 1000.00 = 1500.00 (the 2024-08 tax is outside both Q1s).
                None: row(None, "1500.00"),
            }
        ),
        "trend": [
            {"month": "2025-01", "amount": "0.00"},
            {"month": "2025-02", "amount": "500.00"},  # the restated value, in the month it describes
            {"month": "2025-03", "amount": "1000.00"},
        ],
    },
    {
        "indicator": "statistics:funds",
        "label": "实际使用内资(统计)",
        "unit": "CNY",
        "mode": "origin",
        "rows": rows(
            {
                # DF-002 never moved: 2025-01 70.00 wholly to its host; last year 2024-03 50.00.
                # completion 70/100 = 70.0%; growth (70 − 50)/50 = 40.0%; best completion: rank 1.
                "danfeng": row("danfeng", "70.00", None, "100.00", "70.0", "50.00", "40.0", 1),
                # target 500.00, nothing attributed: 0.0%, rank 3; last year 0: growth null.
                "shangzhou": row("shangzhou", "0.00", None, "500.00", "0.0", "0.00", None, 3),
                # ZS-001 100% to the origin: 200.00 (2025-01) + 330.00 (2025-02) + 400.00 (2025-03, transfer
                # 2 keeps the first origin) = 930.00; target 0.2万 = 2000.00 (replacing 1800.00):
                # 930/2000 = 46.5%, rank 2; last year: 2024-02 100.00 before the first transfer, wholly
                # to the host then (zhashui): growth (930 − 100)/100 = 830.0%.
                "zhashui": row("zhashui", "930.00", None, "2000.00", "46.5", "100.00", "830.0", 2),
                # 930.00 + 70.00 = 1000.00 of 3000.00 (the city's own target) = 33.3%; last year
                # 100.00 + 50.00 = 150.00: (1000 − 150)/150 = 566.66… → 566.7%.
                None: row(None, "1000.00", None, "3000.00", "33.3", "150.00", "566.7"),
            }
        ),
        "trend": [
            {"month": "2025-01", "amount": "270.00"},  # 200.00 + 70.00
            {"month": "2025-02", "amount": "330.00"},
            {"month": "2025-03", "amount": "400.00"},
        ],
    },
    {
        "indicator": "statistics:fdi",
        "label": "外商直接投资",
        "unit": "USD",
        "mode": "origin",
        "rows": rows({"danfeng": row("danfeng", "10.00"), None: row(None, "10.00")}),  # DF-002 2025-03
        "trend": [
            {"month": "2025-01", "amount": "0.00"},
            {"month": "2025-02", "amount": "0.00"},
            {"month": "2025-03", "amount": "10.00"},
        ],
    },
    {
        "indicator": "statistics:fai",
        "label": "固定资产投资",
        "unit": "CNY",
        "mode": "dual",
        "rows": rows(
            {
                # dual: ZS-001 2025-03 50.00 counts fully for host danfeng, plus DF-002 2025-02 30.00.
                "danfeng": row("danfeng", "80.00"),
                # and fully for origin zhashui: 50.00 of a 200.00 target = 25.0%, the only ranked
                # county; last year 2024-02 40.00 (before any transfer): (50 − 40)/40 = 25.0%.
                "zhashui": row("zhashui", "50.00", None, "200.00", "25.0", "40.00", "25.0", 1),
                # counted once: 50.00 + 30.00 = 80.00, not the regions' 130.00; (80 − 40)/40 = 100.0%.
                None: row(None, "80.00", None, None, None, "40.00", "100.0"),
            }
        ),
        "trend": [
            {"month": "2025-01", "amount": "0.00"},
            {"month": "2025-02", "amount": "30.00"},
            {"month": "2025-03", "amount": "50.00"},
        ],
    },
    {
        "indicator": "assessment:credit",
        "label": "实际使用内资(考核)",
        "unit": "CNY",
        "mode": "split",
        "rows": rows(
            {
                # 50% of ZS-001's 400.00 under transfer 2 = 200.00, plus DF-002's 70.00 wholly;
                # last year DF-002's 50.00: (270 − 50)/50 = 440.0%.
                "danfeng": row("danfeng", "270.00", None, None, None, "50.00", "440.0"),
                # 50% of 200.00 + 50% of 330.00 under transfer 1 = 100.00 + 165.00.
                "shangzhou": row("shangzhou", "265.00"),
                # 100.00 + 165.00 + 200.00 = 465.00; last year 100.00 wholly: 365.0%.
                "zhashui": row("zhashui", "465.00", None, None, None, "100.00", "365.0"),
                # the base once: 1000.00 = 270 + 265 + 465; last year 150.00.
                None: row(None, "1000.00", None, None, None, "150.00", "566.7"),
            }
        ),
        "trend": [
            {"month": "2025-01", "amount": "270.00"},
            {"month": "2025-02", "amount": "330.00"},
            {"month": "2025-03", "amount": "400.00"},
        ],
    },
]

Q1_ACTIVITY = {
    # the clock stood at 2025-03-15: both projects, both listings and both claims fall in Q1
    "leads_registered": 2,
    "listings_opened": 2,
    "claims_submitted": 2,
    # transfer 2 is effective 2025-03; transfer 1 (2024-08) is not in the period
    "transfers_approved": 1,
    "transfers_by_chain": [{"chain": "new_materials", "chain_name": "新材料", "transfers": 1}],
    "transfers_by_pair": [
        {"from": "shangzhou", "from_name": "商州区", "to": "danfeng", "to_name": "丹凤县", "transfers": 1}
    ],
    # at 2025-03: ZS-001 started (2025-02), DF-002 signed (2025-02)
    "projects_by_stage": {
        "planned": 0,
        "negotiating": 0,
        "signed": 1,
        "started": 1,
        "operating": 0,
        "terminated": 0,
    },
    # signed in 2025 through March: both; started by March: ZS-001 → 1/2 = 50.0%
    "construction_start_rate": {"signed": 2, "started": 1, "rate_pct": "50.0"},
    # the tax the hosts owe the origin for the months of Q1: danfeng 40% of 1000.00, shangzhou
    # 40% of the restated 500.00
    "fiscal_flows": [
        {
            "payer": "danfeng",
            "payer_name": "丹凤县",
            "payee": "zhashui",
            "payee_name": "柞水县",
            "share": "tax",
            "amount": "400.00",
        },
        {
            "payer": "shangzhou",
            "payer_name": "商州区",
            "payee": "zhashui",
            "payee_name": "柞水县",
            "share": "tax",
            "amount": "200.00",
        },
    ],
}


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_quarterly_bulletin_equals_the_hand_computed_figures(pool: Pool) -> None:
    result = pool.json("zhashui-bureau", "report", "bulletin", "--period", "2025Q1")
    assert result == {
        "period": "2025Q1",
        "from": "2025-01",
        "through": "2025-03",
        "year": 2025,
        "indicators": Q1_INDICATORS,
        "activity": Q1_ACTIVITY,
    }
    for reader in ("policy-desk", "city-office", "danfeng-bureau"):
        assert pool.json(reader, "report", "bulletin", "--period", "2025q1") == result


def test_a_restated_month_moves_the_month_it_describes(pool: Pool) -> None:
    """ZS-001's 2025-02 tax was 400.00 when 2025-02 was settled and restated to 500.00 before
    2025-03 was: the ledger posts the change in the 2025-03 run, the bulletin in 2025-02."""

    def tax(period: str) -> dict[str | None, str]:
        result = pool.json("zhashui-bureau", "report", "bulletin", "--period", period)
        return {
            r["region"]: r["period_amount"]
            for r in result["indicators"][0]["rows"]
            if r["period_amount"] != "0.00"
        }

    # 2025-02: 40% / 60% of the restated 500.00
    assert tax("2025-02") == {"zhashui": "200.00", "shangzhou": "300.00", None: "500.00"}
    # 2025-03: only that month's 1000.00 under transfer 2, nothing of the restatement
    assert tax("2025-03") == {"zhashui": "400.00", "danfeng": "600.00", None: "1000.00"}
    # the ledger by posting month: the 2025-02 run (the first) posted shangzhou's debt for 2024-08
    # (40% of 1000.00 = 400.00) and 2025-02 as first reported (40% of 400.00 = 160.00): 560.00;
    # the 2025-03 run the restatement's 40.00 (40% of the 100.00 added)
    payables = pool.json("zhashui-bureau", "report", "payables", "--year", "2025")
    owed = {(p["payer"], p["payee"]): p["months"] for p in payables}
    assert owed[("shangzhou", "zhashui")] == {"2025-02": "560.00", "2025-03": "40.00"}


def test_a_year_is_its_four_quarters_and_last_year_counts_before_the_first_move(pool: Pool) -> None:
    year = pool.json("zhashui-bureau", "report", "bulletin", "--period", "2024")
    funds = {
        r["region"]: r["period_amount"] for r in year["indicators"][1]["rows"] if r["period_amount"] != "0.00"
    }
    # 2024: ZS-001 100.00 in February (host zhashui before it moved), DF-002 50.00 in March
    assert funds == {"zhashui": "100.00", "danfeng": "50.00", None: "150.00"}
    tax = {
        r["region"]: r["period_amount"] for r in year["indicators"][0]["rows"] if r["period_amount"] != "0.00"
    }
    # 2024-08 tax 1000.00 under transfer 1: 40% zhashui, 60% shangzhou
    assert tax == {"zhashui": "400.00", "shangzhou": "600.00", None: "1000.00"}
    assert year["activity"]["transfers_by_pair"] == [
        {"from": "zhashui", "from_name": "柞水县", "to": "shangzhou", "to_name": "商州区", "transfers": 1}
    ]


def test_target_history_is_kept(pool: Pool) -> None:
    current = pool.json("danfeng-bureau", "target", "list", "--year", "2025")
    assert [(t["region"], t["indicator"], t["amount"]) for t in current] == [
        ("zhashui", "statistics:fai", "200.00"),
        ("danfeng", "statistics:funds", "100.00"),
        ("shangluo", "statistics:funds", "3000.00"),
        ("shangzhou", "statistics:funds", "500.00"),
        ("zhashui", "statistics:funds", "2000.00"),
    ]
    history = pool.json("danfeng-bureau", "target", "list", "--history")
    zhashui = [
        (t["amount"], t["current"], t["set_by"])
        for t in history
        if t["region"] == "zhashui" and t["indicator"] == "statistics:funds"
    ]
    assert zhashui == [("1800.00", False, "city-office"), ("2000.00", True, "city-office")]
    assert len(pool.rows("targets")) == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["atlantis", "statistics:funds", "2025", "1"], "no region 'atlantis'"),
        (["zhashui", "statistics:gold", "2025", "1"], "no indicator 'statistics:gold'"),
        (["zhashui", "实际使用内资", "2025", "1"], "more than one indicator"),
        (["zhashui", "statistics:funds", "25", "1"], "not a year"),
        (["zhashui", "statistics:funds", "2025", "0.0000001万"], "not a whole number of fen"),
        (["zhashui", "statistics:funds", "2025", "-5"], "negative"),
        (["zhashui", "statistics:funds", "2025", "1e5"], "exponent"),
    ],
)
def test_bad_targets_are_refused_and_nothing_changes(pool: Pool, args: list[str], message: str) -> None:
    before = pool.rows("targets")
    result = pool.run("city-office", "target", "set", "--", *args)
    assert result.exit_code == 1 and message in result.stderr, result.stderr
    assert pool.rows("targets") == before


def test_only_the_city_sets_targets(pool: Pool) -> None:
    before = pool.rows("targets")
    result = pool.run("zhashui-bureau", "target", "set", "zhashui", "statistics:funds", "2025", "1")
    assert result.exit_code == 3 and "may not set targets" in result.stderr
    assert pool.rows("targets") == before


@pytest.mark.parametrize("period", ["2025-13", "2025Q5", "25", "2025-1", "May 2025", ""])
def test_a_bad_period_is_refused(pool: Pool, period: str) -> None:
    result = pool.run("zhashui-bureau", "report", "bulletin", "--period", period)
    assert result.exit_code == 1 and "is not a period" in result.stderr


def test_a_bulletin_needs_the_default_ruleset(empty_url: str) -> None:
    pool = Pool(empty_url)
    pool.init()
    result = pool.run("city-office", "report", "bulletin", "--period", "2025Q1")
    assert result.exit_code == 1 and "No version of the default ruleset 'shangluo-default'" in result.stderr
    refused = pool.run("city-office", "target", "set", "zhashui", "statistics:funds", "2025", "1")
    assert refused.exit_code == 1 and "publish a ruleset first" in refused.stderr
    assert pool.rows("targets") == []
    pool.close()
