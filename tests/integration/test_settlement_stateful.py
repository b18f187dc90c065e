"""Settlement as a state machine: imports, restatements,
no-op re-imports, settlements (forward, re-runs and refused backward ones), period closes, and
corrections (agreements amended, transfers cancelled, projects' facts edited, tokens reissued)
in random orders and periods, through the command line on SQLite.

After every step the ledger must verify, with --deep, and every party balance and every posted
(transfer, share, region) position must equal the engine's targets computed FROM SCRATCH: the
transfers in force with their latest agreements and pinned rulesets, the projects' facts and all
actuals as they were at the last settlement, through the last settled period — whatever the runs
before recomputed or skipped.

Each run of the machine gets a fresh copy of the standard ledger_pool() (built once per session).
"""

import itertools
import json
import shutil
import tempfile
from collections import defaultdict
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text
from support.driver import Pool
from support.ledger import LEDGER_TABLES, METRICS, PROJECTS, fresh_pool, month_int, write_csv
from support.oracle import Facts, Snapshot, stored_actuals, stored_facts, targets_from_scratch

from pool.domain.accounts import SOURCE
from pool.domain.months import format_month
from pool.services import settlement

pytestmark = pytest.mark.heavy

# The standard pool's transfers start in 2024-08; periods from before it (not in the ledger) to
# past the first complete agreement year of SZ-003's chuanzhe floor (2024-08..2025-07) and into
# year 2 of every share.
PERIODS = [format_month(m) for m in range(month_int("2024-06"), month_int("2025-11") + 1)]
FIRST, LAST = month_int(PERIODS[0]), month_int(PERIODS[-1])
# Every project reports the metrics of its ruleset; ZS-001 also reports a metric of another
# ruleset (declared, so accepted, but read by none of its transfers).
KEYS_METRICS = {code: METRICS[ruleset] for code, _o, _h, _e, ruleset, _a in PROJECTS}
KEYS_METRICS["ZS-001"] = KEYS_METRICS["ZS-001"] + ("vat_local",)
ALL_KEYS = [(c, p, m) for c, ms in KEYS_METRICS.items() for p in PERIODS for m in ms]

# Amounts in fen: zeros, a few fen (ties and leftovers in the largest-remainder step), odd fen,
# and large values.
fen_amounts = st.one_of(
    st.just(0),
    st.integers(1, 7),
    st.integers(0, 1000),
    st.integers(0, 10**9),
    st.integers(0, 10**6).map(lambda x: 2 * x + 1),
)


def written(amount: int, style: int) -> str:
    """The amount as a file writes it: 1234.50, 1234.5 or 1234 where that is exact."""
    whole, cents = divmod(amount, 100)
    if style == 1 and cents == 0:
        return str(whole)
    if style == 2 and cents % 10 == 0:
        return f"{whole}.{cents // 10}"
    return f"{whole}.{cents:02d}"


def counts(pool: Pool, tables: tuple[str, ...] = LEDGER_TABLES) -> dict[str, int]:
    """Rows per ledger table (without reflecting the schema on every step)."""
    with pool.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in tables}


class _Session:
    """What the pytest fixtures give the machine: where to build pools."""

    sqlite_template: Path | None = None
    steps = 0
    runs = 0


# -- the engine from scratch --------------------------------------------------------------------

# -- the machine --------------------------------------------------------------------------------


class SettlementMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        assert _Session.sqlite_template is not None
        self.home = Path(tempfile.mkdtemp(prefix="pool-stateful-"))
        self.pool, self._drop = fresh_pool("sqlite", self.home / "pool", _Session.sqlite_template, None)
        self.files = itertools.count()
        self.stored: dict[tuple[str, str, str], int] = {}  # the model of `actuals`
        self.settled: int | None = None  # last settled period
        self.closed: int | None = None  # latest closed period
        self.at_settlement: Snapshot = {}  # actuals when it was settled
        self.facts_at_settlement: Facts = ({}, [])  # projects and transfers when it was settled
        self.runs = 0
        _Session.runs += 1

    def teardown(self) -> None:
        self._drop()
        self.pool.close()
        shutil.rmtree(self.home, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------------
    def _file(self, rows: list[tuple[str, str, str, str]]) -> Path:
        return write_csv(self.home / f"a{next(self.files)}.csv", rows)

    def _import(self, rows: list[tuple[str, str, str, str]], restate: bool) -> Any:
        args = ["actuals", "import", str(self._file(rows))]
        if restate:
            args += ["--restate", "--reason", "税务局更正申报"]
        return self.pool.run("city-office", *args)

    def _refused(self, result: Any, before: dict[str, int], *phrases: str) -> None:
        assert result.exit_code == 1, (result.stdout, result.stderr)
        assert result.stderr.startswith("Error: ") and "Traceback" not in result.output
        for phrase in phrases:
            assert phrase in result.stderr, (phrase, result.stderr)
        assert counts(self.pool) == before
        assert self.pool.last_audit()["outcome"] == "invalid"

    def _count_step(self) -> None:
        _Session.steps += 1

    # -- rules ----------------------------------------------------------------------------
    @rule(data=st.data(), restate=st.booleans())
    def import_new(self, data: st.DataObject, restate: bool) -> None:
        """New keys with random amounts. Without --restate a new key in a closed period is
        refused and nothing changes."""
        self._count_step()
        fresh = [k for k in ALL_KEYS if k not in self.stored]
        if not fresh:
            return
        keys = data.draw(st.lists(st.sampled_from(fresh), min_size=1, max_size=6, unique=True), label="keys")
        amounts = data.draw(st.lists(fen_amounts, min_size=len(keys), max_size=len(keys)), label="fen")
        style = data.draw(st.integers(0, 2), label="style")
        rows = [(*k, written(a, style)) for k, a in zip(keys, amounts, strict=True)]
        closed = [k for k in keys if self.closed is not None and month_int(k[1]) <= self.closed]
        before = counts(self.pool)
        result = self._import(rows, restate)
        if closed and not restate:
            self._refused(result, before, "is closed", "--restate")
            return
        assert result.exit_code == 0, (rows, result.stdout, result.stderr)
        self.stored.update(zip(keys, amounts, strict=True))
        after = counts(self.pool)
        assert after["actual_imports"] == before["actual_imports"] + 1
        assert after["actuals"] == before["actuals"] + len(keys)
        assert after["actual_revisions"] == before["actual_revisions"] + len(keys)

    @precondition(lambda self: self.stored)
    @rule(data=st.data())
    def restate(self, data: st.DataObject) -> None:
        """A new value for stored keys with --restate --reason (some may stay the same)."""
        self._count_step()
        keys = data.draw(
            st.lists(st.sampled_from(sorted(self.stored)), min_size=1, max_size=4, unique=True), label="keys"
        )
        amounts = data.draw(st.lists(fen_amounts, min_size=len(keys), max_size=len(keys)), label="fen")
        rows = [(*k, written(a, 0)) for k, a in zip(keys, amounts, strict=True)]
        changed = sum(self.stored[k] != a for k, a in zip(keys, amounts, strict=True))
        before = counts(self.pool)
        result = self._import(rows, restate=True)
        assert result.exit_code == 0, (rows, result.stdout, result.stderr)
        after = counts(self.pool)
        assert after["actuals"] == before["actuals"]
        assert after["actual_revisions"] == before["actual_revisions"] + changed
        assert after["actual_imports"] == before["actual_imports"] + (1 if changed else 0)
        if not changed:
            assert "Nothing changed" in result.stdout
        self.stored.update(zip(keys, amounts, strict=True))

    @precondition(lambda self: self.stored)
    @rule(data=st.data(), restate=st.booleans())
    def import_stored_again(self, data: st.DataObject, restate: bool) -> None:
        """Stored values again (closed periods included) are a no-op with or without --restate;
        a different value without --restate is refused and changes nothing."""
        self._count_step()
        keys = data.draw(
            st.lists(st.sampled_from(sorted(self.stored)), min_size=1, max_size=6, unique=True), label="keys"
        )
        before = counts(self.pool)
        if restate or data.draw(st.booleans(), label="identical"):
            style = data.draw(st.integers(0, 2), label="style")
            result = self._import([(*k, written(self.stored[k], style)) for k in keys], restate)
            assert result.exit_code == 0, (result.stdout, result.stderr)
            assert "Nothing changed" in result.stdout
            assert counts(self.pool) == before
            return
        key = keys[0]
        amount = data.draw(fen_amounts.filter(lambda a: a != self.stored[key]), label="fen")
        rows = [(*key, written(amount, 0))] + [(*k, written(self.stored[k], 0)) for k in keys[1:]]
        result = self._import(rows, restate=False)
        self._refused(result, before, "would restate it", "--restate")

    def _settle(self, through: int) -> None:
        before = counts(self.pool)
        result = self.pool.run("city-office", "--format", "json", "settle", format_month(through))
        assert result.exit_code == 0, (result.stdout, result.stderr)
        summary = json.loads(result.stdout)
        assert summary["period"] == format_month(through)
        after = counts(self.pool)
        assert after["settlement_runs"] == before["settlement_runs"] + 1
        assert after["ledger_entries"] == before["ledger_entries"] + summary["entries"]
        assert after["ledger_postings"] == before["ledger_postings"] + summary["postings"]
        if self.settled == through and summary["entries"] == 0:
            text_run = self.pool.ok("city-office", "settle", format_month(through)).stdout
            assert "nothing new to post" in text_run
        self.settled = through
        # Every actual stored now is what this run settled, whatever it chose to recompute.
        self.at_settlement = stored_actuals(self.pool.engine)
        self.facts_at_settlement = stored_facts(self.pool.engine)

    @rule(data=st.data())
    def settle_next(self, data: st.DataObject) -> None:
        """Settle the last settled period again (a re-run) or one of the next few."""
        self._count_step()
        low = self.settled if self.settled is not None else FIRST
        self._settle(data.draw(st.integers(low, min(low + 6, LAST)), label="through"))

    @rule(data=st.data())
    def settle_any(self, data: st.DataObject) -> None:
        """Settle any period: at or after the last settled one it runs; an earlier one is refused
        (exit 1) and changes nothing but the audit log."""
        self._count_step()
        through = data.draw(st.integers(FIRST, LAST), label="through")
        if self.settled is None or through >= self.settled:
            self._settle(through)
            return
        state = self._ledger_rows()
        before = counts(self.pool)
        result = self.pool.run("city-office", "settle", format_month(through))
        self._refused(
            result,
            before,
            f"{format_month(through)} is before {format_month(self.settled)}, the last settled period",
        )
        assert self._ledger_rows() == state

    @rule(data=st.data())
    def close(self, data: st.DataObject) -> None:
        """Close periods through a settled period (an earlier one than already closed changes
        nothing); an unsettled period is refused."""
        self._count_step()
        high = LAST if self.settled is None else min(self.settled + 2, LAST)
        through = data.draw(st.integers(FIRST, high), label="through")
        if self.settled is None or through > self.settled:
            before = counts(self.pool)
            result = self.pool.run("city-office", "period", "close", format_month(through))
            self._refused(result, before, "is not settled yet")
            return
        result = self.pool.run("city-office", "period", "close", format_month(through))
        assert result.exit_code == 0, (result.stdout, result.stderr)
        self.closed = through if self.closed is None else max(self.closed, through)
        assert max(r["through"] for r in self.pool.rows("period_closes")) == self.closed

    # -- corrections ----------------------------------------------------------------------
    def _live(self) -> list[dict[str, Any]]:
        return stored_facts(self.pool.engine)[1]

    @rule(data=st.data())
    def amend(self, data: st.DataObject) -> None:
        """A new origin_tax_share for a shangluo-default transfer in force; the same value again
        is refused and changes nothing."""
        self._count_step()
        live = [t for t in self._live() if "origin_tax_share" in str(t["agreement"])]
        if not live:
            return
        t = data.draw(st.sampled_from(live), label="transfer")
        share = data.draw(st.sampled_from(["30%", "1/3", "2/5", "45%", "50%"]), label="share")
        before = counts(self.pool, (*LEDGER_TABLES, "agreement_revisions"))
        args = (
            "transfer",
            "amend",
            str(t["id"]),
            "--agreement",
            f"origin_tax_share={share}",
            "--reason",
            "补签",
        )
        result = self.pool.run("city-office", *args)
        current = json.loads(str(t["agreement"]))["origin_tax_share"]
        if Fraction(current) == Fraction(share.rstrip("%")) / (100 if share.endswith("%") else 1):
            assert result.exit_code == 1 and "already has these values" in result.stderr, result.stderr
            assert counts(self.pool, (*LEDGER_TABLES, "agreement_revisions")) == before
            return
        assert result.exit_code == 0, (result.stdout, result.stderr)
        assert counts(self.pool, ("agreement_revisions",))["agreement_revisions"] == (
            before["agreement_revisions"] + 1
        )

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        """Cancel a project's latest transfer in force (one not the latest is refused); the
        project returns to the host before it."""
        self._count_step()
        live = self._live()
        if not live:
            return
        t = data.draw(st.sampled_from(live), label="transfer")
        latest = max(
            (m for m in live if m["project_id"] == t["project_id"]), key=lambda m: (m["effective"], m["id"])
        )
        result = self.pool.run("city-office", "transfer", "cancel", str(t["id"]), "--reason", "审批有误")
        if latest["id"] != t["id"]:
            assert result.exit_code == 1 and "only the latest can be cancelled" in result.stderr
            return
        assert result.exit_code == 0, (result.stdout, result.stderr)
        host = self.pool.one("projects", id=t["project_id"])["host"]
        assert host == t["from_region"]

    @rule(data=st.data())
    def edit(self, data: st.DataObject) -> None:
        """The city corrects a project's planned investment or kind (eligibility moves with it)."""
        self._count_step()
        code = data.draw(st.sampled_from([p[0] for p in PROJECTS]), label="project")
        change = data.draw(
            st.sampled_from(
                [("--investment", "300000000"), ("--investment", "100"), ("--kind", "manufacturing"),
                 ("--kind", "real_estate")]
            ),
            label="change",
        )  # fmt: skip
        row = self.pool.one("projects", code=code)
        same = (change[0] == "--investment" and row["planned_investment"] == int(change[1]) * 100) or (
            change[0] == "--kind" and row["kind"] == change[1]
        )
        result = self.pool.run("city-office", "project", "edit", code, *change, "--reason", "更正")
        if same:
            assert result.exit_code == 1 and "nothing was changed" in result.stderr, result.stderr
        else:
            assert result.exit_code == 0, (result.stdout, result.stderr)

    @rule()
    def reissue(self) -> None:
        """A county's new token works at once and its old one no longer does."""
        self._count_step()
        old = self.pool.tokens["zhashui-bureau"]
        data = self.pool.json("city-office", "actor", "reissue", "zhashui-bureau")
        self.pool.tokens["zhashui-bureau"] = data["token"]
        assert self.pool.run("zhashui-bureau", "project", "list", token=old).exit_code == 3
        assert self.pool.run("zhashui-bureau", "project", "list").exit_code == 0

    # -- invariants ------------------------------------------------------------------------
    def _ledger_rows(self) -> Any:
        with self.pool.engine.connect() as conn:
            return {
                t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
                for t in LEDGER_TABLES
            }

    @invariant()
    def actuals_are_the_model(self) -> None:
        with self.pool.engine.connect() as conn:
            stored = {
                (c, format_month(p), m): a
                for c, p, m, a in conn.execute(
                    text(
                        "SELECT p.code, a.period, a.metric, a.amount FROM actuals a "
                        "JOIN projects p ON p.id = a.project_id"
                    )
                )
            }
        assert stored == self.stored

    @invariant()
    def ledger_verifies(self) -> None:
        result = self.pool.run("audit-bureau", "--format", "json", "ledger", "verify", "--deep")
        assert result.exit_code == 0, (result.stdout, result.stderr)
        report = json.loads(result.stdout)
        assert report["ok"] and report["problems"] == [] and report["deep"]["problems"] == [], report

    @invariant()
    def every_entry_balances(self) -> None:
        with self.pool.engine.connect() as conn:
            unbalanced = conn.execute(
                text(
                    "SELECT e.seq, SUM(p.amount) FROM ledger_entries e "
                    "JOIN ledger_postings p ON p.entry_seq = e.seq "
                    "GROUP BY e.seq HAVING SUM(p.amount) <> 0"
                )
            ).all()
            empty = conn.execute(
                text(
                    "SELECT COUNT(*) FROM ledger_entries e WHERE NOT EXISTS "
                    "(SELECT 1 FROM ledger_postings p WHERE p.entry_seq = e.seq)"
                )
            ).scalar_one()
        assert unbalanced == [] and empty == 0

    @invariant()
    def balances_and_positions_are_the_targets_from_scratch(self) -> None:
        targets = targets_from_scratch(
            self.pool.engine, self.settled, self.at_settlement, self.facts_at_settlement
        )
        by_account: dict[tuple[str, str, str], int] = defaultdict(int)
        for (_t, share, book, region), amount in targets.items():
            by_account[(book, region, share)] += amount
        with self.pool.engine.connect() as conn:
            accounts = {
                (b, r, s): a
                for b, r, s, a in conn.execute(
                    text("SELECT book, region, share, balance FROM ledger_accounts WHERE region <> :src"),
                    {"src": SOURCE},
                )
            }
            stored_positions = {
                (t, s, b, r): a
                for t, s, b, r, a in conn.execute(
                    text("SELECT transfer_id, share, book, region, amount FROM transfer_positions")
                )
            }
        nonzero = {k: v for k, v in accounts.items() if v}
        assert nonzero == {k: v for k, v in by_account.items() if v}
        assert {k: v for k, v in stored_positions.items() if v} == {k: v for k, v in targets.items() if v}
        # What `pool report balances` shows is the same.
        shown = self.pool.json("audit-bureau", "report", "balances")
        assert {
            (r["book"], r["region"], r["share"]): int(r["amount"].replace(".", "")) for r in shown
        } == accounts


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_settlement_state_machine(sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # runs settle their projects three at a time here, so every run crosses a chunk's edge
    monkeypatch.setattr(settlement, "CHUNK", 3)
    _Session.sqlite_template = sqlite_template
    _Session.steps = _Session.runs = 0
    run_state_machine_as_test(
        SettlementMachine,
        settings=settings(
            max_examples=25, stateful_step_count=15, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
    print(f"state machine: {_Session.runs} runs, {_Session.steps} steps")
    assert _Session.steps >= 25


# -- scripted runs of the same machine: the paths random runs reach only rarely ------------------

SCRIPTS = {
    # A run that covers months holding actuals imported before the previous run: the project
    # must be recomputed although nothing was imported since.
    "newly covered months": [
        ("import", [("ZS-001", "2024-12", "tax_local", 10001), ("DF-002", "2025-01", "fai", 1)]),
        ("settle", "2024-09"),
        ("settle", "2024-12"),
        ("settle", "2025-01"),
    ],
    # SZ-003's chuanzhe floor (150000.00 a year, judged once year 1, 2024-08..2025-07, is
    # complete) moves money with the settled period alone, no actual added.
    "a floor judged by the period alone": [
        ("import", [("SZ-003", "2024-08", "vat_local", 10000), ("SZ-003", "2024-09", "value_added", 3)]),
        ("settle", "2024-09"),
        ("settle", "2025-06"),
        ("settle", "2025-08"),
    ],
    # Restating the first non-zero tax to zero in a closed period moves the start of a
    # first_report term; the next run adjusts.
    "a restated first report in a closed period": [
        (
            "import",
            [
                ("DF-002", "2024-09", "tax_local", 101),
                ("DF-002", "2024-10", "tax_local", 7),
                ("DF-002", "2025-09", "tax_local", 5),
            ],
        ),
        ("settle", "2024-10"),
        ("close", "2024-10"),
        ("restate", [("DF-002", "2024-09", "tax_local", 0)]),
        ("settle", "2024-10"),
        ("settle", "2025-09"),
    ],
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_scripted_settlement_runs(
    script: str, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settlement, "CHUNK", 3)
    _Session.sqlite_template = sqlite_template
    machine = SettlementMachine()
    checks = [
        machine.actuals_are_the_model,
        machine.ledger_verifies,
        machine.every_entry_balances,
        machine.balances_and_positions_are_the_targets_from_scratch,
    ]
    try:
        for action, arg in SCRIPTS[script]:
            if action in ("import", "restate"):
                rows = [(c, p, m, written(a, 0)) for c, p, m, a in arg]
                result = machine._import(rows, restate=action == "restate")
                assert result.exit_code == 0, (result.stdout, result.stderr)
                machine.stored.update({(c, p, m): a for c, p, m, a in arg})
            elif action == "settle":
                machine._settle(month_int(arg))
            else:
                machine.pool.ok("city-office", "period", "close", arg)
            for check in checks:
                check()
    finally:
        machine.teardown()
