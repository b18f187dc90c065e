"""A small settled ledger whose every number is computed by hand, for the report and export tests.

Two projects under the library ruleset `shangluo-default` (tax split 40% origin / 60% host from
the first tax month; funds 100% origin; fdi 100% origin; fai counted fully in both; credit 50:50):

- ZS-001, found by zhashui, moved to shangzhou effective 2024-08 (transfer 1);
- DF-002, found by danfeng, moved to zhashui effective 2024-09 (transfer 2).

Settled through 2024-08, then 2024-09; then ZS-001's 2024-09 tax is restated down and the
ledger is settled through 2024-10, posting an adjusting (negative) entry.
"""

import csv
import tempfile
from pathlib import Path
from typing import Any

from pool.domain.money import format_amount
from support.driver import Pool

LIBRARY = Path(__file__).resolve().parents[2] / "pool" / "rules" / "library"

# project -> [(period, metric, amount in fen)]
ACTUALS = {
    "ZS-001": [
        ("2024-08", "tax_local", 100001),
        ("2024-09", "tax_local", 200000),
        ("2024-08", "funds_domestic", 50000),
        ("2024-09", "fdi", 10000),
        ("2024-08", "fai", 30000),
    ],
    "DF-002": [("2024-09", "tax_local", 50000)],
}
RESTATED = ("ZS-001", "2024-09", "tax_local", 100000)

# Hand-computed, by share:
# ZS-001 tax, year 1 from 2024-08. Through 2024-08: C = 1000.01 → origin 40% = 400.004,
#   host 600.006: floors 400.00 / 600.00, the leftover fen to the larger remainder (host .6 > .4):
#   zhashui 400.00, shangzhou 600.01. Through 2024-09: C = 3000.01 → 1200.004 / 1800.006 →
#   zhashui 1200.00, shangzhou 1800.01 (deltas 800.00 / 1200.00). After the restatement
#   (2024-09 = 1000.00): C = 2000.01 → zhashui 800.00, shangzhou 1200.01 (deltas −400.00 / −600.00).
# DF-002 tax from 2024-09: C = 500.00 → danfeng 200.00, zhashui 300.00.
# ZS-001 funds (origin): zhashui 500.00. fdi (origin, USD): zhashui 100.00 USD.
#   fai (dual): zhashui 300.00 and shangzhou 300.00. credit 50%: zhashui 250.00, shangzhou 250.00.
BALANCES = [
    {"book": "assessment", "region": "shangzhou", "share": "credit", "unit": "CNY", "amount": "250.00"},
    {"book": "assessment", "region": "zhashui", "share": "credit", "unit": "CNY", "amount": "250.00"},
    {"book": "fiscal", "region": "danfeng", "share": "tax", "unit": "CNY", "amount": "200.00"},
    {"book": "fiscal", "region": "shangzhou", "share": "tax", "unit": "CNY", "amount": "1200.01"},
    {"book": "fiscal", "region": "zhashui", "share": "tax", "unit": "CNY", "amount": "1100.00"},
    {"book": "statistics", "region": "shangzhou", "share": "fai", "unit": "CNY", "amount": "300.00"},
    {"book": "statistics", "region": "zhashui", "share": "fai", "unit": "CNY", "amount": "300.00"},
    {"book": "statistics", "region": "zhashui", "share": "fdi", "unit": "USD", "amount": "100.00"},
    {"book": "statistics", "region": "zhashui", "share": "funds", "unit": "CNY", "amount": "500.00"},
]


def move(pool: Pool, code: str, origin: str, host: str, effective: str) -> None:
    pool.ok(
        f"{origin}-bureau",
        "project",
        "add",
        code,
        "--name",
        f"{code} 项目",
        "--investor",
        f"{code} 投资方",
        "--chain",
        "new_materials",
        "--kind",
        "manufacturing",
        "--investment",
        "200000000",
        "--capital-source",
        "out_of_city",
    )
    listing = pool.json(f"{origin}-bureau", "listing", "open", code, "--reason", "用地不足")
    claim = pool.json(f"{host}-bureau", "claim", "submit", str(listing["id"]))
    pool.ok(
        "city-office",
        "claim",
        "approve",
        str(claim["id"]),
        "--effective",
        effective,
        "--ruleset",
        "shangluo-default",
        "--agreement",
        "origin_tax_share=40%",
    )


def store_actuals(pool: Pool, rows: list[tuple[str, str, str, int]], *, restate: bool = False) -> None:
    """`pool actuals import FILE.csv` as the city office; a restatement with --restate --reason."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "actuals.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["project", "period", "metric", "amount"])
            writer.writerows(
                (code, period, metric, format_amount(amount)) for code, period, metric, amount in rows
            )
        args = ["actuals", "import", str(path)]
        if restate:
            args += ["--restate", "--reason", "税务局更正申报"]
        pool.ok("city-office", *args)


def settled_pool(url: str) -> Pool:
    """The ledger described above, with an actor of every role."""
    pool = Pool(url)
    pool.init()
    for county in ("zhashui", "shangzhou", "danfeng"):
        pool.add_actor(f"{county}-bureau", "county", county)
    pool.add_actor("policy-desk", "policy")
    pool.add_actor("audit-bureau", "auditor")
    pool.ok("policy-desk", "rules", "publish", str(LIBRARY / "shangluo-default.yaml"))
    move(pool, "ZS-001", "zhashui", "shangzhou", "2024-08")
    move(pool, "DF-002", "danfeng", "zhashui", "2024-09")
    store_actuals(pool, [(c, p, m, a) for c, rows in ACTUALS.items() for p, m, a in rows])
    pool.ok("city-office", "settle", "2024-08")
    pool.ok("city-office", "settle", "2024-09")
    store_actuals(pool, [RESTATED], restate=True)
    pool.ok("city-office", "settle", "2024-10")
    return pool


def fen(amount: str) -> int:
    """'1234.50' -> 123450, exactly."""
    negative = amount.startswith("-")
    whole, _, frac = amount.lstrip("-").partition(".")
    value = int(whole) * 100 + int((frac + "00")[:2])
    return -value if negative else value


def balance_map(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str, str], int]:
    return {(r["book"], r["region"], r["share"], r["unit"]): fen(r["amount"]) for r in rows}
