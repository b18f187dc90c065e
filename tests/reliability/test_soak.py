"""Concurrency soak on PostgreSQL: 8 processes run random workflow and settlement
commands through the real command line against one database for a bounded time.

Afterwards every invariant of the model test holds (one host and one chain per project,
consistent listings and claims, the ledger verifies, balances equal the engine's targets from
scratch once the last period is settled again), every state-changing attempt has its audit row,
and every refusal is a sentence with its exit code: a lost race is exit 4 (or the exit 1 of a
rule violation the sequential check would give), never an internal error, never a traceback.
"""

import json
import os
import re
import subprocess
import sys
from collections import Counter as Tally
from pathlib import Path
from typing import Any

import pytest
from support.ledger import ROOT, fresh_pool
from support.oracle import targets_from_scratch
from support.reliability import audit_count, check_all, last_settled, runtime

from pool.domain.months import format_month

pytestmark = [pytest.mark.reliability, pytest.mark.soak]

WORKERS = 8
SECONDS = float(os.environ.get("POOL_SOAK_SECONDS", "45"))
READS = {"report"}
# Refusals that are rule violations about the input: the same sentence a sequential run gives.
RULE_VIOLATIONS = re.compile(
    "|".join(
        [
            r"already has a pending claim",
            r"a host cannot claim its own listing",
            r"is before .*, the last settled period",
            r"is not settled yet",
            r"This lead is already registered",
            r"would restate it",
            r"is closed",
            r"when project \S+ last moved",
        ]
    )
)


@pytest.mark.postgres
def test_eight_processes_on_one_postgres_database(
    tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> None:
    pool, drop = fresh_pool("postgres", tmp_path / "pool", sqlite_template, pg_schemas)
    try:
        audits_before = audit_count(pool.engine)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("POOL_DEBUG", None)
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(Path(__file__).with_name("soak_worker.py")),
                    pool.url,
                    json.dumps(pool.tokens),
                    str(seed),
                    str(SECONDS),
                    str(tmp_path / f"w{seed}.json"),
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for seed in range(WORKERS)
        ]
        for p in procs:
            out, err = p.communicate(timeout=SECONDS + 240)
            assert p.returncode == 0, err[-3000:]
        log = [
            entry for seed in range(WORKERS) for entry in json.loads((tmp_path / f"w{seed}.json").read_text())
        ]
        outcomes = Tally(code for _a, _args, code, _err in log)
        bad = []
        for actor, args, code, err in log:
            if code == 0:
                continue
            sentence_ok = (
                err.startswith("Error: ")
                and "Traceback" not in err
                and "internal error" not in err
                and "database refused" not in err
                and "cannot be used" not in err
            )
            if not sentence_ok or code not in (1, 3, 4) or (code == 1 and not RULE_VIOLATIONS.search(err)):
                bad.append((actor, args, code, err))
        races = outcomes[4]
        writes = sum(1 for _a, args, code, _e in log if args[0] not in READS and code != 2)
        print(
            f"soak (postgresql): {WORKERS} processes, {len(log)} commands in {SECONDS:.0f}s, "
            f"exit codes {dict(sorted(outcomes.items()))}, lost races (exit 4) {races}"
        )
        kinds = Tally(
            re.sub(r"\d+", "N", err.splitlines()[0])[:90] for _a, _args, code, err in log if code == 4
        )
        print("  lost races:", dict(kinds.most_common(8)))
        assert not bad, bad[:10]
        assert audit_count(pool.engine) - audits_before == writes
        assert outcomes[0] > 0

        # Settle the last settled period again, so that every import is posted, then check.
        last = last_settled(pool.engine)
        if last is not None:
            pool.ok("city-office", "settle", format_month(last))
        auditor = runtime(pool.url, "audit-bureau", pool.tokens["audit-bureau"])
        try:
            check_all(pool.engine, auditor, targets_from_scratch(pool.engine, last))
        finally:
            auditor.close()
    finally:
        pool.close()
        if not os.environ.get("POOL_SOAK_KEEP"):
            drop()
        else:
            print("kept", pool.url)
