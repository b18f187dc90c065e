"""Shared helpers of the reliability tests: runtimes per actor, snapshots of every state table,
and the product's invariants checked straight on the database.

The invariants:
- every project has exactly one host and its transfers (in approval order) form one chain from
  its origin to its host;
- listings and claims are in consistent states (one open listing per project, an approved claim
  for exactly the transferred listings, pending claims only on open listings, …);
- the ledger verifies (`pool ledger verify`'s service);
- every party balance and transfer position equals the engine's targets recomputed from scratch
  (the stored transfers, their pinned rulesets and all current actuals).
"""

from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, text

from pool.bootstrap import Adapters, bootstrap
from pool.config import Settings
from pool.domain.accounts import SOURCE
from pool.services import verify as verify_service
from pool.services.runtime import Runtime

# Everything a command may change, except the audit log (a refused command adds its audit row).
STATE_TABLES = (
    "regions",
    "chains",
    "actors",
    "projects",
    "listings",
    "claims",
    "ruleset_versions",
    "transfers",
    "actual_imports",
    "actuals",
    "actual_revisions",
    "settlement_runs",
    "ledger_accounts",
    "ledger_entries",
    "ledger_postings",
    "transfer_positions",
    "period_closes",
)


class Counter:
    """Counts reported by the reliability tests (printed, so the CI log shows them)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] += n

    def line(self, title: str) -> str:
        return f"{title}: " + ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))


def runtime(url: str, actor: str, token: str, adapters: Adapters | None = None) -> Runtime:
    return bootstrap(Settings(url, actor, token), adapters)


def snapshot(engine: Engine, tables: tuple[str, ...] = STATE_TABLES) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))] for t in tables}


def audit_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                text("SELECT id, actor, action, target, outcome, detail FROM audit_log ORDER BY id")
            )
        ]


def audit_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one())


# -- invariants ----------------------------------------------------------------------------------


def check_chains(engine: Engine) -> None:
    """Each project: one host, and its transfers in force (not cancelled), in approval order, a
    chain origin -> host."""
    with engine.connect() as conn:
        projects = {r.id: r for r in conn.execute(text("SELECT id, code, origin, host FROM projects"))}
        moves: dict[int, list[Any]] = defaultdict(list)
        for r in conn.execute(
            text(
                "SELECT id, project_id, from_region, to_region, effective FROM transfers WHERE id NOT IN "
                "(SELECT transfer_id FROM transfer_cancellations) ORDER BY id"
            )
        ):
            moves[r.project_id].append(r)
    for pid, p in projects.items():
        assert p.host is not None and p.origin is not None, p
        at = p.origin
        for t in moves.get(pid, []):
            assert t.from_region == at, (p.code, [tuple(m) for m in moves[pid]])
            assert t.to_region != t.from_region, (p.code, tuple(t))
            at = t.to_region
        assert at == p.host, (p.code, p.origin, p.host, [tuple(m) for m in moves.get(pid, [])])
        effective = [t.effective for t in moves.get(pid, [])]
        assert effective == sorted(effective), (p.code, effective)


def check_listings_and_claims(engine: Engine) -> None:
    with engine.connect() as conn:
        projects = {r.id: r for r in conn.execute(text("SELECT id, code, host, stage FROM projects"))}
        listings = {
            r.id: r
            for r in conn.execute(text("SELECT id, project_id, region, status, closed_at FROM listings"))
        }
        claims = list(conn.execute(text("SELECT id, listing_id, claimant, status FROM claims")))
        transfers = list(
            conn.execute(
                text("SELECT id, project_id, listing_id, claim_id, from_region, to_region FROM transfers")
            )
        )
    open_per_project: dict[int, int] = defaultdict(int)
    for item in listings.values():
        assert item.status in ("open", "transferred", "withdrawn", "expired"), item
        assert (item.closed_at is None) == (item.status == "open"), tuple(item)
        if item.status == "open":
            open_per_project[item.project_id] += 1
            # Only an approval of its own claim moves the host, and that closes the listing.
            assert projects[item.project_id].host == item.region, tuple(item)
            assert projects[item.project_id].stage != "terminated", tuple(item)
    assert all(n == 1 for n in open_per_project.values()), open_per_project
    by_listing: dict[int, list[Any]] = defaultdict(list)
    for c in claims:
        assert c.status in ("pending", "approved", "rejected", "withdrawn"), c
        by_listing[c.listing_id].append(c)
        item = listings[c.listing_id]
        assert c.claimant != item.region, (tuple(c), tuple(item))
        if c.status == "pending":
            assert item.status in ("open", "expired"), (tuple(c), tuple(item))
    for lid, found in by_listing.items():
        pending = [c.claimant for c in found if c.status == "pending"]
        assert len(pending) == len(set(pending)), (lid, pending)
    by_claim = {t.claim_id: t for t in transfers}
    assert len(by_claim) == len(transfers)
    assert len({t.listing_id for t in transfers}) == len(transfers)
    for c in claims:
        item = listings[c.listing_id]
        if c.status == "approved":
            t = by_claim.get(c.id)
            assert t is not None, tuple(c)
            assert t.listing_id == item.id and t.to_region == c.claimant
            assert t.from_region == item.region and t.project_id == item.project_id
            assert item.status == "transferred", (tuple(c), tuple(item))
        else:
            assert c.id not in by_claim, tuple(c)
    for item in listings.values():
        approved = [c for c in by_listing.get(item.id, []) if c.status == "approved"]
        assert len(approved) == (1 if item.status == "transferred" else 0), tuple(item)


def check_verifies(auditor: Runtime) -> None:
    report = verify_service.verify(auditor)
    assert report["ok"] and not report["problems"], report


def ledger_summary(
    engine: Engine,
) -> tuple[dict[tuple[str, str, str], int], dict[tuple[int, str, str, str], int]]:
    """Non-zero party balances per (book, region, share) and positions per
    (transfer, share, book, region)."""
    with engine.connect() as conn:
        accounts = {
            (b, r, s): a
            for b, r, s, a in conn.execute(
                text("SELECT book, region, share, balance FROM ledger_accounts WHERE region <> :src"),
                {"src": SOURCE},
            )
            if a
        }
        positions = {
            (t, s, b, r): a
            for t, s, b, r, a in conn.execute(
                text("SELECT transfer_id, share, book, region, amount FROM transfer_positions")
            )
            if a
        }
    return accounts, positions


def check_balances(engine: Engine, targets: dict[tuple[int, str, str, str], int]) -> None:
    """Stored balances and positions are exactly `targets` (the engine's, from scratch)."""
    by_account: dict[tuple[str, str, str], int] = defaultdict(int)
    for (_t, share, book, region), amount in targets.items():
        by_account[(book, region, share)] += amount
    accounts, positions = ledger_summary(engine)
    assert accounts == {k: v for k, v in by_account.items() if v}
    assert positions == {k: v for k, v in targets.items() if v}


def last_settled(engine: Engine) -> int | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT max(through) FROM settlement_runs")).scalar()


def check_all(engine: Engine, auditor: Runtime, targets: dict[tuple[int, str, str, str], int]) -> None:
    check_chains(engine)
    check_listings_and_claims(engine)
    check_verifies(auditor)
    check_balances(engine, targets)
