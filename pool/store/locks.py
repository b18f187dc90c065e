"""The ledger lock: imports, settlements, approvals and period closes never interleave. The
rulesets lock: publications never interleave.

On SQLite a write unit of work already holds the database's single write lock from BEGIN
IMMEDIATE (waiting at most the busy timeout); on PostgreSQL a transaction-scoped advisory lock
does the same for these commands, waiting at most LOCK_WAIT_SECONDS as well. The holder names
itself in `application_name`, so a command that gives up can say what holds the lock.
"""

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pool.domain.errors import Conflict

LEDGER_LOCK = 727001
RULESETS_LOCK = 727002
LOCK_WAIT_SECONDS = 60

_HOLDER = text(
    "SELECT a.application_name, a.xact_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.objid = :key AND l.granted "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1"
)


def lock_ledger(session: Session, holder: str) -> None:
    """Wait for, then hold until the transaction ends, the lock on actuals and the ledger;
    `holder` says who takes it (e.g. `settle by city-office`)."""
    busy = "The ledger is busy: another settlement, import, approval or period close"
    _advisory(session, LEDGER_LOCK, holder, busy)


def lock_rulesets(session: Session, holder: str) -> None:
    """Wait for, then hold until the transaction ends, the lock on publishing rulesets, so that a
    publication compares its units with every version published before it."""
    _advisory(session, RULESETS_LOCK, holder, "Publishing is busy: another publication")


def _advisory(session: Session, key: int, holder: str, busy: str) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT_SECONDS}s'"))
    session.execute(text("SELECT set_config('application_name', :name, true)"), {"name": f"pool: {holder}"})
    savepoint = session.begin_nested()
    try:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        savepoint.rollback()
        raise Conflict(_busy(session, key, busy)) from None
    savepoint.commit()


def _busy(session: Session, key: int, busy: str) -> str:
    row = session.execute(_HOLDER, {"key": key}).first()
    who = ""
    if row is not None and row[0]:
        since = f" since {row[1]:%Y-%m-%d %H:%M:%S %Z}".rstrip() if row[1] is not None else ""
        who = f" ({row[0].removeprefix('pool: ')}{since})"
    return (
        f"{busy}{who} has held it for more than {LOCK_WAIT_SECONDS} s; nothing was changed, try again "
        "when it has finished."
    )
