"""A small pool for the bulletin, every number of which is computed by hand in
tests/cli/test_bulletin.py. The clock stands at 2025-03-15 throughout.

Regions of the reference city (商洛市 shangluo, its district and six counties); the default
ruleset shangluo-default (tax split 40% origin / 60% host from the first tax month, 5 years;
funds and fdi 100% origin and fai counted fully by both (dual), 3 years from the transfer;
credit, on funds, 50:50 for 3 years).

- ZS-001, found by zhashui: moved to shangzhou effective 2024-08 (transfer 1), then on to danfeng
  effective 2025-03 (transfer 2, a chain move: first_origin keeps zhashui the origin); signed
  2025-01, construction started 2025-02.
- DF-002, found by danfeng, never moved; signed 2025-02.

ZS-001's 2025-02 tax was first reported as 400.00, settled through 2025-02, then restated to
500.00 and the ledger settled through 2025-03.
"""

import csv
import tempfile
from datetime import datetime
from pathlib import Path

from pool.bootstrap import Adapters
from pool.domain.money import format_amount
from support.driver import Pool
from support.reports import LIBRARY

NOW = datetime(2025, 3, 15, 2, 0, 0)
COUNTIES = ("zhashui", "shangzhou", "danfeng")

# (project, period, metric, amount in fen)
ACTUALS = [
    ("ZS-001", "2024-02", "funds_domestic", 10000),
    ("ZS-001", "2024-02", "fai", 4000),
    ("ZS-001", "2024-08", "tax_local", 100000),
    ("ZS-001", "2025-01", "funds_domestic", 20000),
    ("ZS-001", "2025-02", "funds_domestic", 33000),
    ("ZS-001", "2025-02", "tax_local", 40000),
    ("ZS-001", "2025-03", "funds_domestic", 40000),
    ("ZS-001", "2025-03", "fai", 5000),
    ("ZS-001", "2025-03", "tax_local", 100000),
    ("DF-002", "2024-03", "funds_domestic", 5000),
    ("DF-002", "2025-01", "funds_domestic", 7000),
    ("DF-002", "2025-02", "fai", 3000),
    ("DF-002", "2025-03", "fdi", 1000),
]
RESTATED = ("ZS-001", "2025-02", "tax_local", 50000)


def store_actuals(pool: Pool, rows: list[tuple[str, str, str, int]], *, restate: bool = False) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "actuals.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["project", "period", "metric", "amount"])
            writer.writerows((c, p, m, format_amount(a)) for c, p, m, a in rows)
        args = ["actuals", "import", str(path)]
        if restate:
            args += ["--restate", "--reason", "税务局更正申报"]
        pool.ok("city-office", *args)


def add_project(pool: Pool, code: str, county: str) -> None:
    pool.ok(
        f"{county}-bureau",
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


def move(pool: Pool, code: str, host: str, to: str, effective: str) -> None:
    listing = pool.json(f"{host}-bureau", "listing", "open", code, "--reason", "用地不足")
    claim = pool.json(f"{to}-bureau", "claim", "submit", str(listing["id"]))
    pool.ok("city-office", "claim", "approve", str(claim["id"]), "--effective", effective)


def bulletin_pool(url: str) -> Pool:
    pool = Pool(url)
    pool.adapters = Adapters(clock=lambda: NOW)
    pool.init()
    for county in COUNTIES:
        pool.add_actor(f"{county}-bureau", "county", county)
    pool.add_actor("policy-desk", "policy")
    pool.ok("policy-desk", "rules", "publish", str(LIBRARY / "shangluo-default.yaml"))
    add_project(pool, "ZS-001", "zhashui")
    add_project(pool, "DF-002", "danfeng")
    move(pool, "ZS-001", "zhashui", "shangzhou", "2024-08")
    move(pool, "ZS-001", "shangzhou", "danfeng", "2025-03")
    pool.ok("danfeng-bureau", "project", "stage", "ZS-001", "signed", "--month", "2025-01")
    pool.ok("danfeng-bureau", "project", "stage", "ZS-001", "started", "--month", "2025-02")
    pool.ok("danfeng-bureau", "project", "stage", "DF-002", "signed", "--month", "2025-02")
    store_actuals(pool, ACTUALS)
    pool.ok("city-office", "settle", "2025-02")
    store_actuals(pool, [RESTATED], restate=True)
    pool.ok("city-office", "settle", "2025-03")
    # Targets for 2025: zhashui's funds target is set twice (the earlier value is kept).
    pool.ok("city-office", "target", "set", "zhashui", "statistics:funds", "2025", "1800")
    pool.ok("city-office", "target", "set", "zhashui", "statistics:funds", "2025", "0.2万")
    pool.ok("city-office", "target", "set", "danfeng", "实际使用内资(统计)", "2025", "100")
    pool.ok("city-office", "target", "set", "shangzhou", "statistics:funds", "2025", "500")
    pool.ok("city-office", "target", "set", "shangluo", "statistics:funds", "2025", "3000")
    pool.ok("city-office", "target", "set", "zhashui", "固定资产投资", "2025", "200")
    return pool
