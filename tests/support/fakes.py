"""An in-memory unit of work with the repositories the workflow services use, for fast tests of
their permission and state rules without a database. Rows are the same model classes, kept in
lists; a unit of work that is not committed puts every row back as it found it."""

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import count
from types import TracebackType
from typing import Any

from pool.bootstrap import Adapters, bootstrap
from pool.config import Settings
from pool.services.auth import Principal
from pool.services.runtime import Runtime
from pool.store.errors import UniqueViolation
from pool.store.models import (
    Actor,
    AuditEntry,
    Chain,
    Claim,
    Listing,
    Project,
    Region,
    RulesetVersion,
    Transfer,
)

KINDS = (Region, Chain, Actor, Project, Listing, Claim, Transfer, RulesetVersion, AuditEntry)
# What the database keeps unique, as (model, name of the key, the row's key or None).
UNIQUE: tuple[tuple[type, str, Callable[[Any], Any]], ...] = (
    (Project, "projects.code", lambda p: p.code),
    (Project, "projects.lead", lambda p: (p.lead_investor, p.lead_name)),
    (Listing, "listings.open", lambda item: item.project_id if item.status == "open" else None),
    (Claim, "claims.pending", lambda c: (c.listing_id, c.claimant) if c.status == "pending" else None),
    (Transfer, "transfers.listing", lambda t: t.listing_id),
    (Actor, "actors.name", lambda a: a.name),
)


class Rows:
    """Every row of every table, and the next id of each."""

    def __init__(self) -> None:
        self.tables: dict[type, list[Any]] = {kind: [] for kind in KINDS}
        self.ids = {kind: count(1) for kind in KINDS}

    def of(self, kind: type) -> list[Any]:
        return self.tables[kind]

    def snapshot(self) -> dict[type, list[tuple[Any, dict[str, Any]]]]:
        return {k: [(row, _values(row)) for row in rows] for k, rows in self.tables.items()}

    def restore(self, saved: dict[type, list[tuple[Any, dict[str, Any]]]]) -> None:
        for kind, rows in saved.items():
            for row, values in rows:
                for key, value in values.items():
                    setattr(row, key, value)
            self.tables[kind] = [row for row, _ in rows]


def _values(row: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(row).items() if not k.startswith("_sa_")}


class _Repo:
    kind: type

    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def _all(self, kind: type | None = None) -> list[Any]:
        return self.rows.of(kind or self.kind)

    def _where(self, **match: Any) -> list[Any]:
        return [r for r in self._all() if all(getattr(r, k) == v for k, v in match.items())]

    def _first(self, **match: Any) -> Any:
        found = self._where(**match)
        return found[0] if found else None

    def add(self, row: Any) -> None:
        self._all(type(row)).append(row)


class Regions(_Repo):
    kind = Region

    def all(self) -> list[Region]:
        return sorted(self._all(), key=lambda r: r.code)

    def get(self, code: str) -> Region | None:
        return self._first(code=code)

    def city(self) -> Region | None:
        return self._first(level="city")

    def names(self) -> dict[str, str]:
        return {r.code: r.name for r in self._all()}

    def chains(self) -> list[Chain]:
        return list(self._all(Chain))

    def chain(self, code: str) -> Chain | None:
        return next((c for c in self._all(Chain) if c.code == code), None)

    def add_chain(self, chain: Chain) -> None:
        self.add(chain)


class Actors(_Repo):
    kind = Actor

    def get(self, actor_id: int) -> Actor | None:
        return self._first(id=actor_id)

    def by_name(self, name: str) -> Actor | None:
        return self._first(name=name)

    def all(self) -> list[Actor]:
        return list(self._all())

    def count(self) -> int:
        return len(self._all())

    def active_city(self, *, lock: bool = False) -> list[Actor]:
        return [a for a in self._all() if a.role == "city" and a.revoked_at is None]


class Projects(_Repo):
    kind = Project

    def by_code(self, code: str, *, lock: bool = False) -> Project | None:
        return self._first(code=code)

    def by_id(self, project_id: int, *, lock: bool = False) -> Project | None:
        return self._first(id=project_id)

    def named(self, lead_name: str) -> list[Project]:
        return self._where(lead_name=lead_name)

    def by_lead(self, investor: str, name: str) -> Project | None:
        return self._first(lead_investor=investor, lead_name=name)

    def search(self, **filters: str | None) -> list[Project]:
        found = [p for p in self._all() if all(getattr(p, k) == v for k, v in filters.items() if v)]
        return sorted(found, key=lambda p: p.code)


class Listings(_Repo):
    kind = Listing

    def get(self, listing_id: int, *, lock: bool = False) -> Listing | None:
        return self._first(id=listing_id)

    def lock_shared(self, listing_id: int) -> Listing | None:
        return self._first(id=listing_id)

    def expire_due(self, project_id: int, now: datetime) -> None:
        for item in self._where(project_id=project_id, status="open"):
            if item.closes_at <= now:
                item.status, item.closed_at = "expired", item.closes_at

    def open_for(self, project_id: int) -> Listing | None:
        return self._first(project_id=project_id, status="open")


class Claims(_Repo):
    kind = Claim

    def get(self, claim_id: int, *, fresh: bool = False, lock: bool = False) -> Claim | None:
        return self._first(id=claim_id)

    def for_listing(self, listing_id: int) -> list[Claim]:
        return self._where(listing_id=listing_id)

    def pending(self, listing_id: int, claimant: str | None = None, *, lock: bool = False) -> list[Claim]:
        found = self._where(listing_id=listing_id, status="pending")
        return [c for c in found if claimant is None or c.claimant == claimant]


class Transfers(_Repo):
    kind = Transfer

    def get(self, transfer_id: int) -> Transfer | None:
        return self._first(id=transfer_id)

    def search(self, *, project_id: int | None = None) -> list[Transfer]:
        return [t for t in self._all() if project_id is None or t.project_id == project_id]


class Rulesets(_Repo):
    kind = RulesetVersion

    def get(self, version_id: int) -> RulesetVersion | None:
        return self._first(id=version_id)

    def find(self, ruleset: str, version: str) -> RulesetVersion | None:
        return self._first(ruleset=ruleset, version=version)

    def versions(self, ruleset: str | None = None) -> list[RulesetVersion]:
        found = [v for v in self._all() if ruleset is None or v.ruleset == ruleset]
        return sorted(found, key=lambda v: (v.ruleset, v.effective_from, v.id))


class Audit(_Repo):
    kind = AuditEntry

    def append(self, *, detail: dict[str, object] | str, **fields: Any) -> None:
        text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False, sort_keys=True)
        self.add(AuditEntry(detail=text, **fields))

    def search(self, *, actor: str | None = None, since: datetime | None = None) -> list[AuditEntry]:
        return [e for e in self._all() if (actor is None or e.actor == actor)]


class Journal:
    """The input journal's part the workflow services use: records are counted, not chained
    (the chain is the store's, tested on real databases); no corrections are stored."""

    def __init__(self) -> None:
        self.recorded: list[tuple[str, tuple[int, ...], str | None]] = []

    def record(self, kind: str, ids: Any, reason: str | None = None) -> None:
        self.recorded.append((kind, tuple(ids), reason))

    def agreement_revisions(self, transfer_id: int) -> list[Any]:
        return []

    def cancellation(self, transfer_id: int) -> Any:
        return None


class FakeUnitOfWork:
    """The workflow repositories over `Rows`; everything is put back unless committed."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.regions, self.actors, self.projects = Regions(rows), Actors(rows), Projects(rows)
        self.listings, self.claims, self.transfers = Listings(rows), Claims(rows), Transfers(rows)
        self.rulesets, self.audit = Rulesets(rows), Audit(rows)
        self.journal = Journal()

    def __enter__(self) -> "FakeUnitOfWork":
        self._saved = self.rows.snapshot()
        self._committed = False
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._committed:
            self.rows.restore(self._saved)

    def lock_ledger(self, holder: str) -> None:
        """One process, one unit of work at a time: nothing to wait for."""

    def lock_rulesets(self, holder: str) -> None:
        """As lock_ledger: nothing to wait for."""

    def flush(self) -> None:
        for kind, rows in self.rows.tables.items():
            for row in rows:
                if getattr(row, "id", 0) is None:
                    row.id = next(self.rows.ids[kind])
        for kind, key, of in UNIQUE:
            seen = [of(r) for r in self.rows.of(kind) if of(r) is not None]
            if len(seen) != len(set(seen)):
                raise UniqueViolation(key)

    def commit(self) -> None:
        self.flush()
        self._committed = True


class FakeDatabase:
    """Stands where `pool.store.database.Database` stands, holding its rows in memory."""

    def __init__(self, url: str = "memory:") -> None:
        self.rows = Rows()

    def unit_of_work(self, *, write: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.rows)

    def close(self) -> None:
        pass

    def seed(self, objects: Iterable[Any]) -> None:
        """Store rows as they are, ids given where missing."""
        with self.unit_of_work(write=True) as uow:
            for row in objects:
                uow.rows.of(type(row)).append(row)
            uow.commit()


def runtime_on(database: FakeDatabase, actor: Actor, clock: Callable[[], datetime]) -> Runtime:
    """A runtime for `actor` on the fake database, its identity already proven."""
    rt = bootstrap(Settings("memory:", None, None), Adapters(clock=clock, database=lambda url: database))
    return rt.acting_as(Principal.of(actor))
