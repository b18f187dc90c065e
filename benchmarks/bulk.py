"""Moved projects written straight into the tables, set-based: for the province benchmark and
for the tests that need thousands of transfers (thousands of authenticated approvals would time
the password hash, not the ledger). Each project gets, per move, a closed listing, an approved
claim and a transfer with the ruleset version and agreement the caller resolved."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from pool.store.journal_store import Journal


@dataclass(frozen=True)
class Move:
    """One move of a project: from `host` to `to` in month `effective`, pinned as given."""

    host: str
    to: str
    effective: int
    ruleset_version_id: int
    agreement: str  # the stored JSON


@dataclass(frozen=True)
class MovedProject:
    """A project's facts (the `projects` columns but its id and registration) and its moves."""

    facts: dict[str, Any]
    moves: Sequence[Move]


def write_moved_projects(
    conn: Connection, projects: Sequence[MovedProject], actor_id: int, at: datetime
) -> None:
    """Insert the projects, their listings, claims and transfers in the caller's transaction, and
    record them in the input journal as the services would."""
    rows = [{**p.facts, "registered_by": actor_id, "registered_at": at} for p in projects]
    _insert(conn, "projects", rows)
    codes = [p.facts["code"] for p in projects]
    ids = dict(conn.execute(text("SELECT code, id FROM projects")).all())
    listing = conn.scalar(text("SELECT COALESCE(MAX(id), 0) FROM listings")) or 0
    claim = conn.scalar(text("SELECT COALESCE(MAX(id), 0) FROM claims")) or 0
    tables: dict[str, list[dict[str, Any]]] = {"listings": [], "claims": [], "transfers": []}
    for code, p in zip(codes, projects, strict=True):
        for move in p.moves:
            listing, claim = listing + 1, claim + 1
            tables["listings"].append(
                {
                    "id": listing,
                    "project_id": ids[code],
                    "region": move.host,
                    "reason": "bulk",
                    "needs": "{}",
                    "status": "transferred",
                    "opened_by": actor_id,
                    "opened_at": at,
                    "closes_at": at,
                    "closed_at": at,
                }
            )
            tables["claims"].append(
                {
                    "id": claim,
                    "listing_id": listing,
                    "claimant": move.to,
                    "note": "",
                    "status": "approved",
                    "submitted_by": actor_id,
                    "submitted_at": at,
                    "decided_by": actor_id,
                    "decided_at": at,
                    "decision_reason": None,
                }
            )
            tables["transfers"].append(
                {
                    "project_id": ids[code],
                    "listing_id": listing,
                    "claim_id": claim,
                    "from_region": move.host,
                    "to_region": move.to,
                    "effective": move.effective,
                    "ruleset_version_id": move.ruleset_version_id,
                    "agreement": move.agreement,
                    "approved_by": actor_id,
                    "approved_at": at,
                }
            )
    for table, batch in tables.items():
        _insert(conn, table, batch)
    if conn.dialect.name == "postgresql":  # ids given explicitly leave the sequences behind
        for table in ("listings", "claims"):
            conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            )
    with Session(bind=conn) as session:  # the input journal records the rows written here
        Journal(session).record_all()


def _insert(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        keys = list(rows[0])
        conn.execute(
            text(f"INSERT INTO {table} ({', '.join(keys)}) VALUES ({', '.join(':' + k for k in keys)})"), rows
        )
