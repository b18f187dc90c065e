"""`pool report balances|payables|statement` on a small ledger computed by hand
(tests/reports_support.py), on SQLite and PostgreSQL."""

import csv
import io
from collections import defaultdict
from collections.abc import Iterator

import pytest
from sqlalchemy import event
from support.databases import BACKENDS
from support.driver import Pool
from support.reports import BALANCES, balance_map, fen, settled_pool

from pool.bootstrap import Adapters
from pool.store.database import Database

READERS = ("zhashui-bureau", "policy-desk", "audit-bureau", "city-office")


@pytest.fixture
def pool(db_url: str) -> Iterator[Pool]:
    p = settled_pool(db_url)
    yield p
    p.close()


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_balances_equal_the_hand_computed_amounts(pool: Pool) -> None:
    rows = pool.json("danfeng-bureau", "report", "balances")
    assert rows == BALANCES
    assert all(list(r) == ["book", "region", "share", "unit", "amount"] for r in rows)
    # The stored balances and the postings agree, and the ledger verifies.
    assert pool.ok("audit-bureau", "ledger", "verify")
    for actor in READERS:
        assert pool.json(actor, "report", "balances") == BALANCES


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_balance_filters(pool: Pool) -> None:
    def shown(*args: str) -> list[dict[str, str]]:
        return pool.json("zhashui-bureau", "report", "balances", *args)

    assert shown("--book", "fiscal") == [r for r in BALANCES if r["book"] == "fiscal"]
    assert shown("--region", "zhashui") == [r for r in BALANCES if r["region"] == "zhashui"]
    assert shown("--share", "fai") == [r for r in BALANCES if r["share"] == "fai"]
    assert shown("--book", "statistics", "--region", "zhashui", "--share", "fdi") == [
        {"book": "statistics", "region": "zhashui", "share": "fdi", "unit": "USD", "amount": "100.00"}
    ]
    assert shown("--region", "luonan") == []
    unknown = pool.run("zhashui-bureau", "report", "balances", "--region", "atlantis")
    assert unknown.exit_code == 1 and "no region 'atlantis'" in unknown.stderr
    bad_book = pool.run("zhashui-bureau", "report", "balances", "--book", "cash")
    assert bad_book.exit_code == 2


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_balance_table_and_csv(pool: Pool) -> None:
    table = pool.ok("zhashui-bureau", "report", "balances", "--book", "fiscal").stdout
    assert "柞水县 zhashui" in table and "商州区 shangzhou" in table and "1200.01" in table
    text = pool.ok("zhashui-bureau", "--format", "csv", "report", "balances").stdout
    assert text.startswith("\ufeff")  # a byte-order mark, so that Excel reads UTF-8
    text = text.removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == BALANCES


def test_balances_never_read_postings(db_url: str) -> None:
    """Balances read the running balances of the accounts, whatever the ledger's size."""
    pool = settled_pool(db_url)
    seen: list[str] = []

    def spying(url: str) -> Database:
        database = Database(url)
        event.listen(
            database.engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *args: seen.append(statement),
        )
        return database

    pool.adapters = Adapters(database=spying)
    try:
        assert pool.json("zhashui-bureau", "report", "balances") == BALANCES
    finally:
        pool.close()
    assert any("ledger_accounts" in s for s in seen)
    assert not any("ledger_postings" in s or "ledger_entries" in s for s in seen)


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_payables_by_month_with_the_adjustment(pool: Pool) -> None:
    rows = pool.json("shangzhou-bureau", "report", "payables", "--year", "2024")
    # shangzhou hosts ZS-001 and owes zhashui 40%: 400.00 (Aug), 800.00 (Sep), −400.00 (Oct,
    # the restatement); zhashui hosts DF-002 and owes danfeng 200.00 (Sep).
    assert rows == [
        {
            "year": 2024,
            "payer": "shangzhou",
            "payer_name": "商州区",
            "payee": "zhashui",
            "payee_name": "柞水县",
            "unit": "CNY",
            "months": {"2024-08": "400.00", "2024-09": "800.00", "2024-10": "-400.00"},
            "total": "800.00",
        },
        {
            "year": 2024,
            "payer": "zhashui",
            "payer_name": "柞水县",
            "payee": "danfeng",
            "payee_name": "丹凤县",
            "unit": "CNY",
            "months": {"2024-09": "200.00"},
            "total": "200.00",
        },
    ]
    assert pool.json("shangzhou-bureau", "report", "payables", "--year", "2025") == []
    # Consistent with balances: what each non-host is owed over all years is its fiscal balance.
    balances = balance_map(pool.json("shangzhou-bureau", "report", "balances", "--book", "fiscal"))
    owed: dict[str, int] = defaultdict(int)
    for row in rows:
        owed[row["payee"]] += fen(row["total"])
        assert sum(fen(a) for a in row["months"].values()) == fen(row["total"])
    hosted_by_zhashui = 30000  # zhashui's own 60% of DF-002, not owed by anyone
    assert owed["danfeng"] == balances[("fiscal", "danfeng", "tax", "CNY")]
    assert owed["zhashui"] == balances[("fiscal", "zhashui", "tax", "CNY")] - hosted_by_zhashui
    text = pool.ok("shangzhou-bureau", "--format", "csv", "report", "payables", "--year", "2024").stdout
    text = text.removeprefix("\ufeff")
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["2024-10"] for r in table] == ["-400.00", "0.00"]
    assert list(table[0])[:3] == ["payer", "payee", "unit"] and list(table[0])[-1] == "total"
    shown = pool.ok("shangzhou-bureau", "report", "payables", "--year", "2024").stdout
    assert "商州区 shangzhou" in shown and "2024-10" in shown and "2024-01" not in shown


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_statement_of_an_origin_that_also_hosts(pool: Pool) -> None:
    result = pool.json("danfeng-bureau", "report", "statement", "zhashui", "--year", "2024")
    lines = {(ln["transfer"], ln["share"]): ln for ln in result["lines"]}
    assert set(lines) == {(1, "credit"), (1, "tax"), (1, "fai"), (1, "fdi"), (1, "funds"), (2, "tax")}
    assert {k: lines[(1, "tax")][k] for k in ("role", "received", "kept", "owes", "owed")} == {
        "role": "origin",
        "received": "800.00",
        "kept": "0.00",
        "owes": "0.00",
        "owed": "800.00",
    }
    assert {k: lines[(2, "tax")][k] for k in ("role", "received", "kept", "owes", "owed")} == {
        "role": "host",
        "received": "0.00",
        "kept": "300.00",
        "owes": "200.00",
        "owed": "0.00",
    }
    assert lines[(1, "fdi")]["unit"] == "USD" and lines[(1, "fdi")]["owed"] == "0.00"
    totals = {(t["book"], t["unit"]): t for t in result["totals"]}
    assert totals[("fiscal", "CNY")] == {
        "book": "fiscal",
        "unit": "CNY",
        "received": "800.00",
        "kept": "300.00",
        "owes": "200.00",
        "owed": "800.00",
        "net": "600.00",
    }
    assert totals[("statistics", "CNY")]["received"] == "800.00"  # funds 500 + fai 300


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_statements_add_up_to_balances_and_payables(pool: Pool) -> None:
    balances = pool.json("zhashui-bureau", "report", "balances")
    payables = pool.json("zhashui-bureau", "report", "payables", "--year", "2024")
    payable_total = sum(fen(r["total"]) for r in payables)
    owes = owed = 0
    for region in ("zhashui", "shangzhou", "danfeng", "luonan", "shangluo"):
        result = pool.json("zhashui-bureau", "report", "statement", region, "--year", "2024")
        by_book: dict[tuple[str, str], int] = defaultdict(int)
        for line in result["lines"]:
            by_book[(line["book"], line["unit"])] += fen(line["received"]) + fen(line["kept"])
        expected: dict[tuple[str, str], int] = defaultdict(int)
        for row in balances:
            if row["region"] == region:
                expected[(row["book"], row["unit"])] += fen(row["amount"])
        assert dict(by_book) == dict(expected), region
        for total in result["totals"]:
            owes += fen(total["owes"])
            owed += fen(total["owed"])
    assert owes == owed == payable_total == 100000
    assert pool.json("zhashui-bureau", "report", "statement", "zhashui", "--year", "2023")["lines"] == []


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_statement_table_csv_and_refusals(pool: Pool) -> None:
    table = pool.ok("policy-desk", "report", "statement", "zhashui", "--year", "2024").stdout
    assert "柞水县 zhashui 对账单 2024" in table and "600.00" in table
    text = pool.ok(
        "policy-desk", "--format", "csv", "report", "statement", "zhashui", "--year", "2024"
    ).stdout.removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 6 + 4 and rows[-4]["transfer"] == "total" and rows[-4]["net"] == "600.00"
    unknown = pool.run("policy-desk", "report", "statement", "atlantis", "--year", "2024")
    assert unknown.exit_code == 1 and "no region" in unknown.stderr
    assert pool.run("policy-desk", "report", "statement", "zhashui").exit_code == 2
    assert pool.run("policy-desk", "report", "payables", "--year", "24x").exit_code == 2
    nobody = pool.run("policy-desk", "report", "balances", token="wrong")
    assert nobody.exit_code == 3


def test_a_page_of_statement_lines_is_the_slice_of_the_whole_with_the_same_totals(pool: Pool) -> None:
    from pool.bootstrap import bootstrap
    from pool.config import Settings
    from pool.services import reports

    rt = bootstrap(Settings(pool.url, "danfeng-bureau", pool.tokens["danfeng-bureau"]))
    whole = reports.statement(rt, "zhashui", 2024)
    assert whole["line_count"] == len(whole["lines"]) == 6
    for window in (slice(0, 2), slice(2, 4), slice(4, 6), slice(5, 9), slice(8, 10)):
        page = reports.statement(rt, "zhashui", 2024, window)
        assert page["lines"] == whole["lines"][window]
        assert {**page, "lines": None} == {**whole, "lines": None}
