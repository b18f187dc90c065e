"""Settlement through the command line: idempotent re-runs, only
forward, month by month equal to once, restatements adjusted by the next run, period close,
who may do what, explain's numbers and a simulation that writes nothing."""

import json
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import (
    LIBRARY,
    MONTHS,
    RESTATED,
    STATE_TABLES,
    actual_rows,
    assert_verified,
    balances,
    counts,
    final_rows,
    fresh_pool,
    import_actuals,
    ledger_state,
    month_int,
    positions,
    settled_history,
    write_csv,
)

pytestmark = pytest.mark.parametrize("backend", BACKENDS)


@pytest.fixture
def pool(backend: str, tmp_path: Path, sqlite_template: Path, pg_schemas: Any) -> Iterator[Pool]:
    """The standard ledger_pool() on `backend` (a copy of one built once)."""
    p, drop = fresh_pool(backend, tmp_path / "pool", sqlite_template, pg_schemas)
    yield p
    drop()


@pytest.fixture
def other(backend: str, tmp_path: Path, sqlite_template: Path, pg_schemas: Any) -> Iterator[Pool]:
    """A second pool like `pool`, on the same backend."""
    p, drop = fresh_pool(backend, tmp_path / "other", sqlite_template, pg_schemas)
    yield p
    drop()


def fen(value: str) -> int:
    return int(Decimal(value) * 100)


def test_rerun_posts_nothing_and_an_earlier_period_is_refused(pool: Pool, tmp_path: Path) -> None:
    import_actuals(pool, tmp_path / "a.csv", actual_rows(MONTHS[:3]))
    first = pool.json("city-office", "settle", "2024-09")
    assert first["entries"] > 0 and first["postings"] > first["entries"]
    state = ledger_state(pool)
    assert len(state["entries"]) == first["postings"]

    again = pool.ok("city-office", "settle", "2024-09")
    head = pool.rows("ledger_entries")[-1]
    journal = pool.rows("input_journal")
    assert again.stdout.splitlines() == [
        "Settled through 2024-09 (run 2): nothing new to post.",
        f"Ledger head: entry {head['seq']}, hash {head['hash']} (keep it, or `pool ledger "
        "checkpoint --out FILE`).",
        f"Inputs read: {len(journal)} input records, head {journal[-1]['hash']}.",
    ]
    assert pool.json("city-office", "settle", "2024-09")["entries"] == 0
    assert ledger_state(pool) == state
    assert len(pool.rows("settlement_runs")) == 3
    assert_verified(pool)

    before = counts(pool)
    earlier = pool.run("city-office", "settle", "2024-08")
    assert earlier.exit_code == 1
    assert earlier.stderr.strip() == (
        "Error: 2024-08 is before 2024-09, the last settled period; settlement only moves forward."
    )
    assert pool.last_audit()["outcome"] == "invalid"
    bad = pool.run("city-office", "settle", "2024-13")
    assert bad.exit_code == 1 and "2024-13" in bad.stderr and "Traceback" not in bad.output
    assert counts(pool) == before and ledger_state(pool) == state

    # A later period with no new actuals for the covered months posts nothing either, except
    # where the period alone moves a result (none here: the floor's year is not complete).
    later = pool.ok("city-office", "settle", "2024-10")
    assert "2024-10" in later.stdout


def test_month_by_month_with_a_restatement_equals_once(pool: Pool, other: Pool, tmp_path: Path) -> None:
    """One pool imports and settles every month and restates three settled values on the way;
    the other gets the final actuals in one file (in reverse order) and settles once."""
    for i, month in enumerate(MONTHS):
        import_actuals(pool, tmp_path / f"{month}.csv", actual_rows([month]))
        pool.ok("city-office", "settle", month)
        if month == "2024-12":
            runs_before = len(pool.rows("settlement_runs"))
            import_actuals(pool, tmp_path / "fix.csv", RESTATED, reason="税务局更正申报")
            assert i + 1 < len(MONTHS)
    # The restatement was adjusted by the next settlement (2025-01): an entry of that run for
    # the restated ZS-001 tax in 2024-09 moves transfer 1 (zhashui -> shangzhou, until 2024-11).
    adjusting_run = pool.rows("settlement_runs")[runs_before]
    assert adjusting_run["through"] == month_int("2025-01")
    adjusted = {
        (e["transfer_id"], e["share"]) for e in pool.rows("ledger_entries", run_id=adjusting_run["id"])
    }
    assert (1, "tax") in adjusted
    assert not any(
        e["transfer_id"] == 1 and e["share"] == "fai"
        for e in pool.rows("ledger_entries", run_id=adjusting_run["id"])
    )

    import_actuals(other, tmp_path / "all.csv", list(reversed(final_rows())))
    other.ok("city-office", "settle", "2025-02")

    assert balances(pool) == balances(other) and balances(pool)
    assert positions(pool) == positions(other)
    assert len(pool.rows("settlement_runs")) == len(MONTHS)
    assert_verified(pool)
    assert_verified(other)
    # Reported the same way too.
    assert (
        pool.json("city-office", "ledger", "verify")["ok"]
        and other.json("city-office", "ledger", "verify")["ok"]
    )


def test_restatement_after_settling_equals_a_fresh_pool_settled_once(
    pool: Pool, other: Pool, tmp_path: Path
) -> None:
    settled_history(pool, tmp_path)  # restates after 2024-12, settles 2024-12 again, 2025-02
    third = pool.rows("settlement_runs")[2]
    assert third["through"] == month_int("2024-12")
    assert pool.rows("ledger_entries", run_id=third["id"])
    import_actuals(other, tmp_path / "all.csv", final_rows())
    other.ok("city-office", "settle", "2025-02")
    assert balances(pool) == balances(other)
    assert positions(pool) == positions(other)


def test_period_close(pool: Pool, tmp_path: Path) -> None:
    import_actuals(pool, tmp_path / "a.csv", actual_rows(MONTHS[:3]))
    before = counts(pool)
    refused = pool.run("city-office", "period", "close", "2024-09")
    assert refused.exit_code == 1 and "not settled" in refused.stderr
    assert counts(pool) == before

    pool.ok("city-office", "settle", "2024-09")
    too_late = pool.run("city-office", "period", "close", "2024-10")
    assert too_late.exit_code == 1 and "2024-10 is not settled yet" in too_late.stderr
    assert pool.rows("period_closes") == []

    closed = pool.ok("city-office", "period", "close", "2024-09")
    assert closed.stdout.strip() == "Periods up to 2024-09 are closed."
    assert [r["through"] for r in pool.rows("period_closes")] == [month_int("2024-09")]
    pool.ok("city-office", "period", "close", "2024-08")  # already closed: nothing new
    assert len(pool.rows("period_closes")) == 1

    # A closed period's actuals change only by restatement.
    # DF-002 never reported vat_local (a published metric): a new value in a closed period.
    path = write_csv(tmp_path / "late.csv", [("DF-002", "2024-08", "vat_local", "10.00")])
    before = counts(pool)
    refused = pool.run("city-office", "actuals", "import", str(path))
    assert refused.exit_code == 1 and "closed" in refused.stderr
    assert counts(pool) == before
    pool.ok("city-office", "actuals", "import", str(path), "--restate", "--reason", "补报")
    pool.ok("city-office", "settle", "2024-10")
    assert_verified(pool)


ROLES = {
    "city": "city-office",
    "county": "zhashui-bureau",
    "policy": "policy-desk",
    "auditor": "audit-bureau",
}


def test_who_may_settle_close_verify_explain_and_simulate(pool: Pool, tmp_path: Path) -> None:
    import_actuals(pool, tmp_path / "a.csv", actual_rows(MONTHS[:3]))
    pool.ok("city-office", "settle", "2024-08")
    draft = tmp_path / "draft.yaml"
    draft.write_text(
        (LIBRARY / "shangluo-default.yaml")
        .read_text(encoding="utf-8")
        .replace('version: "2024.1"', 'version: "2025.1"'),
        encoding="utf-8",
    )
    allowed = {
        ("settle", "2024-09"): {"city"},
        ("period", "close", "2024-08"): {"city"},
        ("ledger", "verify"): {"city", "auditor", "county"},
        ("explain", "1"): {"city", "county", "policy", "auditor"},
        ("rules", "simulate", str(draft)): {"city", "policy"},
    }
    for args, roles in allowed.items():
        for role, actor in ROLES.items():
            if role in roles:
                continue
            before = counts(pool, STATE_TABLES)
            result = pool.run(actor, *args)
            assert result.exit_code == 3, (args, role, result.output)
            assert "Traceback" not in result.output and result.stderr.startswith("Error: ")
            assert counts(pool, STATE_TABLES) == before, (args, role)
        for role in sorted(roles, key=lambda r: r != "city"):  # city settles/closes first
            result = pool.run(ROLES[role], *args)
            assert result.exit_code == 0, (args, role, result.output)
    # Denied attempts to change something are audited as denied.
    denied = [a for a in pool.rows("audit_log") if a["outcome"] == "denied"]
    assert {a["action"] for a in denied} >= {"settle", "period.close"}
    assert pool.rows("period_closes")[0]["through"] == month_int("2024-08")
    assert [r["through"] for r in pool.rows("settlement_runs")] == [
        month_int("2024-08"),
        month_int("2024-09"),
    ]
    # A wrong token is refused too.
    wrong = pool.run("city-office", "settle", "2024-09", token="not-the-token")
    assert wrong.exit_code == 3


def _largest_remainder(base: int, origin: Fraction) -> tuple[int, int]:
    """(origin, host) of a two-party split: floors, the leftover fen to the larger remainder,
    a tie to the host."""
    o_exact, h_exact = base * origin, base * (1 - origin)
    o, h = int(o_exact), int(h_exact)
    if base - o - h:
        if o_exact - o > h_exact - h:
            o += 1
        else:
            h += 1
    return o, h


def _sum(rows: list[tuple[str, str, str, str]], code: str, metric: str, first: str, last: str) -> int:
    return sum(
        fen(a)
        for c, p, m, a in rows
        if c == code and m == metric and month_int(first) <= month_int(p) <= month_int(last)
    )


def test_explain_shows_years_target_posted_and_delta(pool: Pool, tmp_path: Path) -> None:
    settled_history(pool, tmp_path)
    rows = final_rows()
    # DF-002: danfeng -> zhashui from 2024-09, transfer 2, tax 1/3 to the origin for 5 years
    # from the first tax reported (2024-09). Year 1 is 2024-09..2025-08.
    c1 = _sum(rows, "DF-002", "tax_local", "2024-09", "2025-08")
    origin1, host1 = _largest_remainder(c1, Fraction(1, 3))
    data = pool.json("zhashui-bureau", "explain", "2", "--share", "tax")
    assert data["transfer"] == 2 and data["through"] == "2025-02"
    (share,) = data["trace"]["shares"]
    assert share["name"] == "tax" and [y["year"] for y in share["years"]] == [1]
    year = share["years"][0]
    assert (year["first_month"], year["last_month"], year["complete"]) == ("2024-09", "2025-08", False)
    assert fen(year["collected"]) == fen(year["shareable"]) == c1
    assert year["ratios"] == {"danfeng": "1/3", "shangluo": "0/1", "zhashui": "2/3"} or (
        year["ratios"]["danfeng"] == "1/3"
    )
    assert year["result"] == {
        "danfeng": f"{Decimal(origin1) / 100:.2f}",
        "shangluo": "0.00",
        "zhashui": f"{Decimal(host1) / 100:.2f}",
    }
    assert data["ledger"] == [
        {
            "share": "tax",
            "region": "danfeng",
            "target": f"{Decimal(origin1) / 100:.2f}",
            "posted": f"{Decimal(origin1) / 100:.2f}",
            "delta": "0.00",
        },
        {"share": "tax", "region": "shangluo", "target": "0.00", "posted": "0.00", "delta": "0.00"},
        {
            "share": "tax",
            "region": "zhashui",
            "target": f"{Decimal(host1) / 100:.2f}",
            "posted": f"{Decimal(host1) / 100:.2f}",
            "delta": "0.00",
        },
    ]

    # A year-2 report, not settled yet: explain through 2025-09 shows both years and the
    # delta the next settlement posts; settling posts exactly that.
    import_actuals(pool, tmp_path / "y2.csv", [("DF-002", "2025-09", "tax_local", "3000.01")])
    c2 = 300001
    origin2, host2 = _largest_remainder(c2, Fraction(1, 3))
    text_out = pool.ok("policy-desk", "explain", "2", "--through", "2025-09", "--share", "tax").stdout
    assert "ruleset shangluo-default 2024.1" in text_out
    assert "year 1 (2024-09..2025-08" in text_out and "year 2 (2025-09..2026-08" in text_out
    assert f"C={Decimal(c1) / 100:.2f}" in text_out and "C=3000.01" in text_out
    expected_o, expected_h = origin1 + origin2, host1 + host2
    assert (
        f"tax danfeng: target {Decimal(expected_o) / 100:.2f}, posted "
        f"{Decimal(origin1) / 100:.2f}, delta {Decimal(origin2) / 100:.2f}"
    ) in text_out
    assert (
        f"tax zhashui: target {Decimal(expected_h) / 100:.2f}, posted "
        f"{Decimal(host1) / 100:.2f}, delta {Decimal(host2) / 100:.2f}"
    ) in text_out
    data = pool.json("audit-bureau", "explain", "2", "--through", "2025-09")
    years = {s["name"]: [(y["year"], y["collected"]) for y in s["years"]] for s in data["trace"]["shares"]}
    assert years["tax"] == [(1, f"{Decimal(c1) / 100:.2f}"), (2, "3000.01")]
    before = positions(pool)
    pool.ok("city-office", "settle", "2025-09")
    after = positions(pool)
    assert after[(2, "tax", "danfeng")][1] - before[(2, "tax", "danfeng")][1] == origin2
    assert after[(2, "tax", "zhashui")][1] - before[(2, "tax", "zhashui")][1] == host2
    assert {k: v for k, v in after.items() if k[:2] != (2, "tax")} == {
        k: v for k, v in before.items() if k[:2] != (2, "tax")
    }
    shown = pool.json("city-office", "explain", "2", "--share", "tax")
    assert all(r["delta"] == "0.00" for r in shown["ledger"])

    unknown = pool.run("city-office", "explain", "99")
    assert unknown.exit_code == 1 and "no transfer 99" in unknown.stderr
    no_share = pool.run("city-office", "explain", "2", "--share", "nope")
    assert no_share.exit_code == 1 and "no share 'nope'" in no_share.stderr


def test_simulate_a_draft_ratio_shows_the_difference_and_writes_nothing(pool: Pool, tmp_path: Path) -> None:
    settled_history(pool, tmp_path)
    draft = tmp_path / "shangluo-default-draft.yaml"
    text = (LIBRARY / "shangluo-default.yaml").read_text(encoding="utf-8")
    assert text.count("- {years: 1-3, origin: 50%}") == 1
    draft.write_text(
        text.replace('version: "2024.1"', 'version: "2025.1-draft"').replace(
            "- {years: 1-3, origin: 50%}", "- {years: 1-3, origin: 60%}"
        ),
        encoding="utf-8",
    )
    # Credit is funds_domestic split origin:host, 3 years from the transfer; every covered
    # month is in year 1. Transfers under shangluo-default: 1 (zhashui -> shangzhou,
    # 2024-08..10), 5 (shangzhou -> luonan from 2024-11, first origin zhashui) and 2 (danfeng ->
    # zhashui from 2024-09).
    rows = final_rows()
    covered = [
        ("ZS-001", "2024-08", "2024-10", "zhashui", "shangzhou"),
        ("ZS-001", "2024-11", "2025-02", "zhashui", "luonan"),
        ("DF-002", "2024-09", "2025-02", "danfeng", "zhashui"),
    ]
    expected: dict[str, int] = {}
    for code, first, last, origin, host in covered:
        base = _sum(rows, code, "funds_domestic", first, last)
        now_o, now_h = _largest_remainder(base, Fraction(1, 2))
        new_o, new_h = _largest_remainder(base, Fraction(3, 5))
        expected[origin] = expected.get(origin, 0) + new_o - now_o
        expected[host] = expected.get(host, 0) + new_h - now_h
    state, before = ledger_state(pool), counts(pool, STATE_TABLES + ("audit_log",))

    result = pool.json("policy-desk", "rules", "simulate", str(draft))
    differences = {(r["book"], r["region"], r["share"]): fen(r["difference"]) for r in result}
    changed = {k: v for k, v in differences.items() if v}
    assert changed == {("assessment", region, "credit"): v for region, v in expected.items() if v}
    assert sum(changed.values()) == 0 and changed
    for r in result:
        assert fen(r["simulated"]) - fen(r["current"]) == fen(r["difference"])
        assert fen(r["current"]) == balances(pool).get(f"{r['book']}:{r['region']}:{r['share']}", 0)
    table_out = pool.ok("city-office", "rules", "simulate", str(draft), "--through", "2025-02").stdout
    assert "Draft shangluo-default 2025.1-draft through 2025-02" in table_out
    assert ledger_state(pool) == state
    assert counts(pool, STATE_TABLES + ("audit_log",)) == before
    assert json.dumps(pool.rows("ruleset_versions"), default=str).count("2025.1-draft") == 0
