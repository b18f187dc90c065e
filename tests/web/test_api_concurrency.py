"""Twenty API clients at once against `pool serve --workers 2` on PostgreSQL: every county claims
both listings, then the city approves every claim at once (some twice). Each listing ends with one
transfer, and every loser gets 409 with the sentence the command line gives for the same request
made afterwards, in sequence."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import httpx
import pytest
from support.driver import FIXTURES, Pool

COUNTIES = ("shangzhou", "luonan", "danfeng", "shanyang", "zhenan", "shangnan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(db_url: str) -> Iterator[tuple[str, Pool]]:
    pool = Pool(db_url)
    pool.init()
    for county in (*COUNTIES, "zhashui"):
        pool.add_actor(f"{county}-bureau", "county", county)
    pool.add_actor("policy-desk", "policy")
    pool.ok("policy-desk", "rules", "publish", str(FIXTURES / "pool-test-1.yaml"))
    for n in (1, 2):
        pool.ok(
            "zhashui-bureau",
            "project",
            "add",
            f"ZS-00{n}",
            "--name",
            f"项目{n}",
            "--investor",
            f"投资方{n}",
            "--chain",
            "electronics",
            "--kind",
            "manufacturing",
            "--investment",
            "200000000",
            "--capital-source",
            "out_of_city",
        )
        pool.ok("zhashui-bureau", "listing", "open", f"ZS-00{n}", "--reason", "用地不足")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POOL_")}
    process = subprocess.Popen(
        [sys.executable, "-c", "from pool.cli import main; main()", "--db", db_url, "serve"]
        + ["--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            assert process.poll() is None, process.stderr.read() if process.stderr else "stopped"
            try:
                if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base, pool
    finally:
        process.terminate()
        process.wait(timeout=30)
        pool.close()


def _all_at_once(
    calls: list[tuple[str, str, dict[str, Any] | None]], base: str, tokens: dict[str, str]
) -> list[Any]:
    barrier = Barrier(len(calls))

    def call(item: tuple[str, str, dict[str, Any] | None]) -> httpx.Response:
        actor, path, body = item
        with httpx.Client(base_url=base, auth=(actor, tokens[actor]), timeout=60) as client:
            barrier.wait()
            return client.post(path, json=body)

    with ThreadPoolExecutor(len(calls)) as workers:
        return list(workers.map(call, calls))


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_twenty_clients_one_winner_per_listing(served: tuple[str, Pool]) -> None:
    base, pool = served
    claims = [(f"{c}-bureau", f"/api/v1/listings/{n}/claims", {"note": c}) for c in COUNTIES for n in (1, 2)]
    claims += [
        (f"{c}-bureau", f"/api/v1/listings/{n}/claims", {"note": "again"})
        for c in COUNTIES[:4]
        for n in (1, 2)
    ]
    assert len(claims) == 20
    answers = _all_at_once(claims, base, pool.tokens)
    made = [r for r in answers if r.status_code == 201]
    assert len(made) == 12, [r.text for r in answers]
    for r in answers:
        if r.status_code != 201:  # a county's second claim on the same listing
            assert r.status_code == 422 and "already has a pending claim" in r.json()["error"]

    ids = [r.json()["id"] for r in made]
    approve = {"effective": "2024-08", "ruleset": "pool-test", "agreement": {"pre_move_tax_3y": "1800000"}}
    calls = [("city-office", f"/api/v1/claims/{i}/approve", approve) for i in ids]
    calls += [("city-office", f"/api/v1/claims/{i}/approve", approve) for i in ids[:8]]
    answers = _all_at_once(calls, base, pool.tokens)
    won = [r.json() for r in answers if r.status_code == 201]
    assert sorted(t["project"] for t in won) == ["ZS-001", "ZS-002"]
    assert len(pool.rows("transfers")) == 2
    for (_, path, _), r in zip(calls, answers, strict=True):
        if r.status_code == 201:
            continue
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "conflict"
        claim = path.split("/")[4]
        after = pool.run(
            "city-office",
            "claim",
            "approve",
            claim,
            "--effective",
            "2024-08",
            "--ruleset",
            "pool-test",
            "--agreement",
            "pre_move_tax_3y=1800000",
        )
        assert after.exit_code == 4
        assert after.stderr.strip() == f"Error: {r.json()['error']}"
    outcomes = [a["outcome"] for a in pool.rows("audit_log") if a["action"] == "claim.approve"]
    losers = len(calls) - 2
    assert outcomes.count("ok") == 2
    assert outcomes.count("conflict") == 2 * losers  # each loser, and its re-run on the command line


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_an_actor_signing_in_from_many_browsers_at_once(served: tuple[str, Pool]) -> None:
    """The first sign-ins of an actor race to create its preferences: every one gets in."""
    base, pool = served
    barrier = Barrier(12)

    def sign_in(_: int) -> int:
        with httpx.Client(base_url=base, timeout=60) as client:
            page = client.get("/login")
            csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            barrier.wait()
            data = {"actor": "policy-desk", "token": pool.tokens["policy-desk"], "csrf": csrf}
            return client.post("/login", data=data).status_code

    with ThreadPoolExecutor(12) as workers:
        assert list(workers.map(sign_in, range(12))) == [303] * 12
    assert len(pool.rows("web_sessions")) == 12
