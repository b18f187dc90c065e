"""Product fixes the reliability tests led to, each pinned by a direct test."""

import threading
from pathlib import Path
from typing import Any

import pytest
from support.databases import BACKENDS
from support.ledger import fresh_pool, move
from support.reliability import check_listings_and_claims, runtime

from pool.domain.errors import PoolError
from pool.services import claims

pytestmark = pytest.mark.reliability


def test_a_transfer_cannot_take_effect_before_the_projects_last_move(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """The engine orders a project's transfers by effective month; approving a
    move dated before the last one would make that order differ from the chain of hosts."""
    pool, drop = fresh_pool("sqlite", tmp_path / "pool", sqlite_template, None)
    try:
        # LN-004 moved luonan -> danfeng effective 2024-10.
        listing = pool.json("danfeng-bureau", "listing", "open", "LN-004", "--reason", "用地不足")
        claim = pool.json("zhashui-bureau", "claim", "submit", str(listing["id"]))
        before = pool.snapshot()
        refused = pool.run(
            "city-office",
            "claim",
            "approve",
            str(claim["id"]),
            "--effective",
            "2024-09",
            "--ruleset",
            "kunming-2024",
            "--agreement",
            "origin_share=30%",
        )
        assert refused.exit_code == 1
        assert "2024-09 is before 2024-10, when project LN-004 last moved" in refused.stderr
        assert pool.snapshot() == before
        assert pool.last_audit()["outcome"] == "invalid"
        # The same month as the last move, or later, is accepted.
        pool.ok(
            "city-office",
            "claim",
            "approve",
            str(claim["id"]),
            "--effective",
            "2024-10",
            "--ruleset",
            "kunming-2024",
            "--agreement",
            "origin_share=30%",
        )
        assert (
            move(pool, "LN-004", "zhashui", "luonan", "2024-12", "kunming-2024", ["origin_share=30%"])[
                "effective"
            ]
            == "2024-12"
        )
    finally:
        pool.close()
        drop()


def _at_once(*calls: Any) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except PoolError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_claim_withdrawn_or_rejected_while_approved_is_one_or_the_other(
    backend: str, tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> None:
    """The soak found approve and `claim withdraw` both winning on PostgreSQL (a transfer for a
    withdrawn claim): withdraw and reject now lock the claim, approve locks it and the
    listing's other pending claims, so the loser sees the new status and exits 4."""
    pool, drop = fresh_pool(backend, tmp_path / "pool", sqlite_template, pg_schemas)
    try:
        for n in range(6):
            code = f"RACE-{n}"
            pool.ok(
                "zhashui-bureau",
                "project",
                "add",
                code,
                "--name",
                code,
                "--investor",
                "i",
                "--chain",
                "new_materials",
                "--kind",
                "manufacturing",
                "--investment",
                "300000000",
                "--capital-source",
                "out_of_city",
            )
            listing = pool.json("zhashui-bureau", "listing", "open", code, "--reason", "x")
            ids = [
                pool.json(f"{c}-bureau", "claim", "submit", str(listing["id"]))["id"]
                for c in ("shangzhou", "danfeng")
            ]
            rts = [
                runtime(pool.url, a, pool.tokens[a])
                for a in ("city-office", "shangzhou-bureau", "city-office")
            ]
            results = _at_once(
                lambda r=rts, i=ids: claims.approve(r[0], i[0], effective="2024-09", agreement=[]),
                lambda r=rts, i=ids: claims.withdraw(r[1], i[0]),
                lambda r=rts, i=ids: claims.reject(r[2], i[1], reason="x"),
            )
            for rt in rts:
                rt.close()
            assert all(isinstance(r, dict) or r.exit_code == 4 for r in results), results
            check_listings_and_claims(pool.engine)
    finally:
        pool.close()
        drop()


def test_a_rule_file_with_a_nul_character_is_refused_with_a_sentence() -> None:
    """The YAML reader refuses control characters when it is built; that was outside the
    loader's error handling, so a NUL in a rule file was a traceback."""
    from pool.domain.errors import InvalidInput
    from pool.rules.loader import load_ruleset_text

    with pytest.raises(InvalidInput, match="nul.yaml:1: not valid YAML"):
        load_ruleset_text("ruleset: a\x00b\n", "nul.yaml")
