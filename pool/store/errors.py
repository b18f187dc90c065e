"""Database failures translated into the product's words."""

import re

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from pool.domain.errors import Conflict, PoolError


class DatabaseUnavailable(PoolError):
    """The database cannot be reached or is not a pool database (exit 1)."""


class Retryable(Conflict):
    """A serialization failure or deadlock: the transaction was rolled back whole and may be run
    again as it was."""


class UniqueViolation(Exception):
    """An insert or update hit a unique constraint; `key` names it as `table.column[,column]`."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


# PostgreSQL reports the constraint's name; SQLite its table and columns.
_BY_NAME = {
    "uq_projects_code": "projects.code",
    "uq_projects_lead_investor_lead_name": "projects.lead",
    "uq_listings_one_open_per_project": "listings.open",
    "uq_claims_one_pending_per_claimant": "claims.pending",
    "uq_transfers_listing_id": "transfers.listing",
    "uq_transfers_claim_id": "transfers.claim",
    "uq_actors_name": "actors.name",
    "uq_ruleset_versions_ruleset_version": "ruleset_versions.version",
    "pk_regions": "regions.code",
}
_BY_COLUMNS = {
    "projects.code": "projects.code",
    "projects.lead_investor, projects.lead_name": "projects.lead",
    "listings.project_id": "listings.open",
    "claims.listing_id, claims.claimant": "claims.pending",
    "transfers.listing_id": "transfers.listing",
    "transfers.claim_id": "transfers.claim",
    "actors.name": "actors.name",
    "ruleset_versions.ruleset, ruleset_versions.version": "ruleset_versions.version",
    "regions.code": "regions.code",
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")


def unique_key(exc: IntegrityError) -> str | None:
    """The logical name of the unique constraint `exc` violated, or None for other violations."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return _BY_NAME.get(name, name)
    m = _SQLITE_UNIQUE.search(str(exc.orig))
    if m:
        return _BY_COLUMNS.get(m.group(1).strip(), m.group(1).strip())
    return None


def translate(exc: DBAPIError) -> PoolError:
    """A sentence for a database failure that is not a bug in the product."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if sqlstate in ("40001", "40P01"):  # serialization failure, deadlock
        return Retryable(
            "Another change to the same objects got there first; nothing was changed, try again."
        )
    if isinstance(exc, OperationalError):
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if "locked" in first:
            return Conflict("The database is busy with another change; nothing was changed, try again.")
        return DatabaseUnavailable(f"The database cannot be used: {first}.")
    first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return DatabaseUnavailable(f"The database refused the change: {first}.")
