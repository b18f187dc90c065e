"""Races through real concurrent connections: each contender has its own engine and unit of
work, and all start together. On PostgreSQL row locks and unique indexes decide; on SQLite
BEGIN IMMEDIATE serialises the writers."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from support.databases import BACKENDS
from support.driver import FIXTURES, Pool

from pool.bootstrap import bootstrap
from pool.config import Settings
from pool.domain.errors import PoolError
from pool.services import claims, listings, projects
from pool.services.projects import NewProject
from pool.services.runtime import Runtime

ROUNDS = 8
COUNTIES = ("shangzhou", "danfeng", "luonan", "shanyang")


def race(contenders: list[Callable[[], Any]]) -> list[Any]:
    """Run the contenders at once; each result is a value or the PoolError raised."""
    barrier = threading.Barrier(len(contenders))
    results: list[Any] = [None] * len(contenders)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = contenders[i]()
        except PoolError as exc:
            results[i] = exc
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(contenders))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.fixture
def pool(db_url: str) -> Pool:
    p = Pool(db_url)
    p.init()
    p.add_actor("zhashui-bureau", "county", "zhashui")
    for county in COUNTIES:
        p.add_actor(f"{county}-bureau", "county", county)
    p.add_actor("policy-desk", "policy")
    p.ok("policy-desk", "rules", "publish", str(FIXTURES / "pool-test-1.yaml"))
    return p


def runtimes(pool: Pool, *actors: str) -> list[Runtime]:
    return [bootstrap(Settings(pool.url, a, pool.tokens[a])) for a in actors]


def close(rts: list[Runtime]) -> None:
    for rt in rts:
        rt.close()


def _project(pool: Pool, n: int) -> str:
    code = f"ZS-{n:03d}"
    pool.ok(
        "zhashui-bureau",
        "project",
        "add",
        code,
        "--name",
        f"项目{n}",
        "--investor",
        f"投资方{n}",
        "--chain",
        "electronics",
        "--kind",
        "manufacturing",
        "--investment",
        "100000000",
        "--capital-source",
        "out_of_city",
    )
    return code


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_racing_approvals_make_one_transfer(pool: Pool) -> None:
    for n in range(ROUNDS):
        code = _project(pool, n)
        listing = pool.json("zhashui-bureau", "listing", "open", code, "--reason", "用地不足")
        ids = [pool.json(f"{c}-bureau", "claim", "submit", str(listing["id"]))["id"] for c in COUNTIES]
        rts = runtimes(pool, *["city-office"] * len(ids))
        results = race(
            [
                (
                    lambda rt=rt, cid=cid: claims.approve(
                        rt,
                        cid,
                        effective="2024-08",
                        ruleset="pool-test",
                        agreement=["pre_move_tax_3y=1800000"],
                    )
                )
                for rt, cid in zip(rts, ids, strict=True)
            ]
        )
        close(rts)
        won = [r for r in results if isinstance(r, dict)]
        lost = [r for r in results if not isinstance(r, dict)]
        assert len(won) == 1, results
        assert all(isinstance(r, PoolError) and r.exit_code == 4 for r in lost), lost
        transfers = pool.rows("transfers", listing_id=listing["id"])
        assert len(transfers) == 1
        statuses = [pool.one("claims", id=i)["status"] for i in ids]
        assert sorted(statuses) == ["approved"] + ["rejected"] * (len(ids) - 1)
        assert pool.one("projects", code=code)["host"] == transfers[0]["to_region"]
    pool.close()


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_same_county_claiming_twice_at_once_makes_one_claim(pool: Pool) -> None:
    for n in range(ROUNDS):
        code = _project(pool, n)
        listing = pool.json("zhashui-bureau", "listing", "open", code, "--reason", "用地不足")
        rts = runtimes(pool, "shangzhou-bureau", "shangzhou-bureau", "shangzhou-bureau")
        results = race(
            [(lambda rt=rt, lid=listing["id"]: claims.submit(rt, lid, note_text="x")) for rt in rts]
        )
        close(rts)
        assert sum(isinstance(r, dict) for r in results) == 1, results
        assert all(
            r.exit_code == 1 and "already has a pending claim" in str(r)
            for r in results
            if not isinstance(r, dict)
        ), results
        assert len(pool.rows("claims", listing_id=listing["id"], status="pending")) == 1
    pool.close()


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_two_counties_registering_one_lead_make_one_project(pool: Pool) -> None:
    for n in range(ROUNDS):
        rts = runtimes(pool, *[f"{c}-bureau" for c in COUNTIES])
        results = race(
            [
                (
                    lambda rt=rt, i=i, n=n: projects.add(
                        rt,
                        NewProject(
                            f"LEAD-{n}-{i}",
                            f"钼精深加工项目{n}",
                            " 金钼股份 " if i % 2 else "金钼股份",
                            "new_materials",
                            "manufacturing",
                            "350000000",
                            "out_of_city",
                        ),
                    )
                )
                for i, rt in enumerate(rts)
            ]
        )
        close(rts)
        assert sum(isinstance(r, dict) for r in results) == 1, results
        assert all(
            r.exit_code == 1 and "already registered" in str(r) for r in results if not isinstance(r, dict)
        ), results
        assert len([p for p in pool.rows("projects") if p["lead_name"] == f"钼精深加工项目{n}"]) == 1
    pool.close()


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_racing_listings_of_one_project_make_one_open_listing(pool: Pool) -> None:
    for n in range(ROUNDS // 2):
        code = _project(pool, n)
        rts = runtimes(pool, "zhashui-bureau", "city-office", "zhashui-bureau")
        results = race(
            [(lambda rt=rt, code=code: listings.open_listing(rt, code, reason="x", needs=[])) for rt in rts]
        )
        close(rts)
        assert sum(isinstance(r, dict) for r in results) == 1, results
        assert all(r.exit_code == 4 for r in results if not isinstance(r, dict)), results
    pool.close()
