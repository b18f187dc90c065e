"""The ledger lock: imports and settlements never interleave, and two settlements never overlap.

On SQLite a write unit of work already holds the database's single write lock from BEGIN
IMMEDIATE; on PostgreSQL a transaction-scoped advisory lock does the same for these commands.
"""

from sqlalchemy import text
from sqlalchemy.orm import Session

LEDGER_LOCK = 727001


def lock_ledger(session: Session) -> None:
    """Wait for, then hold until the transaction ends, the lock on actuals and the ledger."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LEDGER_LOCK})
