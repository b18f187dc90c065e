"""The bulletin over random pools, through the command line: for every indicator that no party
counts twice, the counties add up to the city total (period, year to date and last year alike),
and a year's four quarterly bulletins add up to the year's."""

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.bulletin import COUNTIES, add_project, store_actuals
from support.driver import Pool
from support.reports import LIBRARY

from pool.bootstrap import Adapters
from pool.domain.months import format_month

pytestmark = pytest.mark.heavy

NOW = datetime(2026, 1, 15)
METRICS = ("tax_local", "funds_domestic", "fdi", "fai")
MONTHS = range(2024 * 12, 2026 * 12)  # 2024-01 .. 2025-12


@st.composite
def pools(draw: st.DrawFn) -> list[tuple[str, list[tuple[str, str]], list[tuple[str, str, int]]]]:
    """Projects: (origin, moves [(to, effective)], actuals [(period, metric, fen)])."""
    out = []
    for _ in range(draw(st.integers(1, 4))):
        origin = draw(st.sampled_from(COUNTIES))
        moves: list[tuple[str, str]] = []
        host = origin
        months = sorted(draw(st.sets(st.integers(2024 * 12 + 7, 2025 * 12 + 9), max_size=2)))
        for month in months:
            to = draw(st.sampled_from([c for c in COUNTIES if c != host]))
            moves.append((to, format_month(month)))
            host = to
        figures = draw(
            st.lists(
                st.tuples(st.sampled_from(list(MONTHS)), st.sampled_from(METRICS), st.integers(0, 10**9)),
                max_size=12,
                unique_by=lambda f: (f[0], f[1]),
            )
        )
        out.append((origin, moves, [(format_month(m), metric, fen) for m, metric, fen in figures]))
    return out


def build(url: str, plan: list[Any]) -> Pool:
    pool = Pool(url)
    pool.adapters = Adapters(clock=lambda: NOW)
    pool.init()
    for county in COUNTIES:
        pool.add_actor(f"{county}-bureau", "county", county)
    pool.add_actor("policy-desk", "policy")
    pool.ok("policy-desk", "rules", "publish", str(LIBRARY / "shangluo-default.yaml"))
    rows = []
    for n, (origin, moves, figures) in enumerate(plan):
        code = f"P-{n:03d}"
        add_project(pool, code, origin)
        host = origin
        for to, effective in moves:
            listing = pool.json(f"{host}-bureau", "listing", "open", code, "--reason", "用地不足")
            claim = pool.json(f"{to}-bureau", "claim", "submit", str(listing["id"]))
            pool.ok("city-office", "claim", "approve", str(claim["id"]), "--effective", effective)
            host = to
        rows += [(code, period, metric, fen) for period, metric, fen in figures]
    if rows:
        store_actuals(pool, rows)
    return pool


def fen(amount: str) -> int:
    whole, _, frac = amount.lstrip("-").partition(".")
    value = int(whole) * 100 + int(frac)
    return -value if amount.startswith("-") else value


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools())
def test_counties_add_up_and_quarters_make_the_year(sqlite_template: Path, plan: list[Any]) -> None:
    directory = Path(tempfile.mkdtemp(prefix="bulletin-"))
    try:
        shutil.copy(sqlite_template, directory / "pool.db")
        pool = build(f"sqlite:///{directory / 'pool.db'}", plan)
        year = pool.json("zhashui-bureau", "report", "bulletin", "--period", "2025")
        quarters = [
            pool.json("zhashui-bureau", "report", "bulletin", "--period", f"2025Q{q}") for q in range(1, 5)
        ]
        for i, ind in enumerate(year["indicators"]):
            rows = ind["rows"]
            if ind["mode"] != "dual":
                for key in ("period_amount", "ytd", "last_year_ytd"):
                    total = next(fen(r[key]) for r in rows if r["region"] is None)
                    assert sum(fen(r[key]) for r in rows if r["region"] is not None) == total, (
                        ind["indicator"],
                        key,
                    )
            for row in rows:
                summed = sum(
                    fen(
                        next(r for r in q["indicators"][i]["rows"] if r["region"] == row["region"])[
                            "period_amount"
                        ]
                    )
                    for q in quarters
                )
                assert summed == fen(row["period_amount"]), (ind["indicator"], row["region"])
        pool.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
