"""A model-based test of the whole product: a hypothesis RuleBasedStateMachine over
the real services on SQLite and PostgreSQL. Random actors of every role register, stage, list,
withdraw, claim, withdraw claims, approve (with random agreements and rulesets), reject, let
listings expire (the clock moves), import and restate actuals, settle and close periods.

After every step: each project has one host and its transfers form one chain; listing and claim
states are consistent; a refused action changed nothing but its audit row; the ledger verifies;
balances and positions equal the engine's targets recomputed from scratch at the last settlement;
every state-changing attempt has exactly one audit row with the right outcome.

Each step's expected outcome comes from an oracle read from the state before the step: the role
and region rules, listing windows on the test clock, agreement bounds, closed periods.
"""

import csv
import itertools
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text
from support.databases import BACKENDS
from support.ledger import fresh_pool, month_int
from support.oracle import targets_from_scratch
from support.reliability import (
    Counter,
    audit_rows,
    check_all,
    last_settled,
    runtime,
    snapshot,
)

from pool.bootstrap import Adapters
from pool.domain.errors import Conflict, InvalidInput, PermissionDenied, PoolError
from pool.domain.months import format_month
from pool.domain.names import lead_key
from pool.services import actuals, claims, listings, periods, projects, settlement
from pool.services.projects import NewProject

pytestmark = pytest.mark.reliability

COUNTIES = ("zhashui", "shangzhou", "danfeng", "luonan")
ACTORS = ("city-office", "policy-desk", "audit-bureau") + tuple(f"{c}-bureau" for c in COUNTIES)
ROLE = {
    "city-office": "city",
    "policy-desk": "policy",
    "audit-bureau": "auditor",
    **{f"{c}-bureau": "county" for c in COUNTIES},
}
REGION = {f"{c}-bureau": c for c in COUNTIES}
# Every role acts, the ones who may act more often, so that most steps are not denials.
CITYISH = st.sampled_from(ACTORS + ("city-office",) * 10)
ACTOR = st.sampled_from(ACTORS + ("city-office",) * 4 + tuple(f"{c}-bureau" for c in COUNTIES) * 2)
PERIODS = [format_month(m) for m in range(month_int("2024-06"), month_int("2025-06") + 1)]
METRICS = ("tax_local", "funds_domestic", "fdi", "fai", "vat_local", "cit_local", "tax_county", "incentives")
# (ruleset, agreement pairs, valid?) an approval may use.
AGREEMENTS = [
    ("shangluo-default", [], True),
    ("shangluo-default", ["origin_tax_share=30%"], True),
    ("shangluo-default", ["origin_tax_share=1/3"], True),
    ("shangluo-default", ["origin_tax_share=0.5"], True),
    ("shangluo-default", ["origin_tax_share=60%"], False),
    ("shangluo-default", ["origin_tax_share=abc"], False),
    ("shangluo-default", ["unknown_key=1"], False),
    ("kunming-2024", ["origin_share=25%"], True),
    ("kunming-2024", [], False),
    ("kunming-2024", ["origin_share=95%"], False),
    ("chuanzhe", ["floor_origin_per_year=150000"], True),
    ("chuanzhe", [], True),
    ("chuanzhe", ["floor_origin_per_year=-1"], False),
    ("no-such-ruleset", [], False),
]
START = datetime(2025, 1, 1, 9, 0, 0)
# POOL_RELIABILITY_NO_SHRINK=1 reports the first failing sequence as found (quicker to debug).
PHASES = [Phase.generate] if os.environ.get("POOL_RELIABILITY_NO_SHRINK") else [Phase.generate, Phase.shrink]

SQLISH = st.sampled_from(
    [
        "'; DROP TABLE projects; --",
        "Robert'); DELETE FROM claims;--",
        '" OR 1=1 --',
        "%_\\",
        "$1",
        "NULL",
        "=1+2",
        "@SUM(A1)",
        "-cmd",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☃ é",
        "商洛 ＡＢＣ",
        "\u202etxt",
        "a\tb\nc",
    ]
)
ANY_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40
)
# Characters that look like nothing or act on a terminal: dropped (invisible) or refused (controls).
INVISIBLE = ["\u200b", "\u00ad", "\u2060", "\u200e", "\ufe0f", "\ufeff", "\U000e0100", "\u200d"]
CONTROLS = ["\x1b[31m", "\x07", "\u202e", "\u2066", "\r", "\t", "\n", "\x0b", "\u2028", "\x85"]
FREE_TEXT = st.one_of(
    SQLISH,
    ANY_TEXT,
    st.builds(lambda a, mark, b: a + mark + b, ANY_TEXT, st.sampled_from(INVISIBLE + CONTROLS), ANY_TEXT),
    st.text("商洛xyz ", min_size=195, max_size=260),  # around the 200 characters a name may have
)
FAR_FUTURE = st.sampled_from([month_int("2205-08"), month_int("9999-12")])
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def typed(text: str, multiline: bool = False) -> str | None:
    """What the pool stores of typed text, read independently of the product: None when a
    control character refuses it, else the text without invisible characters, trimmed."""
    for ch in text:
        if ch in BIDI or ch in "\u2028\u2029":
            return None
        if unicodedata.category(ch) == "Cc" and not (multiline and ch in "\n\t"):
            return None
    kept = "".join(
        ch
        for ch in text
        if unicodedata.category(ch) != "Cf"
        and not (0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF)
    )
    return kept.strip()


fen = st.one_of(st.integers(0, 1000), st.integers(0, 10**11), st.just(0))


def _refused_note(note: str) -> bool:
    """A note a person could not have meant: a control character other than a line break or a
    tab, or a bidirectional override (it makes the text read differently from what it holds)."""
    return any(
        (unicodedata.category(ch) == "Cc" and ch not in "\n\t")
        or ch in "\u2028\u2029"
        or 0x202A <= ord(ch) <= 0x202E
        or 0x2066 <= ord(ch) <= 0x2069
        for ch in note
    )


class _Run:
    backend = "sqlite"
    sqlite_template: Path | None = None
    pg_schemas: Any = None
    counter = Counter()


def when(value: Any) -> datetime:
    """A stored time read through text(): a datetime on PostgreSQL, text on SQLite."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def written(amount: int) -> str:
    return f"{amount // 100}.{amount % 100:02d}"


class PoolMachine(RuleBasedStateMachine):
    @initialize()
    def build(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="pool-model-"))
        self.pool, self._drop = fresh_pool(
            _Run.backend, self.home / "pool", _Run.sqlite_template, _Run.pg_schemas
        )
        self.engine = self.pool.engine
        self.now = START
        clock = Adapters(clock=lambda: self.now)
        self.rts = {a: runtime(self.pool.url, a, self.pool.tokens[a], clock) for a in ACTORS}
        self.files = itertools.count()
        self.codes = itertools.count()
        self.targets: dict[Any, int] = {}
        self.audits = len(audit_rows(self.engine))
        _Run.counter.add("runs")

    def teardown(self) -> None:
        if not hasattr(self, "pool"):
            return
        for rt in self.rts.values():
            rt.close()
        self.pool.close()
        self._drop()
        shutil.rmtree(self.home, ignore_errors=True)

    # -- the harness of every step ----------------------------------------------------------------
    def attempt(self, action: str, call: Callable[[], Any], expect: int | None, write: bool = True) -> Any:
        """Run one service call. `expect` is the exit code the oracle predicts (None: either
        success or a refusal it cannot tell). A refusal must change nothing; a write leaves
        exactly one audit row with its outcome."""
        _Run.counter.add("steps")
        before = snapshot(self.engine)
        try:
            result, code = call(), 0
        except PoolError as exc:
            result, code = exc, exc.exit_code
            assert str(exc).strip() and "Traceback" not in str(exc)
            assert type(exc) in (InvalidInput, PermissionDenied, Conflict) or code == 1, exc
        _Run.counter.add(f"exit{code}")
        _Run.counter.add(f"{action}.exit{code}")
        if code == 0 and write:
            _Run.counter.add(f"ok.{action}")
        if expect is not None:
            assert code == expect, (action, expect, result)
        if code != 0 or not write:
            assert snapshot(self.engine) == before, (action, result)
        audits = audit_rows(self.engine)
        new = audits[self.audits :]
        self.audits = len(audits)
        if write:
            outcome = {0: "ok", 1: "invalid", 3: "denied", 4: "conflict"}[code]
            assert [(a["action"], a["outcome"]) for a in new] == [(action, outcome)], new
        else:
            assert new == []
        return result

    def city_month(self) -> str:
        return format_month(self.now.year * 12 + self.now.month - 1)

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    # -- rules ----------------------------------------------------------------------------------
    @rule(
        actor=ACTOR,
        origin=st.sampled_from((None,) + COUNTIES + ("shangluo",)),
        name=FREE_TEXT,
        investor=FREE_TEXT,
        data=st.data(),
    )
    def register(self, actor: str, origin: str | None, name: str, investor: str, data: st.DataObject) -> None:
        code = f"M-{next(self.codes)}"
        investment = data.draw(st.sampled_from(["300000000", "1000", "0", "12.345", "-5"]))
        kind = data.draw(st.sampled_from(["manufacturing", "services", "real_estate", "bogus"]))
        new = NewProject(code, name, investor, "new_materials", kind, investment, "out_of_city", origin)
        role = ROLE[actor]
        kept_name, kept_investor = typed(name), typed(investor)
        folded = lead_key(kept_investor or "", kept_name or "")
        dup = bool(
            self.rows(
                "SELECT 1 FROM projects WHERE lead_investor = :i AND lead_name = :n", i=folded[0], n=folded[1]
            )
        )
        if role not in ("county", "city"):
            expect: int | None = 3
        elif role == "county" and origin not in (None, REGION[actor]):
            expect = 3
        elif (
            (role == "city" and origin in (None, "shangluo"))
            or kind == "bogus"
            or investment in ("12.345", "-5")
            or not kept_name
            or not kept_investor
            or len(kept_name) > 200
            or len(kept_investor) > 200
        ):
            expect = 1
        else:
            expect = 1 if dup else 0
        result = self.attempt("project.add", lambda: projects.add(self.rts[actor], new), expect)
        if isinstance(result, dict):
            stored = self.rows("SELECT name, investor FROM projects WHERE code = :c", c=code)
            assert [tuple(r) for r in stored] == [(kept_name, kept_investor)]

    @rule(
        actor=ACTOR,
        data=st.data(),
        stage=st.sampled_from(["negotiating", "signed", "started", "operating", "terminated", "planned"]),
    )
    def stage(self, actor: str, data: st.DataObject, stage: str) -> None:
        found = self.rows("SELECT code, host, stage FROM projects ORDER BY id")
        code, host, current = data.draw(st.sampled_from(found))
        open_listing = self.rows(
            "SELECT 1 FROM listings l JOIN projects p ON p.id = l.project_id "
            "WHERE p.code = :c AND l.status = 'open'",
            c=code,
        )
        order = ["planned", "negotiating", "signed", "started", "operating", "terminated"]
        role = ROLE[actor]
        if role not in ("county", "city") or (role == "county" and REGION[actor] != host):
            expect: int | None = 3
        elif current == "terminated" and stage != "terminated":
            expect = 1
        elif stage != "terminated" and order.index(stage) < order.index(current):
            expect = 1
        elif stage == "terminated" and open_listing:
            expect = 1
        else:
            expect = 0
        self.attempt(
            "project.stage",
            lambda: projects.stage(
                self.rts[actor], code, stage, month="2024-08" if stage == "signed" else None
            ),
            expect,
        )

    @rule(data=st.data(), reason=FREE_TEXT, days=st.sampled_from([1, 7, 30, 30, 90, 0, 400]))
    def open_listing(self, data: st.DataObject, reason: str, days: int) -> None:
        found = self.rows("SELECT id, code, host, stage FROM projects ORDER BY id")
        pid, code, host, stage = data.draw(st.sampled_from(found))
        actor = data.draw(st.one_of(ACTOR, st.just(f"{host}-bureau")))
        live = [
            r
            for r in self.rows(
                "SELECT closes_at FROM listings WHERE project_id = :p AND status = 'open'", p=pid
            )
            if when(r.closes_at) > self.now
        ]
        role = ROLE[actor]
        kept = typed(reason, multiline=True)
        need = reason[:10]
        needs = ["land_mu=120", "note=" + need] if need.strip() else ["land_mu=120"]
        if role not in ("county", "city") or (role == "county" and REGION[actor] != host):
            expect: int | None = 3
        elif stage == "terminated" or not kept or days not in range(1, 367):
            expect = 1
        elif need.strip() and typed(need) is None:
            expect = 1
        elif live:
            expect = 4
        else:
            expect = 0
        result = self.attempt(
            "listing.open",
            lambda: listings.open_listing(
                self.rts[actor],
                code,
                reason=reason,
                needs=needs,
                days=days,
            ),
            expect,
        )
        if isinstance(result, dict):
            stored = self.rows("SELECT reason FROM listings WHERE id = :i", i=result["id"])
            assert stored[0].reason == kept

    @rule(actor=ACTOR)
    def list_listings(self, actor: str) -> None:
        result = self.attempt("listing.list", lambda: listings.list_listings(self.rts[actor]), 0, write=False)
        stored = {r.id for r in self.rows("SELECT id FROM listings")}
        assert {item["id"] for item in result} == stored

    @precondition(lambda self: self.rows("SELECT 1 FROM listings"))
    @rule(actor=ACTOR, data=st.data())
    def withdraw_listing(self, actor: str, data: st.DataObject) -> None:
        found = self.rows("SELECT id, region, status, closes_at FROM listings ORDER BY id")
        lid, region, status, closes_at = data.draw(st.sampled_from(found))
        role = ROLE[actor]
        shown = "expired" if status == "open" and when(closes_at) <= self.now else status
        if role not in ("county", "city") or (role == "county" and REGION[actor] != region):
            expect = 3
        elif shown != "open":
            expect = 4
        else:
            expect = 0
        self.attempt("listing.withdraw", lambda: listings.withdraw(self.rts[actor], lid), expect)
        if expect == 0:
            assert not self.rows("SELECT 1 FROM claims WHERE listing_id = :l AND status = 'pending'", l=lid)

    @precondition(lambda self: self.rows("SELECT 1 FROM listings"))
    @rule(data=st.data(), note=FREE_TEXT)
    def claim(self, data: st.DataObject, note: str) -> None:
        found = self.rows("SELECT id, region, status, closes_at FROM listings ORDER BY id")
        open_ = [r for r in found if r.status == "open" and when(r.closes_at) > self.now]
        lid, region, status, closes_at = data.draw(
            st.sampled_from(open_) if open_ and data.draw(st.integers(0, 5)) else st.sampled_from(found)
        )
        others = [f"{c}-bureau" for c in COUNTIES if c != region]
        actor = data.draw(st.one_of(ACTOR, st.sampled_from(others), st.sampled_from(others)))
        role = ROLE[actor]
        shown = "expired" if status == "open" and when(closes_at) <= self.now else status
        mine = REGION.get(actor)
        pending = self.rows(
            "SELECT 1 FROM claims WHERE listing_id = :l AND claimant = :c AND status = 'pending'",
            l=lid,
            c=mine or "",
        )
        if role != "county":
            expect = 3
        elif region == mine:
            expect = 1
        elif shown != "open":
            expect = 4
        elif pending or typed(note, multiline=True) is None:
            expect = 1
        else:
            expect = 0
        result = self.attempt(
            "claim.submit", lambda: claims.submit(self.rts[actor], lid, note_text=note), expect
        )
        if isinstance(result, dict):
            stored = self.rows("SELECT note FROM claims WHERE id = :i", i=result["id"])[0].note
            assert stored == typed(note, multiline=True)

    def _claim(self, data: st.DataObject, *, approvable: bool = False) -> Any:
        found = self.rows(
            "SELECT c.id, c.claimant, c.status, l.status AS lstatus, l.closes_at, "
            "l.project_id FROM claims c JOIN listings l ON l.id = c.listing_id "
            "ORDER BY c.id"
        )
        pending = [r for r in found if r.status == "pending"]
        if approvable:  # mostly a claim that can still be approved, so that transfers happen
            live = [r for r in pending if r.lstatus == "open" and when(r.closes_at) > self.now]
            if live and data.draw(st.integers(0, 5)):
                return data.draw(st.sampled_from(live))
        return data.draw(
            st.sampled_from(pending) if pending and data.draw(st.integers(0, 5)) else st.sampled_from(found)
        )

    @precondition(lambda self: self.rows("SELECT 1 FROM claims"))
    @rule(actor=ACTOR, data=st.data())
    def withdraw_claim(self, actor: str, data: st.DataObject) -> None:
        c = self._claim(data)
        role = ROLE[actor]
        if role != "county" or REGION[actor] != c.claimant:
            expect = 3
        elif c.status != "pending":
            expect = 4
        else:
            expect = 0
        self.attempt("claim.withdraw", lambda: claims.withdraw(self.rts[actor], c.id), expect)

    @precondition(lambda self: self.rows("SELECT 1 FROM claims"))
    @rule(actor=CITYISH, data=st.data(), agreement=st.sampled_from(AGREEMENTS))
    def approve(self, actor: str, data: st.DataObject, agreement: tuple[str, list[str], bool]) -> None:
        c = self._claim(data, approvable=True)
        ruleset, pairs, valid = agreement
        last = self.rows("SELECT max(effective) AS m FROM transfers WHERE project_id = :p", p=c.project_id)[
            0
        ].m
        low = max(month_int("2024-07"), last or 0)
        effective = data.draw(st.one_of(st.integers(low - 2, low + 6), FAR_FUTURE))
        shown = "expired" if c.lstatus == "open" and when(c.closes_at) <= self.now else c.lstatus
        start = {
            "shangluo-default": month_int("2024-07"),
            "kunming-2024": month_int("2024-05"),
            "chuanzhe": month_int("2010-01"),
        }.get(ruleset)
        if ROLE[actor] != "city":
            expect: int | None = 3
        elif effective > month_int(self.city_month()):
            expect = 1
        elif c.status != "pending" or shown != "open":
            expect = 4
        elif not valid or start is None or effective < start or (last is not None and effective < last):
            expect = 1
        else:
            expect = 0
        self.attempt(
            "claim.approve",
            lambda: claims.approve(
                self.rts[actor], c.id, effective=format_month(effective), agreement=pairs, ruleset=ruleset
            ),
            expect,
        )
        _Run.counter.add("approvals_tried")

    def _live_claims(self) -> list[Any]:
        rows = self.rows(
            "SELECT c.id, l.closes_at FROM claims c JOIN listings l ON "
            "l.id = c.listing_id WHERE c.status = 'pending' AND l.status = 'open'"
        )
        return [r for r in rows if when(r.closes_at) > self.now]

    @precondition(lambda self: self._live_claims())
    @rule(data=st.data(), agreement=st.sampled_from([a for a in AGREEMENTS if a[2]]))
    def approve_a_live_claim(self, data: st.DataObject, agreement: tuple[str, list[str], bool]) -> None:
        """The city deciding a claim it can approve, so that projects move and money flows."""
        self.approve("city-office", data, agreement)

    @precondition(lambda self: self.rows("SELECT 1 FROM claims"))
    @rule(actor=CITYISH, data=st.data(), reason=FREE_TEXT)
    def reject(self, actor: str, data: st.DataObject, reason: str) -> None:
        c = self._claim(data)
        kept = typed(reason, multiline=True)
        if ROLE[actor] != "city":
            expect = 3
        elif not kept:
            expect = 1
        elif c.status != "pending":
            expect = 4
        else:
            expect = 0
        self.attempt("claim.reject", lambda: claims.reject(self.rts[actor], c.id, reason=reason), expect)
        if expect == 0:
            assert (
                self.rows("SELECT decision_reason FROM claims WHERE id = :i", i=c.id)[0].decision_reason
                == kept
            )

    @rule(days=st.integers(1, 20))
    def expire(self, days: int) -> None:
        """Time passes: listings whose window closed are expired from now on."""
        _Run.counter.add("steps")
        self.now += timedelta(days=days)

    def _import(self, actor: str, data: st.DataObject, restate: bool) -> None:
        codes = [r.code for r in self.rows("SELECT code FROM projects ORDER BY id")]
        stored, stored_notes = self._stored_actuals()
        keys = data.draw(
            st.lists(
                st.tuples(st.sampled_from(codes), st.sampled_from(PERIODS), st.sampled_from(METRICS)),
                min_size=1,
                max_size=8,
                unique=True,
            )
        )
        if stored and data.draw(st.booleans()):
            keys = keys[:4] + data.draw(
                st.lists(st.sampled_from(sorted(stored)), max_size=4, unique=True).map(
                    lambda ks: [k for k in ks if k not in keys]
                )
            )
        amounts = [data.draw(st.one_of(fen, st.just(stored.get(k, 0)))) for k in keys]
        notes = [data.draw(st.one_of(SQLISH, st.just(stored_notes.get(k, "")))) for k in keys]
        closed = self.rows("SELECT max(through) AS m FROM period_closes")[0].m
        path = self.home / f"a{next(self.files)}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["project", "period", "metric", "amount", "note"])
            for k, a, n in zip(keys, amounts, notes, strict=True):
                w.writerow([*k, written(a), n])
        # A different amount or note for a stored key restates it.
        restated = [
            k
            for k, a, n in zip(keys, amounts, notes, strict=True)
            if k in stored and (stored[k], stored_notes[k]) != (a, n)
        ]
        new_closed = [k for k in keys if k not in stored and closed is not None and month_int(k[1]) <= closed]
        if ROLE[actor] != "city":
            expect = 3
        elif any(_refused_note(n) for n in notes):
            expect = 1
        elif not restate and (restated or new_closed):
            expect = 1
        else:
            expect = 0
        self.attempt(
            "actuals.import",
            lambda: actuals.import_file(
                self.rts[actor],
                str(path),
                restate=restate,
                reason="税务局更正 '); DROP TABLE actuals;--" if restate else None,
            ),
            expect,
        )
        if expect == 0:
            after, after_notes = self._stored_actuals()
            assert after == {**stored, **dict(zip(keys, amounts, strict=True))}
            assert after_notes == {**stored_notes, **dict(zip(keys, notes, strict=True))}

    def _stored_actuals(self) -> tuple[dict[tuple[str, str, str], int], dict[tuple[str, str, str], str]]:
        """The current amount and note of every stored key."""
        found = self.rows(
            "SELECT p.code, a.period, a.metric, a.amount, v.note FROM actuals a "
            "JOIN projects p ON p.id = a.project_id JOIN actual_revisions v ON v.project_id = a.project_id "
            "AND v.period = a.period AND v.metric = a.metric AND v.revision = a.revision"
        )
        keys = [(r.code, format_month(r.period), r.metric) for r in found]
        return (
            {k: r.amount for k, r in zip(keys, found, strict=True)},
            {k: r.note for k, r in zip(keys, found, strict=True)},
        )

    @rule(actor=CITYISH, data=st.data())
    def import_actuals(self, actor: str, data: st.DataObject) -> None:
        self._import(actor, data, restate=False)

    @rule(actor=CITYISH, data=st.data())
    def restate(self, actor: str, data: st.DataObject) -> None:
        self._import(actor, data, restate=True)

    @rule(actor=CITYISH, data=st.data())
    def settle(self, actor: str, data: st.DataObject) -> None:
        last = last_settled(self.engine)
        low = month_int(PERIODS[0]) if last is None else last
        period = data.draw(st.one_of(st.integers(low - 1, min(low + 3, month_int(PERIODS[-1]))), FAR_FUTURE))
        if ROLE[actor] != "city":
            expect = 3
        elif period > month_int(self.city_month()) or (last is not None and period < last):
            expect = 1
        else:
            expect = 0
        self.attempt("settle", lambda: settlement.settle(self.rts[actor], format_month(period)), expect)
        if expect == 0:
            self.targets = targets_from_scratch(self.engine, period)
            _Run.counter.add("settlements")

    @rule(actor=CITYISH, data=st.data())
    def close(self, actor: str, data: st.DataObject) -> None:
        last = last_settled(self.engine)
        period = data.draw(st.one_of(st.sampled_from(PERIODS), FAR_FUTURE.map(format_month)))
        if ROLE[actor] != "city":
            expect = 3
        elif month_int(period) > month_int(self.city_month()) or last is None or month_int(period) > last:
            expect = 1
        else:
            expect = 0
        self.attempt("period.close", lambda: periods.close(self.rts[actor], period), expect)

    # -- after every step -----------------------------------------------------------------------
    @invariant()
    def consistent(self) -> None:
        if hasattr(self, "pool"):
            check_all(self.engine, self.rts["audit-bureau"], self.targets)


def _run(backend: str, sqlite_template: Path, pg_schemas: Any, examples: int, steps: int) -> None:
    _Run.backend, _Run.sqlite_template, _Run.pg_schemas = backend, sqlite_template, pg_schemas
    _Run.counter = Counter()
    run_state_machine_as_test(
        PoolMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            report_multiple_bugs=False,
            phases=PHASES,
            suppress_health_check=list(HealthCheck),
        ),
    )
    print(_Run.counter.line(f"model ({backend})"))
    assert _Run.counter.counts["steps"] >= examples


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("backend", BACKENDS)
def test_the_whole_product_as_a_state_machine(backend: str, sqlite_template: Path, pg_schemas: Any) -> None:
    if backend == "sqlite":
        _run(backend, sqlite_template, pg_schemas, examples=40, steps=40)
    else:
        _run(backend, sqlite_template, pg_schemas, examples=25, steps=30)
